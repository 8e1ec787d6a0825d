"""Names and local paths shared by every stage.

Everything a command keeps on the local disk (the DuckDB warehouse, the landing files, the
emulator's pid and log) lives under one folder, ``EXPEDIENTES_DATA_DIR`` (default ``./data``), so
a user or a test can run the whole pipeline inside a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "EXPEDIENTES_DATA_DIR"

#: Pub/Sub resource ids (short names; see :func:`topic_path` for the full resource names).
TOPIC = "expedientes-updates"
SUBSCRIPTION = "expedientes-sub"
DEAD_LETTER_TOPIC = "expedientes-updates-dead-letter"
DEAD_LETTER_SUBSCRIPTION = "expedientes-dead-letter-sub"

#: The project used with the emulator when none is configured; any well-formed id works there.
LOCAL_PROJECT = "expedientes-local"
DEFAULT_EMULATOR_PORT = 8085


def data_dir() -> Path:
    """The folder holding all local state, created on first use (absolute path)."""
    path = Path(os.environ.get(DATA_DIR_ENV) or "data").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def project_id() -> str:
    """The Google Cloud project: ``PUBSUB_PROJECT_ID``, then ``GOOGLE_CLOUD_PROJECT``, then the
    local placeholder (which only makes sense against the emulator)."""
    return (
        os.environ.get("PUBSUB_PROJECT_ID")
        or os.environ.get("GOOGLE_CLOUD_PROJECT")
        or LOCAL_PROJECT
    )


def topic_path(project: str, topic: str) -> str:
    return f"projects/{project}/topics/{topic}"


def subscription_path(project: str, subscription: str) -> str:
    return f"projects/{project}/subscriptions/{subscription}"


def snapshot_path(project: str, snapshot: str) -> str:
    return f"projects/{project}/snapshots/{snapshot}"


#: The local staging "tables": the pipeline lands immutable JSONL files (one per bundle, written
#: under a hidden name and renamed when complete) in these folders under the data dir; dbt-duckdb
#: and the generator read them with DuckDB's read_json. Only dbt opens the DuckDB file itself.
STAGING_LANDING = "landing/staging"
DEAD_LETTER_LANDING = "landing/dead_letter"


def staging_landing_dir() -> Path:
    return data_dir() / STAGING_LANDING


def dead_letter_landing_dir() -> Path:
    return data_dir() / DEAD_LETTER_LANDING


#: BigQuery (production): the same environment variables as dbt's ``bigquery`` target.
def gcp_project() -> str | None:
    return os.environ.get("EXPEDIENTES_GCP_PROJECT") or os.environ.get("GOOGLE_CLOUD_PROJECT")


def bq_raw_dataset() -> str:
    """The dataset of the pipeline's staging and dead-letter tables (``raw`` in DESIGN.md)."""
    return os.environ.get("EXPEDIENTES_BQ_RAW_DATASET", "raw")
