"""``make demo``: the whole pipeline end to end on this machine, no cloud account.

    python -m expedientes.demo [--cases 5000] [--events 10000] [--rate 500] [--build-every 20]

1. starts the Pub/Sub emulator (or reuses the one of this data dir) and creates the topic and
   subscriptions;
2. backfills ``--cases`` synthetic cases with the generator and replays them through the batch
   pipeline into the landing folder (skipped when staging already holds events: a second demo
   continues the first one's cases);
3. runs ``dbt build``;
4. starts the streaming pipeline and streams ``--events`` next events with the generator
   (1 % malformed ones by default, so the dead-letter path shows), while ``dbt build`` runs every
   ``--build-every`` seconds;
5. waits until every published message is staged or dead-lettered, stops the pipeline, runs a
   final ``dbt build`` and prints the summary (also written to
   ``$EXPEDIENTES_DATA_DIR/demo/summary.json``).

Whatever it started is stopped on the way out, on Ctrl-C and on failure too. Exit codes: 0 when
every published message is accounted for and the final build passed, 1 otherwise, 2 for bad
flags.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from expedientes import cli_args, dbt_runner, emulator, recovery, settings, warehouse
from expedientes.live import LocalBroker, publish, start_pipeline, wait_until_landed
from expedientes.processes import ChildFailed, Children, python, sigterm_as_interrupt


def _say(text: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {text}", flush=True)


def _count_cases() -> int:
    with warehouse.reading() as con:
        return con.execute("select count(*) from main.expedientes").fetchone()[0]


def backfill(children: Children, cases: int, seed: int, run_dir: Path) -> int | None:
    """Generate ``cases`` cases and replay them through the batch pipeline; returns the events
    staged, or None when staging already held events (nothing done)."""
    if warehouse.landed_events() > 0:
        return None
    events_file = run_dir / "backfill.jsonl"
    children.run(
        "the generator (backfill)",
        python(
            "generator",
            "backfill",
            "--cases",
            str(cases),
            "--seed",
            str(seed),
            "--out",
            str(events_file),
            "--report",
            str(run_dir / "backfill-report.json"),
        ),
        run_dir / "backfill-generator.log",
    )
    since = datetime.now(UTC)
    children.run(
        "the batch pipeline",
        python(
            "beam_pipeline",
            "--input_files",
            str(events_file),
            "--landing_dir",
            str(settings.data_dir() / "landing"),
        ),
        run_dir / "backfill-pipeline.log",
        timeout=1800,
    )
    return warehouse.landed_events(since)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    run_dir = settings.data_dir() / "demo"
    run_dir.mkdir(parents=True, exist_ok=True)
    dbt_log = run_dir / "dbt.log"
    summary: dict = {"data_dir": str(settings.data_dir()), "warehouse": str(warehouse.path())}
    builds: list[dbt_runner.BuildResult] = []
    phases: dict[str, float] = {}  # wall seconds per step, for the summary and `make bench`
    clock = time.monotonic()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        phases[name] = round(now - clock, 2)
        clock = now

    stop_builds = threading.Event()  # no new build; the running one finishes
    abort_builds = threading.Event()  # terminate the running build too
    scheduler: threading.Thread | None = None
    with sigterm_as_interrupt(), Children() as children:
        try:
            with LocalBroker(args.port) as broker:
                how = "started" if broker.started else "already running, reused"
                _say(f"1/5 Pub/Sub emulator {how} on {broker.state.address}")
                phase("emulator")

                _say(f"2/5 backfill of {args.cases} cases through the batch pipeline")
                staged = backfill(children, args.cases, args.seed, run_dir)
                if staged is None:
                    _say(
                        "    staging already holds events: backfill skipped, the demo continues "
                        "those cases (`make clean` starts afresh)"
                    )
                else:
                    _say(f"    {staged} events staged")
                summary["backfill_events_staged"] = staged
                phase("backfill")

                _say("3/5 dbt build")
                first = dbt_runner.build(log=dbt_log)
                _say(f"    {first.line()}")
                if not first.ok:
                    raise ChildFailed(f"dbt build failed; its output: {dbt_log}")
                phase("first_build")

                _say(
                    f"4/5 streaming {args.events} events at {args.rate:g}/s, "
                    f"dbt build every {args.build_every:g} s"
                )
                leftover = broker.clear_backlog()
                if leftover:
                    _say(f"    discarded {leftover} messages left by an earlier run")
                recovery.mark(broker.resources)  # the demo starts from a clean subscription
                pipeline = start_pipeline(children, broker, run_dir / "pipeline.log", recover=False)
                stream_started = datetime.now(UTC)
                scheduler = threading.Thread(
                    target=dbt_runner.schedule,
                    kwargs={
                        "interval": args.build_every,
                        "log": dbt_log,
                        "stop": stop_builds,
                        "abort": abort_builds,
                        "report": lambda line: _say("    " + line),
                        "results": builds,
                    },
                    daemon=True,
                )
                scheduler.start()
                published = publish(
                    children,
                    broker,
                    args.events,
                    run_dir / "stream-report.json",
                    rate=args.rate,
                    seed=args.seed,
                    malformed=args.malformed,
                )
                phase("stream_publish")
                _say(
                    f"    published {published.confirmed} messages: {published.valid} events "
                    f"and {published.malformed} malformed ones; waiting until all have landed"
                )
                landed, dead = wait_until_landed(
                    published.valid,
                    published.malformed,
                    stream_started,
                    timeout=args.timeout,
                    pipeline=pipeline,
                    progress=lambda line: _say("    " + line),
                )
                phase("stream_landing")
                recovery.mark(broker.resources)  # everything published has landed
                stop_builds.set()
                scheduler.join()
                pipeline.stop(timeout=5)  # everything landed: no need to wait long
                phase("stream_last_build_and_stop")

            _say("5/5 final dbt build")
            # nothing lands any more: the nothing-lost test may check up to the last event
            final = dbt_runner.build(["--vars", "{ingest_settle_seconds: 0}"], log=dbt_log)
            _say(f"    {final.line()}")
            phase("final_build")
        except KeyboardInterrupt:
            _say("interrupted: stopping what the demo started")
            return 130
        except (emulator.EmulatorError, ChildFailed, TimeoutError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            stop_builds.set()
            abort_builds.set()  # only still running on the way out of an error or Ctrl-C
            if scheduler is not None:
                scheduler.join()
    cases = _count_cases() if final.ok else None
    reconciled = landed == published.valid and dead == published.malformed
    summary.update(
        {
            "cases": cases,
            "published_messages": published.confirmed,
            "published_events": published.valid,
            "published_malformed": published.malformed,
            "publish_failed": published.failed,
            "staged_events": landed,
            "dead_lettered": dead,
            "reconciled": reconciled,
            "builds_during_stream": [b.line() for b in builds],
            "final_build": final.line(),
            "final_build_ok": final.ok,
            "final_build_counts": final.counts,
            "seconds": round(time.monotonic() - started, 1),
            "phases_seconds": phases,
        }
    )
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print_summary(summary, builds)
    return 0 if reconciled and final.ok else 1


def print_summary(summary: dict, builds: list[dbt_runner.BuildResult]) -> None:
    ok = sum(1 for b in builds if b.ok)
    minutes, seconds = divmod(int(summary["seconds"]), 60)
    check = "yes" if summary["reconciled"] else "NO"
    lines = [
        "",
        f"expedientes demo finished in {minutes} min {seconds:02d} s",
        f"  cases in the master table   {summary['cases']}",
        f"  published to Pub/Sub        {summary['published_messages']} messages "
        f"({summary['published_events']} events + {summary['published_malformed']} malformed)",
        f"  staged (distinct events)    {summary['staged_events']}",
        f"  dead-lettered               {summary['dead_lettered']}",
        f"  published = staged + dead   {check}",
        f"  dbt during the stream       {len(builds)} builds, {ok} passed",
        f"  final {summary['final_build']}",
        f"  warehouse                   {summary['warehouse']}",
        f"  landing files               {Path(summary['data_dir']) / 'landing'}",
        "",
        "Next: `make dashboard` (http://127.0.0.1:8501) for the dashboard,",
        "      `make docs` (http://127.0.0.1:8080) for the lineage, `make stream` for more events.",
    ]
    print("\n".join(lines), flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m expedientes.demo",
        description="The whole pipeline end to end on this machine: emulator, backfill through "
        "the batch pipeline, dbt, streaming with dbt on a schedule, summary.",
    )
    parser.add_argument(
        "--cases",
        type=cli_args.positive(int, "a whole number"),
        default=5000,
        help="cases to backfill (default: %(default)s)",
    )
    parser.add_argument(
        "--events",
        type=cli_args.positive(int, "a whole number"),
        default=10000,
        help="events to stream (default: %(default)s)",
    )
    parser.add_argument(
        "--rate",
        type=cli_args.positive(float, "events per second"),
        default=500.0,
        help="streaming rate, events per second (default: %(default)s)",
    )
    parser.add_argument(
        "--build-every",
        type=cli_args.positive(float, "seconds"),
        default=20.0,
        help="seconds between dbt builds while streaming (default: %(default)s)",
    )
    parser.add_argument(
        "--malformed",
        type=cli_args.share,
        default=0.01,
        help="share of extra malformed messages in the stream (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--timeout",
        type=cli_args.positive(float, "seconds"),
        default=900.0,
        help="how long to wait for the stream to land (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=cli_args.port,
        default=int(os.environ.get("PUBSUB_EMULATOR_PORT", settings.DEFAULT_EMULATOR_PORT)),
        help="emulator port when it has to be started (default: %(default)s)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
