"""The staging and dead-letter table schemas, derived from the event contract.

The staging table holds every contract field as a typed column (types and modes come from
``event.schema.json``) plus the pipeline's metadata (``message_id``, ``publish_time``,
``ingested_at``, the raw ``payload``). The dead-letter table keeps the shape of Google's
Pub/Sub-to-BigQuery template (payload as string and bytes, attributes, error message,
stacktrace, failure time), in snake_case, plus our ``error_type`` and the Pub/Sub ids.

The committed files beside this module (``*.bigquery.json`` for BigQuery and Terraform,
``*.duckdb.sql`` for the local warehouse) are rendered from here, and so are the column types
the dbt sources read the local landing files with (``dbt_project/models/staging/__sources.yml``):
``python -m expedientes.tables`` rewrites them and a test fails when they drift.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from expedientes import contract

HERE = Path(__file__).resolve().parent
DBT_SOURCES = HERE.parents[1] / "dbt_project" / "models" / "staging" / "__sources.yml"

STAGING = "expedientes_staging"
DEAD_LETTER = "expedientes_staging_error_records"

#: BigQuery type -> DuckDB type. DECIMAL(18, 2) holds the contract's largest cuantía (1e12)
#: with its 2 decimals; BigQuery NUMERIC is wider (38, 9).
DUCKDB_TYPES = {
    "STRING": "VARCHAR",
    "NUMERIC": "DECIMAL(18, 2)",
    "TIMESTAMP": "TIMESTAMP WITH TIME ZONE",
    "INTEGER": "BIGINT",
    "BYTES": "BLOB",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # BigQuery legacy type name
    mode: str  # REQUIRED | NULLABLE | REPEATED
    description: str
    fields: tuple[Column, ...] = ()

    def bigquery(self) -> dict:
        out: dict = {"name": self.name, "type": self.type, "mode": self.mode}
        if self.fields:
            out["fields"] = [f.bigquery() for f in self.fields]
        out["description"] = self.description
        return out

    def duckdb_type(self) -> str:
        if self.type == "RECORD":
            inner = ", ".join(f"{f.name} {f.duckdb_type()}" for f in self.fields)
            base = f"STRUCT({inner})"
        else:
            base = DUCKDB_TYPES[self.type]
        return f"{base}[]" if self.mode == "REPEATED" else base


def _bigquery_type(spec: dict) -> str:
    kinds = [
        k
        for k in (spec["type"] if isinstance(spec["type"], list) else [spec["type"]])
        if k != "null"
    ]
    (kind,) = kinds
    if kind == "string":
        return "TIMESTAMP" if spec.get("format") == "date-time" else "STRING"
    return {"integer": "INTEGER", "number": "NUMERIC"}[kind]


def contract_columns() -> list[Column]:
    """One typed column per contract field, in the contract's order."""
    schema = contract.schema()
    required = set(schema["required"])
    return [
        Column(
            name=name,
            type=_bigquery_type(spec),
            mode="REQUIRED" if name in required else "NULLABLE",
            description=spec["description"],
        )
        for name, spec in schema["properties"].items()
    ]


def staging_columns() -> list[Column]:
    return [
        *contract_columns(),
        Column(
            "message_id",
            "STRING",
            "NULLABLE",
            "Pub/Sub message id (null for events replayed from files).",
        ),
        Column(
            "publish_time",
            "TIMESTAMP",
            "NULLABLE",
            "When Pub/Sub accepted the message (null for events replayed from files).",
        ),
        Column(
            "ingested_at",
            "TIMESTAMP",
            "REQUIRED",
            "When the pipeline processed the event; the table is partitioned by its day "
            "and dbt reads increments by it.",
        ),
        Column(
            "payload",
            "STRING",
            "REQUIRED",
            "The message body exactly as received (UTF-8 JSON), unknown extra fields included.",
        ),
    ]


def dead_letter_columns() -> list[Column]:
    return [
        Column(
            "failed_at",
            "TIMESTAMP",
            "REQUIRED",
            "When the pipeline rejected the message (the template's timestamp); "
            "the table is partitioned by its day.",
        ),
        Column(
            "error_type",
            "STRING",
            "REQUIRED",
            "Why it was rejected: one of the contract's error types (contract_error_types seed).",
        ),
        Column("error_message", "STRING", "REQUIRED", "Every violation found, in readable words."),
        Column(
            "stacktrace",
            "STRING",
            "NULLABLE",
            "The stack trace when the failure was an exception (write failures), else null.",
        ),
        Column(
            "payload_string",
            "STRING",
            "NULLABLE",
            "The message body decoded as UTF-8 (undecodable bytes replaced); null when empty.",
        ),
        Column("payload_bytes", "BYTES", "REQUIRED", "The message body exactly as received."),
        Column(
            "attributes",
            "RECORD",
            "REPEATED",
            "The Pub/Sub message attributes.",
            fields=(
                Column("key", "STRING", "NULLABLE", "Attribute name."),
                Column("value", "STRING", "NULLABLE", "Attribute value."),
            ),
        ),
        Column(
            "message_id",
            "STRING",
            "NULLABLE",
            "Pub/Sub message id (null for events replayed from files).",
        ),
        Column(
            "publish_time",
            "TIMESTAMP",
            "NULLABLE",
            "When Pub/Sub accepted the message (null for events replayed from files).",
        ),
    ]


TABLES = {STAGING: staging_columns, DEAD_LETTER: dead_letter_columns}
_FILE_STEMS = {STAGING: "staging", DEAD_LETTER: "dead_letter"}


def bigquery_schema(table: str) -> list[dict]:
    """The table's BigQuery JSON schema (``bq mk --schema`` / Terraform ``schema``)."""
    return [c.bigquery() for c in TABLES[table]()]


def duckdb_columns(table: str) -> dict[str, str]:
    """Column -> DuckDB type, e.g. for ``read_json(..., columns=...)``."""
    return {c.name: c.duckdb_type() for c in TABLES[table]()}


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def duckdb_columns_literal(table: str) -> str:
    """The columns as a DuckDB struct literal, for ``read_json(..., columns = <this>)``."""
    pairs = (f"{sql_string(k)}: {sql_string(v)}" for k, v in duckdb_columns(table).items())
    return "{" + ", ".join(pairs) + "}"


def landing_columns(table: str) -> dict[str, str]:
    """Column -> DuckDB type of the local landing files (JSON lines): the table's types, bytes
    being base64 text there (``beam_pipeline.validate.json_row``)."""
    return {k: "VARCHAR" if v == "BLOB" else v for k, v in duckdb_columns(table).items()}


def landing_struct_pack(table: str, indent: str = "") -> str:
    """``struct_pack(col := 'TYPE', ...)``: the landing columns for ``read_json(columns=...)``
    without braces, which dbt-duckdb's ``external_location`` cannot hold (it is formatted with
    ``str.format_map``). Explicit types spare DuckDB detecting the schema of every file on each
    read, which otherwise costs a scan of every landing file even when a filter prunes them."""
    pairs = (f"{k} := {sql_string(v)}" for k, v in landing_columns(table).items())
    return "struct_pack(\n" + ",\n".join(indent + p for p in pairs) + ")"


_SOURCE_COLUMNS = re.compile(
    r"(landing/(?P<folder>\w+)/\*\*/\*\.jsonl',[^()]*?columns = )"  # the read_json of a folder
    r"struct_pack\((?:'[^']*'|[^'()])*\)",  # its columns: quoted types may hold parentheses
    re.DOTALL,
)


def dbt_sources_text(text: str) -> str:
    """``__sources.yml`` with each landing read's ``columns = struct_pack(...)`` rendered."""
    folders = {stem: table for table, stem in _FILE_STEMS.items()}
    return _SOURCE_COLUMNS.sub(
        lambda m: m.group(1) + landing_struct_pack(folders[m.group("folder")], " " * 14), text
    )


def duckdb_ddl(table: str) -> str:
    lines = [
        f"    {c.name} {c.duckdb_type()}{' NOT NULL' if c.mode == 'REQUIRED' else ''}"
        for c in TABLES[table]()
    ]
    return (
        "-- Generated from expedientes/event.schema.json by "
        "`python -m expedientes.tables`; do not edit.\n"
        f"create table if not exists {table} (\n" + ",\n".join(lines) + "\n);\n"
    )


def rendered() -> dict[Path, str]:
    """Every committed schema file and the text it must hold."""
    out = {}
    for table, stem in _FILE_STEMS.items():
        out[HERE / f"{stem}.bigquery.json"] = (
            json.dumps(bigquery_schema(table), indent=2, ensure_ascii=False) + "\n"
        )
        out[HERE / f"{stem}.duckdb.sql"] = duckdb_ddl(table)
    out[DBT_SOURCES] = dbt_sources_text(DBT_SOURCES.read_text(encoding="utf-8"))
    return out
