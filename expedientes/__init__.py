"""The shared core of expedientes: the event contract and the procedures' state machine.

Every stage of the data flow (generator, beam_pipeline, dbt seeds, deploy schemas) reads its
definition of an event and of the civil procedures from here, so there is one source of truth
for each:

- ``event.schema.json`` + :mod:`expedientes.contract` - the event contract (v1) and its validator.
- ``procedures.yaml`` + :mod:`expedientes.procedures` - states, order, legal transitions, delays,
  the cuantía threshold that picks Verbal or Ordinario.
- :mod:`expedientes.tables` - the staging and dead-letter table schemas derived from the contract.
- :mod:`expedientes.emulator` and :mod:`expedientes.pubsub_admin` - the local Pub/Sub emulator and
  the topic/subscription set-up, shared by the Makefile, the tests and the other stages.
- :mod:`expedientes.settings` - names and local paths (everything local lives under
  ``EXPEDIENTES_DATA_DIR``).
"""
