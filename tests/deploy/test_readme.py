"""The README's "Deploy to GCP" and "Looker Studio" sections stay true to the code."""

from __future__ import annotations

import re

import yaml

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, flags=re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def test_the_deploy_targets_are_in_the_make_targets_table() -> None:
    table = _section("Make targets")
    for target in ("deploy-infra", "deploy-pipeline", "deploy-dbt", "tools"):
        assert f"| `make {target}` |" in table, target


def test_the_deploy_walkthrough_goes_in_order() -> None:
    steps = _section("Deploy to GCP").split("### From an empty project to a running pipeline")[1]
    order = [
        "gcloud auth application-default login",
        "gcloud services enable",
        "make deploy-infra GCP_PROJECT=",
        "make deploy-pipeline",
        "make deploy-dbt",
        "gcloud run jobs execute",
        "gcloud dataflow jobs list",
    ]
    positions = [steps.find(step) for step in order]
    assert -1 not in positions, [s for s, p in zip(order, positions, strict=True) if p == -1]
    assert positions == sorted(positions)


def test_the_cost_choices_are_stated_as_the_code_makes_them() -> None:
    from beam_pipeline import flex_template

    costs = _section("Deploy to GCP")
    launch = flex_template.commands("p", "r", "b", "repo", "t", "j")[-1]
    machine = next(a.split("=", 1)[1] for a in launch if a.startswith("--worker-machine-type="))
    assert "--enable-streaming-engine" in launch and "Streaming Engine" in costs
    assert f"`{machine}`" in costs
    for words in ("Storage Write API", "partition_expiration_days", "every 3 hours"):
        assert words in costs, words


def test_no_key_files_are_suggested() -> None:
    for pattern in (r"GOOGLE_APPLICATION_CREDENTIALS=", r"keys create", r"key\.json"):
        assert not re.search(pattern, README), pattern


def test_the_looker_studio_section_names_every_mart_of_the_exposure() -> None:
    dashboard = yaml.safe_load(
        (REPO / "dbt_project/models/marts/dashboard/dashboard.yml").read_text(encoding="utf-8")
    )
    (exposure,) = [e for e in dashboard["exposures"] if e["name"] == "looker_studio_dashboard"]
    section = _section("Looker Studio")
    assert "looker_studio_dashboard" in section
    for ref in exposure["depends_on"]:
        mart = re.fullmatch(r"ref\('(\w+)'\)", ref).group(1)
        assert f"`{mart}`" in section, mart
