"""What the dashboard reads: the dbt marts, filtered in SQL with query parameters.

Two sources with the same queries: the local DuckDB warehouse (opened read-only, and only for
the moment of a query, under the warehouse's shared lock so a scheduled ``dbt build`` is never
blocked; see :mod:`expedientes.warehouse`) and BigQuery (Application Default Credentials,
``EXPEDIENTES_GCP_PROJECT`` / ``EXPEDIENTES_BQ_DATASET``, like dbt's ``bigquery`` target).
Filter values are always query parameters, never pasted into the SQL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from expedientes import settings, warehouse

MARTS = (
    "mart_expedientes_by_juzgado",
    "mart_expedientes_by_estado",
    "mart_estado_transitions_daily",
    "mart_estado_durations",
    "mart_pipeline_health_daily",
    "mart_dead_letters_daily",
)


#: How long a query waits for a running dbt build to release the warehouse (seconds).
LOCK_WAIT_ENV = "EXPEDIENTES_DASHBOARD_LOCK_WAIT"


class NoData(RuntimeError):
    """The warehouse or its marts do not exist yet."""


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices; an empty tuple means every value."""

    procedimientos: tuple[str, ...]
    ciudades: tuple[str, ...]
    juzgados: tuple[str, ...]
    desde: date
    hasta: date


class DuckDBSource:
    """The local warehouse file, read-only, opened per query."""

    name = "local"

    def table(self, name: str) -> str:
        return f"main.{name}"

    def param(self, name: str) -> str:
        return f"${name}"

    def in_list(self, column: str, name: str) -> str:
        return f"list_contains(${name}, {column})"

    def version(self) -> float:
        """Changes whenever dbt rewrote the warehouse (a cache key)."""
        try:
            return warehouse.path().stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def fetch(self, sql: str, params: dict) -> pd.DataFrame:
        try:
            with warehouse.reading(wait=float(os.environ.get(LOCK_WAIT_ENV, "10"))) as con:
                return con.execute(sql, params).df()
        except FileNotFoundError as exc:
            raise NoData(str(exc)) from None
        except Exception as exc:  # duckdb.CatalogException: a mart is missing
            if "does not exist" in str(exc):
                raise NoData(f"the marts are not built yet ({exc})") from None
            raise

    def describe(self) -> str:
        return f"local DuckDB warehouse {warehouse.path()}"


class BigQuerySource:
    """The marts in BigQuery (read with the caller's Application Default Credentials)."""

    name = "bigquery"

    def __init__(self, project: str, dataset: str) -> None:
        from google.cloud import bigquery

        self.bigquery = bigquery
        self.project = project
        self.dataset = dataset
        self.client = bigquery.Client(project=project)

    def table(self, name: str) -> str:
        return f"`{self.project}.{self.dataset}.{name}`"

    def param(self, name: str) -> str:
        return f"@{name}"

    def in_list(self, column: str, name: str) -> str:
        return f"{column} in unnest(@{name})"

    def version(self) -> float:
        return 0.0  # the dashboard's cache TTL bounds staleness instead

    def fetch(self, sql: str, params: dict) -> pd.DataFrame:
        bq = self.bigquery
        parameters = []
        for name, value in params.items():
            if isinstance(value, list | tuple):
                parameters.append(bq.ArrayQueryParameter(name, "STRING", list(value)))
            elif isinstance(value, date):
                parameters.append(bq.ScalarQueryParameter(name, "DATE", value))
            else:
                parameters.append(bq.ScalarQueryParameter(name, "STRING", value))
        job = self.client.query(sql, job_config=bq.QueryJobConfig(query_parameters=parameters))
        return job.result().to_dataframe()

    def describe(self) -> str:
        return f"BigQuery dataset {self.project}.{self.dataset}"


def source_from_environment() -> DuckDBSource | BigQuerySource:
    """``EXPEDIENTES_DASHBOARD_TARGET=bigquery`` reads BigQuery; anything else the local file."""
    if os.environ.get("EXPEDIENTES_DASHBOARD_TARGET", "local") == "bigquery":
        project = settings.gcp_project()
        if not project:
            raise NoData("set EXPEDIENTES_GCP_PROJECT to read the BigQuery marts")
        return BigQuerySource(project, os.environ.get("EXPEDIENTES_BQ_DATASET", "expedientes"))
    return DuckDBSource()


def options(source) -> dict:
    """What the filters can choose from: procedures, cities and their courts, the date span."""
    cube = source.table("mart_expedientes_by_juzgado")
    courts = source.fetch(
        f"select distinct ciudad, juzgado, procedimiento from {cube} order by ciudad, juzgado",
        {},
    )
    span = source.fetch(
        "select min(dia) as desde, max(dia) as hasta from "
        + source.table("mart_estado_transitions_daily"),
        {},
    )
    return {"courts": courts, "desde": span["desde"].iloc[0], "hasta": span["hasta"].iloc[0]}


def _where(source, filters: Filters, date_column: str, include_null_dates: bool = False) -> str:
    day = f"{date_column} between {source.param('desde')} and {source.param('hasta')}"
    if include_null_dates:
        day = f"({day} or {date_column} is null)"
    return (
        f"{source.in_list('procedimiento', 'procedimientos')} "
        f"and {source.in_list('ciudad', 'ciudades')} "
        f"and {day}"
    )


def _params(filters: Filters, everything: dict, with_courts: bool = True) -> dict:
    params = {
        "procedimientos": list(filters.procedimientos or everything["procedimientos"]),
        "ciudades": list(filters.ciudades or everything["ciudades"]),
        "desde": filters.desde,
        "hasta": filters.hasta,
    }
    if with_courts:
        params["juzgados"] = list(filters.juzgados or everything["juzgados"])
    return params


def cases(source, filters: Filters, everything: dict) -> pd.DataFrame:
    """Cases filed in the date range (and those whose filing has not arrived), per court,
    procedure and current state."""
    sql = f"""
        select ciudad, juzgado, procedimiento, estado,
            sum(n_expedientes) as n_expedientes,
            sum(cuantia_total) as cuantia_total,
            sum(edad_dias_total) as edad_dias_total
        from {source.table("mart_expedientes_by_juzgado")}
        where {_where(source, filters, "mes_demanda", include_null_dates=True)}
            and {source.in_list("juzgado", "juzgados")}
        group by ciudad, juzgado, procedimiento, estado
    """
    params = _params(filters, everything)
    # a case filed mid-month belongs to its month: widen the range to whole months
    params["desde"] = params["desde"].replace(day=1)
    return source.fetch(sql, params)


def states(source) -> pd.DataFrame:
    """Every state of each procedure, in procedural order, with its label and kind."""
    return source.fetch(
        "select procedimiento, estado, label, state_order, kind from "
        f"{source.table('mart_expedientes_by_estado')} order by procedimiento, state_order",
        {},
    )


def transitions(source, filters: Filters, everything: dict) -> pd.DataFrame:
    """Cases entering each state per day, for the procedures, cities and days chosen."""
    sql = f"""
        select dia, procedimiento, estado, state_order,
            sum(n_transiciones) as n_transiciones
        from {source.table("mart_estado_transitions_daily")}
        where {_where(source, filters, "dia")}
        group by dia, procedimiento, estado, state_order
        order by dia
    """
    return source.fetch(sql, _params(filters, everything, with_courts=False))


def durations(source, filters: Filters, everything: dict) -> pd.DataFrame:
    """Median and p90 days between consecutive states, for the procedures chosen."""
    sql = f"""
        select procedimiento, from_estado, to_estado, n_transiciones, dias_mediana, dias_p90
        from {source.table("mart_estado_durations")}
        where {source.in_list("procedimiento", "procedimientos")}
    """
    params = {"procedimientos": list(filters.procedimientos or everything["procedimientos"])}
    return source.fetch(sql, params)


def health(source, days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events landed and ingestion lag per day, dead letters per day and reason) for the last
    ``days`` days of ingestion. Ingestion days, not business time: a replayed backfill lands
    today events that happened years ago."""
    landed = source.fetch(
        "select dia, n_landed, lag_p50_seconds, lag_p95_seconds, lag_max_seconds "
        f"from {source.table('mart_pipeline_health_daily')} "
        f"where dia >= {source.param('desde')} order by dia",
        {"desde": datetime.now(UTC).date() - timedelta(days=days - 1)},
    )
    dead = source.fetch(
        "select dia, error_type, n_dead_letters "
        f"from {source.table('mart_dead_letters_daily')} "
        f"where dia >= {source.param('desde')} order by dia",
        {"desde": datetime.now(UTC).date() - timedelta(days=days - 1)},
    )
    return landed, dead
