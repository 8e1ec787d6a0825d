"""The Apache Beam pipeline: Pub/Sub (or JSONL files) -> parse and validate against the event
contract -> deduplicate -> append-only staging table, with dead letters for what fails.

Not yet available: it lands with issue #4 (Beam pipeline). It will validate with
:mod:`expedientes.contract` and write the tables described in :mod:`expedientes.tables`.
"""
