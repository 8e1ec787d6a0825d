"""Scenario 6: a build with nothing new changes no table; a full refresh equals the
incremental result."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.dbt_runner import snapshot
from tests.landing import land
from tests.reliability.harness import Outcome, build, reconcile, shuffled


def test_builds_are_idempotent_and_a_full_refresh_equals_the_incremental_result(
    data_dir: Path, events, clean_builds
) -> None:
    pieces = shuffled(events, seed=5)
    half = len(pieces) // 2
    land(pieces[:half], data_dir / "landing" / "staging")
    ok, out = build(data_dir, "--exclude-resource-type", "test", "unit_test")
    assert ok, out
    land(pieces[half:], data_dir / "landing" / "staging")
    ok, out = build(data_dir)
    assert ok, out
    incremental = snapshot(data_dir)

    ok, out = build(data_dir)
    assert ok, out
    unchanged = snapshot(data_dir) == incremental

    ok, out = build(data_dir, "--full-refresh")
    assert ok, out
    refreshed = snapshot(data_dir)
    differing = [table for table in incremental if refreshed[table] != incremental[table]]

    outcome = reconcile(
        Outcome(
            "idempotency",
            "two incremental builds over shuffled halves, a build with nothing new, a full refresh",
            published=len(events),
            notes={"no_op_build_unchanged": unchanged, "full_refresh_differs_in": differing},
        ),
        data_dir,
        events,
        Counter(),
        clean_builds(events),
        build_first=False,
    )
    assert unchanged, "a build with no new events changed a table"
    assert not differing, f"the full refresh differs from the incremental result in {differing}"
    assert outcome.ok, outcome
