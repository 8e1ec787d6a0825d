"""``python -m generator``: backfill the initial dataset, or stream next events to Pub/Sub.

    python -m generator backfill --cases 5000 --seed 7 --out data/backfill.jsonl
    python -m generator backfill --cases 5000 --publish            # to Pub/Sub instead
    python -m generator stream --events 10000 --rate 500 --seed 7  # needs a non-empty warehouse
    python -m generator stream --events 100 --dry-run --out next.jsonl

Both publish to ``--topic`` (default ``expedientes-updates`` in ``$PUBSUB_PROJECT_ID``) on the
emulator when ``PUBSUB_EMULATOR_HOST`` is set, else on Pub/Sub with Application Default
Credentials. Exit codes: 0 done, 1 some messages failed to publish, 2 bad input or an
unreachable service (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from expedientes import contract, settings
from generator import commands, status
from generator.faults import FaultPlan
from generator.publisher import (
    ORDERING_CHOICES,
    JsonlSink,
    ProcessPubSubSink,
    PubSubSink,
    SinkError,
    summary_json,
    topic_path,
)


class UsageError(Exception):
    pass


def _number(convert, expected: str, valid, rule: str):
    """An argparse ``type`` that converts, checks a rule, and says what it expected."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not valid(value) or value != value:  # value != value: NaN
            raise argparse.ArgumentTypeError(f"must be {rule}, got {value}")
        return value

    return parse


_positive_int = _number(int, "a whole number", lambda v: v > 0, "greater than 0")
_share = _number(float, "a share between 0 and 1", lambda v: 0.0 <= v <= 1.0, "between 0 and 1")
_horizon = _number(
    int,
    "a number of days",
    lambda v: 0 <= v <= contract.limits()["event_ts_max_days_ahead"] - 7,
    f"between 0 and {contract.limits()['event_ts_max_days_ahead'] - 7} "
    "(a week short of the contract's limit, for re-sends and clock skew)",
)
_rate = _number(float, "events per second", lambda v: 0 < v < float("inf"), "greater than 0")


def _as_of(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-12-01, got {text!r}") from None
    return datetime.combine(day, time(23, 59, 59), UTC)


def _today() -> datetime:
    return datetime.combine(datetime.now(UTC).date(), time(23, 59, 59), UTC)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="random seed; the same seed gives the same events (default: %(default)s)",
    )
    parser.add_argument(
        "--topic", default=settings.TOPIC, help="topic id or full path (default: %(default)s)"
    )
    parser.add_argument(
        "--project", default=settings.project_id(), help="Pub/Sub project (default: %(default)s)"
    )
    parser.add_argument(
        "--ordering",
        choices=ORDERING_CHOICES,
        default="bucket",
        help="ordering key per message: the case's bucket (default; a case's events stay in order, "
        "batching stays efficient), the bare ref, or none",
    )
    parser.add_argument(
        "--rate", type=_rate, default=None, help="events per second (default: unlimited)"
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="FILE.json",
        help="also write the summary as JSON",
    )
    faults = parser.add_argument_group("fault injection (off by default; shares between 0 and 1)")
    faults.add_argument(
        "--duplicates",
        type=_share,
        default=0.0,
        metavar="F",
        help="re-publish a share of events with the same event_id",
    )
    faults.add_argument(
        "--resend",
        type=_share,
        default=0.0,
        metavar="F",
        help="re-send a share of states with a new event_id and a later event_ts",
    )
    faults.add_argument(
        "--out-of-order",
        type=_share,
        default=0.0,
        metavar="F",
        help="hold back a share of events and publish them late",
    )
    faults.add_argument(
        "--malformed",
        type=_share,
        default=0.0,
        metavar="F",
        help="add a share of payloads that break the contract in varied ways",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description="Synthetic Spanish civil case events (expedientes): backfill and stream.",
    )
    commands_ = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    backfill = commands_.add_parser(
        "backfill",
        help="write (and/or publish) the initial dataset: N cases with full coherent histories",
        description="N cases filed over the last 3 years, each with every event it reached "
        "by --as-of.",
    )
    backfill.add_argument("--cases", type=_positive_int, required=True, help="number of cases")
    backfill.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE.jsonl",
        help="write the events here, one per line",
    )
    backfill.add_argument(
        "--publish",
        action="store_true",
        help="publish the events to Pub/Sub (besides --out, if given)",
    )
    backfill.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        metavar="DATE",
        help="the simulation's today: histories stop there "
        "(default: today, UTC; pin it for byte-identical files across days)",
    )
    _common(backfill)

    stream = commands_.add_parser(
        "stream",
        help="publish the next legal events of the cases in the warehouse",
        description="Reads the current status of the cases (staged events included), then "
        "emits each "
        "chosen case's legally possible next event, or files new cases.",
    )
    stream.add_argument("--events", type=_positive_int, required=True, help="number of events")
    stream.add_argument(
        "--new-cases",
        type=_share,
        default=0.17,
        metavar="F",
        help="share of events that file new cases (default: %(default)s, about one in six: a "
        "case yields about six events, so the open caseload stays steady and the simulated "
        "clock moves on smoothly instead of running out of pending events)",
    )
    stream.add_argument(
        "--target",
        choices=status.TARGETS,
        default="local",
        help="warehouse to read the status from, as the dbt targets (default: %(default)s)",
    )
    stream.add_argument(
        "--horizon-days",
        type=_horizon,
        default=350,
        metavar="DAYS",
        help="business time may run at most this many days past today (default: %(default)s; "
        "a week short of the contract's event_ts_max_days_ahead)",
    )
    stream.add_argument(
        "--dry-run", action="store_true", help="write to --out instead of publishing"
    )
    stream.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE.jsonl",
        help="with --dry-run: where to write the events",
    )
    _common(stream)
    return parser


def _sinks(args: argparse.Namespace, publish: bool) -> list:
    sinks: list = []
    if args.out is not None:
        sinks.append(JsonlSink(args.out))
    if publish:
        # unpaced loads publish from a process of their own (ProcessPubSubSink)
        kind = PubSubSink if getattr(args, "rate", None) else ProcessPubSubSink
        sink = kind(topic_path(args.topic, args.project), ordering=args.ordering)
        sink.check_reachable()
        sinks.append(sink)
    return sinks


def _print_summary(summary: dict) -> None:
    faults = summary["faults"]
    print(
        f"{summary['command']}: {summary['events']} events for {summary['cases']} cases "
        f"({summary['new_cases']} new) in {summary['seconds']:.2f} s, "
        f"{summary['events_per_second']} events/s"
    )
    print(
        f"  messages sent: {summary['messages']}, confirmed: {summary['confirmed']}, "
        f"failed: {summary['failed']}"
    )
    print("  by estado: " + ", ".join(f"{k} {v}" for k, v in summary["by_estado"].items()))
    if any(faults[k] for k in ("duplicates", "resent", "out_of_order", "malformed")):
        print(
            f"  faults: duplicates {faults['duplicates']}, resent {faults['resent']}, "
            f"out_of_order {faults['out_of_order']}, malformed {faults['malformed']} "
            f"{faults['malformed_by_error_type']}"
        )
    for error in summary["errors"]:
        print(f"  publish error: {error}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    plan = FaultPlan(args.duplicates, args.resend, args.out_of_order, args.malformed)
    try:
        if args.command == "backfill":
            if args.out is None and not args.publish:
                parser.error("backfill needs --out FILE.jsonl, --publish, or both")
            as_of = args.as_of or _today()
            events = commands.backfill_events(args.cases, args.seed, as_of)
            total = args.cases * 6  # about six events per case; only sizes the progress bar
            sinks = _sinks(args, publish=args.publish)
        else:
            if args.dry_run and args.out is None:
                parser.error("--dry-run needs --out FILE.jsonl")
            if args.out is not None and not args.dry_run:
                parser.error("--out is for --dry-run; stream publishes otherwise")
            known = status.read(args.target)
            if not known:
                raise UsageError(
                    f"the {args.target} warehouse holds no case yet: run the backfill first "
                    "(`python -m generator backfill ... --publish` with the pipeline running, "
                    "or `make demo`)"
                )
            horizon = datetime.combine(datetime.now(UTC).date(), time(0), UTC) + timedelta(
                days=args.horizon_days
            )
            events = commands.stream_events(
                known, args.events, args.seed, args.new_cases, horizon=horizon
            )
            total = args.events
            sinks = _sinks(args, publish=not args.dry_run)
        summary = commands.run(events, total, sinks, plan, args.seed, args.rate, label=args.command)
    except (UsageError, SinkError, status.WarehouseError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if args.command == "backfill":
        summary["simulation_as_of"] = as_of.date().isoformat()
    summary["seed"] = args.seed
    _print_summary(summary)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(summary_json(summary) + "\n", encoding="utf-8")
    return 1 if summary["failed"] else 0
