"""Fault injection: duplicates, re-sends, disorder and malformed payloads, counted.

Off by default. Each clean event goes through :meth:`FaultInjector.apply`, which returns the
messages to send now (the event itself, maybe a duplicate, a re-send, a malformed sibling) and
may hold the event back to send it later (out of order). Every injected fault is counted in
:class:`FaultReport`, so a test can reconcile what reached the other end:

- ``duplicates``: the same message again (same ``event_id``), as Pub/Sub redelivery does;
- ``resent``: the same state again with a new ``event_id`` and a later ``event_ts``, as a
  restarted producer does;
- ``out_of_order``: the event is held back and sent after up to 50 later events;
- ``malformed``: an extra message that breaks the contract in one of many ways, counted by the
  error type the contract must give it.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from expedientes import contract
from generator.cases import event_id


@dataclass(frozen=True)
class Message:
    """One Pub/Sub message to send: body, the case it belongs to, attributes, and why."""

    data: bytes
    ref: str
    attributes: dict[str, str]
    kind: str = "event"  # event | duplicate | resent | malformed


def encode(event: dict) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def message_for(event: dict, kind: str = "event") -> Message:
    attributes = {
        "event_id": str(event["event_id"]),
        "schema_version": str(event.get("schema_version")),
    }
    return Message(encode(event), str(event["ref"]), attributes, kind)


@dataclass(frozen=True)
class FaultPlan:
    duplicates: float = 0.0
    resend: float = 0.0
    out_of_order: float = 0.0
    malformed: float = 0.0

    def __post_init__(self) -> None:
        for name in ("duplicates", "resend", "out_of_order", "malformed"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(
                    f"--{name.replace('_', '-')} must be a share between 0 and 1, got {value}"
                )

    @property
    def any(self) -> bool:
        return any((self.duplicates, self.resend, self.out_of_order, self.malformed))


@dataclass
class FaultReport:
    duplicates: int = 0
    resent: int = 0
    out_of_order: int = 0
    malformed: int = 0
    malformed_by_error_type: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "duplicates": self.duplicates,
            "resent": self.resent,
            "out_of_order": self.out_of_order,
            "malformed": self.malformed,
            "malformed_by_error_type": dict(sorted(self.malformed_by_error_type.items())),
        }


def _with(event: dict, **changes) -> bytes:
    return encode({**event, **changes})


def _without(event: dict, name: str) -> bytes:
    return encode({k: v for k, v in event.items() if k != name})


#: (error type the contract must give, how to break an event). Varied on purpose.
MALFORMERS: tuple[tuple[str, Callable[[dict], bytes]], ...] = (
    ("invalid_json", lambda e: encode(e)[:-7]),
    ("invalid_json", lambda e: encode(e).replace(b'"cuantia":', b'"cuantia":NaN,"x":', 1)),
    (
        "invalid_encoding",
        lambda e: json.dumps(e, ensure_ascii=False).encode("latin-1", "replace") + b"\xff",
    ),
    ("not_an_object", lambda e: encode([e])),  # type: ignore[arg-type]
    ("missing_field", lambda e: _without(e, "ref")),
    ("missing_field", lambda e: _without(e, "event_ts")),
    ("wrong_type", lambda e: _with(e, cuantia="1.500,00")),
    ("wrong_type", lambda e: _with(e, procedimiento=None)),
    ("unknown_procedimiento", lambda e: _with(e, procedimiento="Monitorio")),
    (
        "unknown_estado",
        lambda e: _with(
            e, estado="vista" if e["procedimiento"] == "Ordinario" else "audiencia_previa"
        ),
    ),
    ("negative_cuantia", lambda e: _with(e, cuantia=-abs(e.get("cuantia") or 100.0))),
    ("invalid_cuantia", lambda e: _with(e, cuantia=1234.567)),
    ("invalid_timestamp", lambda e: _with(e, event_ts=e["event_ts"].replace("Z", ""))),
    ("invalid_timestamp", lambda e: _with(e, event_ts="31/12/2025 10:00")),
    ("unsupported_schema_version", lambda e: _with(e, schema_version=2)),
    ("invalid_event_id", lambda e: _with(e, event_id="not-a-uuid")),
    ("invalid_value", lambda e: _with(e, ref="'; drop table expedientes; --")),
)


class FaultInjector:
    def __init__(self, plan: FaultPlan, rng: random.Random) -> None:
        self.plan = plan
        self.rng = rng
        self.report = FaultReport()
        self._held: list[tuple[int, Message]] = []
        self._count = 0

    def apply(self, event: dict) -> list[Message]:
        """The messages to send now for one clean event (possibly none: held back)."""
        self._count += 1
        out: list[Message] = []
        message = message_for(event)
        if self.plan.out_of_order and self.rng.random() < self.plan.out_of_order:
            self._held.append((self._count + self.rng.randint(1, 50), message))
            self.report.out_of_order += 1
        else:
            out.append(message)
        if self.plan.duplicates and self.rng.random() < self.plan.duplicates:
            out.append(Message(message.data, message.ref, message.attributes, "duplicate"))
            self.report.duplicates += 1
        if self.plan.resend and self.rng.random() < self.plan.resend:
            later = contract.parse_event_ts(event["event_ts"]) + timedelta(
                minutes=self.rng.randint(5, 3 * 24 * 60)
            )
            later_ts = contract.format_event_ts(later)
            resent = {
                **event,
                "event_id": event_id(event["ref"], event["estado"], later_ts),
                "event_ts": later_ts,
            }
            out.append(message_for(resent, "resent"))
            self.report.resent += 1
        if self.plan.malformed and self.rng.random() < self.plan.malformed:
            error_type, breaker = self.rng.choice(MALFORMERS)
            attributes = {
                "event_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                "schema_version": "1",
            }
            out.append(Message(breaker(event), str(event["ref"]), attributes, "malformed"))
            self.report.malformed += 1
            self.report.malformed_by_error_type[error_type] += 1
        due = [m for at, m in self._held if at <= self._count]
        if due:
            self._held = [(at, m) for at, m in self._held if at > self._count]
            out.extend(due)
        return out

    def flush(self) -> list[Message]:
        """Messages still held back: send them at the end."""
        out = [m for _, m in self._held]
        self._held = []
        return out
