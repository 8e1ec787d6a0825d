"""Parse and validate messages against the event contract; route failures to dead letters."""

from __future__ import annotations

import base64
import json
import traceback
from datetime import UTC, datetime

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from expedientes import contract

VALID = "valid"
DEAD_LETTER = "dead_letter"


def now_ts() -> str:
    return contract.format_event_ts(datetime.now(UTC))


def from_pubsub(message) -> dict:
    """A ``PubsubMessage`` as the pipeline's raw message dict."""
    publish_time = message.publish_time
    return {
        "data": bytes(message.data or b""),
        "attributes": dict(message.attributes or {}),
        "message_id": message.message_id or None,
        "publish_time": contract.format_event_ts(publish_time.replace(tzinfo=UTC))
        if publish_time
        else None,
    }


def from_line(line: bytes) -> dict:
    """A line of a JSONL replay file as a raw message (no Pub/Sub ids)."""
    return {"data": bytes(line), "attributes": {}, "message_id": None, "publish_time": None}


def dead_letter_row(
    raw: dict, error_type: str, error_message: str, stacktrace: str | None = None
) -> dict:
    """A row of the dead-letter table (the shape of Google's Pub/Sub-to-BigQuery template)."""
    data = raw["data"]
    return {
        "failed_at": now_ts(),
        "error_type": error_type,
        "error_message": error_message,
        "stacktrace": stacktrace,
        "payload_string": data.decode("utf-8", errors="replace") if data else None,
        "payload_bytes": data,
        "attributes": [{"key": k, "value": v} for k, v in sorted(raw["attributes"].items())],
        "message_id": raw["message_id"],
        "publish_time": raw["publish_time"],
    }


def check(raw: dict) -> tuple[str, dict]:
    """``(VALID, {"event": dict, "raw": raw})`` for a valid event, ``(DEAD_LETTER, row)`` with
    the contract's error type and every violation in words otherwise. Never raises."""
    try:
        event, violations = contract.parse(raw["data"])
    except Exception as exc:  # a bug in validation must not lose the message
        return DEAD_LETTER, dead_letter_row(
            raw, "validation_error", repr(exc), traceback.format_exc()
        )
    if violations:
        return DEAD_LETTER, dead_letter_row(
            raw, violations[0].error_type, contract.describe(violations)
        )
    return VALID, {"event": event, "raw": raw}


class ParseEventFn(beam.DoFn):
    """Input: a raw message dict. Main output: ``{"event": dict, "raw": raw}`` for a valid
    event; tagged output ``dead_letter``: a dead-letter row (see :func:`check`)."""

    def __init__(self) -> None:
        self.read = Metrics.counter("expedientes", "read")
        self.valid = Metrics.counter("expedientes", "valid")
        self.invalid = Metrics.counter("expedientes", "invalid")

    def process(self, raw: dict):
        self.read.inc()
        tag, row = check(raw)
        if tag == VALID:
            self.valid.inc()
            yield row
            return
        self.invalid.inc()
        Metrics.counter("expedientes", f"invalid_{row['error_type']}").inc()
        yield TaggedOutput(DEAD_LETTER, row)


class ValidateEvents(beam.PTransform):
    """Raw messages -> ``valid`` events and ``dead_letter`` rows (a tagged tuple)."""

    def expand(self, messages):
        return messages | "ParseEvents" >> beam.ParDo(ParseEventFn()).with_outputs(
            DEAD_LETTER, main=VALID
        )


def staging_row(valid: dict) -> dict:
    """A row of the staging table: the contract fields, the Pub/Sub ids, the ingestion time and
    the raw payload."""
    event, raw = valid["event"], valid["raw"]
    row = {name: event.get(name) for name in contract.fields()}
    row["message_id"] = raw["message_id"]
    row["publish_time"] = raw["publish_time"]
    row["ingested_at"] = now_ts()
    row["payload"] = raw["data"].decode("utf-8")
    return row


class AddIngestMetadata(beam.PTransform):
    """Valid events -> staging rows (adds message_id, publish_time, ingested_at, payload)."""

    def expand(self, valid):
        return valid | "ToStagingRow" >> beam.Map(staging_row)


def json_row(row: dict) -> dict:
    """A staging or dead-letter row with its bytes base64-encoded, as BigQuery's JSON rows and
    the local landing files carry them."""
    data = row.get("payload_bytes")
    if isinstance(data, bytes | bytearray):
        return {**row, "payload_bytes": base64.b64encode(data).decode("ascii")}
    return row


def to_json_line(row: dict) -> str:
    """A staging or dead-letter row as one JSON line."""
    return json.dumps(json_row(row), ensure_ascii=False, separators=(",", ":"))
