"""The Dataflow Flex Template, checked offline: metadata against the real options, the image
recipe against the repository, and the deploy commands."""

from __future__ import annotations

import json
import re

import pytest

from beam_pipeline import flex_template
from tests.conftest import REPO, run


def test_committed_metadata_is_generated_from_the_options() -> None:
    assert flex_template.METADATA.read_text() == flex_template.render_metadata(), "make generate"


def test_every_pipeline_option_is_a_template_parameter_or_explained() -> None:
    options = {a.dest: a for a in flex_template.option_actions()}
    parameters = {
        p["name"]: p for p in json.loads(flex_template.METADATA.read_text())["parameters"]
    }
    assert set(parameters) | set(flex_template.LOCAL_ONLY) == set(options)
    assert not set(parameters) & set(flex_template.LOCAL_ONLY)
    for name, parameter in parameters.items():
        assert parameter["helpText"] and parameter["label"]
        if options[name].choices:  # the regex accepts exactly the option's choices
            for choice in options[name].choices:
                assert re.fullmatch(parameter["regexes"][0], choice)
            assert not re.fullmatch(parameter["regexes"][0], "something-else")


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("input_subscription", "projects/p/subscriptions/expedientes-sub", "expedientes-sub"),
        ("input_topic", "projects/p/topics/expedientes-updates", "projects/p/subscriptions/x"),
        ("staging_table", "p:raw.expedientes_staging", "raw.expedientes_staging"),
        ("dedup_ttl_seconds", "600", "-1"),
    ],
)
def test_parameter_regexes(name: str, good: str, bad: str) -> None:
    (parameter,) = [p for p in flex_template.metadata()["parameters"] if p["name"] == name]
    assert re.fullmatch(parameter["regexes"][0], good)
    assert not re.fullmatch(parameter["regexes"][0], bad)


def test_dockerfile_copies_what_exists_and_pins_beam() -> None:
    dockerfile = (REPO / "deploy" / "dataflow" / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.M):
        for path in source.split():
            assert (REPO / path).exists(), path
    beam = re.search(
        r"^apache-beam==([\d.]+)", (REPO / "requirements.lock").read_text(), re.M
    ).group(1)
    assert f"ARG BEAM_VERSION={beam}" in dockerfile
    entry = re.search(r"FLEX_TEMPLATE_PYTHON_PY_FILE=/template/(\S+)", dockerfile).group(1)
    assert (REPO / entry).is_file()


def test_worker_requirements_match_the_lock() -> None:
    lock = dict(
        re.findall(r"^([a-z0-9-]+)==([^ ;\\\n]+)", (REPO / "requirements.lock").read_text(), re.M)
    )
    workers = re.findall(
        r"^([a-z0-9-]+)==([^ ;\\\n]+)",
        (REPO / "deploy/dataflow/requirements.txt").read_text(),
        re.M,
    )
    assert ("jsonschema", lock["jsonschema"]) in workers
    for name, version in workers:
        assert lock[name] == version, name


def test_make_deploy_pipeline_dry_run_prints_the_exact_commands() -> None:
    result = run(
        [
            "make",
            "deploy-pipeline",
            "DRY_RUN=1",
            "GCP_PROJECT=acme-prod",
            "GCP_BUCKET=acme-df",
            "GCP_REGION=europe-southwest1",
            "IMAGE_TAG=v1",
        ]
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    image = "europe-southwest1-docker.pkg.dev/acme-prod/expedientes/expedientes-pipeline:v1"
    assert lines[0].startswith("gcloud builds submit . --project=acme-prod")
    assert f"--substitutions=_IMAGE={image}" in lines[0]
    assert lines[1].startswith(
        "gcloud dataflow flex-template build gs://acme-df/templates/expedientes-pipeline-v1.json"
    )
    assert "--metadata-file=deploy/dataflow/metadata.json" in lines[1]
    assert lines[2].startswith("gcloud dataflow flex-template run expedientes-pipeline")
    assert "staging_table=acme-prod:raw.expedientes_staging" in lines[2]
    assert "--enable-streaming-engine" in lines[2]
    assert f"sdk_container_image={image}" in lines[2]


def test_make_deploy_pipeline_without_a_project_says_what_is_missing() -> None:
    result = run(["make", "deploy-pipeline", "DRY_RUN=1"])
    assert result.returncode != 0
    assert "set GCP_PROJECT and GCP_BUCKET" in result.stderr
