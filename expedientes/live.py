"""The live path on this machine: the Pub/Sub emulator, the streaming pipeline, the generator.

    python -m expedientes.live [--events N] [--rate 200] [--chunk 1000] [--seed 1]

(``make stream``) starts the emulator unless one of this data dir already runs, creates the
topic and subscriptions, starts the streaming pipeline (Beam's BundleBasedDirectRunner) landing
files under ``$EXPEDIENTES_DATA_DIR/landing``, and streams the next legal events of the cases in
the warehouse with the generator, chunk after chunk, until ``--events`` were published or
Ctrl-C. Before each chunk it waits until the previous one has landed, so that the generator,
which reads the cases' status from the landing files, continues every case coherently. It needs
a warehouse that holds cases (``make demo`` makes one). Everything it started is stopped on the
way out, on Ctrl-C and on errors too.

The building blocks (:class:`LocalBroker`, :func:`start_pipeline`, :func:`publish`,
:func:`wait_until_landed`) are shared with :mod:`expedientes.demo`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from google.api_core import exceptions
from google.cloud import pubsub_v1

from expedientes import cli_args, emulator, pubsub_admin, recovery, settings, warehouse
from expedientes.processes import Child, ChildFailed, Children, python, sigterm_as_interrupt


class LocalBroker:
    """The emulator for this data dir (started here, or reused when already running) with the
    topic and subscriptions; ``PUBSUB_EMULATOR_HOST`` points at it inside the block. It stops
    the emulator on the way out only if it started it."""

    def __init__(self, port: int = settings.DEFAULT_EMULATOR_PORT, project: str | None = None):
        self.port = port
        self.resources = pubsub_admin.Resources(project=project or settings.project_id())
        self.started = False
        self.state: emulator.EmulatorState | None = None
        self._previous_host: str | None = None

    def __enter__(self) -> LocalBroker:
        self.state, self.started = emulator.start(port=self.port)
        self._previous_host = os.environ.get("PUBSUB_EMULATOR_HOST")
        os.environ["PUBSUB_EMULATOR_HOST"] = self.state.address
        try:
            pubsub_admin.ensure(self.resources)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._previous_host is None:
            os.environ.pop("PUBSUB_EMULATOR_HOST", None)
        else:
            os.environ["PUBSUB_EMULATOR_HOST"] = self._previous_host
        if self.started:
            emulator.stop()

    @property
    def env(self) -> dict[str, str]:
        assert self.state is not None
        return {
            "PUBSUB_EMULATOR_HOST": self.state.address,
            "PUBSUB_PROJECT_ID": self.resources.project,
        }

    def clear_backlog(self, timeout: float = 2.0) -> int:
        """Pull and ack whatever the subscription still holds (what a previous, interrupted
        run left), so that it is not ingested into this run; returns how many. (A ``seek`` to
        now would be cheaper, but the emulator does not implement seek on subscriptions with
        message ordering.)"""
        drained = 0
        with pubsub_v1.SubscriberClient() as subscriber:
            path = self.resources.subscription_path
            while True:
                try:
                    response = subscriber.pull(
                        request={"subscription": path, "max_messages": 1000}, timeout=timeout
                    )
                except exceptions.DeadlineExceeded:
                    return drained
                if not response.received_messages:
                    return drained
                subscriber.acknowledge(
                    request={
                        "subscription": path,
                        "ack_ids": [m.ack_id for m in response.received_messages],
                    }
                )
                drained += len(response.received_messages)


def start_pipeline(
    children: Children,
    broker: LocalBroker,
    log: Path,
    timeout: float = 120.0,
    recover: bool = True,
) -> Child:
    """The streaming pipeline on the subscription, landing files under the data dir; returns
    once it runs (it prints a line when its reader started).

    With ``recover`` the subscription first seeks back to its newest checkpoint
    (:mod:`expedientes.recovery`), so messages that a killed pipeline had acked but not written
    are delivered again; without it the caller takes care of the subscription's state."""
    if recover:
        restored = recovery.restore(broker.resources)
        if restored:
            print(f"subscription sought back to checkpoint {restored}", flush=True)
    child = children.start(
        "the streaming pipeline",
        python(
            "beam_pipeline",
            "--input_subscription",
            broker.resources.subscription_path,
            "--landing_dir",
            str(settings.data_dir() / "landing"),
        ),
        log,
        env=broker.env,
    )
    deadline = time.monotonic() + timeout
    while "streaming; Ctrl-C" not in _read(log):
        if not child.running():
            child.wait()  # raises ChildFailed with the log's tail
        if time.monotonic() > deadline:
            raise ChildFailed(f"the streaming pipeline did not start within {timeout:.0f} s: {log}")
        time.sleep(0.2)
    return child


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


@dataclass
class Published:
    """What the generator confirmed: events, the malformed messages among them, and the
    messages Pub/Sub accepted."""

    events: int
    malformed: int
    confirmed: int
    failed: int
    new_cases: int

    @property
    def valid(self) -> int:
        return self.confirmed - self.malformed


def publish(
    children: Children,
    broker: LocalBroker,
    events: int,
    report: Path,
    rate: float | None = None,
    seed: int = 1,
    malformed: float = 0.0,
    quiet: bool = False,
) -> Published:
    """Run ``python -m generator stream`` to the end (its progress bar on this terminal unless
    ``quiet``) and read its report."""
    args = ["stream", "--events", str(events), "--seed", str(seed), "--report", str(report)]
    if rate:
        args += ["--rate", f"{rate:g}"]
    if malformed:
        args += ["--malformed", f"{malformed:g}"]
    log = report.with_suffix(".log") if quiet else None
    child = children.start("the generator", python("generator", *args), log, env=broker.env)
    child.wait()
    summary = json.loads(report.read_text(encoding="utf-8"))
    return Published(
        events=summary["events"],
        malformed=summary["faults"]["malformed"],
        confirmed=summary["confirmed"],
        failed=summary["failed"],
        new_cases=summary["new_cases"],
    )


def wait_until_landed(
    events: int,
    dead_letters: int,
    since: datetime,
    timeout: float,
    pipeline: Child | None = None,
    progress=None,
) -> tuple[int, int]:
    """Wait until ``events`` distinct staged events and ``dead_letters`` dead letters landed
    since ``since``; returns what landed (TimeoutError with the counts otherwise)."""
    deadline = time.monotonic() + timeout
    last_report = 0.0
    while True:
        staged = warehouse.landed_events(since)
        dead = warehouse.landed_dead_letters(since)
        if staged >= events and dead >= dead_letters:
            return staged, dead
        if pipeline is not None and not pipeline.running():
            pipeline.wait()
        now = time.monotonic()
        if now > deadline:
            raise TimeoutError(
                f"after {timeout:.0f} s only {staged} of {events} events and {dead} of "
                f"{dead_letters} dead letters have landed"
            )
        if progress and now - last_report >= 5:
            progress(f"landed {staged}/{events} events, {dead}/{dead_letters} dead letters")
            last_report = now
        time.sleep(0.5)


def wait_until_quiet(pipeline: Child, quiet: float = 3.0, timeout: float = 600.0) -> None:
    """Wait until nothing new has landed for ``quiet`` seconds (a replay has drained)."""
    deadline = time.monotonic() + timeout
    last = (-1, -1)
    last_change = time.monotonic()
    while time.monotonic() < deadline:
        now = (warehouse.landed_rows(), warehouse.landed_dead_letters())
        if now != last:
            last, last_change = now, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            return
        if not pipeline.running():
            pipeline.wait()
        time.sleep(0.5)
    raise TimeoutError(f"the landing folders were still growing after {timeout:.0f} s")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m expedientes.live",
        description="Emulator + streaming pipeline + generator, until --events or Ctrl-C.",
    )
    parser.add_argument(
        "--events",
        type=cli_args.positive(int, "a whole number"),
        default=None,
        help="stop after this many events (default: until interrupted)",
    )
    parser.add_argument(
        "--rate",
        type=cli_args.positive(float, "events per second"),
        default=200.0,
        help="events per second (default: %(default)s)",
    )
    parser.add_argument(
        "--chunk",
        type=cli_args.positive(int, "a whole number"),
        default=1000,
        help="events per generator run; each waits for the previous one to land "
        "(default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--port",
        type=cli_args.port,
        default=int(os.environ.get("PUBSUB_EMULATOR_PORT", settings.DEFAULT_EMULATOR_PORT)),
        help="emulator port when it has to be started (default: %(default)s)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run_dir = settings.data_dir() / "live"
    run_dir.mkdir(parents=True, exist_ok=True)
    published_total = 0
    started = datetime.now(UTC)
    try:
        with sigterm_as_interrupt(), Children() as children, LocalBroker(args.port) as broker:
            how = "started" if broker.started else "already running"
            print(f"emulator {how} on {broker.state.address}", flush=True)
            pipeline = start_pipeline(children, broker, run_dir / "pipeline.log")
            print(f"streaming pipeline running (log: {run_dir / 'pipeline.log'})", flush=True)
            # a replay from the checkpoint lands first, so it is not counted as new events
            wait_until_quiet(pipeline)
            chunk_number = 0
            while args.events is None or published_total < args.events:
                size = args.chunk
                if args.events is not None:
                    size = min(size, args.events - published_total)
                since = datetime.now(UTC)
                published = publish(
                    children,
                    broker,
                    size,
                    run_dir / "generator-report.json",
                    rate=args.rate,
                    seed=args.seed * 100_003 + chunk_number,
                )
                wait_until_landed(published.valid, 0, since, timeout=600, pipeline=pipeline)
                recovery.mark(broker.resources)  # all published so far has landed
                published_total += published.events
                chunk_number += 1
                print(
                    f"{datetime.now(UTC):%H:%M:%S} published and landed {published_total} "
                    f"events ({published.new_cases} new cases in the last chunk)",
                    flush=True,
                )
    except KeyboardInterrupt:
        print(f"\nstopped: {published_total} events published", file=sys.stderr)
        return 0
    except (emulator.EmulatorError, ChildFailed, TimeoutError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    seconds = (datetime.now(UTC) - started).total_seconds()
    print(f"done: {published_total} events published and landed in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
