"""``python -m generator`` end to end: files, publishing to the emulator, bad input."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from google.cloud import pubsub_v1

from expedientes import contract, emulator, procedures
from generator import cli
from generator.publisher import ordering_key
from tests.conftest import python_module
from tests.landing import land

AS_OF = "2026-12-01"


def generator(*args: str, env: dict[str, str] | None = None):
    return python_module("generator", *args, env=env)


def test_same_seed_gives_a_byte_identical_backfill(tmp_path: Path) -> None:
    runs = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        out = tmp_path / f"{name}.jsonl"
        result = generator(
            "backfill", "--cases", "400", "--seed", seed, "--as-of", AS_OF, "--out", str(out)
        )
        assert result.returncode == 0, result.stderr
        runs.append(out.read_bytes())
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert len(runs[0].splitlines()) > 400


def pull_all(
    subscription: str, expected: int, deadline_s: float = 60
) -> list[pubsub_v1.types.ReceivedMessage]:
    received: list = []
    deadline = time.monotonic() + deadline_s
    with pubsub_v1.SubscriberClient() as subscriber:
        while len(received) < expected and time.monotonic() < deadline:
            response = subscriber.pull(
                request={"subscription": subscription, "max_messages": 1000}, timeout=10
            )
            if response.received_messages:
                received.extend(response.received_messages)
                subscriber.acknowledge(
                    request={
                        "subscription": subscription,
                        "ack_ids": [m.ack_id for m in response.received_messages],
                    }
                )
        # nothing more arrives afterwards
        extra = subscriber.pull(
            request={"subscription": subscription, "max_messages": 100}, timeout=5
        )
        received.extend(extra.received_messages)
    return received


def test_stream_publishes_coherent_next_events_and_reconciles_its_faults(
    pubsub_resources, data_dir: Path, tmp_path: Path
) -> None:
    backfill = tmp_path / "backfill.jsonl"
    assert (
        generator(
            "backfill", "--cases", "500", "--seed", "3", "--as-of", AS_OF, "--out", str(backfill)
        ).returncode
        == 0
    )
    staged = [json.loads(line) for line in backfill.read_text().splitlines()]
    land(staged)
    report_path = tmp_path / "report.json"
    result = generator(
        "stream",
        "--events",
        "1500",
        "--seed",
        "9",
        "--new-cases",
        "0.1",
        "--duplicates",
        "0.1",
        "--resend",
        "0.05",
        "--out-of-order",
        "0.05",
        "--malformed",
        "0.05",
        "--topic",
        pubsub_resources.topic,
        "--project",
        pubsub_resources.project,
        "--report",
        str(report_path),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert report["events"] == 1500
    assert report["confirmed"] == report["messages"] and report["failed"] == 0
    assert "events/s" in result.stdout

    received = pull_all(pubsub_resources.subscription_path, report["messages"])
    assert len(received) == report["messages"]

    valid, rejected = [], Counter()
    for item in received:
        message = item.message
        event, violations = contract.parse(message.data)
        if violations:
            rejected[violations[0].error_type] += 1
            continue
        assert message.attributes["event_id"] == event["event_id"]
        assert message.attributes["schema_version"] == "1"
        assert message.ordering_key == ordering_key(event["ref"], "bucket")
        valid.append(event)
    faults = report["faults"]
    assert rejected == Counter(faults["malformed_by_error_type"])
    ids = Counter(e["event_id"] for e in valid)
    assert sum(n - 1 for n in ids.values()) == faults["duplicates"]
    assert len(ids) == report["events"] + faults["resent"]

    # Coherence with the warehouse: a case's new states continue its staged history legally.
    history = defaultdict(list)
    for event in staged:
        history[event["ref"]].append(event)
    unique = {e["event_id"]: e for e in valid}.values()
    per_case = defaultdict(list)
    for event in unique:
        per_case[event["ref"]].append(event)
    new_cases = 0
    for ref, events in per_case.items():
        events.sort(key=lambda e: contract.parse_event_ts(e["event_ts"]))
        before = history.get(ref, [])
        if not before:
            new_cases += 1
        proc = procedures.get(events[0]["procedimiento"])
        seen = [e["estado"] for e in before]
        for event in events:
            if event["estado"] in seen:  # only the injected re-sends repeat a state
                continue
            assert not seen or proc.is_legal(seen[-1], event["estado"]), (
                ref,
                seen,
                event["estado"],
            )
            if before:
                assert contract.parse_event_ts(event["event_ts"]) > contract.parse_event_ts(
                    before[-1]["event_ts"]
                )
            seen.append(event["estado"])
    assert new_cases == report["new_cases"]


def test_stream_dry_run_writes_instead_of_publishing(data_dir: Path, tmp_path: Path) -> None:
    backfill = tmp_path / "backfill.jsonl"
    generator("backfill", "--cases", "50", "--as-of", AS_OF, "--out", str(backfill))
    land(json.loads(line) for line in backfill.read_text().splitlines())
    out = tmp_path / "next.jsonl"
    result = generator(
        "stream",
        "--events",
        "40",
        "--dry-run",
        "--out",
        str(out),
        env={"PUBSUB_EMULATOR_HOST": "127.0.0.1:1"},
    )
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 40
    assert all(contract.parse(line)[1] == [] for line in lines)


def test_empty_warehouse_says_to_run_the_backfill_first(data_dir: Path) -> None:
    result = generator("stream", "--events", "10", "--dry-run", "--out", str(data_dir / "x.jsonl"))
    assert result.returncode == 2
    assert "run the backfill first" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_emulator_is_a_one_line_error(tmp_path: Path) -> None:
    port = emulator.free_port()
    result = generator(
        "backfill", "--cases", "5", "--publish", env={"PUBSUB_EMULATOR_HOST": f"127.0.0.1:{port}"}
    )
    assert result.returncode == 2
    assert "does not answer" in result.stderr and "make emulator-start" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_topic_is_a_one_line_error(pubsub_emulator) -> None:
    result = generator(
        "backfill",
        "--cases",
        "5",
        "--publish",
        "--topic",
        "no-such-topic",
        "--project",
        "expedientes-test",
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backfill", "--cases", "-3", "--out", "x.jsonl"], "must be greater than 0"),
        (["backfill", "--cases", "many", "--out", "x.jsonl"], "expected a whole number"),
        (["backfill", "--cases", "3"], "needs --out"),
        (
            ["backfill", "--cases", "3", "--out", "x.jsonl", "--as-of", "yesterday"],
            "expected a date",
        ),
        (["stream", "--events", "0"], "must be greater than 0"),
        (["stream", "--events", "5", "--duplicates", "1.5"], "between 0 and 1"),
        (["stream", "--events", "5", "--rate", "-1"], "must be greater than 0"),
        (["stream", "--events", "5", "--dry-run"], "--dry-run needs --out"),
        (["stream", "--events", "5", "--target", "snowflake"], "invalid choice"),
        (["stream", "--events", "5", "--bogus"], "unrecognized arguments"),
        (["replay"], "invalid choice"),
    ],
)
def test_bad_flags_get_a_message(args: list[str], message: str, data_dir: Path, capsys) -> None:
    try:
        code = cli.main(args)
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_bad_flag_is_one_message_without_traceback_from_the_real_cli() -> None:
    result = generator("stream", "--events", "-5")
    assert result.returncode == 2
    assert "must be greater than 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_has_help() -> None:
    for command in ([], ["backfill"], ["stream"]):
        result = generator(*command, "--help")
        assert result.returncode == 0 and "usage:" in result.stdout
