"""Shared fixtures: a real Pub/Sub emulator on a free port, fresh topics per test, and a
temporary EXPEDIENTES_DATA_DIR.

Where the emulator is not installed its tests are skipped with the install hint, and the run
ends with a banner saying so; under CI (CI=true) its absence fails the run instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from expedientes import emulator, pubsub_admin

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
_SKIPPED_FOR_EMULATOR: list[str] = []


def require_emulator() -> None:
    """Skip (fail under CI) when the emulator is not installed, with what to install."""
    if emulator.is_installed():
        return
    reason = f"Pub/Sub emulator unavailable: {emulator.INSTALL_HINT}"
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    _SKIPPED_FOR_EMULATOR.append(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pubsub_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[emulator.EmulatorState]:
    """One emulator for the session on a free port; PUBSUB_EMULATOR_HOST points at it."""
    require_emulator()
    directory = tmp_path_factory.mktemp("emulator")
    state, _ = emulator.start(port=emulator.free_port(), directory=directory)
    patch = pytest.MonkeyPatch()
    patch.setenv("PUBSUB_EMULATOR_HOST", state.address)
    try:
        yield state
    finally:
        patch.undo()
        emulator.stop(directory)


@pytest.fixture
def pubsub_resources(pubsub_emulator: emulator.EmulatorState) -> pubsub_admin.Resources:
    """A fresh topic + subscription (+ dead-letter pair) per test: a topic fans out to every
    subscription on it, so sharing one between tests would leak messages across them."""
    suffix = uuid.uuid4().hex[:10]
    resources = pubsub_admin.Resources(
        project="expedientes-test",
        topic=f"expedientes-updates-{suffix}",
        subscription=f"expedientes-sub-{suffix}",
        dead_letter_topic=f"expedientes-dead-letter-{suffix}",
        dead_letter_subscription=f"expedientes-dead-letter-sub-{suffix}",
    )
    pubsub_admin.ensure(resources)
    return resources


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private EXPEDIENTES_DATA_DIR for the test."""
    path = tmp_path / "data"
    monkeypatch.setenv("EXPEDIENTES_DATA_DIR", str(path))
    return path


def run(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run a command from the repository root (module CLIs, make, dbt) and capture its output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        args, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
    )


def python_module(
    module: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", module, *args], env=env)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _SKIPPED_FOR_EMULATOR:
        terminalreporter.write_sep("!", "Pub/Sub emulator tests were SKIPPED", red=True, bold=True)
        terminalreporter.write_line(_SKIPPED_FOR_EMULATOR[0])
