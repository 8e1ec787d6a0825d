"""The official Pub/Sub emulator: lifecycle, topic set-up, and a real round trip."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import psutil
import pytest
from google.cloud import pubsub_v1

from expedientes import emulator, pubsub_admin
from tests.conftest import require_emulator, run


def test_a_message_comes_back_with_its_attributes_and_ordering_key(
    pubsub_resources: pubsub_admin.Resources,
) -> None:
    publisher = pubsub_v1.PublisherClient(
        publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
    )
    body = json.dumps({"ref": "2807942120250004817", "estado": "demanda"}).encode()
    message_id = publisher.publish(
        pubsub_resources.topic_path,
        body,
        ordering_key="2807942120250004817",
        event_id="3f2b8c1e-6a4d-4f0b-9e57-2c1d8a7b5e10",
    ).result(timeout=30)

    with pubsub_v1.SubscriberClient() as subscriber:
        response = subscriber.pull(
            request={"subscription": pubsub_resources.subscription_path, "max_messages": 10},
            timeout=30,
        )
        (received,) = response.received_messages
        subscriber.acknowledge(
            request={
                "subscription": pubsub_resources.subscription_path,
                "ack_ids": [received.ack_id],
            }
        )
    message = received.message
    assert message.data == body
    assert dict(message.attributes) == {"event_id": "3f2b8c1e-6a4d-4f0b-9e57-2c1d8a7b5e10"}
    assert message.ordering_key == "2807942120250004817"
    assert message.message_id == message_id
    assert message.publish_time.timestamp() > 0


def test_ensure_is_idempotent_and_configures_the_subscription(pubsub_emulator) -> None:
    resources = pubsub_admin.Resources(project="expedientes-idempotence")
    first = pubsub_admin.ensure(resources)
    second = pubsub_admin.ensure(resources)
    assert set(first.values()) == {"created"}
    assert set(second.values()) == {"exists"}
    assert list(first) == list(second)
    with pubsub_v1.SubscriberClient() as subscriber:
        sub = subscriber.get_subscription(subscription=resources.subscription_path)
    assert sub.topic == resources.topic_path
    assert sub.enable_message_ordering
    assert sub.retain_acked_messages  # lets a seek replay acked messages after a crash
    assert sub.dead_letter_policy.dead_letter_topic == resources.dead_letter_topic_path
    assert sub.dead_letter_policy.max_delivery_attempts == pubsub_admin.MAX_DELIVERY_ATTEMPTS


def _make(target: str, data_dir: Path, port: int) -> tuple[int, str]:
    result = run(
        ["make", target, f"EXPEDIENTES_DATA_DIR={data_dir}", f"PUBSUB_EMULATOR_PORT={port}"],
        env={"PUBSUB_EMULATOR_HOST": ""},
    )
    return result.returncode, result.stdout + result.stderr


@pytest.mark.emulator
def test_make_emulator_targets_work_twice_in_a_row(tmp_path: Path) -> None:
    require_emulator()
    port = emulator.free_port()
    for _round in range(2):
        code, out = _make("emulator-start", tmp_path, port)
        assert code == 0, out
        assert f"started on 127.0.0.1:{port}" in out
        assert "created  projects/expedientes-local/subscriptions/expedientes-sub" in out or (
            "exists   projects/expedientes-local/subscriptions/expedientes-sub" in out
        )
        state = emulator.read_state(tmp_path / "emulator")
        assert state is not None
        assert psutil.pid_exists(state.pid)

        code, out = _make("emulator-start", tmp_path, port)  # no-op when running
        assert code == 0, out
        assert "already running" in out

        code, out = _make("emulator-status", tmp_path, port)
        assert code == 0, out
        assert f"running on 127.0.0.1:{port}" in out

        group = [p for p in psutil.process_iter() if _pgid(p.pid) == state.pid]
        assert group, "the emulator runs in a process group of its own"
        code, out = _make("emulator-stop", tmp_path, port)
        assert code == 0, out
        assert "stopped" in out
        _gone, alive = psutil.wait_procs(group, timeout=10)
        assert alive == [], "a JVM was left behind"
        assert not emulator.answers("127.0.0.1", port)

        code, out = _make("emulator-status", tmp_path, port)
        assert code != 0
        assert "stopped" in out


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except (ProcessLookupError, PermissionError):
        return None


def test_a_stale_state_file_is_cleared_and_nothing_is_killed(tmp_path: Path) -> None:
    sleeper = psutil.Popen(["sleep", "30"])
    try:
        directory = tmp_path / "emulator"
        directory.mkdir()
        (directory / "emulator.json").write_text(
            json.dumps(
                {
                    "pid": sleeper.pid,
                    "host": "127.0.0.1",
                    "port": 1,
                    "launcher": "/nowhere/cloud-pubsub-emulator",
                    "log": "x",
                    "started_at": time.time(),
                }
            )
        )
        assert emulator.status(directory) == ("stopped", None)
        assert not (directory / "emulator.json").exists()
        assert emulator.stop(directory) is None
        assert sleeper.is_running(), "stop() killed a process it did not start"
    finally:
        sleeper.send_signal(signal.SIGKILL)
        sleeper.wait()


def test_start_refuses_a_port_taken_by_someone_else(tmp_path: Path) -> None:
    require_emulator()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(emulator.EmulatorError, match="already in use"):
            emulator.start(port=port, directory=tmp_path)
    assert emulator.read_state(tmp_path) is None


def test_missing_emulator_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(emulator.LAUNCHER_ENV, str(tmp_path / "not-there"))
    with pytest.raises(
        emulator.EmulatorNotInstalled, match="gcloud components install pubsub-emulator"
    ):
        emulator.find_launcher()
    assert not emulator.is_installed()
