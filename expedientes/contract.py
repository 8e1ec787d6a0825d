"""The event contract (v1): parse a Pub/Sub payload and return every violation with a reason.

``event.schema.json`` beside this module is the single source of truth for the shape of an
event. This module adds what JSON Schema cannot say well:

- the payload must be UTF-8 JSON, without NaN/Infinity, not too large and not too deeply nested
  (limits in the schema's ``x-expedientes`` block);
- ``estado`` must be a state of the event's ``procedimiento`` (read from ``procedures.yaml``);
- ``cuantia`` has at most 2 decimals (``multipleOf: 0.01`` misjudges binary floats);
- ``event_ts`` must be a real instant (the pattern accepts 2024-02-30).

Every violation carries an ``error_type`` from :data:`ERROR_TYPES`; the pipeline writes the
first one (and the joined messages) to the dead-letter table, so the codes are part of the
contract too and dbt's ``accepted_values`` on the dead letters are exported from them.

Usage::

    event, violations = parse(message.data)
    if violations:
        dead_letter(error_type=violations[0].error_type, error_message=describe(violations))
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import jsonschema

from expedientes import procedures

SCHEMA_FILE = "event.schema.json"

#: Every reason an event can be rejected, with what it means. Order matters only for display.
ERROR_TYPES: dict[str, str] = {
    "payload_too_large": "the message is larger than the contract's max_payload_bytes",
    "invalid_encoding": "the message is not valid UTF-8, or escapes a lone UTF-16 surrogate",
    "invalid_json": "the message is not valid JSON (NaN and Infinity are not JSON; no key twice)",
    "nesting_too_deep": "the JSON nests deeper than the contract's max_nesting_depth",
    "not_an_object": "the JSON is valid but not an object",
    "missing_field": "a required field is absent",
    "wrong_type": "a field has the wrong JSON type (null counts as a type)",
    "invalid_event_id": "event_id is not a UUID",
    "unknown_procedimiento": "procedimiento is not Ordinario or Verbal",
    "unknown_estado": "estado is not a state of the event's procedimiento",
    "negative_cuantia": "cuantia is below zero",
    "invalid_cuantia": "cuantia has more than 2 decimals, is not finite or is absurdly large",
    "invalid_timestamp": "event_ts is not an RFC 3339 UTC timestamp of a real instant",
    "event_ts_out_of_range": "event_ts is before LEC 1/2000 or lies far in the future",
    "unsupported_schema_version": "schema_version is not a version this pipeline knows (1)",
    "invalid_value": "a text field breaks its length or character rules",
    "write_failed": "the event was valid but the sink rejected it (the sink's error is kept)",
    "validation_error": "the validator itself failed (a bug); the message is kept for replay",
}

#: (field, JSON Schema keyword) -> error type; then keyword alone; anything else is invalid_value.
_FIELD_KEYWORD_ERRORS: dict[tuple[str, str], str] = {
    ("event_id", "pattern"): "invalid_event_id",
    ("procedimiento", "enum"): "unknown_procedimiento",
    ("cuantia", "minimum"): "negative_cuantia",
    ("cuantia", "maximum"): "invalid_cuantia",
    ("event_ts", "pattern"): "invalid_timestamp",
    ("schema_version", "const"): "unsupported_schema_version",
}
_KEYWORD_ERRORS: dict[str, str] = {"type": "wrong_type", "required": "missing_field"}

_JSON_TYPE_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


@dataclass(frozen=True)
class Violation:
    """One way an event breaks the contract."""

    error_type: str
    field: str | None
    message: str

    def __str__(self) -> str:
        return self.message


class ContractError(ValueError):
    """Raised by :func:`parse_or_raise` with every violation found."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        super().__init__(describe(violations))

    @property
    def error_type(self) -> str:
        return self.violations[0].error_type


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The contract's JSON Schema, as committed in ``event.schema.json``."""
    text = resources.files("expedientes").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    spec = schema()
    cls = jsonschema.validators.validator_for(spec)
    cls.check_schema(spec)
    return cls(spec)


@lru_cache(maxsize=1)
def limits() -> Mapping[str, Any]:
    """The contract's limits (``max_payload_bytes``, ``max_nesting_depth``, ...), read-only."""
    return MappingProxyType(dict(schema()["x-expedientes"]))


def fields() -> list[str]:
    """The contract's fields, in the order the schema lists them."""
    return list(schema()["properties"])


@lru_cache(maxsize=1)
def _field_order() -> Mapping[str, int]:
    return MappingProxyType({name: i for i, name in enumerate(fields())})


@lru_cache(maxsize=1)
def _earliest_event_ts() -> datetime:
    return parse_event_ts(limits()["event_ts_not_before"])


def required_fields() -> list[str]:
    return list(schema()["required"])


def describe(violations: list[Violation]) -> str:
    """All violations as one line, for a dead-letter ``error_message`` or a CLI error."""
    return "; ".join(v.message for v in violations)


def _type_name(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a decoded JSON value, stopping early once past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse(
    payload: bytes | str, now: datetime | None = None
) -> tuple[dict[str, Any] | None, list[Violation]]:
    """Decode and validate one message body.

    Returns ``(event, [])`` for a valid event (the decoded object, extra fields included) and
    ``(None or the decoded object, violations)`` otherwise. Never raises on bad input.
    """
    max_bytes = limits()["max_payload_bytes"]
    size = len(payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload)
    if size > max_bytes:
        message = f"payload is {size} bytes, more than the contract's {max_bytes}"
        return None, [Violation("payload_too_large", None, message)]
    if isinstance(payload, bytes | bytearray | memoryview):
        try:
            text = bytes(payload).decode("utf-8")
        except UnicodeDecodeError as exc:
            message = f"payload is not UTF-8: {exc.reason} at byte {exc.start}"
            return None, [Violation("invalid_encoding", None, message)]
    else:
        text = payload
    try:
        decoded = json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_object_without_repeats
        )
    except RecursionError:
        message = "payload nests too deeply to decode"
        return None, [Violation("nesting_too_deep", None, message)]
    except ValueError as exc:  # json.JSONDecodeError is a ValueError; so are NaN/Infinity
        return None, [Violation("invalid_json", None, f"payload is not JSON: {exc}")]
    max_depth = limits()["max_nesting_depth"]
    if _depth(decoded, max_depth) > max_depth:
        message = f"payload nests deeper than the contract's {max_depth} levels"
        return None, [Violation("nesting_too_deep", None, message)]
    if "\\u" in text and _has_lone_surrogate(decoded):
        message = "payload escapes a lone UTF-16 surrogate (\\ud800-\\udfff): not a character"
        return None, [Violation("invalid_encoding", None, message)]
    violations = validate(decoded, now=now)
    return (decoded if isinstance(decoded, dict) else None), violations


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (readers disagree on which one wins)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        repeated = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"key {repeated!r} appears more than once in an object")
    return result


def _has_lone_surrogate(value: Any) -> bool:
    """True when a string in ``value`` holds a surrogate code point (JSON lets ``\\ud800``
    through; it cannot be encoded as UTF-8, so no sink could store it)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def parse_or_raise(payload: bytes | str) -> dict[str, Any]:
    """Like :func:`parse`, but return the event or raise :class:`ContractError`."""
    event, violations = parse(payload)
    if violations:
        raise ContractError(violations)
    assert event is not None
    return event


def validate(event: Any, now: datetime | None = None) -> list[Violation]:
    """Every way ``event`` (a decoded JSON value) breaks the contract; empty when valid.

    Violations come in the schema's field order, so the first one is a stable primary reason.
    ``now`` (default: the current time) bounds how far in the future ``event_ts`` may lie.
    """
    if not isinstance(event, dict):
        message = f"event must be a JSON object, got {_type_name(event)}"
        return [Violation("not_an_object", None, message)]
    order = _field_order()
    found: list[Violation] = []
    for error in _validator().iter_errors(event):
        found.extend(_from_schema_error(error, event))
    found = _one_per_field_and_type(found)
    found.extend(_semantic_violations(event, already={v.field for v in found}, now=now))
    found.sort(key=lambda v: order.get(v.field or "", len(order)))
    return found


def _one_per_field_and_type(found: list[Violation]) -> list[Violation]:
    """Drop repeats: one violation per (field, error type), and only the type error for a field
    of the wrong type (``null`` for procedimiento is a wrong type, not an unknown procedure)."""
    mistyped = {v.field for v in found if v.error_type == "wrong_type"}
    kept: dict[tuple[str | None, str], Violation] = {}
    for v in found:
        if v.field in mistyped and v.error_type != "wrong_type":
            continue
        kept.setdefault((v.field, v.error_type), v)
    return list(kept.values())


def _from_schema_error(error: jsonschema.ValidationError, event: dict) -> list[Violation]:
    keyword = str(error.validator)
    if keyword == "required":
        missing = [name for name in required_fields() if name not in event]
        return [
            Violation("missing_field", name, f"required field {name!r} is missing")
            for name in missing
        ]
    field = str(error.absolute_path[0]) if error.absolute_path else None
    error_type = (
        _FIELD_KEYWORD_ERRORS.get((field or "", keyword))
        or _KEYWORD_ERRORS.get(keyword)
        or "invalid_value"
    )
    value = event.get(field) if field else event
    if keyword == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        message = f"{field} must be {expected}, got {_type_name(value)}"
    elif error_type == "unknown_procedimiento":
        message = f"procedimiento {value!r} is not one of {', '.join(error.validator_value)}"
    elif error_type == "unsupported_schema_version":
        message = f"schema_version {value!r} is not supported (this pipeline reads version 1)"
    elif error_type == "negative_cuantia":
        message = f"cuantia {value!r} is negative"
    elif error_type == "invalid_timestamp":
        message = f"event_ts {_clip(value)} is not RFC 3339 UTC (e.g. 2024-05-01T09:30:00Z)"
    elif error_type == "invalid_event_id":
        message = f"event_id {_clip(value)} is not a UUID"
    else:
        message = f"{field} {_clip(value)} breaks the contract ({keyword}: {error.message})"
    return [Violation(error_type, field, message)]


def _semantic_violations(
    event: dict, already: set[str | None], now: datetime | None
) -> list[Violation]:
    """Rules JSON Schema cannot express; skipped for fields that already failed the schema."""
    found: list[Violation] = []
    procedimiento, estado = event.get("procedimiento"), event.get("estado")
    if (
        "estado" not in already
        and "procedimiento" not in already
        and isinstance(estado, str)
        and procedimiento in procedures.names()
    ):
        states = procedures.get(procedimiento).state_names()
        if estado not in states:
            message = (
                f"estado {_clip(estado)} is not a state of procedimiento {procedimiento} "
                f"(one of: {', '.join(states)})"
            )
            found.append(Violation("unknown_estado", "estado", message))
    cuantia = event.get("cuantia")
    if (
        "cuantia" not in already
        and isinstance(cuantia, int | float)
        and not isinstance(cuantia, bool)
    ):
        decimals = limits()["cuantia_max_decimals"]
        if not math.isfinite(cuantia):
            found.append(
                Violation("invalid_cuantia", "cuantia", f"cuantia {cuantia!r} is not finite")
            )
        elif Decimal(repr(cuantia)).as_tuple().exponent < -decimals:
            message = f"cuantia {cuantia!r} has more than {decimals} decimals"
            found.append(Violation("invalid_cuantia", "cuantia", message))
    event_ts = event.get("event_ts")
    if "event_ts" not in already and isinstance(event_ts, str):
        try:
            instant = parse_event_ts(event_ts)
        except ValueError as exc:
            message = f"event_ts {_clip(event_ts)} is not a real instant: {exc}"
            found.append(Violation("invalid_timestamp", "event_ts", message))
        else:
            found.extend(_out_of_range(instant, event_ts, now))
    return found


def _out_of_range(instant: datetime, text: str, now: datetime | None) -> list[Violation]:
    rules = limits()
    earliest = _earliest_event_ts()
    latest = (now or datetime.now(UTC)) + timedelta(days=rules["event_ts_max_days_ahead"])
    if instant < earliest:
        message = f"event_ts {text} is before LEC 1/2000 came into force ({earliest.date()})"
    elif instant > latest:
        message = (
            f"event_ts {text} is more than {rules['event_ts_max_days_ahead']} days "
            "after it was read"
        )
    else:
        return []
    return [Violation("event_ts_out_of_range", "event_ts", message)]


_UTC_SUFFIX = re.compile(r"(Z|\+00:00)$")


def parse_event_ts(value: str) -> datetime:
    """An RFC 3339 UTC timestamp as an aware ``datetime`` (fractions beyond µs are truncated)."""
    if not _UTC_SUFFIX.search(value):
        raise ValueError("not UTC")
    return datetime.fromisoformat(value).astimezone(UTC)


def format_event_ts(value: datetime) -> str:
    """The contract's spelling of an instant: UTC, seconds or microseconds, a trailing Z."""
    value = value.astimezone(UTC)
    spec = "seconds" if value.microsecond == 0 else "microseconds"
    return value.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _clip(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
