"""The report renders every scenario with its figures, and says which did not run."""

from __future__ import annotations

from dataclasses import asdict

from tests.reliability.harness import Outcome
from tests.reliability.report import ORDER, render


def _result(name: str, **changes) -> dict:
    outcome = Outcome(name, "some faults", published=12, valid_events=10, staged=10)
    outcome.dead_letter_reasons_right = outcome.master_equals_clean = outcome.dbt_passed = True
    for key, value in changes.items():
        setattr(outcome, key, value)
    return {**asdict(outcome), "ok": outcome.ok, "scale": "small"}


def test_every_scenario_is_a_row_and_failures_say_why() -> None:
    results = [_result(name) for name in ORDER[:-1] if name != "pipeline crash"]
    results.append(_result("pipeline crash", lost=3, master_equals_clean=False))
    text = render(results)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == len(results) + 1  # and the header
    assert "FAIL: master differs from the clean run" in text
    assert "| 3 |" in text
    assert f"Not run: {ORDER[-1]}." in text
