"""The publish baseline: a bare google-cloud-pubsub publisher loop over a JSONL file.

    python -m benchmarks.bare_publisher EVENTS.jsonl projects/P/topics/T [RATE]

The same client settings as the generator's publisher (batching, ordering by the case's bucket,
flow control) on the same payloads, with nothing around them: no event generation, no fault
injection, no progress bar. Prints ``{"events": N, "seconds": S}`` (publishing until every
future is confirmed). With RATE (events per second) it paces itself, for latency measurements.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent import futures

from google.cloud import pubsub_v1

from generator.publisher import ordering_key


def main(argv: list[str] | None = None) -> int:
    args = argv or sys.argv[1:]
    path, topic = args[:2]
    interval = 1.0 / float(args[2]) if len(args) > 2 else 0.0
    with open(path, encoding="utf-8") as handle:
        lines = [line.rstrip("\n").encode("utf-8") for line in handle if line.strip()]
    refs = [json.loads(line)["ref"] for line in lines]
    ids = [json.loads(line)["event_id"] for line in lines]
    client = pubsub_v1.PublisherClient(
        batch_settings=pubsub_v1.types.BatchSettings(
            max_messages=1000, max_bytes=2_000_000, max_latency=0.05
        ),
        publisher_options=pubsub_v1.types.PublisherOptions(
            enable_message_ordering=True,
            flow_control=pubsub_v1.types.PublishFlowControl(
                message_limit=20_000,
                byte_limit=64 * 1024 * 1024,
                limit_exceeded_behavior=pubsub_v1.types.LimitExceededBehavior.BLOCK,
            ),
        ),
    )
    started = time.perf_counter()
    pending = []
    for number, (data, ref, event_id) in enumerate(zip(lines, refs, ids, strict=True)):
        if interval:
            delay = started + number * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        pending.append(
            client.publish(
                topic,
                data,
                ordering_key=ordering_key(ref, "bucket"),
                event_id=event_id,
                schema_version="1",
            )
        )
    futures.wait(pending)
    failed = sum(1 for f in pending if f.exception() is not None)
    seconds = time.perf_counter() - started
    client.stop()
    print(json.dumps({"events": len(lines), "failed": failed, "seconds": seconds}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
