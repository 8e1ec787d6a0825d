"""dbt runs here: the seeds exported from the state machine load into DuckDB and pass their
tests, and the BigQuery profile parses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from expedientes import emulator, procedures
from generator import commands
from tests.conftest import REPO
from tests.dbt_runner import dbt
from tests.landing import land


@pytest.mark.dbt
def test_a_build_on_an_empty_landing_loads_the_seeds_and_passes(tmp_path: Path) -> None:
    """Before the pipeline landed anything: the staging models guard the empty glob."""
    code, out = dbt("build", data_dir=tmp_path)
    assert code == 0, out
    assert "ERROR=0" in out
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    transitions = con.execute(
        "select procedimiento, from_estado, to_estado from main_reference.procedure_transitions"
    ).fetchall()
    expected = {
        (n, t.source, t.target) for n in procedures.names() for t in procedures.get(n).transitions
    }
    assert set(transitions) == expected
    (threshold,) = con.execute(
        "select verbal_max_eur from main_reference.cuantia_thresholds where valid_to is null"
    ).fetchone()
    assert str(threshold) == "15000.00"


@pytest.mark.dbt
def test_bigquery_profile_parses_without_credentials(tmp_path: Path) -> None:
    os.environ.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    code, out = dbt("parse", "--target", "bigquery", data_dir=tmp_path)
    assert code == 0, out


@pytest.mark.dbt
def test_docs_show_the_lineage_from_the_source_to_the_exposures(tmp_path: Path) -> None:
    code, out = dbt("build", data_dir=tmp_path)
    assert code == 0, out
    code, out = dbt("docs", "generate", data_dir=tmp_path)
    assert code == 0, out
    manifest = json.loads((tmp_path / "dbt-target" / "manifest.json").read_text())
    assert (tmp_path / "dbt-target" / "catalog.json").exists()
    parents = manifest["parent_map"]
    for exposure in ("looker_studio_dashboard", "local_dashboard"):
        seen, frontier = set(), [f"exposure.expedientes_analytics.{exposure}"]
        while frontier:
            for parent in parents.get(frontier.pop(), []):
                if parent not in seen:
                    seen.add(parent)
                    frontier.append(parent)
        assert "source.expedientes_analytics.pubsub.expedientes_staging" in seen
        assert "model.expedientes_analytics.expedientes" in seen
    catalog = json.loads((tmp_path / "dbt-target" / "catalog.json").read_text())["nodes"]
    for unique_id, node in manifest["nodes"].items():  # every model and column is described
        if node["resource_type"] in ("model", "seed"):
            assert node["description"], node["name"]
            assert all(c["description"] for c in node["columns"].values()), node["name"]
            actual = {c.lower() for c in catalog[unique_id]["columns"]}
            assert actual <= set(node["columns"]), (node["name"], actual - set(node["columns"]))


@pytest.mark.dbt
@pytest.mark.parametrize(("hours_ago", "fresh"), [(1, True), (30, False)])
def test_source_freshness_follows_the_last_ingestion(
    tmp_path: Path, hours_ago: int, fresh: bool
) -> None:
    """Staging is stale 24 h after the last landed event (error_after): the scheduled job's
    `dbt source freshness` says when the pipeline stopped landing."""
    events = list(commands.backfill_events(3, seed=4, as_of=datetime(2026, 12, 1, tzinfo=UTC)))
    land(
        events,
        tmp_path / "landing" / "staging",
        ingested_at=datetime.now(UTC) - timedelta(hours=hours_ago),
    )
    code, out = dbt(
        "source", "freshness", "--select", "source:pubsub.expedientes_staging", data_dir=tmp_path
    )
    assert (code == 0) == fresh, out
    assert ("PASS" in out) == fresh and ("ERROR STALE" in out) == (not fresh), out


def test_make_docs_generates_every_model_and_serves_them_on_localhost(tmp_path: Path) -> None:
    """`make docs` against a built warehouse: the catalog holds every model of the manifest
    and dbt's docs server answers on 127.0.0.1."""
    code, out = dbt("build", data_dir=tmp_path)  # what `make demo` leaves behind
    assert code == 0, out[-3000:]
    port = emulator.free_port()
    proc = subprocess.Popen(
        ["make", "docs", f"DOCS_PORT={port}", f"EXPEDIENTES_DATA_DIR={tmp_path}"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    target = tmp_path / "dbt" / "target"
    try:
        deadline = time.monotonic() + 180
        served = False
        while time.monotonic() < deadline and not served:
            assert proc.poll() is None, proc.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    served = response.status == 200 and b"dbt" in response.read().lower()
            except OSError:
                time.sleep(0.5)
        assert served, "dbt docs serve did not answer"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    models = {k for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    assert len(models) >= 13
    assert models <= set(catalog["nodes"]), models - set(catalog["nodes"])
