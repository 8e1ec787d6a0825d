"""dbt for real: the master and the history facts are the same however the events are split
across runs, keep the earliest time of a re-sent state, drop repeated amounts, lose nothing -
and the project's data tests fail when those promises are broken."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from expedientes import contract
from generator import commands
from tests.dbt_runner import (
    CUANTIAS,
    DURATIONS,
    ESTADOS,
    LANDED,
    MASTER,
    TRANSITIONS,
    dbt,
    query,
    snapshot,
)
from tests.landing import land

pytestmark = pytest.mark.dbt
AS_OF = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)


def events_with_faults(seed: int) -> list[dict]:
    """A backfill with 10 % redeliveries and 5 % re-sent states (later ts, new id), shuffled."""
    rng = random.Random(seed)
    events = list(commands.backfill_events(120, seed=seed, as_of=AS_OF))
    extra = []
    for event in events:
        if rng.random() < 0.10:
            extra.append(dict(event))
        if rng.random() < 0.05:
            later = contract.parse_event_ts(event["event_ts"]) + timedelta(days=rng.randint(1, 60))
            extra.append(
                {
                    **event,
                    "event_id": f"00000000-0000-4000-8000-{rng.getrandbits(48):012x}",
                    "event_ts": contract.format_event_ts(later),
                }
            )
    everything = events + extra
    rng.shuffle(everything)
    return everything


def build(data_dir: Path, overlap: int = 0) -> str:
    code, out = dbt("build", data_dir=data_dir, overlap_minutes=overlap)
    assert code == 0, out
    return out


@pytest.fixture(scope="module")
def single_and_split(tmp_path_factory, request) -> tuple[Path, Path, list[dict]]:
    events = events_with_faults(seed=21)
    single = tmp_path_factory.mktemp("single")
    split = tmp_path_factory.mktemp("split")
    land(events, single / "landing" / "staging")
    build(single)
    pieces = [events[:150], events[150:400], events[400:]]
    code, out = dbt("seed", data_dir=split)
    assert code == 0, out
    for piece in pieces:
        land(piece, split / "landing" / "staging")
        # overlap 0: each run reads only the piece landed since the last one. Models only: with
        # shuffled pieces a re-sent state may arrive before its original, and the data tests
        # rightly flag such a history until the original lands.
        code, out = dbt("run", data_dir=split, overlap_minutes=0)
        assert code == 0, out
    last = build(split)
    assert "WARN=0" in last, "once every event arrived, every transition is a direct legal one"
    return single, split, events


def test_many_runs_over_pieces_equal_one_run_over_everything(single_and_split) -> None:
    single, split, _events = single_and_split
    for sql in (MASTER, ESTADOS, CUANTIAS, TRANSITIONS, DURATIONS, LANDED):
        assert query(split, sql) == query(single, sql)


def test_a_re_sent_state_keeps_its_earliest_time_and_nothing_is_lost(single_and_split) -> None:
    single, _split, events = single_and_split
    earliest: dict[tuple[str, str], str] = {}
    for event in events:
        key = (event["ref"], event["estado"])
        earliest[key] = min(earliest.get(key, event["event_ts"]), event["event_ts"])
    rows = query(single, "select ref, estado, entered_at from main.fct_expediente_estados")
    assert {(r, e): ts.replace(tzinfo=UTC) for r, e, ts in rows} == {
        k: contract.parse_event_ts(v) for k, v in earliest.items()
    }
    (n_cases,) = query(single, "select count(*) from main.expedientes")[0]
    assert n_cases == len({e["ref"] for e in events})


def test_an_incremental_build_reads_only_the_recent_landing_folders(tmp_path: Path) -> None:
    """The cost of a build follows the new events: once the history is merged, its landing
    folders are not read again. Proven by making an old folder unreadable (not JSON): a
    build that read it would fail."""
    landing = tmp_path / "landing" / "staging"
    events = list(commands.backfill_events(60, seed=8, as_of=AS_OF))
    third = len(events) // 3
    now = datetime.now(UTC)
    old_files = land(events[:third], landing, ingested_at=now - timedelta(days=20))
    # the watermark's day is re-read by the next run (its overlap): keep it readable
    land(events[third : 2 * third], landing, ingested_at=now - timedelta(days=10))
    build(tmp_path)
    new = events[2 * third :]
    for path in old_files:
        path.write_text("this is not JSON {\n", encoding="utf-8")
    land(new, landing)
    build(tmp_path, overlap=60)
    (n_estados,) = query(tmp_path, "select sum(n_estados) from main.expedientes")[0]
    assert n_estados == len({(e["ref"], e["estado"]) for e in events})
    # and a full refresh does read everything: it trips over the broken files
    code, out = dbt("build", "--full-refresh", data_dir=tmp_path)
    assert code != 0 and "JSON" in out


def test_a_build_with_no_new_events_changes_nothing(single_and_split) -> None:
    _single, split, _events = single_and_split
    before = snapshot(split)
    build(split, overlap=60)  # the overlap re-reads the last hour: deduplication absorbs it
    assert snapshot(split) == before


def test_tests_check_the_window_and_a_full_audit_checks_everything(tmp_path: Path) -> None:
    """A build tests what its events touched (the last test_window_days days); a broken row
    of a case untouched for longer is found by the audit (window 0 or --full-refresh)."""
    landing = tmp_path / "landing" / "staging"
    events = list(commands.backfill_events(30, seed=9, as_of=AS_OF))
    land(events, landing, ingested_at=datetime.now(UTC) - timedelta(days=10))
    build(tmp_path)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute(
            "insert into main.fct_expediente_estados "
            "select * from main.fct_expediente_estados limit 1"
        )
    code, out = dbt("test", data_dir=tmp_path)
    assert code == 0, out
    code, out = dbt("test", "--vars", "{test_window_days: 0}", data_dir=tmp_path)
    assert code != 0
    assert "FAIL" in out and "unique_combination_of_columns_fct_expediente_estados" in out


def test_repeated_amounts_are_not_changes_and_late_events_reflag_them(tmp_path: Path) -> None:
    base = {
        "ref": "2807942120250000001",
        "procedimiento": "Ordinario",
        "juzgado": "Juzgado de Primera Instancia nº 1 de Madrid",
        "schema_version": 1,
    }

    def event(n: int, estado: str, day: int, cuantia: float | None) -> dict:
        return {
            **base,
            "event_id": f"00000000-0000-4000-8000-{n:012d}",
            "estado": estado,
            "event_ts": f"2025-03-{day:02d}T10:00:00Z",
            "cuantia": cuantia,
        }

    land(
        [event(1, "demanda", 3, 20000.0), event(2, "admision_a_tramite", 10, 20000.0)],
        tmp_path / "landing" / "staging",
    )
    build(tmp_path)
    assert query(tmp_path, "select cuantia_actual, n_cuantias from main.expedientes") == [
        (20000, 1)
    ]
    # a late event between them with another amount: now 20000 -> 25000 -> 20000, three changes
    land(
        [event(3, "contestacion", 20, 20000.0), event(4, "audiencia_previa", 25, 20000.0)],
        tmp_path / "landing" / "staging",
    )
    land(
        [{**event(5, "admision_a_tramite", 6, 25000.0), "estado": "admision_a_tramite"}],
        tmp_path / "landing" / "staging",
    )
    build(tmp_path)
    changes = query(
        tmp_path,
        "select cuantia from main.fct_expediente_cuantias where is_change order by event_ts",
    )
    assert [float(c) for (c,) in changes] == [20000.0, 25000.0, 20000.0]
    assert query(tmp_path, "select estado_actual, n_cuantias from main.expedientes") == [
        ("audiencia_previa", 3)
    ]


def test_a_case_whose_first_event_has_not_arrived_yet(tmp_path: Path) -> None:
    events = [e for e in commands.backfill_events(1, seed=3, as_of=AS_OF)]
    assert len(events) >= 3
    land(events[1:], tmp_path / "landing" / "staging")
    build(tmp_path)
    (row,) = query(tmp_path, "select fecha_demanda, n_estados from main.expedientes")
    assert row == (None, len(events) - 1)
    land(events[:1], tmp_path / "landing" / "staging")
    build(tmp_path)
    (row,) = query(
        tmp_path,
        "select fecha_demanda, n_estados, cast(historial_estados[1].estado as varchar) "
        "from main.expedientes",
    )
    assert row[0].replace(tzinfo=UTC) == contract.parse_event_ts(events[0]["event_ts"])
    assert row[1:] == (len(events), "demanda")


@pytest.fixture(scope="module")
def sound_warehouse(tmp_path_factory) -> Path:
    """A built warehouse whose data tests pass; each sabotage works on a copy of it."""
    data_dir = tmp_path_factory.mktemp("sound") / "data"
    land(commands.backfill_events(40, seed=5, as_of=AS_OF), data_dir / "landing" / "staging")
    build(data_dir)
    code, out = dbt("test", data_dir=data_dir)
    assert code == 0, out
    return data_dir


@pytest.mark.parametrize(
    ("breakage", "failing_test"),
    [
        (
            "insert into main.fct_expediente_estados "
            "select * from main.fct_expediente_estados limit 1",
            "unique_combination_of_columns_fct_expediente_estados",
        ),
        (
            "update main.fct_expediente_estados set estado = 'juicio', state_order = 5 "
            "where estado = 'admision_a_tramite' and procedimiento = 'Verbal'",
            "fct_expediente_estados_no_impossible_sequence",
        ),
        (
            "update main.expedientes set estado_actual = 'demanda' where n_estados > 1",
            "current_is_last_in_history_expedientes",
        ),
        (
            "delete from main.fct_expediente_estados where estado = 'demanda'",
            "assert_every_staged_event_is_in_the_history",
        ),
    ],
)
def test_the_data_tests_fail_when_a_promise_is_broken(
    sound_warehouse: Path, tmp_path: Path, breakage: str, failing_test: str
) -> None:
    broken = tmp_path / "data"
    shutil.copytree(sound_warehouse, broken)
    with duckdb.connect(str(broken / "warehouse.duckdb")) as con:
        con.execute(breakage)
    code, out = dbt("test", data_dir=broken)
    assert code != 0
    assert any(failing_test in line and "FAIL" in line for line in out.splitlines()), out[-3000:]


def test_events_landing_during_a_build_are_left_to_the_next_build(tmp_path: Path) -> None:
    """The models read staging first; events that land while the build is still testing are
    in staging but rightly not merged yet. The nothing-lost test leaves the events ingested
    within ingest_settle_seconds of the build's start to the next build, which merges them."""
    landing = tmp_path / "landing" / "staging"
    events = list(commands.backfill_events(20, seed=14, as_of=AS_OF))
    land(events[:60], landing)
    code, out = dbt("build", "--exclude-resource-type", "test", "unit_test", data_dir=tmp_path)
    assert code == 0, out
    land(events[60:], landing)  # lands after the models read staging
    code, out = dbt("test", data_dir=tmp_path, settle_seconds=30)
    assert code == 0, out
    code, out = dbt("test", data_dir=tmp_path, settle_seconds=0)
    assert code != 0 and "FAIL" in out and "assert_every_staged_event_is_in_the_history" in out
    build(tmp_path)  # the next build merges them
