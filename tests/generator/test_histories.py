"""Domain rules, checked on thousands of generated cases (and property-based on the rest)."""

from __future__ import annotations

import itertools
import json
import random
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expedientes import contract, procedures
from generator import cases, commands, courts
from generator.cases import Case, RefAllocator, history, next_event

AS_OF = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)
N_CASES = 3000


@pytest.fixture(scope="module")
def backfill() -> dict[str, list[dict]]:
    by_ref: dict[str, list[dict]] = defaultdict(list)
    for event in commands.backfill_events(N_CASES, seed=11, as_of=AS_OF):
        by_ref[event["ref"]].append(event)
    return by_ref


def _ts(event: dict) -> datetime:
    return contract.parse_event_ts(event["event_ts"])


def test_every_event_passes_the_contract(backfill) -> None:
    for event in itertools.chain.from_iterable(backfill.values()):
        assert contract.validate(json.loads(json.dumps(event))) == [], event


def test_one_case_per_ref_and_refs_are_nigs(backfill) -> None:
    assert len(backfill) == N_CASES
    for ref, events in backfill.items():
        assert len(ref) == 19 and ref.isdigit(), ref
        assert ref[5:8] == "421"  # Juzgado de Primera Instancia, civil jurisdiction
        assert (
            ref[8:12] == events[0]["event_ts"][:4]
            or abs(int(ref[8:12]) - int(events[0]["event_ts"][:4])) <= 1
        )


def test_every_history_is_a_path_of_the_state_machine(backfill) -> None:
    for events in backfill.values():
        proc = procedures.get(events[0]["procedimiento"])
        states = [e["estado"] for e in events]
        assert states[0] == "demanda"
        assert len(set(states)) == len(states), states
        assert all(proc.is_legal(a, b) for a, b in itertools.pairwise(states)), states
        times = [_ts(e) for e in events]
        assert all(a < b for a, b in itertools.pairwise(times)), "timestamps strictly increase"
        assert times[-1] <= AS_OF
        assert {e["procedimiento"] for e in events} == {proc.name}
        assert len({e["juzgado"] for e in events}) == 1


def test_procedure_follows_the_amount_and_the_threshold_on_the_filing_date(backfill) -> None:
    before, after = Counter(), Counter()
    for events in backfill.values():
        filing = events[0]
        court = courts.parse(filing["juzgado"])
        filed_on = _ts(filing).astimezone(ZoneInfo(court.city.timezone)).date()
        assert filing["procedimiento"] == procedures.procedimiento_for(filing["cuantia"], filed_on)
        if filing["cuantia"] is not None and 6000 < filing["cuantia"] <= 15000:
            (before if filed_on < date(2024, 3, 20) else after)[filing["procedimiento"]] += 1
    assert set(before) == {"Ordinario"} and set(after) == {"Verbal"}, "RDL 6/2023 moved them"


def test_amounts_are_skewed_per_procedure_and_change_rarely(backfill) -> None:
    filed = {"Ordinario": [], "Verbal": []}
    changes = total = 0
    for events in backfill.values():
        if events[0]["cuantia"] is not None:
            filed[events[0]["procedimiento"]].append(events[0]["cuantia"])
        current = events[0]["cuantia"]
        for event in events[1:]:
            total += 1
            if event["cuantia"] is not None:
                assert event["cuantia"] >= 0
                assert event["cuantia"] != current, "a repeated amount is not a change"
                current = event["cuantia"]
                changes += 1
    for amounts in filed.values():
        assert statistics.mean(amounts) > statistics.median(amounts), "right-skewed"
    assert min(filed["Ordinario"]) > 6000
    assert max(filed["Verbal"]) <= 15000
    assert 0 < changes / total < 0.15
    assert 0.1 < len(filed["Ordinario"]) / N_CASES < 0.5  # fewer since RDL 6/2023


def test_cases_are_at_every_stage(backfill) -> None:
    current = Counter(events[-1]["estado"] for events in backfill.values())
    assert current["demanda"] > 0 and current["admision_a_tramite"] > 0
    assert 0.3 < current["archivo"] / N_CASES < 0.85
    assert len(current) >= 12


def test_courts_are_spread_over_cities_and_renamed_after_lo_1_2025(backfill) -> None:
    cities = Counter()
    for events in backfill.values():
        juzgado = events[0]["juzgado"]
        court = courts.parse(juzgado)
        assert court is not None, juzgado
        cities[court.city.name] += 1
        filed_on = _ts(events[0]).astimezone(ZoneInfo(court.city.timezone)).date()
        renamed = juzgado.startswith("Tribunal de Instancia de ")
        assert renamed == (filed_on >= court.city.tribunal_from), (juzgado, filed_on)
    assert len(cities) >= 15
    assert cities.most_common(2)[0][0] == "Madrid"
    assert cities["Madrid"] > cities["Barcelona"] > cities["Oviedo"]


def test_procedural_acts_happen_on_working_days_in_court_hours(backfill) -> None:
    for events in backfill.values():
        tz = ZoneInfo(courts.parse(events[0]["juzgado"]).city.timezone)
        for event in events:
            local = _ts(event).astimezone(tz)
            assert local.weekday() < 5
            assert 8 <= local.hour < 15
            if event["estado"] != "demanda":
                assert local.month != 8, "August is inhábil for procedural acts"


def test_first_instance_durations_match_the_published_figures() -> None:
    """Filing to judgment, uncensored (histories run to the end): Verbal near 7.3 months."""
    refs, until = RefAllocator(), datetime(2040, 1, 1, tzinfo=UTC)
    months = defaultdict(list)
    for i in range(4000):
        rng = random.Random(f"durations:{i}")
        events = history(rng, refs, date(2025, 1, 2) + timedelta(days=i % 300), until)
        by_state = {e["estado"]: _ts(e) for e in events}
        if "sentencia" in by_state and "allanamiento" not in by_state:
            days = (by_state["sentencia"] - by_state["demanda"]).days
            months[events[0]["procedimiento"]].append(days / (365.25 / 12))
    verbal, ordinario = statistics.median(months["Verbal"]), statistics.median(months["Ordinario"])
    assert 6.0 <= verbal <= 9.0, verbal
    assert ordinario > verbal + 1, (ordinario, verbal)


def test_backfill_is_lazy_so_memory_stays_bounded() -> None:
    first = list(itertools.islice(commands.backfill_events(10_000_000, seed=1, as_of=AS_OF), 50))
    assert len(first) == 50  # ten million cases were never built


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32), offset=st.integers(min_value=0, max_value=1500)
)
def test_any_simulated_history_runs_to_archivo(seed: int, offset: int) -> None:
    rng = random.Random(seed)
    events = history(
        rng,
        RefAllocator(),
        date(2022, 1, 3) + timedelta(days=offset),
        datetime(2060, 1, 1, tzinfo=UTC),
    )
    proc = procedures.get(events[0]["procedimiento"])
    states = [e["estado"] for e in events]
    assert states[-1] == "archivo"
    assert tuple(states) in set(proc.paths())
    assert all(_ts(a) < _ts(b) for a, b in itertools.pairwise(events))


@st.composite
def case_on_a_path(draw):
    proc = procedures.get(draw(st.sampled_from(procedures.names())))
    path = draw(st.sampled_from(sorted(proc.paths())))
    prefix = path[: draw(st.integers(min_value=1, max_value=len(path)))]
    last = datetime(2025, 3, 3, 10, tzinfo=UTC)
    case = Case(
        "2807942120250000001",
        proc.name,
        "Juzgado de Primera Instancia nº 1 de Madrid",
        prefix[-1],
        last,
        set(prefix),
        None,
    )
    return case, draw(st.integers(min_value=0, max_value=2**32))


@settings(max_examples=300, deadline=None)
@given(case_on_a_path())
def test_the_next_event_of_any_case_is_legal_and_later(drawn) -> None:
    case, seed = drawn
    before_state, before_ts, seen = case.estado, case.last_ts, set(case.seen)
    event = next_event(random.Random(seed), case)
    proc = procedures.get(case.procedimiento)
    if proc.state(before_state).is_terminal:
        assert event is None
        return
    assert event is not None
    assert proc.is_legal(before_state, event["estado"])
    assert event["estado"] not in seen
    assert _ts(event) > before_ts
    assert contract.validate(event, now=_ts(event)) == []  # as read when it happens


def test_the_stream_never_runs_past_its_horizon(backfill) -> None:
    from generator.status import CaseStatus

    known = [
        CaseStatus(
            ref,
            ev[0]["procedimiento"],
            ev[0]["juzgado"],
            frozenset(e["estado"] for e in ev),
            _ts(ev[-1]),
            None,
        )
        for ref, ev in backfill.items()
    ]
    horizon = AS_OF + timedelta(days=30)
    events = list(commands.stream_events(known, 3000, seed=2, new_cases=0.05, horizon=horizon))
    assert len(events) == 3000
    assert max(_ts(e) for e in events) <= horizon + timedelta(days=1)
    times = [_ts(e) for e in events if e["estado"] != "demanda"]
    assert times == sorted(times), "next events come in the order they happen"


def test_event_ids_name_the_fact_not_the_random_draw() -> None:
    """Ids derive from (ref, estado, event_ts): a regenerated fact keeps its id, and runs with
    the same seed over different cases (a second `make demo`) never reuse an id for another
    fact, which staging's deduplication would otherwise drop as a repeat."""
    as_of = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)
    first = list(commands.backfill_events(30, seed=5, as_of=as_of))
    again = list(commands.backfill_events(30, seed=5, as_of=as_of))
    assert [e["event_id"] for e in first] == [e["event_id"] for e in again]
    facts = {e["event_id"]: (e["ref"], e["estado"], e["event_ts"]) for e in first}
    assert len(facts) == len(first)
    other = list(commands.backfill_events(30, seed=6, as_of=as_of))
    for event in other:
        fact = (event["ref"], event["estado"], event["event_ts"])
        assert facts.get(event["event_id"], fact) == fact
    assert cases.event_id("r1", "demanda", "2025-01-02T10:00:00Z") != cases.event_id(
        "r1", "demanda", "2025-01-02T10:00:01Z"
    )
