"""Fault injection: counted exactly, and every malformed payload is rejected for its reason."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from expedientes import contract
from generator import commands
from generator.faults import MALFORMERS, FaultInjector, FaultPlan

EVENTS = list(
    itertools.islice(commands.backfill_events(200, 3, datetime(2026, 12, 1, tzinfo=UTC)), 600)
)


def test_every_malformer_breaks_the_contract_for_its_stated_reason() -> None:
    for event in EVENTS[:50]:
        for error_type, breaker in MALFORMERS:
            _decoded, violations = contract.parse(breaker(event))
            assert violations and violations[0].error_type == error_type, (error_type, violations)


share = st.floats(min_value=0.0, max_value=0.5)


@settings(max_examples=60, deadline=None)
@given(
    duplicates=share, resend=share, out_of_order=share, malformed=share, seed=st.integers(0, 2**16)
)
def test_faults_reconcile(duplicates, resend, out_of_order, malformed, seed) -> None:
    plan = FaultPlan(duplicates, resend, out_of_order, malformed)
    injector = FaultInjector(plan, random.Random(seed))
    sent = [m for e in EVENTS for m in injector.apply(e)] + injector.flush()
    report = injector.report
    assert len(sent) == len(EVENTS) + report.duplicates + report.resent + report.malformed

    valid, rejected = [], Counter()
    for message in sent:
        event, violations = contract.parse(message.data)
        if violations:
            rejected[violations[0].error_type] += 1
        else:
            valid.append(event)
            assert message.attributes["event_id"] == event["event_id"]
    assert rejected == report.malformed_by_error_type
    ids = Counter(e["event_id"] for e in valid)
    assert len(ids) == len(EVENTS) + report.resent
    assert sum(n - 1 for n in ids.values()) == report.duplicates

    original_positions = {e["event_id"]: i for i, e in enumerate(EVENTS)}
    order = [
        original_positions[e["event_id"]] for e in valid if e["event_id"] in original_positions
    ]
    first_seen = list(dict.fromkeys(order))
    displaced = sum(1 for a, b in itertools.pairwise(first_seen) if b < a)
    assert (displaced > 0) == (report.out_of_order > 0 and first_seen != sorted(first_seen))


def test_resent_events_repeat_a_state_later_with_a_new_id() -> None:
    injector = FaultInjector(FaultPlan(resend=1.0), random.Random(1))
    event = EVENTS[0]
    original, resent = injector.apply(event)
    again = json.loads(resent.data)
    assert resent.kind == "resent"
    assert again["estado"] == event["estado"] and again["ref"] == event["ref"]
    assert again["event_id"] != event["event_id"]
    assert contract.parse_event_ts(again["event_ts"]) > contract.parse_event_ts(event["event_ts"])
    assert original.data == json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def test_no_faults_by_default() -> None:
    injector = FaultInjector(FaultPlan(), random.Random(1))
    sent = [m for e in EVENTS for m in injector.apply(e)] + injector.flush()
    assert [json.loads(m.data) for m in sent] == EVENTS
