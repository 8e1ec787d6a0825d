"""dbt on a schedule: the Cloud Run job runs `dbt build --target bigquery` with the settings the
profile reads, its image matches the lock, and Cloud Scheduler starts it every 3 hours."""

from __future__ import annotations

import itertools
import re

import yaml

from tests.conftest import REPO
from tests.deploy.terraform import block, load, reference

DBT_DEPLOY = REPO / "deploy" / "dbt"


def _container() -> dict:
    job = load().resource("google_cloud_run_v2_job", "dbt")
    return block(block(block(job, "template"), "template"), "containers")


def _hours(cron: str) -> list[int]:
    """The hours a 5-field cron expression with a fixed minute fires at."""
    minute, hour, day, month, weekday = cron.split()
    assert minute.isdigit() and (day, month, weekday) == ("*", "*", "*"), cron
    if hour.startswith("*/"):
        return list(range(0, 24, int(hour[2:])))
    return sorted(int(h) for h in hour.split(","))


def test_the_schedule_defaults_to_every_three_hours() -> None:
    config = load()
    default = config.default("dbt_schedule")
    assert default == "0 */3 * * *"
    hours = _hours(default)
    assert len(hours) == 8 and {b - a for a, b in itertools.pairwise(hours)} == {3}
    job = config.resource("google_cloud_scheduler_job", "dbt_build")
    assert job["schedule"] == "${var.dbt_schedule}"


def test_the_scheduler_starts_the_dbt_job_as_its_own_account() -> None:
    job = load().resource("google_cloud_scheduler_job", "dbt_build")
    target = block(job, "http_target")
    assert target["http_method"] == "POST"
    assert reference(target["uri"]) == ("google_cloud_run_v2_job", "dbt")
    assert target["uri"].startswith("https://run.googleapis.com/v2/")
    assert target["uri"].endswith(":run")
    token = block(target, "oauth_token")
    assert reference(token["service_account_email"]) == ("google_service_account", "scheduler")


def test_the_job_runs_dbt_build_on_bigquery_as_the_dbt_account() -> None:
    container = _container()
    assert container["command"] == ["dbt"]
    assert container["args"] == ["build", "--target", "bigquery"]
    job = load().resource("google_cloud_run_v2_job", "dbt")
    template = block(block(job, "template"), "template")
    assert reference(template["service_account"]) == ("google_service_account", "dbt")


def test_the_job_sets_every_variable_the_bigquery_target_reads() -> None:
    profiles = yaml.safe_load((REPO / "dbt_project" / "profiles.yml").read_text())
    target = profiles["expedientes_analytics"]["outputs"]["bigquery"]
    assert target["method"] == "oauth", "Application Default Credentials, no key file"
    read = set(re.findall(r"env_var\('(EXPEDIENTES_\w+)'", str(target)))
    sources = (REPO / "dbt_project" / "models" / "staging" / "__sources.yml").read_text()
    read |= set(re.findall(r"env_var\('(EXPEDIENTES_BQ_\w+)'", sources))
    assert {"EXPEDIENTES_GCP_PROJECT", "EXPEDIENTES_BQ_RAW_DATASET"} <= read
    env = {item["name"]: item["value"] for item in _container()["env"]}
    assert read <= set(env), f"not set on the job: {read - set(env)}"
    assert reference(env["EXPEDIENTES_BQ_RAW_DATASET"]) == ("google_bigquery_dataset", "raw")
    assert reference(env["EXPEDIENTES_BQ_DATASET"]) == ("google_bigquery_dataset", "dbt")


def test_an_apply_does_not_roll_back_the_image_make_deploy_dbt_set() -> None:
    job = load().resource("google_cloud_run_v2_job", "dbt")
    ignored = block(job, "lifecycle")["ignore_changes"]
    assert any("containers[0].image" in item for item in ignored)


def test_the_image_runs_the_same_command_and_copies_what_exists() -> None:
    dockerfile = (DBT_DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.M):
        for path in source.split():
            assert (REPO / path).exists(), path
    assert 'ENTRYPOINT ["dbt"]' in dockerfile
    assert 'CMD ["build", "--target", "bigquery"]' in dockerfile
    assert "--require-hashes" in dockerfile
    assert "GOOGLE_APPLICATION_CREDENTIALS" not in dockerfile
    assert "deploy/dbt/Dockerfile" in (DBT_DEPLOY / "cloudbuild.yaml").read_text()


def test_the_image_pins_dbt_at_the_versions_of_the_lock() -> None:
    pin = re.compile(r"^([a-z0-9-]+)==([^ ;\\\n]+)", re.M)
    lock = set(pin.findall((REPO / "requirements.lock").read_text()))  # universal: may hold
    image = set(pin.findall((DBT_DEPLOY / "requirements.txt").read_text()))  # 2 per marker
    names = {name for name, _ in image}
    assert {"dbt-core", "dbt-bigquery"} <= names
    assert not {"dbt-duckdb", "duckdb"} & names, "the job needs the BigQuery adapter only"
    assert image <= lock, f"not the lock's versions: {sorted(image - lock)}"
