"""The current status of every case, read from the warehouse's staging table.

The staging table is the append-only log of every valid event the pipeline has landed, so it
holds each case's whole history, including events not yet merged into the master table by dbt.
Per case we read its procedure, court, the states it has been in, its latest event time and its
latest cuantía; the current state is the furthest one in procedural order (robust to re-sent and
out-of-order events, as the master's history is).

- ``local``: DuckDB (in memory) over the landing files of ``$EXPEDIENTES_DATA_DIR`` - the
  generator never opens the DuckDB warehouse file, which dbt holds locked while it builds.
- ``bigquery``: one aggregate query over the staging table (``EXPEDIENTES_GCP_PROJECT``,
  ``EXPEDIENTES_BQ_RAW_DATASET``), with Application Default Credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from expedientes import procedures, settings, tables
from generator.cases import Case

TARGETS = ("local", "bigquery")

_AGGREGATES = """
    ref,
    {first_procedimiento} as procedimiento,
    {first_juzgado} as juzgado,
    {distinct_estados} as estados,
    max(event_ts) as last_event_ts,
    {last_cuantia} as cuantia
"""

DUCKDB_SQL = (
    "select"
    + _AGGREGATES.format(
        first_procedimiento="arg_min(procedimiento, event_ts)",
        first_juzgado="arg_min(juzgado, event_ts)",
        distinct_estados="list(distinct estado)",
        last_cuantia="arg_max(cuantia, event_ts) filter (where cuantia is not null)",
    )
    + "from read_json({glob}, format = 'newline_delimited', columns = {columns})\ngroup by ref"
)

BIGQUERY_SQL = (
    "select"
    + _AGGREGATES.format(
        first_procedimiento="array_agg(procedimiento order by event_ts limit 1)[offset(0)]",
        first_juzgado="array_agg(juzgado order by event_ts limit 1)[offset(0)]",
        distinct_estados="array_agg(distinct estado)",
        last_cuantia=(
            "array_agg(cuantia ignore nulls order by event_ts desc limit 1)[safe_offset(0)]"
        ),
    )
    + "from `{table}`\ngroup by ref"
)


class WarehouseError(RuntimeError):
    """The warehouse cannot be read, or holds no case; the message says what to do."""


@dataclass(frozen=True)
class CaseStatus:
    ref: str
    procedimiento: str
    juzgado: str
    estados: frozenset[str]
    last_event_ts: datetime
    cuantia: Decimal | None

    @property
    def estado(self) -> str:
        """The furthest state reached, in procedural order."""
        proc = procedures.get(self.procedimiento)
        known = [s for s in self.estados if s in proc.state_names()]
        return max(known, key=lambda s: proc.state(s).order)

    def to_case(self) -> Case:
        return Case(
            ref=self.ref,
            procedimiento=self.procedimiento,
            juzgado=self.juzgado,
            estado=self.estado,
            last_ts=self.last_event_ts,
            seen=set(self.estados),
            cuantia=self.cuantia,
        )


def _status(row: tuple) -> CaseStatus:
    ref, procedimiento, juzgado, estados, last_ts, cuantia = row
    if last_ts.tzinfo is None:
        last_ts = last_ts.replace(tzinfo=UTC)
    return CaseStatus(
        ref=ref,
        procedimiento=procedimiento,
        juzgado=juzgado,
        estados=frozenset(estados),
        last_event_ts=last_ts.astimezone(UTC),
        cuantia=Decimal(str(cuantia)) if cuantia is not None else None,
    )


def duckdb_sql(landing: Path) -> str:
    glob = tables.sql_string(str(landing / "**" / "*.jsonl"))
    return DUCKDB_SQL.format(glob=glob, columns=tables.duckdb_columns_literal(tables.STAGING))


def read_local(landing: Path | None = None) -> list[CaseStatus]:
    """Every case in the local staging landing files (empty when there are none)."""
    import duckdb

    landing = landing or settings.staging_landing_dir()
    if not landing.is_dir() or not any(landing.rglob("*.jsonl")):
        return []
    try:
        with duckdb.connect() as con:
            con.execute("set TimeZone = 'UTC'")
            rows = con.execute(duckdb_sql(landing)).fetchall()
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot read the local staging files in {landing}: {exc}") from None
    return [_status(row) for row in rows]


def bigquery_table(project: str | None = None, dataset: str | None = None) -> str:
    project = project or settings.gcp_project()
    if not project:
        raise WarehouseError("set EXPEDIENTES_GCP_PROJECT to read the BigQuery warehouse")
    return f"{project}.{dataset or settings.bq_raw_dataset()}.{tables.STAGING}"


def bigquery_sql(table: str) -> str:
    return BIGQUERY_SQL.format(table=table)


def read_bigquery(project: str | None = None, dataset: str | None = None) -> list[CaseStatus]:
    """Every case in the BigQuery staging table (Application Default Credentials)."""
    from google.api_core import exceptions
    from google.auth import exceptions as auth_exceptions
    from google.cloud import bigquery

    table = bigquery_table(project, dataset)
    try:
        client = bigquery.Client(project=table.split(".")[0])
        rows = client.query(bigquery_sql(table), timeout=60).result(timeout=300)
        return [_status(tuple(row.values())) for row in rows]
    except (exceptions.GoogleAPIError, auth_exceptions.GoogleAuthError, OSError) as exc:
        raise WarehouseError(f"cannot read {table} in BigQuery: {exc}") from None


def read(target: str) -> list[CaseStatus]:
    if target == "local":
        return read_local()
    if target == "bigquery":
        return read_bigquery()
    raise WarehouseError(f"unknown target {target!r}; one of {', '.join(TARGETS)}")
