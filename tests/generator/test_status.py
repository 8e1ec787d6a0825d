"""Reading the cases' current status from the warehouse's staging table."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlfluff

from expedientes import contract
from generator import commands, status
from tests.landing import land

AS_OF = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)


def test_status_is_each_case_s_furthest_state_whatever_the_arrival_order(data_dir) -> None:
    events = list(commands.backfill_events(300, seed=5, as_of=AS_OF))
    shuffled = events[:]
    random.Random(1).shuffle(shuffled)
    # a re-sent early state with a later timestamp must not move a case back
    first = events[0]
    resent = {
        **first,
        "event_id": "00000000-0000-4000-8000-000000000001",
        "event_ts": contract.format_event_ts(AS_OF + timedelta(days=3)),
    }
    land(shuffled[:400])
    land([*shuffled[400:], resent])

    found = {s.ref: s for s in status.read("local")}
    by_ref: dict[str, list[dict]] = {}
    for event in events:
        by_ref.setdefault(event["ref"], []).append(event)
    assert set(found) == set(by_ref)
    for ref, history in by_ref.items():
        case = found[ref]
        assert case.estado == history[-1]["estado"]
        assert case.estados == {e["estado"] for e in history}
        assert case.procedimiento == history[0]["procedimiento"]
        assert case.juzgado == history[0]["juzgado"]
        amounts = [e["cuantia"] for e in history if e["cuantia"] is not None]
        assert (float(case.cuantia) if case.cuantia is not None else None) == (
            amounts[-1] if amounts else None
        )
    assert found[first["ref"]].last_event_ts == AS_OF + timedelta(days=3)


def test_an_empty_landing_reads_as_no_case(data_dir) -> None:
    assert status.read("local") == []


def test_a_corrupt_landing_file_is_a_clear_error(data_dir) -> None:
    land(list(commands.backfill_events(3, seed=1, as_of=AS_OF)))
    (data_dir / "landing" / "staging" / "broken.jsonl").write_text('{"ref": \n')
    with pytest.raises(status.WarehouseError, match="cannot read the local staging files"):
        status.read("local")


def test_the_bigquery_status_query_parses_as_bigquery_sql() -> None:
    sql = status.bigquery_sql("my-project.raw.expedientes_staging")
    parsed = sqlfluff.parse(sql, dialect="bigquery")  # raises on anything unparsable
    assert parsed
    assert "`my-project.raw.expedientes_staging`" in sql


def test_bigquery_needs_a_project(monkeypatch) -> None:
    monkeypatch.delenv("EXPEDIENTES_GCP_PROJECT", raising=False)
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    with pytest.raises(status.WarehouseError, match="EXPEDIENTES_GCP_PROJECT"):
        status.read("bigquery")
