"""The dashboard with Streamlit's AppTest, over a real warehouse built by dbt: every chart is
there, the filters change the numbers (to what the master table says), the empty state tells
what to run, and a dashboard reading never makes a dbt build fail."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import data
from expedientes import dbt_runner, warehouse
from tests.conftest import REPO
from tests.dbt_runner import query
from tests.warehouse_fixture import build_warehouse

pytestmark = pytest.mark.dbt
APP = str(REPO / "dashboard" / "app.py")
CHARTS = 8  # procedimiento, estado x2, workload, timeline, durations, dead letters, lag


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("dashboard") / "data"
    build_warehouse(data_dir)
    return data_dir


@pytest.fixture
def app(built: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("EXPEDIENTES_DATA_DIR", str(built))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> int:
    (value,) = [m.value for m in at.metric if m.label == label]
    return int(value.replace(",", ""))


def test_every_chart_and_figure_is_there(app: AppTest, built: Path) -> None:
    assert len(app.get("vega_lite_chart")) == CHARTS
    headers = [h.value for h in app.header]
    for section in (
        "Expedientes by procedimiento",
        "Expedientes by current estado",
        "Workload per juzgado",
        "Transitions over time",
        "Days between estados",
        "Pipeline health",
    ):
        assert section in headers
    (cases,) = query(built, "select count(*) from main.expedientes")[0]
    (archived,) = query(
        built, "select count(*) from main.expedientes where estado_actual = 'archivo'"
    )[0]
    assert metric(app, "Expedientes") == cases
    assert metric(app, "Archived") == archived
    assert metric(app, "Open") == cases - archived


def test_the_procedure_filter_changes_the_numbers(app: AppTest, built: Path) -> None:
    everything = metric(app, "Expedientes")
    app.sidebar.multiselect(key="procedimientos").set_value(["Verbal"]).run()
    assert not app.exception
    (verbales,) = query(
        built, "select count(*) from main.expedientes where procedimiento = 'Verbal'"
    )[0]
    assert 0 < metric(app, "Expedientes") == verbales < everything
    assert len(app.get("vega_lite_chart")) == CHARTS - 1  # one estado chart: the Verbal's


def test_the_city_and_court_filters_change_the_numbers(app: AppTest, built: Path) -> None:
    rows = query(
        built,
        "select ciudad, sum(n_expedientes) from main.mart_juzgado_workload "
        "group by ciudad order by 2 desc",
    )
    city, in_city = rows[0]
    app.sidebar.multiselect(key="ciudades").set_value([city]).run()
    assert metric(app, "Expedientes") == in_city
    courts = app.sidebar.multiselect(key="juzgados").options
    assert courts and all(city in court for court in courts)  # the court list follows the city
    court = courts[0]
    app.sidebar.multiselect(key="juzgados").set_value([court]).run()
    (at_court,) = query(built, f"select count(*) from main.expedientes where juzgado = '{court}'")[
        0
    ]
    assert metric(app, "Expedientes") == at_court


def test_the_date_range_narrows_the_cases(app: AppTest, built: Path) -> None:
    everything = metric(app, "Expedientes")
    first, last = app.sidebar.date_input(key="dates").value
    middle = first + (last - first) / 2
    app.sidebar.date_input(key="dates").set_value((middle, last)).run()
    assert not app.exception
    (expected,) = query(
        built,
        "select count(*) from main.expedientes "
        f"where fecha_demanda >= date_trunc('month', date '{middle}') or fecha_demanda is null",
    )[0]
    assert metric(app, "Expedientes") == expected < everything


def test_an_empty_data_dir_says_to_run_make_demo(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EXPEDIENTES_DATA_DIR", str(tmp_path / "nothing-here"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("make demo" in info.value for info in at.info)
    assert not at.get("vega_lite_chart")


def test_a_running_build_makes_the_dashboard_wait_not_fail(built: Path, monkeypatch) -> None:
    monkeypatch.setenv("EXPEDIENTES_DATA_DIR", str(built))
    monkeypatch.setenv(data.LOCK_WAIT_ENV, "0.5")
    st.cache_data.clear()  # the cache is per process: make this run read the warehouse
    with warehouse.locked(exclusive=True):  # what dbt_runner holds during a build
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
    assert not at.exception
    assert any("dbt build is writing" in w.value for w in at.warning)


def test_a_reader_never_makes_a_dbt_build_fail(built: Path, monkeypatch) -> None:
    """DuckDB refuses a read-write open while any process holds the file, even read-only:
    the build waits for the reader's lock instead of failing on DuckDB's."""
    monkeypatch.setenv("EXPEDIENTES_DATA_DIR", str(built))
    reading = threading.Event()

    def read_for_a_while() -> None:
        with warehouse.reading() as con:
            reading.set()
            con.execute("select count(*) from main.expedientes").fetchall()
            time.sleep(3)

    reader = threading.Thread(target=read_for_a_while)
    reader.start()
    reading.wait(10)
    result = dbt_runner.build(log=built / "build-while-reading.log")
    reader.join()
    assert result.ok, (built / "build-while-reading.log").read_text()[-2000:]
