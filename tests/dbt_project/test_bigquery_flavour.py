"""The BigQuery flavour, offline: every model and data test compiles for BigQuery (as a full and
as an incremental run) and the compiled SQL parses as BigQuery SQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlfluff
from sqlfluff.core.errors import SQLBaseError

from tests.conftest import REPO, run
from tests.dbt_runner import DBT

pytestmark = pytest.mark.dbt


def compile_for_bigquery(target_path: Path, incremental: bool) -> Path:
    env = {
        "DBT_PROFILES_DIR": str(REPO / "dbt_project"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        "DBT_LOG_PATH": str(target_path / "logs"),
        "EXPEDIENTES_OFFLINE_INCREMENTAL": "true" if incremental else "false",
        "GOOGLE_APPLICATION_CREDENTIALS": "",
    }
    result = run(
        [
            DBT,
            "compile",
            "--target",
            "bigquery_offline",
            "--no-populate-cache",
            "--target-path",
            str(target_path),
            "--project-dir",
            str(REPO / "dbt_project"),
        ],
        env=env,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return target_path / "compiled" / "expedientes_analytics"


def unparsable(sql: str) -> str | None:
    try:
        sqlfluff.parse(sql, dialect="bigquery")
    except (SQLBaseError, ValueError) as exc:  # APIParsingError is a ValueError
        return str(exc)[:300]
    return None


@pytest.mark.parametrize("incremental", [False, True], ids=["full", "incremental"])
def test_every_model_and_test_compiles_to_parsable_bigquery_sql(
    tmp_path: Path, incremental: bool
) -> None:
    compiled = compile_for_bigquery(tmp_path, incremental)
    files = sorted(compiled.rglob("*.sql"))
    models = [f for f in files if "/models/" in str(f) and not f.parent.name.endswith(".yml")]
    assert {f.stem for f in models} >= {
        "stg_pubsub__expediente_events",
        "int_expediente_transitions",
        "expedientes",
        "fct_expediente_estados",
        "fct_expediente_cuantias",
        "mart_pipeline_health_daily",
        "mart_dead_letters_daily",
    }
    failures = {
        str(f.relative_to(compiled)): why for f in files if (why := unparsable(f.read_text()))
    }
    assert failures == {}
    history = compiled / "models" / "marts" / "history"
    master = (history / "expedientes.sql").read_text()
    assert "array_agg(" in master and "struct(" in master  # ARRAY<STRUCT>, not DuckDB's list
    # arrays compared through JSON on BigQuery (no array equality there)
    assert ("to_json_string(final.historial_estados)" in master) == incremental
    estados = (history / "fct_expediente_estados.sql").read_text()
    assert (
        "from `expedientes-offline`.`expedientes`.`fct_expediente_estados`" in estados
    ) == incremental


def test_the_parse_check_rejects_duckdb_only_sql() -> None:
    assert unparsable("select list(struct_pack(estado := estado)) as h from t") is not None
    assert unparsable("select array_agg(struct(estado as estado) order by ts) as h from t") is None
