"""dbt runs here: the seeds exported from the state machine load into DuckDB and pass their
tests, and the BigQuery profile parses."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from expedientes import procedures
from tests.dbt_runner import dbt


@pytest.mark.dbt
def test_a_build_on_an_empty_landing_loads_the_seeds_and_passes(tmp_path: Path) -> None:
    """Before the pipeline landed anything: the staging models guard the empty glob."""
    code, out = dbt("build", data_dir=tmp_path)
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
