"""The event contract: examples, every rejection reason, and limits."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from expedientes import contract, procedures

EXAMPLES = Path(contract.__file__).parent / "examples"
VALID = sorted((EXAMPLES / "valid").iterdir())
INVALID = sorted((EXAMPLES / "invalid").iterdir())


def expected_error(path: Path) -> str:
    """Invalid examples are named ``<error_type>__<what>.<ext>``."""
    return path.name.split("__")[0]


def a_valid_event(**changes) -> dict:
    event = json.loads((EXAMPLES / "valid" / "ordinario_demanda_with_cuantia.json").read_text())
    event.update(changes)
    return event


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_examples_pass(path: Path) -> None:
    event, violations = contract.parse(path.read_bytes())
    assert violations == []
    assert event == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_examples_fail_with_the_expected_reason(path: Path) -> None:
    _event, violations = contract.parse(path.read_bytes())
    assert violations, f"{path.name} was accepted"
    assert violations[0].error_type == expected_error(path)
    assert all(v.message for v in violations)


def test_examples_cover_every_input_error_type() -> None:
    covered = {expected_error(p) for p in INVALID}
    # payload_too_large is built in a test below (a 64 KiB file is no example to keep);
    # write_failed is raised by sinks, not by parsing.
    # validation_error is a bug's safety net in the pipeline.
    assert covered | {"payload_too_large", "write_failed", "validation_error"} == set(
        contract.ERROR_TYPES
    )


def test_extra_fields_are_kept_but_do_not_fail() -> None:
    event, violations = contract.parse(json.dumps(a_valid_event(source_system="lexnet")))
    assert violations == []
    assert event["source_system"] == "lexnet"


def test_every_violation_is_reported_not_just_the_first() -> None:
    event = a_valid_event(procedimiento="Monitorio", cuantia=-1, event_ts="yesterday")
    del event["ref"]
    found = {(v.field, v.error_type) for v in contract.validate(event)}
    assert found == {
        ("ref", "missing_field"),
        ("procedimiento", "unknown_procedimiento"),
        ("cuantia", "negative_cuantia"),
        ("event_ts", "invalid_timestamp"),
    }


def test_primary_reason_follows_the_schema_field_order() -> None:
    event = a_valid_event(schema_version=9, event_id="nope")
    violations = contract.validate(event)
    assert [v.error_type for v in violations] == ["invalid_event_id", "unsupported_schema_version"]


def test_null_is_a_wrong_type_not_an_unknown_value() -> None:
    (violation,) = contract.validate(a_valid_event(procedimiento=None))
    assert violation.error_type == "wrong_type"
    assert "got null" in violation.message


@pytest.mark.parametrize("cuantia", [None, 0, 6000, 15000.0, 0.07, 12345678.12, 1e12])
def test_amounts_that_pass(cuantia) -> None:
    assert contract.validate(a_valid_event(cuantia=cuantia)) == []


@pytest.mark.parametrize(
    ("cuantia", "error_type"),
    [
        (-0.01, "negative_cuantia"),
        (0.001, "invalid_cuantia"),
        (1e13, "invalid_cuantia"),
        (math.nan, "invalid_cuantia"),
        (math.inf, "invalid_cuantia"),
        ("100", "wrong_type"),
        (True, "wrong_type"),
    ],
)
def test_amounts_that_fail(cuantia, error_type) -> None:
    assert [v.error_type for v in contract.validate(a_valid_event(cuantia=cuantia))] == [error_type]


@pytest.mark.parametrize(
    "event_ts",
    ["2025-03-11T09:15:00Z", "2025-03-11T09:15:00+00:00", "2025-03-11T09:15:00.123456789Z"],
)
def test_rfc3339_utc_timestamps_pass(event_ts: str) -> None:
    assert contract.validate(a_valid_event(event_ts=event_ts)) == []


@pytest.mark.parametrize(
    "event_ts",
    [
        "2025-03-11 09:15:00Z",
        "2025-03-11T09:15Z",
        "2025-13-01T00:00:00Z",
        "2025-03-11T24:00:00Z",
        "",
    ],
)
def test_other_timestamps_fail(event_ts: str) -> None:
    assert [v.error_type for v in contract.validate(a_valid_event(event_ts=event_ts))] == [
        "invalid_timestamp"
    ]


def test_payload_over_the_size_limit_is_rejected_before_decoding() -> None:
    limit = contract.limits()["max_payload_bytes"]
    payload = json.dumps(a_valid_event(padding="x" * limit)).encode()
    _event, violations = contract.parse(payload)
    assert [v.error_type for v in violations] == ["payload_too_large"]


def test_pathological_nesting_does_not_crash() -> None:
    payload = "[" * 30_000 + "]" * 30_000  # under the size limit, past any recursion limit
    _event, violations = contract.parse(payload)
    assert [v.error_type for v in violations] == ["nesting_too_deep"]


@pytest.mark.parametrize("payload", [b"\xff\xfe{}", b'{"ref": "\xed\xa0\x80"}'])
def test_bytes_that_are_not_utf8_are_rejected(payload: bytes) -> None:
    _event, violations = contract.parse(payload)
    assert [v.error_type for v in violations] == ["invalid_encoding"]


@pytest.mark.parametrize("payload", ["Infinity", '{"cuantia": -Infinity}', "{'a': 1}", "{} {}"])
def test_not_json(payload: str) -> None:
    _event, violations = contract.parse(payload)
    assert [v.error_type for v in violations] == ["invalid_json"]


def test_every_state_of_every_procedure_is_a_valid_estado() -> None:
    for name in procedures.names():
        for state in procedures.get(name).state_names():
            event = a_valid_event(procedimiento=name, estado=state)
            assert contract.validate(event) == [], (name, state)


def test_schema_procedimientos_are_the_state_machine_procedures() -> None:
    assert contract.schema()["properties"]["procedimiento"]["enum"] == procedures.names()


def test_parse_or_raise_carries_the_violations() -> None:
    with pytest.raises(contract.ContractError) as raised:
        contract.parse_or_raise(b"[]")
    assert raised.value.error_type == "not_an_object"
    assert "JSON object" in str(raised.value)


def test_timestamps_round_trip() -> None:
    instant = datetime(2025, 3, 11, 9, 15, 0, 250000, tzinfo=UTC)
    text = contract.format_event_ts(instant)
    assert text == "2025-03-11T09:15:00.250000Z"
    assert contract.parse_event_ts(text) == instant
    assert contract.validate(a_valid_event(event_ts=text)) == []
