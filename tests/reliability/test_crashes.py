"""Scenarios 4 and 5: the streaming pipeline killed mid-stream and restarted; dbt killed during
the master's merge and run again. Nothing lost, nothing duplicated, the clean master."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from expedientes import live, recovery
from tests.conftest import REPO
from tests.dbt_runner import MASTER, query
from tests.landing import land
from tests.reliability.harness import (
    Outcome,
    StreamingPipeline,
    build,
    messages_for,
    publish,
    reconcile,
    staged_ids,
    wait_for_landing,
)


def test_a_pipeline_killed_mid_stream_recovers_everything_on_restart(
    pubsub_resources, data_dir: Path, tmp_path: Path, events, clean_builds
) -> None:
    ids = {e["event_id"] for e in events}
    with StreamingPipeline(pubsub_resources, tmp_path) as pipeline:
        pipeline.start()  # no checkpoint yet: it takes the first one
        assert recovery.checkpoints_of(pubsub_resources)
        confirmed = publish(pubsub_resources, messages_for(events))
        while len(set(staged_ids(data_dir))) < len(ids) // 3:
            time.sleep(0.05)
        pipeline.kill()
        landed_at_kill = len(set(staged_ids(data_dir)))

        # what at-most-once costs: a restart that does not seek back never sees the messages
        # the killed pipeline had acked and not written
        live.wait_until_quiet(pipeline.start(recover=False))
        without_recovery = len(set(staged_ids(data_dir)))
        pipeline.stop()

        # the real restart seeks back to the checkpoint: everything since is delivered again
        child = pipeline.start()
        wait_for_landing(data_dir, ids, 0, child)

    outcome = reconcile(
        Outcome(
            "pipeline crash",
            "streaming pipeline SIGKILLed with a third of the events landed, restarted",
            published=confirmed,
            notes={
                "landed_at_kill": landed_at_kill,
                "lost_by_a_restart_without_seek": len(ids) - without_recovery,
            },
        ),
        data_dir,
        events,
        Counter(),
        clean_builds(events),
    )
    assert outcome.ok, outcome
    assert landed_at_kill < len(ids), "the kill came before the end of the stream"


def test_dbt_killed_during_the_master_merge_completes_on_the_next_run(
    data_dir: Path, events, clean_builds
) -> None:
    half = len(events) // 2
    land(events[:half], data_dir / "landing" / "staging")
    ok, out = build(data_dir)
    assert ok, out
    land(events[half:], data_dir / "landing" / "staging")
    before = query(data_dir, "select count(*) from main.expedientes")[0][0]

    env = {
        **os.environ,
        "EXPEDIENTES_DATA_DIR": str(data_dir),
        "DBT_PROFILES_DIR": str(REPO / "dbt_project"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_PATH": str(data_dir / "dbt-logs"),
        "DBT_TARGET_PATH": str(data_dir / "dbt-target"),
    }
    dbt = str(Path(sys.executable).with_name("dbt"))
    proc = subprocess.Popen(
        [dbt, "build", "--vars", "{ingest_settle_seconds: 0, ingest_overlap_minutes: 0}"],
        cwd=REPO / "dbt_project",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen = []
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        if "START sql incremental model main.expedientes " in line:
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    killed_output = "".join(seen)
    assert "Completed successfully" not in killed_output

    ok, out = build(data_dir)  # the next scheduled run
    assert ok, out
    outcome = reconcile(
        Outcome(
            "dbt interrupted",
            "dbt build SIGKILLed when the master's merge started, then run again",
            published=len(events),
            notes={"master_rows_before": before},
        ),
        data_dir,
        events,
        Counter(),
        clean_builds(events),
        build_first=False,
    )
    assert outcome.ok, outcome
    assert query(data_dir, MASTER) == query(clean_builds(events), MASTER)
