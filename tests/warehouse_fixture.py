"""A small real warehouse for dashboard tests: backfilled cases landed as the pipeline lands
them, dead letters landed by the pipeline's own sink, and a dbt build over both."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from beam_pipeline.sinks import DEAD_LETTER_DIR, land_file
from beam_pipeline.validate import dead_letter_row, to_json_line
from expedientes import contract
from generator import commands
from tests.dbt_runner import dbt
from tests.landing import land

AS_OF = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)


def build_warehouse(data_dir: Path, cases: int = 60, seed: int = 31) -> list[dict]:
    """Land ``cases`` backfilled cases and a few dead letters, run dbt build; return the events."""
    events = list(commands.backfill_events(cases, seed=seed, as_of=AS_OF))
    land(events, data_dir / "landing" / "staging")
    bad = [b"{not json", b'{"event_id": "x"}', "¿qué?".encode("latin-1")]
    rows = []
    for number, payload in enumerate(bad):
        _event, violations = contract.parse(payload)
        raw = {"data": payload, "attributes": {}, "message_id": f"m{number}", "publish_time": None}
        rows.append(
            to_json_line(
                dead_letter_row(raw, violations[0].error_type, contract.describe(violations))
            )
        )
    land_file(data_dir / "landing" / DEAD_LETTER_DIR, rows)
    code, out = dbt("build", data_dir=data_dir)
    assert code == 0, out[-3000:]
    return events
