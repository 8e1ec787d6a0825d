"""CLIs reject bad input with a message (no traceback); the Makefile documents every target."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO, python_module, run


@pytest.mark.parametrize(
    ("module", "args", "message"),
    [
        ("expedientes.emulator", ["start", "--port", "abc"], "invalid int value"),
        ("expedientes.emulator", ["start", "--port", "70000"], "between 1 and 65535"),
        ("expedientes.emulator", ["launch"], "invalid choice"),
        ("expedientes.emulator", [], "required"),
        ("expedientes.seeds", ["--bogus"], "unrecognized arguments"),
        ("expedientes.tables", ["--bogus"], "unrecognized arguments"),
        ("expedientes.pubsub_admin", ["ensure", "--nope"], "unrecognized arguments"),
        ("expedientes.demo", ["--cases", "0"], "must be greater than 0"),
        ("expedientes.demo", ["--malformed", "2"], "between 0 and 1"),
        ("expedientes.demo", ["--rate", "fast"], "expected events per second"),
        ("expedientes.live", ["--events", "-5"], "must be greater than 0"),
        ("expedientes.live", ["--chunk", "x"], "expected a whole number"),
        ("expedientes.dbt_runner", ["schedule", "--interval", "0"], "must be greater than 0"),
        ("expedientes.dbt_runner", ["schedule"], "required"),
        ("expedientes.dbt_runner", ["docs", "--port", "99999"], "at most 65535"),
        ("dashboard", ["--port", "0"], "must be greater than 0"),
        ("dashboard", ["--target", "postgres"], "invalid choice"),
    ],
)
def test_bad_flags_get_a_message_not_a_traceback(
    module: str, args: list[str], message: str
) -> None:
    result = python_module(module, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "module",
    [
        "expedientes.emulator",
        "expedientes.seeds",
        "expedientes.tables",
        "expedientes.pubsub_admin",
        "expedientes.demo",
        "expedientes.live",
        "expedientes.dbt_runner",
        "dashboard",
    ],
)
def test_every_cli_has_help(module: str) -> None:
    result = python_module(module, "--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_make_help_lists_every_target() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    result = run(["make", "help"])
    assert result.returncode == 0
    listed = set(re.findall(r"^\s+(?:\x1b\[1m)?([a-z][a-z-]*)", result.stdout, flags=re.M))
    assert targets <= listed, f"missing from make help: {targets - listed}"
    for required in (
        "setup",
        "emulator-start",
        "emulator-stop",
        "emulator-status",
        "test",
        "lint",
        "clean",
    ):
        assert required in listed


def test_make_reliability_runs_the_fault_suite_at_full_size_and_writes_the_report() -> None:
    result = run(["make", "-n", "reliability"])
    assert result.returncode == 0, result.stderr
    assert "RELIABILITY_SCALE=full" in result.stdout
    assert "pytest tests/reliability" in result.stdout
    assert "tests.reliability.report" in result.stdout and "docs/RELIABILITY.md" in result.stdout


def test_the_readme_documents_every_make_target() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    readme = (REPO / "README.md").read_text()
    documented = set(re.findall(r"`make ([a-z][a-z-]*)", readme))
    assert targets <= documented, f"missing from the README: {targets - documented}"


def test_the_schedule_runs_builds_and_logs_each_one(tmp_path) -> None:
    result = python_module(
        "expedientes.dbt_runner",
        "schedule",
        "--interval",
        "1",
        "--runs",
        "2",
        env={"EXPEDIENTES_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if " build #" in line]
    assert len(lines) == 2 and all("dbt build OK" in line for line in lines), result.stdout
    assert (tmp_path / "dbt" / "logs" / "schedule.log").stat().st_size > 0


def test_python_code_is_ruff_clean() -> None:
    ruff = REPO / ".venv" / "bin" / "ruff"
    check = run([str(ruff), "check", "."])
    assert check.returncode == 0, check.stdout
    fmt = run([str(ruff), "format", "--check", "."])
    assert fmt.returncode == 0, fmt.stdout
