"""Run dbt as a subprocess (in-process dbt would keep the DuckDB file locked) against a data dir."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from tests.conftest import REPO, run

DBT = str(Path(sys.executable).with_name("dbt"))


def dbt(
    *args: str, data_dir: Path, overlap_minutes: int | None = None, settle_seconds: int = 0
) -> tuple[int, str]:
    """``dbt <args>`` against ``data_dir``. Tests land their events before they build, so the
    nothing-lost test needs no settling time (``ingest_settle_seconds`` 0), unless a test says
    otherwise; ``--vars`` in ``args`` replaces these."""
    env = {
        "EXPEDIENTES_DATA_DIR": str(data_dir),
        "DBT_PROFILES_DIR": str(REPO / "dbt_project"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        "DBT_LOG_PATH": str(data_dir / "dbt-logs"),
        "DBT_TARGET_PATH": str(data_dir / "dbt-target"),
    }
    variables = {"ingest_settle_seconds": settle_seconds}
    if overlap_minutes is not None:
        variables["ingest_overlap_minutes"] = overlap_minutes
    rendered = "{" + ", ".join(f"{k}: {v}" for k, v in variables.items()) + "}"
    extra = [] if "--vars" in args else ["--vars", rendered]
    result = run([DBT, *args, *extra, "--project-dir", str(REPO / "dbt_project")], env=env)
    return result.returncode, result.stdout + result.stderr


def query(data_dir: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


MASTER = """
    select ref, procedimiento, juzgado, estado_actual, cuantia_actual, n_estados, n_cuantias,
        fecha_demanda, estado_desde, last_event_ts,
        cast(historial_estados as varchar), cast(historial_cuantias as varchar)
    from main.expedientes order by ref
"""
ESTADOS = (
    "select ref, estado, event_id, entered_at, state_order "
    "from main.fct_expediente_estados order by 1, 2"
)
CUANTIAS = (
    "select ref, event_ts, cuantia, is_change from main.fct_expediente_cuantias order by 1, 2"
)
TRANSITIONS = (
    "select ref, from_estado, to_estado, dias, entered_at "
    "from main.int_expediente_transitions order by 1, 3"
)
DURATIONS = "select * from main.mart_estado_durations order by all"
LANDED = "select dia, n_landed from main.mart_pipeline_health_daily order by dia"
#: every table dbt writes, every column: what "unchanged" means
TABLES = (
    "fct_expediente_estados",
    "fct_expediente_cuantias",
    "int_expediente_transitions",
    "expedientes",
    "mart_pipeline_health_daily",
    "mart_dead_letters_daily",
    "mart_estado_durations",
    "mart_estado_transitions_daily",
    "mart_expedientes_by_estado",
    "mart_expedientes_by_procedimiento",
    "mart_juzgado_workload",
)


def snapshot(data_dir: Path) -> dict[str, list[tuple]]:
    return {table: query(data_dir, f"select * from main.{table} order by all") for table in TABLES}
