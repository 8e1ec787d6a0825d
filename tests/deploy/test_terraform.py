"""deploy/terraform, parsed offline: every reference resolves, the provider is pinned, Pub/Sub
is wired as on the emulator, the bucket is private, and checkov skips carry a reason."""

from __future__ import annotations

import re

import pytest

from deploy import __main__ as cli
from deploy import commands
from expedientes import pubsub_admin, settings
from tests.deploy.terraform import TERRAFORM, block, load, reference, references

FILES = {
    "versions.tf", "variables.tf", "main.tf", "apis.tf", "pubsub.tf", "bigquery.tf",
    "storage.tf", "artifact_registry.tf", "iam.tf", "dbt_schedule.tf", "outputs.tf",
}  # fmt: skip


def test_one_file_per_resource_kind_and_each_parses() -> None:
    config = load()
    assert set(config.texts) == FILES
    assert (TERRAFORM / "terraform.tfvars.example").is_file()
    assert config.resources, "no resource parsed"


def test_the_google_provider_is_pinned_exactly() -> None:
    (settings_block,) = load().terraform
    (providers,) = settings_block["required_providers"]
    assert providers["google"]["source"] == "hashicorp/google"
    assert re.fullmatch(r"\d+\.\d+\.\d+", providers["google"]["version"])
    assert settings_block["required_version"].startswith(">= 1.5")


def test_every_reference_points_at_something_defined() -> None:
    config = load()
    defined = {(kind, name) for kind, named in config.resources.items() for name in named}
    data = {(kind, name) for kind, named in config.data.items() for name in named}
    for file, text in config.texts.items():
        for match in re.finditer(r"(?<![\w.])(data\.)?(google_[a-z0-9_]+)\.([a-z0-9_]+)", text):
            pool = data if match.group(1) else defined
            assert (match.group(2), match.group(3)) in pool, f"{file}: {match.group(0)}"
        for name in re.findall(r"(?<![\w.])var\.([a-z0-9_]+)", text):
            assert name in config.variables, f"{file}: var.{name} is not declared"
        for name in re.findall(r"(?<![\w.])local\.([a-z0-9_]+)", text):
            assert name in config.locals, f"{file}: local.{name} is not defined"


def test_pubsub_names_are_the_ones_the_code_uses() -> None:
    config = load()
    assert config.locals["topic"] == settings.TOPIC
    assert config.locals["subscription"] == settings.SUBSCRIPTION
    assert config.locals["dead_letter_topic"] == settings.DEAD_LETTER_TOPIC
    assert config.locals["dead_letter_subscription"] == settings.DEAD_LETTER_SUBSCRIPTION
    topics = config.of_type("google_pubsub_topic")
    assert topics["updates"]["name"] == "${local.topic}"
    assert topics["dead_letter"]["name"] == "${local.dead_letter_topic}"


def test_the_subscription_dead_letters_to_a_defined_topic_with_its_own_subscription() -> None:
    config = load()
    subscription = config.resource("google_pubsub_subscription", "pipeline")
    source = reference(subscription["topic"])
    policy = block(subscription, "dead_letter_policy")
    target = reference(policy["dead_letter_topic"])
    assert target[0] == "google_pubsub_topic"
    assert target[1] in config.of_type("google_pubsub_topic")
    assert target != source, "dead letters must not go back to the topic they came from"
    assert policy["max_delivery_attempts"] == pubsub_admin.MAX_DELIVERY_ATTEMPTS
    readers = [
        body
        for body in config.of_type("google_pubsub_subscription").values()
        if reference(body["topic"]) == target
    ]
    assert readers, "nobody keeps the dead letters: the dead-letter topic needs a subscription"


def test_the_subscription_matches_the_emulator_setup_and_can_be_replayed() -> None:
    subscription = load().resource("google_pubsub_subscription", "pipeline")
    retention = f"{pubsub_admin.RETENTION.seconds}s"
    assert subscription["retain_acked_messages"] is True
    assert subscription["message_retention_duration"] == retention
    assert subscription["ack_deadline_seconds"] == pubsub_admin.ACK_DEADLINE_SECONDS
    assert subscription["enable_message_ordering"] is True
    retry = block(subscription, "retry_policy")
    assert (retry["minimum_backoff"], retry["maximum_backoff"]) == ("10s", "600s")
    assert block(subscription, "expiration_policy")["ttl"] == ""
    for topic in load().of_type("google_pubsub_topic").values():
        assert topic["message_retention_duration"] == retention


def test_pubsub_service_agent_may_move_messages_to_the_dead_letter_topic() -> None:
    config = load()
    agent = "${local.pubsub_service_agent}"
    assert "gcp-sa-pubsub.iam.gserviceaccount.com" in config.locals["pubsub_service_agent"]
    publishes = {
        reference(b["topic"])
        for b in config.of_type("google_pubsub_topic_iam_member").values()
        if b["member"] == agent and b["role"] == "roles/pubsub.publisher"
    }
    subscribes = {
        reference(b["subscription"])
        for b in config.of_type("google_pubsub_subscription_iam_member").values()
        if b["member"] == agent and b["role"] == "roles/pubsub.subscriber"
    }
    subscription = config.resource("google_pubsub_subscription", "pipeline")
    assert publishes == {reference(block(subscription, "dead_letter_policy")["dead_letter_topic"])}
    assert subscribes == {("google_pubsub_subscription", "pipeline")}


def test_the_dataflow_bucket_is_private_versioned_and_expires_temporary_files() -> None:
    bucket = load().resource("google_storage_bucket", "dataflow")
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    assert block(bucket, "versioning")["enabled"] is True
    deletes = [
        block(rule, "condition")
        for rule in bucket["lifecycle_rule"]
        if block(rule, "action")["type"] == "Delete"
    ]
    assert any(c.get("matches_prefix") == ["tmp/"] for c in deletes)
    assert any("days_since_noncurrent_time" in c for c in deletes)


def test_the_artifact_registry_repository_holds_docker_images() -> None:
    repository = load().resource("google_artifact_registry_repository", "images")
    assert repository["format"] == "DOCKER"
    assert repository["repository_id"] == "${var.artifact_repository}"


def test_terraform_defaults_agree_with_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load()
    assert config.default("region") == commands.DEFAULT_REGION
    assert config.default("artifact_repository") == commands.DEFAULT_REPOSITORY
    assert config.default("dbt_job_name") == commands.DEFAULT_DBT_JOB
    monkeypatch.delenv("EXPEDIENTES_BQ_RAW_DATASET", raising=False)
    assert config.default("raw_dataset") == settings.bq_raw_dataset()


def test_every_output_the_makefile_reads_is_declared() -> None:
    outputs = load().outputs
    assert set(cli.FROM_OUTPUTS.values()) <= set(outputs)
    for name in cli.FROM_OUTPUTS.values():
        assert references(outputs[name]["value"]) or "var." in outputs[name]["value"], name


def test_every_checkov_skip_names_a_check_and_gives_a_reason() -> None:
    skips = [
        (file, line)
        for file, text in load().texts.items()
        for line in text.splitlines()
        if "checkov:skip" in line
    ]
    assert skips, "the skips are expected inline in the .tf files"
    for file, line in skips:
        match = re.search(r"#checkov:skip=(CKV2?_[A-Z]+_\d+):(.+)$", line)
        assert match, f"{file}: {line.strip()}"
        assert len(match.group(2).split()) >= 5, f"{file}: give a reason: {line.strip()}"


@pytest.mark.parametrize(
    "pattern",
    [
        r"google_service_account_key",  # no key is ever created
        r"credentials\s*=",  # the provider uses Application Default Credentials
        r"allUsers|allAuthenticatedUsers",  # nothing is public
    ],
)
def test_no_keys_and_nothing_public(pattern: str) -> None:
    for file, text in load().texts.items():
        assert not re.search(pattern, text), f"{file} matches {pattern}"
