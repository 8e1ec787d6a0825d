"""dbt incremental scaling: full refresh against an incremental build of 10k new events, over
staging histories of growing size, and the seed's re-read-everything strategy beside them.

Histories are made quickly but from the generator's own distributions: the generator backfills
a base of cases once (its events ordered by business time; the latest ones are held back as the
new events of later builds), and DuckDB replicates the base into ``copies`` disjoint sets of
cases (refs suffixed with the copy, event ids prefixed with it), written as landing files
spread over 30 days of ingestion. Each size gets its own data dir and:

1. a warm-up ``dbt build --full-refresh`` (not timed);
2. ``runs`` timed ``dbt build --full-refresh`` (every model rebuilt, every test on all rows);
3. ``runs`` timed incremental ``dbt build``, each after landing a fresh batch of new events of
   existing cases (as the streaming pipeline lands them: small files, ingested now);
4. one timed build with nothing new (for the picture; no goal rests on it);
5. ``runs`` timed runs of ``seed_strategy.sql`` (a MERGE that re-reads all staging).

Times are wall seconds of ``python -m expedientes.dbt_runner build`` (dbt's start-up, about 4 s
here, included), plus dbt's per-model timings of the largest size's runs for the profile.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from benchmarks.runner import log, python, run_measured, succeeded, summarize
from expedientes import tables
from generator import commands

DAYS = 30
SOURCE_COLUMNS = (
    "{event_id: 'VARCHAR', ref: 'VARCHAR', procedimiento: 'VARCHAR', juzgado: 'VARCHAR', "
    "estado: 'VARCHAR', cuantia: 'DOUBLE', event_ts: 'VARCHAR', schema_version: 'BIGINT'}"
)


def _base(workdir: Path, base_events: int, held: int) -> tuple[Path, Path]:
    """The generator's events: ``base_events`` of history and ``held`` later ones (JSONL)."""
    history, later = workdir / "base-history.jsonl", workdir / "base-new.jsonl"
    if history.exists() and later.exists():
        return history, later
    cases = int((base_events + held) / 5.4) + 1
    as_of = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
    events = list(commands.backfill_events(cases, seed=21, as_of=as_of))
    events.sort(key=lambda e: e["event_ts"])
    events = events[-(base_events + held) :]
    for path, rows in ((history, events[:-held]), (later, events[-held:])):
        with open(path, "w", encoding="utf-8") as handle:
            for event in rows:
                handle.write(json.dumps(event, ensure_ascii=False) + "\n")
    return history, later


def _copied(alias: str, copy: str) -> str:
    """The columns of a copy of the base: disjoint refs and event ids, the rest unchanged."""
    return (
        f"lpad(to_hex({copy}), 3, '0') || substr({alias}.event_id, 4) as event_id, "
        f"{alias}.ref || '-' || lpad(cast({copy} as varchar), 3, '0') as ref, "
        f"{alias}.procedimiento, {alias}.juzgado, {alias}.estado, {alias}.cuantia, "
        f"{alias}.event_ts, {alias}.schema_version"
    )


def _land_history(history: Path, data_dir: Path, copies: int) -> None:
    """``copies`` copies of the base history, over DAYS days of ingestion (one file a day)."""
    today = datetime.now(UTC).date()
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(
            "create table base as select *, row_number() over () as n from read_json("
            f"{tables.sql_string(str(history))}, format = 'newline_delimited', "
            f"columns = {SOURCE_COLUMNS})"
        )
        total = con.execute("select count(*) from base").fetchone()[0]
        per_day = -(-total // DAYS)
        for day in range(DAYS):
            date = today - timedelta(days=DAYS + 3 - day)
            folder = data_dir / "landing" / "staging" / f"ingest_date={date.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            con.execute(
                f"""copy (
                    with rows as (
                        select {_copied("b", "c.copy")},
                            (b.n - 1 - {day * per_day}) * c.copies_total + c.copy as k
                        from base as b
                        cross join (
                            select range as copy, {copies} as copies_total from range({copies})
                        ) as c
                        where b.n > {day * per_day} and b.n <= {(day + 1) * per_day}
                    )
                    select
                        event_id, ref, procedimiento, juzgado, estado, cuantia, event_ts,
                        schema_version,
                        null as message_id,
                        null as publish_time,
                        strftime(
                            timestamp '{date} 00:00:00'
                            + to_microseconds(
                                cast(k * 86000000000 // {per_day * copies} as bigint)
                            ),
                            '%Y-%m-%dT%H:%M:%S.%fZ'
                        ) as ingested_at,
                        to_json(struct_pack(event_id, ref, estado, event_ts)) as payload
                    from rows
                ) to {tables.sql_string(str(folder / "history.jsonl"))} (format json)"""
            )


def _land_new(later: Path, data_dir: Path, batch: int, size: int, per_file: int = 500) -> None:
    """Batch number ``batch`` of ``size`` new events (of copy 0's cases), ingested now, in
    files of ``per_file`` rows as the streaming pipeline lands them."""
    now = datetime.now(UTC)
    folder = data_dir / "landing" / "staging" / f"ingest_date={now.date().isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with duckdb.connect() as con:
        con.execute(
            "create table later as select * from read_json("
            f"{tables.sql_string(str(later))}, format = 'newline_delimited', "
            f"columns = {SOURCE_COLUMNS}) limit {size} offset {batch * size}"
        )
        for number, offset in enumerate(range(0, size, per_file)):
            path = folder / f"new-{batch}-{number:04d}.jsonl"
            con.execute(
                f"""copy (
                    select {_copied("l", "0")}, null as message_id, null as publish_time,
                        '{stamp}' as ingested_at,
                        to_json(struct_pack(l.event_id, l.ref, l.estado)) as payload
                    from (select * from later limit {per_file} offset {offset}) as l
                ) to {tables.sql_string(str(path))} (format json)"""
            )


def _build(data_dir: Path, *extra: str) -> float:
    result = run_measured(
        python("expedientes.dbt_runner", "build", "--", *extra),
        env={"EXPEDIENTES_DATA_DIR": str(data_dir)},
    )
    succeeded(result, f"dbt build {' '.join(extra)} in {data_dir}")
    return result["seconds"]


def _seed_strategy(data_dir: Path) -> float:
    sql = (Path(__file__).with_name("seed_strategy.sql")).read_text()
    glob = tables.sql_string(str(data_dir / "landing" / "staging" / "**" / "*.jsonl"))
    sql = sql.replace("{glob}", glob).replace(
        "{columns}", tables.landing_struct_pack(tables.STAGING)
    )
    with duckdb.connect(str(data_dir / "seed_strategy.duckdb")) as con:
        con.execute("set TimeZone = 'UTC'")
        started = time.perf_counter()
        con.execute(sql)
        return time.perf_counter() - started


def _model_timings(data_dir: Path) -> dict[str, float]:
    """dbt's own execution time per model of the last build (run_results.json)."""
    results = json.loads((data_dir / "dbt" / "target" / "run_results.json").read_text())
    return {
        r["unique_id"].split(".")[-1]: round(r["execution_time"], 2)
        for r in results["results"]
        if r["unique_id"].startswith("model.")
    }


def run(
    workdir: Path, sizes: list[int], new_events: int, runs: int, warmup: int, keep: bool = False
) -> dict:
    base_size = min(sizes)
    history, later = _base(workdir, base_size, new_events * runs)
    results: dict = {"sizes": {}, "new_events": new_events}
    for size in sizes:
        copies = max(1, round(size / base_size))
        data_dir = workdir / f"dbt-{size}"
        shutil.rmtree(data_dir, ignore_errors=True)
        log(f"dbt {size}: landing {copies} copies of {base_size} events")
        _land_history(history, data_dir, copies)
        for _ in range(max(1, warmup)):
            _build(data_dir, "--full-refresh")
        full = [_build(data_dir, "--full-refresh") for _ in range(runs)]
        full_models = _model_timings(data_dir)
        incremental = []
        for batch in range(runs):
            _land_new(later, data_dir, batch, new_events)
            incremental.append(_build(data_dir))
        incremental_models = _model_timings(data_dir)
        nothing_new = [_build(data_dir)]
        seed = [_seed_strategy(data_dir) for _ in range(runs)]
        figures = {
            "staged_events": size,
            "full_refresh_s": summarize(full),
            "incremental_s": summarize(incremental),
            "nothing_new_s": summarize(nothing_new),
            "seed_strategy_s": summarize(seed),
            "model_seconds_full_refresh": full_models,
            "model_seconds_incremental": incremental_models,
        }
        figures["incremental_over_full"] = round(
            figures["incremental_s"]["median"] / figures["full_refresh_s"]["median"], 3
        )
        results["sizes"][str(size)] = figures
        log(
            f"dbt {size}: full {figures['full_refresh_s']['median']:.1f} s, incremental "
            f"{figures['incremental_s']['median']:.1f} s, seed strategy "
            f"{figures['seed_strategy_s']['median']:.1f} s"
        )
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    medians = {int(k): v["incremental_s"]["median"] for k, v in results["sizes"].items()}
    seeds = {int(k): v["seed_strategy_s"]["median"] for k, v in results["sizes"].items()}
    ordered = sorted(medians)
    results["incremental_largest_over_smallest"] = round(
        medians[ordered[-1]] / medians[ordered[0]], 3
    )
    if len(ordered) >= 2:
        results["incremental_largest_over_previous"] = round(
            medians[ordered[-1]] / medians[ordered[-2]], 3
        )
        results["seed_largest_over_previous"] = round(seeds[ordered[-1]] / seeds[ordered[-2]], 3)
    return results
