"""Terraform's outputs as saved by ``make deploy-infra`` (``terraform output -json``)."""

from __future__ import annotations

import json
from pathlib import Path


class OutputsError(Exception):
    """The outputs file exists but cannot be used."""


def read(path: Path) -> dict[str, str]:
    """``{output name: value}`` for the string outputs; ``{}`` when the file does not exist
    (before the first ``make deploy-infra``)."""
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OutputsError(f"cannot read Terraform outputs {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise OutputsError(f"{path} is not the output of `terraform output -json`")
    values = {}
    for name, output in raw.items():
        if not isinstance(output, dict) or "value" not in output:
            raise OutputsError(f"{path}: output {name!r} has no value")
        if isinstance(output["value"], str):
            values[name] = output["value"]
    return values
