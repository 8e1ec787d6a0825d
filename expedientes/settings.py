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
