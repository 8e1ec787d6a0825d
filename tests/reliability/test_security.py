"""Security basics: no key material in the repository or its history; warehouse queries take
values as parameters (hostile court names filter correctly and break nothing); the dashboard
opens the warehouse read-only and listens on 127.0.0.1."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import data
from dashboard.__main__ import command
from tests.conftest import REPO
from tests.reliability.harness import HOSTILE_JUZGADOS

# built from pieces so that this file does not match itself
KEY_MATERIAL = re.compile(
    "|".join(
        (
            "-----BEGIN [A-Z ]*" + "PRIVATE KEY-----",
            '"type": *"service_' + 'account"',
            '"private_' + 'key_id" *: *"[0-9a-f]{20,}"',
            "AKIA" + "[0-9A-Z]{16}",
            "AIza" + "[0-9A-Za-z_-]{35}",
            "GOOGLE_APPLICATION_" + r"CREDENTIALS *[=:] *['\"]?[/~.\w-]+\.json",
        )
    )
)


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, errors="replace", check=True
    ).stdout


def test_no_key_material_in_the_files_or_the_history() -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    found = []
    for name in _git("ls-files", "-z").split("\0"):
        path = REPO / name
        if name and path.is_file() and path.stat().st_size < 5_000_000:
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{name}: {m.group(0)[:40]}" for m in KEY_MATERIAL.finditer(text)]
    history = _git("log", "--all", "-p", "--no-color", "--no-ext-diff")
    found += [f"history: {m.group(0)[:40]}" for m in KEY_MATERIAL.finditer(history)]
    assert not found, found
    # and the pattern does find key material
    sample = "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIE\n"
    assert KEY_MATERIAL.search(sample)


def test_hostile_court_names_are_values_not_sql(
    events, clean_builds, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse_dir = clean_builds(events)
    monkeypatch.setenv("EXPEDIENTES_DATA_DIR", str(warehouse_dir))
    source = data.DuckDBSource()
    options = data.options(source)
    courts = options["courts"]
    everything = {
        "procedimientos": sorted(set(courts["procedimiento"])),
        "ciudades": sorted(set(courts["ciudad"])),
        "juzgados": sorted(set(courts["juzgado"])),
    }
    for juzgado in HOSTILE_JUZGADOS:
        assert juzgado in everything["juzgados"]
        filters = data.Filters((), (), (juzgado,), date(2001, 1, 1), date(2030, 1, 1))
        cases = data.cases(source, filters, everything)
        assert set(cases["juzgado"]) == {juzgado}
        expected = sum(1 for e in events if e["juzgado"] == juzgado and e["estado"] == "demanda")
        assert cases["n_expedientes"].sum() == expected
    # the warehouse is still whole: the names were never run as SQL
    with duckdb.connect(str(warehouse_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from main.expedientes").fetchone()[0] > 0


def test_the_dashboard_reads_read_only_and_listens_on_loopback(
    events, clean_builds, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPEDIENTES_DATA_DIR", str(clean_builds(events)))
    from expedientes import warehouse

    with warehouse.reading() as con, pytest.raises(duckdb.Error, match="read-only"):
        con.execute("create table intruder (x int)")
    args = command(8501)
    assert args[args.index("--server.address") + 1] == "127.0.0.1"
    assert args[args.index("--browser.gatherUsageStats") + 1] == "false"
    assert Path(REPO / "dashboard" / "app.py").is_file()
