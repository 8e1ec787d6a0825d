"""The streaming ceiling: the local runner reading Pub/Sub into a sink that only counts.

    python -m benchmarks.count_pubsub projects/P/subscriptions/S OUT_DIR

The same read as the pipeline (``ReadFromPubSub`` with attributes on the
BundleBasedDirectRunner, streaming), then a ``DoFn`` that counts each bundle's messages and
writes the count to a small file at the bundle's end (the pipeline lands one file per bundle,
so both are timed the same way, by their files). Runs until terminated.
"""

from __future__ import annotations

import signal
import sys
import uuid
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions


class CountPerBundleFn(beam.DoFn):
    """Input: Pub/Sub messages. Writes ``<n>`` to a new file in ``directory`` per bundle."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def start_bundle(self) -> None:
        self.count = 0

    def process(self, message):
        self.count += 1

    def finish_bundle(self) -> None:
        if self.count:
            path = Path(self.directory) / f"{uuid.uuid4().hex}.count"
            path.write_text(str(self.count))


def main(argv: list[str] | None = None) -> int:
    subscription, out = (argv or sys.argv[1:])[:2]
    Path(out).mkdir(parents=True, exist_ok=True)
    options = PipelineOptions(["--runner", "BundleBasedDirectRunner", "--streaming"])
    pipeline = beam.Pipeline(options=options)
    (
        pipeline
        | "ReadPubSub" >> beam.io.ReadFromPubSub(subscription=subscription, with_attributes=True)
        | "Count" >> beam.ParDo(CountPerBundleFn(out))
    )
    result = pipeline.run()

    def stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print("streaming", flush=True)
    try:
        result.wait_until_finish()
    except KeyboardInterrupt:
        result.cancel()
    return 0


if __name__ == "__main__":
    sys.exit(main())
