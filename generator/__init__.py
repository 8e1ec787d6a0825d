"""The case-event generator: legally coherent synthetic expedientes.

- ``backfill``: N cases with full, coherent histories over the last three years - the initial
  dataset, written to JSONL (replayed through the pipeline) and/or published.
- ``stream``: reads each case's current status from the warehouse (staged events included) and
  publishes legally possible next events, with optional fault injection.

Modules: :mod:`generator.cases` (the simulation), :mod:`generator.courts`,
:mod:`generator.amounts`, :mod:`generator.status` (reading the warehouse),
:mod:`generator.faults`, :mod:`generator.publisher`, :mod:`generator.cli`. The procedures come
from :mod:`expedientes.procedures`; every event passes :mod:`expedientes.contract`.
"""
