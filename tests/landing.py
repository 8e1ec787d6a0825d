"""Test helper: land contract events as local staging rows, as the pipeline's local sink does
(one JSONL file per batch under $EXPEDIENTES_DATA_DIR/landing/staging/ingest_date=D/)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from expedientes import contract, settings


def land(
    events: Iterable[dict],
    landing: Path | None = None,
    batch: int = 5000,
    ingested_at: datetime | None = None,
) -> list[Path]:
    """Land ``events`` as staging rows ingested at ``ingested_at`` (default: now), in that
    day's folder."""
    landing = landing or settings.staging_landing_dir()
    landing.mkdir(parents=True, exist_ok=True)
    now = contract.format_event_ts(ingested_at or datetime.now(UTC))
    written, rows = [], []

    folder = landing / f"ingest_date={now[:10]}"  # the pipeline's layout (hive partitions)
    folder.mkdir(parents=True, exist_ok=True)

    def flush() -> None:
        path = folder / f"test-{uuid.uuid4().hex}.jsonl"
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        written.append(path)
        rows.clear()

    for event in events:
        rows.append(
            {
                **event,
                "message_id": None,
                "publish_time": None,
                "ingested_at": now,
                "payload": json.dumps(event, ensure_ascii=False),
            }
        )
        if len(rows) >= batch:
            flush()
    if rows:
        flush()
    return written
