"""The bad-input corpus: every way this suite breaks a message, with the dead-letter reason the
contract must give it. Built from a valid event so that only the named defect differs.

Each malformed message carries the attribute ``corpus_kind`` (its name here), which the
pipeline keeps in the dead letter, so a test maps every dead letter back to its kind.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from generator.faults import Message, encode


def _with(**changes) -> Callable[[dict], bytes]:
    return lambda e: encode({**e, **changes})


def _without(name: str) -> Callable[[dict], bytes]:
    return lambda e: encode({k: v for k, v in e.items() if k != name})


def _other_procedure_state(e: dict) -> bytes:
    return encode({**e, "estado": "vista" if e["procedimiento"] == "Ordinario" else "juicio"})


#: kind -> (expected error_type, how to break a valid event)
KINDS: dict[str, tuple[str, Callable[[dict], bytes]]] = {
    "huge_payload": ("payload_too_large", lambda e: encode({**e, "notas": "x" * 70_000})),
    "deeply_nested": (
        "nesting_too_deep",
        lambda e: encode({**e, "extra": json.loads("[" * 200 + "]" * 200)}),
    ),
    "latin1_bytes": (
        "invalid_encoding",
        lambda e: json.dumps(e, ensure_ascii=False).encode("latin-1", "replace") + b"\xf1",
    ),
    "utf16": ("invalid_encoding", lambda e: json.dumps(e).encode("utf-16")),
    "lone_surrogate_escape": (
        "invalid_encoding",
        lambda e: encode(e).replace(b'"juzgado":"', b'"juzgado":"\\udc80', 1),
    ),
    "utf8_bom": ("invalid_json", lambda e: b"\xef\xbb\xbf" + encode(e)),
    "truncated": ("invalid_json", lambda e: encode(e)[:-9]),
    "empty_body": ("invalid_json", lambda e: b""),
    "nan_cuantia": (
        "invalid_json",
        lambda e: encode(e).replace(b'"schema_version":', b'"cuantia":NaN,"x":', 1),
    ),
    "infinity_cuantia": (
        "invalid_json",
        lambda e: encode(e).replace(b'"schema_version":', b'"cuantia":Infinity,"x":', 1),
    ),
    "repeated_key": ("invalid_json", lambda e: encode(e)[:-1] + b',"ref":"OTRO-1"}'),
    "json_array": ("not_an_object", lambda e: encode([e])),  # type: ignore[list-item]
    "json_null": ("not_an_object", lambda e: b"null"),
    "missing_ref": ("missing_field", _without("ref")),
    "missing_event_ts": ("missing_field", _without("event_ts")),
    "cuantia_as_text": ("wrong_type", _with(cuantia="1.500,00 €")),
    "schema_version_as_text": ("wrong_type", _with(schema_version="1")),
    "event_ts_as_epoch": ("wrong_type", _with(event_ts=1_733_000_000)),
    "event_id_not_uuid": ("invalid_event_id", _with(event_id="42; select 1")),
    "procedure_not_in_lec": ("unknown_procedimiento", _with(procedimiento="Monitorio")),
    "state_not_in_procedure": ("unknown_estado", _other_procedure_state),
    "state_that_does_not_exist": ("unknown_estado", _with(estado="en_tramite")),
    "negative_cuantia": ("negative_cuantia", _with(cuantia=-1500.0)),
    "three_decimals": ("invalid_cuantia", _with(cuantia=1500.125)),
    "absurd_cuantia": ("invalid_cuantia", _with(cuantia=10**30)),
    "naive_timestamp": ("invalid_timestamp", _with(event_ts="2025-03-11T09:15:00")),
    "february_30": ("invalid_timestamp", _with(event_ts="2025-02-30T09:15:00Z")),
    "madrid_offset": ("invalid_timestamp", _with(event_ts="2025-03-11T09:15:00+01:00")),
    "before_the_lec": ("event_ts_out_of_range", _with(event_ts="1999-06-01T00:00:00Z")),
    "far_future": ("event_ts_out_of_range", _with(event_ts="2099-01-01T00:00:00Z")),
    "future_schema_version": ("unsupported_schema_version", _with(schema_version=2)),
    "sql_in_ref": ("invalid_value", _with(ref="1'; drop table expedientes; --")),
    "control_chars_in_juzgado": ("invalid_value", _with(juzgado="Juzgado\x07\x1b[31m nº 1")),
    "nul_in_juzgado": ("invalid_value", _with(juzgado="Juzgado\x00 nº 1")),
    "newline_in_ref": ("invalid_value", _with(ref="2807942120\n250004817")),
    "empty_juzgado": ("invalid_value", _with(juzgado="")),
}


def malformed_messages(events: list[dict], copies: int = 1) -> list[Message]:
    """``copies`` messages of every kind, each made from a different valid event."""
    out = []
    for i, (kind, (_error_type, breaker)) in enumerate(sorted(KINDS.items()) * copies):
        event = events[(i * 7) % len(events)]
        attributes = {"event_id": str(uuid.uuid4()), "corpus_kind": kind}
        out.append(Message(breaker(event), str(event["ref"]), attributes, "malformed"))
    return out


def expected_error_type(kind: str) -> str:
    return KINDS[kind][0]
