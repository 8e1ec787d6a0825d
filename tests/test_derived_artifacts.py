"""Files derived from the contract and the state machine stay in sync with them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from expedientes import contract, procedures, seeds, tables


def test_committed_seeds_match_the_definitions() -> None:
    assert seeds.stale() == [], "run `make generate` and commit the seeds"


def test_a_drifted_seed_is_detected(tmp_path: Path) -> None:
    seeds.write(tmp_path)
    assert seeds.stale(tmp_path) == []
    path = tmp_path / "procedure_transitions.csv"
    rows = path.read_text().splitlines()
    path.write_text("\n".join(r for r in rows if ",firmeza,archivo," not in r) + "\n")
    assert seeds.stale(tmp_path) == ["procedure_transitions.csv"]


def test_transition_seed_holds_every_legal_transition() -> None:
    with open(seeds.DEFAULT_DIR / "procedure_transitions.csv", encoding="utf-8") as handle:
        rows = {
            (r["procedimiento"], r["from_estado"], r["to_estado"]) for r in csv.DictReader(handle)
        }
    expected = {
        (name, t.source, t.target)
        for name in procedures.names()
        for t in procedures.get(name).transitions
    }
    assert rows == expected


def test_state_seed_keeps_procedural_order() -> None:
    with open(seeds.DEFAULT_DIR / "procedure_states.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for name in procedures.names():
        ordered = [
            r["estado"]
            for r in sorted(
                (r for r in rows if r["procedimiento"] == name), key=lambda r: int(r["state_order"])
            )
        ]
        assert ordered == procedures.get(name).state_names()


def test_committed_table_schemas_match_the_contract() -> None:
    stale = [
        p.name for p, text in tables.rendered().items() if p.read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run `make generate` and commit the schema files"


def test_staging_schema_holds_every_contract_field_with_its_mode() -> None:
    schema = {c["name"]: c for c in json.loads((tables.HERE / "staging.bigquery.json").read_text())}
    required = set(contract.required_fields())
    for name in contract.fields():
        assert schema[name]["mode"] == ("REQUIRED" if name in required else "NULLABLE"), name
    assert schema["event_ts"]["type"] == "TIMESTAMP"
    assert schema["cuantia"]["type"] == "NUMERIC"
    assert schema["schema_version"]["type"] == "INTEGER"
    assert {"message_id", "publish_time", "ingested_at", "payload"} <= set(schema)
    assert schema["ingested_at"]["mode"] == "REQUIRED"
    assert all(c["description"] for c in schema.values())


def test_dead_letter_schema_keeps_the_google_template_shape() -> None:
    schema = {
        c["name"]: c for c in json.loads((tables.HERE / "dead_letter.bigquery.json").read_text())
    }
    # Google's Pub/Sub-to-BigQuery template: timestamp, payloadString, payloadBytes, attributes,
    # errorMessage, stacktrace (here in snake_case), plus our error_type.
    assert schema["payload_bytes"]["type"] == "BYTES"
    assert schema["attributes"]["mode"] == "REPEATED"
    assert [f["name"] for f in schema["attributes"]["fields"]] == ["key", "value"]
    for name in ("failed_at", "payload_string", "error_message", "stacktrace", "error_type"):
        assert name in schema


@pytest.mark.parametrize("table", [tables.STAGING, tables.DEAD_LETTER])
def test_duckdb_ddl_creates_the_table_with_the_bigquery_columns(table: str) -> None:
    con = duckdb.connect()
    con.execute(tables.duckdb_ddl(table))
    columns = [row[0] for row in con.execute(f"describe {table}").fetchall()]
    assert columns == [c["name"] for c in tables.bigquery_schema(table)]


def test_a_valid_example_lands_in_the_duckdb_staging_table() -> None:
    con = duckdb.connect()
    con.execute(tables.duckdb_ddl(tables.STAGING))
    path = (
        Path(contract.__file__).parent
        / "examples"
        / "valid"
        / "ordinario_demanda_with_cuantia.json"
    )
    event = contract.parse_or_raise(path.read_bytes())
    row = {**event, "ingested_at": "2025-03-11T09:16:00Z", "payload": path.read_text()}
    columns = list(tables.duckdb_columns(tables.STAGING))
    con.execute(
        f"insert into {tables.STAGING} by name select * from (select "
        + ", ".join(f"?::{tables.duckdb_columns(tables.STAGING)[c]} as {c}" for c in row)
        + ")",
        list(row.values()),
    )
    stored = dict(
        zip(columns, con.execute(f"select * from {tables.STAGING}").fetchone(), strict=True)
    )
    assert str(stored["cuantia"]) == "48250.75"
    assert stored["event_ts"].isoformat().startswith("2025-03-11T")
    assert stored["message_id"] is None


def test_dbt_sources_read_the_landing_files_with_the_contract_types() -> None:
    text = tables.DBT_SOURCES.read_text(encoding="utf-8")
    drifted = text.replace("cuantia := 'DECIMAL(18, 2)'", "cuantia := 'DOUBLE'")
    assert drifted != text
    assert tables.dbt_sources_text(drifted) == text
    for table in tables.TABLES:
        for name, type_ in tables.landing_columns(table).items():
            assert f"{name} := '{type_}'" in text
