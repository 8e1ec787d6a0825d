"""The civil procedures' state machine, loaded from ``procedures.yaml``.

One definition of the procedures (Ordinario, Verbal), their states in procedural order, the
legal transitions with their typical delays, and the cuantía threshold that decides the
procedure by filing date. The generator walks it, the contract checks ``estado`` against it,
and :mod:`expedientes.seeds` exports it as dbt seeds for the transition tests.

The definition is checked when loaded: every transition joins known states and moves forward
in ``order`` (so a state appears at most once in a timeline), the probabilities out of each
non-terminal state sum to 1, and there is one initial state.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

DEFINITION_FILE = "procedures.yaml"
STATE_KINDS = ("main", "optional", "early_ending", "terminal")


class DefinitionError(ValueError):
    """``procedures.yaml`` is inconsistent."""


@dataclass(frozen=True)
class State:
    name: str
    label: str
    order: int
    kind: str

    @property
    def is_terminal(self) -> bool:
        return self.kind == "terminal"


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    probability: float
    median_days: int
    p90_days: int
    note: str = ""


@dataclass(frozen=True)
class Threshold:
    """Verbal for claims up to ``verbal_max_eur`` for cases filed from ``valid_from`` on."""

    valid_from: date | None
    verbal_max_eur: Decimal
    source: str


@dataclass(frozen=True)
class Procedure:
    name: str
    description: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]

    def state_names(self) -> list[str]:
        """State names in procedural order."""
        return [s.name for s in self.states]

    def state(self, name: str) -> State:
        for candidate in self.states:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{name!r} is not a state of {self.name}")

    @property
    def initial(self) -> State:
        targets = {t.target for t in self.transitions}
        (initial,) = [s for s in self.states if s.name not in targets]
        return initial

    @property
    def terminal_states(self) -> list[State]:
        return [s for s in self.states if s.is_terminal]

    def next_transitions(self, state: str) -> list[Transition]:
        """The legal moves out of ``state`` (empty for a terminal state)."""
        return [t for t in self.transitions if t.source == state]

    def is_legal(self, source: str, target: str) -> bool:
        return any(t.source == source and t.target == target for t in self.transitions)

    def reachable(self) -> dict[tuple[str, str], int]:
        """(from, to) -> the fewest legal steps from one state to the other (1 = a transition)."""
        out: dict[tuple[str, str], int] = {}
        for start in self.state_names():
            frontier, steps = [start], 0
            seen = {start}
            while frontier:
                steps += 1
                following = []
                for state in frontier:
                    for move in self.next_transitions(state):
                        if move.target not in seen:
                            seen.add(move.target)
                            out[(start, move.target)] = steps
                            following.append(move.target)
                frontier = following
        return out

    def paths(self) -> Iterator[tuple[str, ...]]:
        """Every complete timeline, from the initial state to a terminal one."""

        def walk(path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
            moves = self.next_transitions(path[-1])
            if not moves:
                yield path
            for move in moves:
                yield from walk((*path, move.target))

        yield from walk((self.initial.name,))


@dataclass(frozen=True)
class Definition:
    procedures: dict[str, Procedure]
    thresholds: tuple[Threshold, ...]


def _check(proc: Procedure) -> None:
    names = proc.state_names()
    where = f"procedure {proc.name}"
    if len(set(names)) != len(names):
        raise DefinitionError(f"{where}: duplicate state names")
    orders = [s.order for s in proc.states]
    if orders != sorted(set(orders)):
        raise DefinitionError(f"{where}: state orders must be unique and listed in order")
    for s in proc.states:
        if s.kind not in STATE_KINDS:
            raise DefinitionError(f"{where}: state {s.name} has unknown kind {s.kind!r}")
    for t in proc.transitions:
        if t.source not in names or t.target not in names:
            raise DefinitionError(f"{where}: transition {t.source}->{t.target}: unknown state")
        if proc.state(t.target).order <= proc.state(t.source).order:
            raise DefinitionError(f"{where}: transition {t.source}->{t.target} goes backwards")
        if not 0 < t.probability <= 1 or not 0 < t.median_days <= t.p90_days:
            raise DefinitionError(f"{where}: transition {t.source}->{t.target}: bad figures")
    pairs = [(t.source, t.target) for t in proc.transitions]
    if len(set(pairs)) != len(pairs):
        raise DefinitionError(f"{where}: duplicate transitions")
    for s in proc.states:
        moves = proc.next_transitions(s.name)
        if s.is_terminal and moves:
            raise DefinitionError(f"{where}: terminal state {s.name} has transitions")
        if not s.is_terminal:
            total = sum(t.probability for t in moves)
            if abs(total - 1) > 1e-9:
                raise DefinitionError(f"{where}: probabilities out of {s.name} sum to {total}")
    targets = {t.target for t in proc.transitions}
    initials = [n for n in names if n not in targets]
    if len(initials) != 1:
        raise DefinitionError(f"{where}: expected one initial state, found {initials}")


def _procedure(name: str, raw: dict[str, Any]) -> Procedure:
    states = tuple(
        State(name=s["name"], label=s["label"], order=int(s["order"]), kind=s["kind"])
        for s in raw["states"]
    )
    transitions = tuple(
        Transition(
            source=t["from"],
            target=t["to"],
            probability=float(t["probability"]),
            median_days=int(t["median_days"]),
            p90_days=int(t["p90_days"]),
            note=t.get("note", ""),
        )
        for t in raw["transitions"]
    )
    proc = Procedure(name, " ".join(raw["description"].split()), states, transitions)
    _check(proc)
    return proc


def parse_definition(text: str) -> Definition:
    """Build and check a :class:`Definition` from YAML text (the committed file or a variant)."""
    raw = yaml.safe_load(text)
    procs = {name: _procedure(name, body) for name, body in raw["procedures"].items()}
    thresholds = tuple(
        Threshold(
            valid_from=date.fromisoformat(t["valid_from"]) if t["valid_from"] else None,
            verbal_max_eur=Decimal(str(t["verbal_max_eur"])),
            source=t["source"],
        )
        for t in raw["cuantia_thresholds"]
    )
    starts = [t.valid_from for t in thresholds]
    if starts[0] is not None or any(a is None or a >= b for a, b in itertools.pairwise(starts[1:])):
        raise DefinitionError("cuantia_thresholds: first must be open-ended, then by date")
    return Definition(procs, thresholds)


@lru_cache(maxsize=1)
def definition() -> Definition:
    """The committed definition (``procedures.yaml``), loaded once."""
    text = resources.files("expedientes").joinpath(DEFINITION_FILE).read_text(encoding="utf-8")
    return parse_definition(text)


def names() -> list[str]:
    """Procedure names, e.g. ``['Ordinario', 'Verbal']``."""
    return list(definition().procedures)


def get(name: str) -> Procedure:
    try:
        return definition().procedures[name]
    except KeyError:
        raise KeyError(f"unknown procedimiento {name!r}; known: {', '.join(names())}") from None


def verbal_threshold(filing_date: date) -> Decimal:
    """The largest cuantía heard as Verbal for a case filed on ``filing_date``."""
    current = definition().thresholds[0]
    for threshold in definition().thresholds[1:]:
        if threshold.valid_from is not None and filing_date >= threshold.valid_from:
            current = threshold
    return current.verbal_max_eur


def procedimiento_for(cuantia: Decimal | float | None, filing_date: date) -> str:
    """Verbal up to the threshold in force on the filing date; Ordinario above it and for
    indeterminate amounts (``None``)."""
    if cuantia is None:
        return "Ordinario"
    return "Verbal" if Decimal(str(cuantia)) <= verbal_threshold(filing_date) else "Ordinario"
