"""The local warehouse: where its DuckDB file is, who may open it when, and what has landed.

DuckDB allows one read-write process per file, and while it holds the file no other process can
open it, not even read-only. dbt holds it for a whole build; the dashboard and the demo's
summary only need to read a few small tables. They agree through an advisory lock file beside
the warehouse: a dbt build run through :mod:`expedientes.dbt_runner` holds it exclusively,
readers take it shared for the moment they read, so a reader never makes a scheduled build fail
and a build never finds the file taken. (A ``dbt build`` started by hand does not take the lock:
stop the dashboard first, or run builds through ``make build``.)

The landing counts read the pipeline's files directly (DuckDB in memory), never the warehouse.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb

from expedientes import settings, tables

WAREHOUSE = "warehouse.duckdb"
LOCK = "warehouse.lock"


class WarehouseBusy(RuntimeError):
    """A dbt build holds the warehouse right now."""


def path() -> Path:
    return settings.data_dir() / WAREHOUSE


@contextlib.contextmanager
def locked(exclusive: bool, wait: float | None = None) -> Iterator[None]:
    """Hold the warehouse lock (exclusive for dbt, shared for readers) inside the block.

    ``wait=None`` waits as long as it takes; otherwise :class:`WarehouseBusy` after ``wait``
    seconds.
    """
    lock_path = settings.data_dir() / LOCK
    with open(lock_path, "a+") as handle:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        if wait is None:
            fcntl.flock(handle, mode)
        else:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WarehouseBusy("a dbt build is writing the warehouse") from None
                    time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def reading(wait: float | None = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse, held only inside the block (and the lock with
    it). FileNotFoundError when there is no warehouse yet."""
    file = path()
    if not file.exists():
        raise FileNotFoundError(f"no warehouse at {file} yet")
    with locked(exclusive=False, wait=wait), duckdb.connect(str(file), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        yield con


def _landing_glob(folder: Path) -> str:
    return tables.sql_string(str(folder / "**" / "*.jsonl"))


def landed_events(since: datetime | None = None, landing: Path | None = None) -> int:
    """Distinct event ids the pipeline staged (ingested at or after ``since``)."""
    folder = landing or settings.staging_landing_dir()
    return _count(
        folder,
        tables.STAGING,
        "count(distinct event_id)",
        "ingested_at",
        since,
    )


def landed_rows(landing: Path | None = None) -> int:
    """Staging rows landed, repeats included (grows with every file the pipeline writes)."""
    folder = landing or settings.staging_landing_dir()
    return _count(folder, tables.STAGING, "count(*)", "ingested_at", None)


def landed_dead_letters(since: datetime | None = None, landing: Path | None = None) -> int:
    """Distinct dead letters the pipeline landed (failed at or after ``since``): a message
    delivered again (a replay from a checkpoint) counts once by its Pub/Sub ``message_id``;
    rows replayed from files, which have none, count each."""
    folder = landing or settings.dead_letter_landing_dir()
    aggregate = "count(distinct message_id) + count(*) filter (where message_id is null)"
    return _count(folder, tables.DEAD_LETTER, aggregate, "failed_at", since)


def has_landed_files(folder: Path) -> bool:
    return folder.is_dir() and any(folder.rglob("*.jsonl"))


def landing_scan(folder: Path, table: str) -> str:
    """The DuckDB relation reading every landed file of ``table`` under ``folder``, with the
    contract's column types and the ``ingest_date`` folders as a column."""
    return (
        f"read_json({_landing_glob(folder)}, format = 'newline_delimited', "
        f"hive_partitioning = true, columns = {tables.landing_struct_pack(table)})"
    )


def _count(folder: Path, table: str, aggregate: str, time_column: str, since) -> int:
    if not has_landed_files(folder):
        return 0
    where = ""
    params: list = []
    if since is not None:
        where = f" where {time_column} >= ? and ingest_date >= ?"
        params = [since, since.date()]
    sql = f"select {aggregate} from {landing_scan(folder, table)}{where}"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql, params).fetchone()[0]
