"""The local design under load: dbt builds while the streaming pipeline lands files.

The pipeline never opens the DuckDB file and lands whole files only, so a dbt build running
during a stream neither fails on a half-written file nor blocks (or is blocked by) the pipeline.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from beam_pipeline import pipeline
from generator import commands
from generator.faults import message_for
from generator.publisher import PubSubSink
from tests.beam_pipeline.test_pipeline_it import read_rows
from tests.dbt_runner import dbt, query

pytestmark = pytest.mark.dbt


def test_dbt_builds_during_a_stream_never_fail_and_lose_nothing(
    pubsub_resources, tmp_path: Path
) -> None:
    events = list(commands.backfill_events(150, seed=12, as_of=datetime(2026, 12, 1, tzinfo=UTC)))
    result = pipeline.start(
        [
            "--input_subscription",
            pubsub_resources.subscription_path,
            "--landing_dir",
            str(tmp_path / "landing"),
        ]
    )
    sink = PubSubSink(pubsub_resources.topic_path)

    def publish_slowly() -> None:
        for i, event in enumerate(events):
            sink.send(message_for(event))
            if i % 20 == 19:
                time.sleep(0.1)  # about 200 events/s, so the stream outlasts a dbt build

    publisher = threading.Thread(target=publish_slowly)
    try:
        publisher.start()
        builds = []
        while publisher.is_alive() or not builds:
            builds.append(dbt("build", data_dir=tmp_path))
        publisher.join()
        assert sink.close()[1] == 0
        deadline = time.monotonic() + 120
        while (
            len(read_rows(tmp_path / "landing" / "staging")) < len(events)
            and time.monotonic() < deadline
        ):
            time.sleep(0.5)
    finally:
        result.cancel()
    for code, out in builds:
        assert code == 0, out[-3000:]
    assert len(read_rows(tmp_path / "landing" / "staging")) == len(events)
    code, out = dbt("build", data_dir=tmp_path)
    assert code == 0, out[-3000:]
    (cases,) = query(tmp_path, "select count(*) from main.expedientes")[0]
    assert cases == len({e["ref"] for e in events})
