"""Synthetic expedientes: new filings and their next legal events, as contract events.

A case is filed (``demanda``) at a court on a working day, with a cuantía that decides its
procedure by the threshold in force on that date. Each next state is drawn from the legal
transitions out of the current one (``procedures.yaml``, with their shares of cases), after a
delay drawn from a log-normal distribution with the transition's median and p90, scaled by the
court's congestion. Event times land on working days in court hours of the court's city (never a
weekend, and August - inhábil for most civil acts - moves to September), so within a case the
timestamps strictly increase. The wall clock of the run plays no part: a case's history depends
only on the seed.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from expedientes import contract, procedures
from generator import amounts, courts

ORGANO_PRIMERA_INSTANCIA = "42"  # NIG digits 6-7: the kind of court
JURISDICCION_CIVIL = "1"  # NIG digit 8
_Z90 = 1.2815515655446004  # the 90th percentile of a standard normal


@dataclass
class Case:
    """What the generator knows of a case: enough to emit its next legal event."""

    ref: str
    procedimiento: str
    juzgado: str
    estado: str
    last_ts: datetime
    seen: set[str] = field(default_factory=set)
    cuantia: Decimal | None = None

    @property
    def is_finished(self) -> bool:
        return procedures.get(self.procedimiento).state(self.estado).is_terminal


class RefAllocator:
    """Case references as NIGs (Número de Identificación General): INE municipality code,
    court kind, jurisdiction, filing year and a 7-digit sequence per city and year. Unique by
    construction, and continued past the refs already in the warehouse (:meth:`observe`)."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, int], int] = defaultdict(lambda: 1)

    def observe(self, ref: str) -> None:
        if len(ref) == 19 and ref.isdigit():
            key = (ref[:5], int(ref[8:12]))
            self._next[key] = max(self._next[key], int(ref[12:]) + 1)

    def allocate(self, ine: str, year: int) -> str:
        seq = self._next[(ine, year)]
        if seq > 9_999_999:
            raise OverflowError(f"more than 9,999,999 cases in {ine} in {year}")
        self._next[(ine, year)] = seq + 1
        return f"{ine}{ORGANO_PRIMERA_INSTANCIA}{JURISDICCION_CIVIL}{year}{seq:07d}"


#: The namespace of the generator's event ids (version-5 UUIDs).
EVENT_NAMESPACE = uuid.UUID("6f1f5f0e-3b1e-5c7a-9d2e-2f6a1b7c8d90")


def event_id(ref: str, estado: str, event_ts: str) -> str:
    """The id of the event reporting that case ``ref`` reached ``estado`` at ``event_ts``: a
    version-5 UUID of those three, so the same fact always gets the same id (a redelivery or
    a regenerated event deduplicates) and different facts never share one - also across
    generator runs with the same seed, which draw the same random numbers for other cases."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{ref}|{estado}|{event_ts}"))


def make_event(case: Case, estado: str, ts: datetime, cuantia: Decimal | None) -> dict:
    """A contract event (v1) for ``case`` reaching ``estado`` at ``ts``."""
    event_ts = contract.format_event_ts(ts)
    return {
        "event_id": event_id(case.ref, estado, event_ts),
        "ref": case.ref,
        "procedimiento": case.procedimiento,
        "juzgado": case.juzgado,
        "estado": estado,
        "cuantia": float(cuantia) if cuantia is not None else None,
        "event_ts": event_ts,
        "schema_version": 1,
    }


def _timezone(juzgado: str) -> ZoneInfo:
    court = courts.parse(juzgado)
    return ZoneInfo(court.city.timezone if court else "Europe/Madrid")


def court_time(rng: random.Random, day: date, tz: ZoneInfo, *, filing: bool = False) -> datetime:
    """A moment of court hours (08:00-15:00 local) on the first working day from ``day``.

    Weekends move to Monday; August moves to September except for filings (a demanda can be
    filed in August, it is the procedural acts that wait).
    """
    if day.month == 8 and not filing:
        day = date(day.year, 9, 1) + timedelta(days=rng.randint(0, 9))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    seconds = rng.randint(8 * 3600, 15 * 3600 - 1)
    local = datetime.combine(day, time(seconds // 3600, seconds // 60 % 60, seconds % 60), tz)
    return local.astimezone(UTC)


def delay_days(rng: random.Random, transition: procedures.Transition, congestion: float) -> int:
    """Calendar days until the next state: log-normal with the transition's median and p90,
    scaled by the court's congestion; at least one day."""
    sigma = math.log(transition.p90_days / transition.median_days) / _Z90
    days = rng.lognormvariate(math.log(transition.median_days * congestion), sigma)
    return max(1, math.ceil(days))


def file_case(rng: random.Random, refs: RefAllocator, filed_on: date) -> tuple[Case, dict]:
    """A new case filed on ``filed_on`` (or the next working day) and its ``demanda`` event."""
    court = courts.draw(rng)
    tz = ZoneInfo(court.city.timezone)
    filed_at = court_time(rng, filed_on, tz, filing=True)
    local_day = filed_at.astimezone(tz).date()
    cuantia = amounts.draw_claim(rng)
    case = Case(
        ref=refs.allocate(court.city.ine, local_day.year),
        procedimiento=procedures.procedimiento_for(cuantia, local_day),
        juzgado=court.name(local_day),
        estado="demanda",
        last_ts=filed_at,
        seen={"demanda"},
        cuantia=cuantia,
    )
    return case, make_event(case, "demanda", filed_at, cuantia)


def next_event(rng: random.Random, case: Case, not_before: datetime | None = None) -> dict | None:
    """The case's next legal event (and the case moved to it), or None when it is finished.

    The next state is drawn among the legal transitions to states the case has not been in.
    ``not_before`` is "now" for a case known to be still pending then: a delay that would end
    earlier is redrawn as a share of itself counted from ``not_before``.
    """
    proc = procedures.get(case.procedimiento)
    moves = [t for t in proc.next_transitions(case.estado) if t.target not in case.seen]
    if not moves:
        return None
    move = rng.choices(moves, weights=[t.probability for t in moves])[0]
    court = courts.parse(case.juzgado)
    congestion = court.congestion if court else 1.0
    tz = _timezone(case.juzgado)
    delay = delay_days(rng, move, congestion)
    day = case.last_ts.astimezone(tz).date() + timedelta(days=delay)
    if not_before is not None and day <= not_before.astimezone(tz).date():
        day = not_before.astimezone(tz).date() + timedelta(days=rng.randint(1, delay))
    ts = court_time(rng, day, tz)
    new_cuantia = amounts.change_for(rng, move.target, case.cuantia)
    event = make_event(case, move.target, ts, new_cuantia)
    case.estado, case.last_ts = move.target, ts
    case.seen.add(move.target)
    if new_cuantia is not None:
        case.cuantia = new_cuantia
    return event


def history(rng: random.Random, refs: RefAllocator, filed_on: date, as_of: datetime) -> list[dict]:
    """A case filed on ``filed_on`` and every event it reached by ``as_of``, in order."""
    case, first = file_case(rng, refs, filed_on)
    events = [first]
    while True:
        event = next_event(rng, case)
        if event is None or case.last_ts > as_of:
            return events
        events.append(event)
