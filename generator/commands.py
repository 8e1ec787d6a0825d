"""The two commands: ``backfill`` (the initial dataset) and ``stream`` (next events)."""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from generator import cases, status
from generator.emit import emit
from generator.faults import FaultInjector, FaultPlan

BACKFILL_YEARS = 3


def backfill_events(n_cases: int, seed: int, as_of: datetime) -> Iterator[dict]:
    """Every event of ``n_cases`` cases filed over the ``BACKFILL_YEARS`` before ``as_of``,
    case by case (bounded memory: one case at a time). Each case draws from its own
    seed-derived generator, so a seed gives the same file byte for byte."""
    refs = cases.RefAllocator()
    start = as_of.date() - timedelta(days=365 * BACKFILL_YEARS)
    span = (as_of.date() - start).days
    for index in range(n_cases):
        rng = random.Random(f"expedientes-backfill:{seed}:{index}")
        filed_on = start + timedelta(days=rng.randrange(span))
        while filed_on.month == 8 and rng.random() < 0.7:  # August: about a third of the filings
            filed_on = start + timedelta(days=rng.randrange(span))
        yield from cases.history(rng, refs, filed_on, as_of)


def stream_events(
    known: list[status.CaseStatus],
    n_events: int,
    seed: int,
    new_cases: float,
    horizon: datetime | None = None,
) -> Iterator[dict]:
    """``n_events`` next events in the order they happen.

    Every unfinished case has its next legal event scheduled (a state, and a delay after its
    latest event and after the warehouse's "now", the latest event time it holds); the stream
    emits the earliest scheduled event, schedules that case's following one, and so advances a
    simulated clock. A share ``new_cases`` of the events instead files a new case on the
    clock's current day. The clock never passes ``horizon``: when every scheduled event lies
    beyond it, the stream files new cases instead (the contract rejects business times far
    ahead of the time they are read). Given the same warehouse, horizon and seed, the same events.
    """
    rng = random.Random(f"expedientes-stream:{seed}")
    refs = cases.RefAllocator()
    for known_case in known:
        refs.observe(known_case.ref)
    queue: list[tuple[datetime, int, dict, cases.Case]] = []
    counter = itertools.count()

    now = max((c.last_event_ts for c in known), default=datetime.now(UTC))

    def schedule(case: cases.Case) -> None:
        event = cases.next_event(rng, case, not_before=now)
        if event is not None:
            heapq.heappush(queue, (case.last_ts, next(counter), event, case))

    for case in sorted((c.to_case() for c in known), key=lambda c: c.ref):
        if not case.is_finished:
            schedule(case)
    clock = now
    for _ in range(n_events):
        due = bool(queue) and (horizon is None or queue[0][0] <= horizon)
        if not due or rng.random() < new_cases:
            case, event = cases.file_case(rng, refs, clock.date())
            schedule(case)
            yield event
            continue
        clock, _, event, case = heapq.heappop(queue)
        schedule(case)
        yield event


def run(
    events, total: int, sinks: list, plan: FaultPlan, seed: int, rate: float | None, label: str
) -> dict:
    """Emit, close the sinks, and return the summary (the CLI prints it and sets the exit code)."""
    injector = FaultInjector(plan, random.Random(f"expedientes-faults:{seed}"))
    started = time.perf_counter()
    totals = emit(events, sinks, injector, total, rate=rate, label=label)
    confirmed = failed = 0
    errors: list[str] = []
    for sink in sinks:
        ok, bad, why = sink.close()
        confirmed, failed = max(confirmed, ok), failed + bad
        errors.extend(why)
    seconds = time.perf_counter() - started
    return {
        "command": label,
        "events": totals.events,
        "messages": totals.messages,
        "cases": len(totals.cases),
        "new_cases": totals.by_estado.get("demanda", 0),
        "by_estado": dict(sorted(totals.by_estado.items())),
        "new_cases_by_procedimiento": dict(sorted(totals.by_procedimiento.items())),
        "faults": injector.report.as_dict(),
        "confirmed": confirmed,
        "failed": failed,
        "errors": errors,
        "seconds": round(seconds, 3),
        "events_per_second": round(totals.events / seconds, 1) if seconds else None,
        "as_of": datetime.now(UTC).isoformat(timespec="seconds"),
    }
