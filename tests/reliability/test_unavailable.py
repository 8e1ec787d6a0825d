"""Scenario 7: Pub/Sub unavailable. With nothing listening, the generator and the pipeline fail
at once with a message that says what to run; when the emulator stalls mid-stream, the
publisher's retries carry the events over the outage and nothing confirmed is lost."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from expedientes import emulator, pubsub_admin
from tests.conftest import python_module, require_emulator
from tests.reliability.harness import (
    Outcome,
    StreamingPipeline,
    messages_for,
    publish,
    reconcile,
    wait_for_landing,
)


def _closed_port_env() -> dict[str, str]:
    return {"PUBSUB_EMULATOR_HOST": f"127.0.0.1:{emulator.free_port()}"}


def test_the_generator_fails_fast_when_pubsub_does_not_answer(data_dir: Path) -> None:
    result = python_module(
        "generator", "backfill", "--cases", "3", "--publish", env=_closed_port_env()
    )
    assert result.returncode != 0
    assert "does not answer" in result.stderr and "make emulator-start" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("what", ["emulator down", "no such subscription"])
def test_the_pipeline_fails_fast_when_its_subscription_cannot_be_read(
    what: str, pubsub_emulator, data_dir: Path
) -> None:
    env = _closed_port_env() if what == "emulator down" else {}
    path = "projects/expedientes-test/subscriptions/does-not-exist"
    result = python_module("beam_pipeline", "--input_subscription", path, env=env)
    assert result.returncode == 2, result.stderr
    expected = "does not answer" if what == "emulator down" else "does not exist"
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_an_emulator_stalled_mid_stream_loses_nothing_confirmed(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch, events, clean_builds
) -> None:
    """A private emulator frozen (SIGSTOP) for a few seconds while the generator publishes and
    the pipeline pulls: both wait and resume; everything confirmed lands."""
    require_emulator()
    directory = tmp_path / "emulator"
    state, _ = emulator.start(port=emulator.free_port(), directory=directory)
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", state.address)
    try:
        resources = pubsub_admin.Resources(project="expedientes-test")
        pubsub_admin.ensure(resources)
        first, second = events[: len(events) // 2], events[len(events) // 2 :]
        with StreamingPipeline(resources, tmp_path) as pipeline:
            child = pipeline.start()
            confirmed = publish(resources, messages_for(first))
            os.killpg(state.pid, signal.SIGSTOP)
            stalled = time.monotonic()
            done: list[int] = []
            publisher = threading.Thread(
                target=lambda: done.append(publish(resources, messages_for(second)))
            )
            publisher.start()
            time.sleep(5)
            os.killpg(state.pid, signal.SIGCONT)
            outage = time.monotonic() - stalled
            publisher.join(timeout=120)
            assert done, "the publisher finished after the outage"
            confirmed += done[0]
            wait_for_landing(data_dir, {e["event_id"] for e in events}, 0, child)
            assert child.running(), "the pipeline rode out the outage"
    finally:
        os.killpg(state.pid, signal.SIGCONT)
        emulator.stop(directory)

    outcome = reconcile(
        Outcome(
            "Pub/Sub unavailable",
            f"emulator frozen {outage:.0f} s mid-stream; publisher and pipeline waiting; "
            "plus fail-fast checks with nothing listening",
            published=confirmed,
        ),
        data_dir,
        events,
        Counter(),
        clean_builds(events),
    )
    assert outcome.ok, outcome
