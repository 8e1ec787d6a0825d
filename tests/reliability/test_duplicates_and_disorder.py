"""Scenarios 2 and 3: redeliveries and re-sends; the same events shuffled and late."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from generator.faults import FaultInjector, FaultPlan
from tests.reliability.harness import (
    Outcome,
    StreamingPipeline,
    build,
    messages_for,
    publish,
    reconcile,
    shuffled,
    valid_events_of,
    wait_for_landing,
)


def test_redelivered_and_re_sent_events_leave_no_duplicate(
    pubsub_resources, data_dir: Path, tmp_path: Path, events, clean_builds
) -> None:
    injector = FaultInjector(FaultPlan(duplicates=0.10, resend=0.05), random.Random(11))
    messages = [m for e in events for m in injector.apply(e)] + injector.flush()
    valid = valid_events_of(messages)
    report = injector.report
    assert report.duplicates and report.resent

    with StreamingPipeline(pubsub_resources, tmp_path) as pipeline:
        child = pipeline.start()
        confirmed = publish(pubsub_resources, messages)
        wait_for_landing(data_dir, {e["event_id"] for e in valid}, 0, child)

    outcome = reconcile(
        Outcome(
            "duplicates",
            f"{report.duplicates} redelivered (same event_id), "
            f"{report.resent} re-sent (new event_id, later event_ts)",
            published=confirmed,
        ),
        data_dir,
        valid,
        Counter(),
        clean_builds(valid),
    )
    assert outcome.ok, outcome


def test_shuffled_and_late_events_give_the_in_order_master(
    pubsub_resources, data_dir: Path, tmp_path: Path, events, clean_builds
) -> None:
    disordered = shuffled(events, seed=3)
    early, late = disordered[: len(events) // 2], disordered[len(events) // 2 :]

    with StreamingPipeline(pubsub_resources, tmp_path) as pipeline:
        child = pipeline.start()
        confirmed = publish(pubsub_resources, messages_for(early))
        wait_for_landing(data_dir, {e["event_id"] for e in early}, 0, child)
        # a build on half the story: histories with holes, which the late half must repair
        # (models only: the data tests rightly flag transitions whose states are missing)
        ok, out = build(data_dir, "--exclude-resource-type", "test", "unit_test")
        assert ok, out
        confirmed += publish(pubsub_resources, messages_for(late))
        wait_for_landing(data_dir, {e["event_id"] for e in events}, 0, child)

    outcome = reconcile(
        Outcome(
            "disorder",
            "all events shuffled; half of them late, after a dbt build",
            published=confirmed,
        ),
        data_dir,
        events,
        Counter(),
        clean_builds(events),
    )
    assert outcome.ok, outcome
