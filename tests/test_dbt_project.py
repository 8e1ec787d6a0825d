"""dbt runs here: the seeds exported from the state machine load into DuckDB and pass their
tests, and the BigQuery profile parses."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb
import pytest

from expedientes import procedures
from tests.conftest import REPO, run

DBT = str(Path(sys.executable).with_name("dbt"))


def dbt(*args: str, data_dir: Path) -> tuple[int, str]:
    env = {
        "EXPEDIENTES_DATA_DIR": str(data_dir),
        "DBT_PROFILES_DIR": str(REPO / "dbt_project"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        "DBT_LOG_PATH": str(data_dir / "dbt-logs"),
        "DBT_TARGET_PATH": str(data_dir / "dbt-target"),
    }
    result = run([DBT, *args, "--project-dir", str(REPO / "dbt_project")], env=env)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.dbt
def test_seeds_load_into_duckdb_and_pass_their_tests(tmp_path: Path) -> None:
    code, out = dbt(
        "build", "--select", "resource_type:seed", "resource_type:test", data_dir=tmp_path
    )
    assert code == 0, out
    assert "ERROR=0" in out
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    transitions = con.execute(
        "select procedimiento, from_estado, to_estado from main_reference.procedure_transitions"
    ).fetchall()
    expected = {
        (n, t.source, t.target) for n in procedures.names() for t in procedures.get(n).transitions
    }
    assert set(transitions) == expected
    (threshold,) = con.execute(
        "select verbal_max_eur from main_reference.cuantia_thresholds where valid_to is null"
    ).fetchone()
    assert str(threshold) == "15000.00"


@pytest.mark.dbt
def test_bigquery_profile_parses_without_credentials(tmp_path: Path) -> None:
    os.environ.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    code, out = dbt("parse", "--target", "bigquery", data_dir=tmp_path)
    assert code == 0, out
