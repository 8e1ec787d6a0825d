"""The BigQuery side of deploy/terraform: one dataset per place dbt and the pipeline write, and
tables whose schemas are the contract-derived files, partitioned by day and clustered by ref."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from expedientes import tables
from tests.conftest import REPO
from tests.deploy.terraform import block, file_argument, load, reference, render

TABLES = {"staging": tables.STAGING, "dead_letter": tables.DEAD_LETTER}
PARTITION_COLUMN = {tables.STAGING: "ingested_at", tables.DEAD_LETTER: "failed_at"}
DBT = REPO / "dbt_project"


def _table(name: str) -> dict:
    return load().resource("google_bigquery_table", name)


@pytest.mark.parametrize(("resource", "table"), TABLES.items())
def test_schema_is_read_from_the_contract_derived_file(resource: str, table: str) -> None:
    config = load()
    body = _table(resource)
    assert render(config, body["table_id"]) == table
    schema_file = file_argument(config, body["schema"])
    assert schema_file.parent == tables.HERE, "schemas come from expedientes/tables, not a copy"
    assert json.loads(schema_file.read_text()) == tables.bigquery_schema(table)


def test_the_schema_files_are_what_the_contract_renders() -> None:
    stale = [
        path.name
        for path, text in tables.rendered().items()
        if path.suffix == ".json" and path.read_text(encoding="utf-8") != text
    ]
    assert not stale, "run `make generate`"


def test_no_schema_is_written_inline() -> None:
    for file, text in load().texts.items():
        assert '"mode"' not in text and "jsonencode([" not in text, file


@pytest.mark.parametrize(("resource", "table"), TABLES.items())
def test_partitioned_by_day_on_the_ingest_timestamp(resource: str, table: str) -> None:
    body = _table(resource)
    partitioning = block(body, "time_partitioning")
    assert partitioning["type"] == "DAY"
    assert partitioning["field"] == PARTITION_COLUMN[table]
    columns = {c["name"]: c for c in tables.bigquery_schema(table)}
    assert columns[partitioning["field"]]["type"] == "TIMESTAMP"
    assert columns[partitioning["field"]]["mode"] == "REQUIRED"
    assert partitioning["expiration_ms"] == "${local.partition_expiration_ms}"


@pytest.mark.parametrize(("resource", "table"), TABLES.items())
def test_clustered_by_ref_where_the_table_has_it(resource: str, table: str) -> None:
    has_ref = any(c["name"] == "ref" for c in tables.bigquery_schema(table))
    assert (_table(resource).get("clustering") == ["ref"]) is has_ref


def test_partition_expiration_is_optional_and_off_by_default() -> None:
    config = load()
    assert "partition_expiration_days" in config.variables
    assert config.default("partition_expiration_days") is None
    expression = config.locals["partition_expiration_ms"]
    assert "var.partition_expiration_days" in expression and "86400000" in expression


def test_the_tables_live_in_the_raw_dataset() -> None:
    for resource in TABLES:
        assert reference(_table(resource)["dataset_id"]) == ("google_bigquery_dataset", "raw")


def _dbt_schemas() -> set[str]:
    """Every custom schema the dbt project writes to (``+schema`` / ``schema=``)."""
    project = yaml.safe_load((DBT / "dbt_project.yml").read_text())
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "+schema":
                    found.add(value)
                walk(value)

    walk({k: project.get(k) for k in ("models", "seeds", "snapshots")})
    for sql in (DBT / "models").rglob("*.sql"):
        found.update(re.findall(r"schema\s*=\s*['\"](\w+)['\"]", sql.read_text()))
    return found


def test_a_dataset_for_every_place_dbt_writes() -> None:
    config = load()
    profiles = (DBT / "profiles.yml").read_text()
    default_dataset = re.search(r"EXPEDIENTES_BQ_DATASET', '(\w+)'", profiles).group(1)
    assert config.default("dbt_dataset") == default_dataset
    datasets = {
        render(config, body["dataset_id"])
        for body in config.of_type("google_bigquery_dataset").values()
    }
    expected = {default_dataset} | {f"{default_dataset}_{s}" for s in _dbt_schemas()}
    assert "reference" in _dbt_schemas()
    assert expected | {config.default("raw_dataset")} == datasets
    for body in config.of_type("google_bigquery_dataset").values():
        assert body["location"] == "${var.bigquery_location}"
