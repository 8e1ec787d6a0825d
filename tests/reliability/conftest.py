"""Fixtures of the fault suite: the base events and the clean reference builds."""

from __future__ import annotations

import pytest

from tests.reliability.harness import CleanBuilds, base_events


@pytest.fixture(scope="session")
def events() -> list[dict]:
    return base_events()


@pytest.fixture(scope="session")
def clean_builds(tmp_path_factory: pytest.TempPathFactory) -> CleanBuilds:
    return CleanBuilds(tmp_path_factory.mktemp("clean"))
