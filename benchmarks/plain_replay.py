"""The batch-replay baseline: a plain Python loop doing what the pipeline does to a JSONL file.

    python -m benchmarks.plain_replay EVENTS.jsonl LANDING_DIR

Parse and validate each line against the contract (the pipeline's own ``contract.parse``), build
the staging or dead-letter row with the pipeline's functions, and land files of 5,000 rows with
the pipeline's ``land_file``; in one process, no framework. The practical ceiling on this machine
for the same work. Prints ``{"events": N, "seconds": S}``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from beam_pipeline.sinks import DEAD_LETTER_DIR, STAGING_DIR, land_file
from beam_pipeline.validate import dead_letter_row, from_line, staging_row, to_json_line
from expedientes import contract

PER_FILE = 5000


def main(argv: list[str] | None = None) -> int:
    source, landing = (argv or sys.argv[1:])[:2]
    landing_dir = Path(landing)
    started = time.perf_counter()
    staged, dead, seen = [], [], set()
    count = 0
    with open(source, "rb") as handle:
        for line in handle:
            raw = from_line(line.rstrip(b"\n"))
            event, violations = contract.parse(raw["data"])
            count += 1
            if violations:
                row = dead_letter_row(raw, violations[0].error_type, contract.describe(violations))
                dead.append(to_json_line(row))
                continue
            if event["event_id"] in seen:  # the pipeline deduplicates too
                continue
            seen.add(event["event_id"])
            staged.append(to_json_line(staging_row({"event": event, "raw": raw})))
            if len(staged) >= PER_FILE:
                land_file(landing_dir / STAGING_DIR, staged)
                staged = []
    for rows, folder in ((staged, STAGING_DIR), (dead, DEAD_LETTER_DIR)):
        if rows:
            land_file(landing_dir / folder, rows)
    print(json.dumps({"events": count, "seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
