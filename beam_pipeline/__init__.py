"""The Apache Beam pipeline: Pub/Sub (or JSONL files) -> parse and validate against the event
contract -> deduplicate -> append-only staging, with dead letters for what fails.

Modules: :mod:`beam_pipeline.options` (the ``PipelineOptions`` subclass),
:mod:`beam_pipeline.validate` (the parsing ``DoFn`` with its dead-letter output and the staging
row), :mod:`beam_pipeline.dedup` (stateful dedup on ``event_id``), :mod:`beam_pipeline.sinks`
(landing files locally, BigQuery in production), :mod:`beam_pipeline.pipeline` (the composite
transforms and ``main``).
"""
