"""One real browser: headless Chromium (Debian's package, installed by `make test` when
missing) loads the running dashboard on 127.0.0.1, every chart renders, no exception shows, and
a screenshot is saved under test-output/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from expedientes import emulator
from tests.conftest import IN_CI, REPO
from tests.warehouse_fixture import build_warehouse

pytestmark = pytest.mark.dbt
OUTPUT = REPO / "test-output"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    reason = "chromium is not installed (`make browser`, or apt-get install chromium)"
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the dashboard exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the dashboard did not answer on {url}")


def test_the_dashboard_renders_in_a_real_browser(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    data_dir = tmp_path / "data"
    build_warehouse(data_dir)
    port = emulator.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "--port", str(port)],
        cwd=REPO,
        env={**os.environ, "EXPEDIENTES_DATA_DIR": str(data_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/_stcore/health", proc)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_FLAGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 4200})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("text=Pipeline health", timeout=60_000)
            page.wait_for_function(
                "document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length >= 8",
                timeout=60_000,
            )
            page.wait_for_timeout(1000)
            OUTPUT.mkdir(exist_ok=True)
            page.screenshot(path=str(OUTPUT / "dashboard.png"))
            exceptions = page.locator('[data-testid="stException"]').count()
            body = page.inner_text("body")
            browser.close()
        assert exceptions == 0, body[:2000]
        assert "Traceback" not in body
        assert "Expedientes judiciales" in body
        assert (OUTPUT / "dashboard.png").stat().st_size > 10_000
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
