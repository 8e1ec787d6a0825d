"""Compact the local landing folders: many small per-bundle files -> one file per past day.

The streaming pipeline lands one file per bundle (about 1,000 files per 10k events). Readers
prune by the ``ingest_date=`` folders (dbt reads only the days it has not processed), and this
command merges every closed day (before ``--before``, default: yesterday, UTC) into a single
file: the merged file is written under a hidden name and renamed into place, then the small
files are removed. A reader that lists the folder in between sees some rows twice - harmless,
since staging readers deduplicate on ``event_id`` - and never sees a row missing or half-written.

    python -m beam_pipeline.compact [--landing_dir DIR] [--before 2026-12-01]
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from beam_pipeline.sinks import DEAD_LETTER_DIR, STAGING_DIR
from expedientes import settings


def compact_folder(folder: Path) -> tuple[int, int]:
    """Merge the ``*.jsonl`` files of one day folder into one; return (files merged, rows)."""
    files = sorted(p for p in folder.glob("*.jsonl") if not p.name.startswith("."))
    if len(files) < 2:
        return 0, 0
    temporary = folder / f".compacted-{uuid.uuid4().hex[:12]}.jsonl.tmp"
    rows = 0
    with open(temporary, "wb") as out:
        for path in files:
            data = path.read_bytes()
            if data and not data.endswith(b"\n"):
                data += b"\n"
            rows += data.count(b"\n")
            out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, folder / temporary.name[1:].removesuffix(".tmp"))
    for path in files:
        path.unlink()
    return len(files), rows


def compact(landing: Path, before: date) -> list[tuple[Path, int, int]]:
    """Compact every ``ingest_date=D`` folder with D before ``before``, staging and dead letters."""
    done = []
    for table in (STAGING_DIR, DEAD_LETTER_DIR):
        for folder in sorted((landing / table).glob("ingest_date=*")):
            try:
                day = date.fromisoformat(folder.name.split("=", 1)[1])
            except ValueError:
                continue
            if day < before:
                merged, rows = compact_folder(folder)
                if merged:
                    done.append((folder, merged, rows))
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m beam_pipeline.compact", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--landing_dir", type=Path, default=None, help="default: $EXPEDIENTES_DATA_DIR/landing"
    )
    parser.add_argument(
        "--before",
        type=date.fromisoformat,
        default=None,
        help="compact days before this (default: yesterday)",
    )
    args = parser.parse_args(argv)
    landing = args.landing_dir or settings.data_dir() / "landing"
    before = args.before or (datetime.now(UTC).date() - timedelta(days=1))
    done = compact(landing, before)
    for folder, merged, rows in done:
        print(f"compacted {merged} files ({rows} rows) in {folder}")
    if not done:
        print(f"nothing to compact before {before} in {landing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
