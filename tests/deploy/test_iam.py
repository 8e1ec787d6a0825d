"""Least privilege in deploy/terraform: each service account holds only roles from its allowed
list, at the narrowest scope; no primitive role and no authoritative binding anywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.deploy.terraform import load, reference

#: service account -> every role it may hold (anywhere).
ALLOWED = {
    "pipeline": {
        "roles/dataflow.worker",
        "roles/bigquery.jobUser",
        "roles/bigquery.dataEditor",
        "roles/pubsub.subscriber",
        "roles/pubsub.viewer",
        "roles/storage.objectAdmin",
        "roles/artifactregistry.reader",
    },
    "generator": {"roles/pubsub.publisher", "roles/bigquery.dataViewer", "roles/bigquery.jobUser"},
    "dbt": {"roles/bigquery.dataViewer", "roles/bigquery.dataEditor", "roles/bigquery.jobUser"},
    "dashboard": {"roles/bigquery.dataViewer", "roles/bigquery.jobUser"},
    "scheduler": {"roles/run.invoker"},
}
#: The roles that exist only at project level (running BigQuery jobs, being a Dataflow worker).
PROJECT_LEVEL = {"roles/dataflow.worker", "roles/bigquery.jobUser"}
#: What each account cannot work without (so the allowed list is not satisfied by nothing).
ESSENTIAL = {
    "pipeline": {"roles/dataflow.worker", "roles/pubsub.subscriber", "roles/bigquery.dataEditor"},
    "generator": {"roles/pubsub.publisher"},
    "dbt": {"roles/bigquery.dataEditor", "roles/bigquery.jobUser"},
    "dashboard": {"roles/bigquery.dataViewer"},
    "scheduler": {"roles/run.invoker"},
}
#: Roles granted on a service account itself (who may act as it), and to whom.
ON_SERVICE_ACCOUNTS = {"roles/iam.serviceAccountTokenCreator", "roles/iam.serviceAccountUser"}


@dataclass(frozen=True)
class Binding:
    resource: str  # type.name of the binding
    scope: tuple[str, str] | None  # the resource it is granted on; None at project level
    role: str
    member: str

    @property
    def account(self) -> str | None:
        """The project's service account that receives the role, if any."""
        found = re.search(r"google_service_account\.([a-z0-9_]+)\.email", self.member)
        return found.group(1) if found else None


SCOPE_KEYS = ("dataset_id", "topic", "subscription", "bucket", "repository", "name")


def bindings() -> list[Binding]:
    out = []
    for kind, named in load().resources.items():
        if not kind.endswith("_iam_member"):
            continue
        for name, body in named.items():
            scope = None
            if kind == "google_service_account_iam_member":
                scope = reference(body["service_account_id"])
            elif kind != "google_project_iam_member":
                key = next(k for k in SCOPE_KEYS if k in body)
                scope = reference(body[key])
            out.append(Binding(f"{kind}.{name}", scope, body["role"], body["member"]))
    return out


def _granted(account: str) -> list[Binding]:
    return [b for b in bindings() if b.account == account]


def test_every_service_account_is_known_to_this_test() -> None:
    assert set(load().of_type("google_service_account")) == set(ALLOWED)


@pytest.mark.parametrize("account", sorted(ALLOWED))
def test_each_account_holds_only_allowed_roles(account: str) -> None:
    roles = {b.role for b in _granted(account)}
    assert roles <= ALLOWED[account], f"not allowed for {account}: {roles - ALLOWED[account]}"
    assert ESSENTIAL[account] <= roles, f"{account} misses {ESSENTIAL[account] - roles}"


def test_project_level_roles_are_only_those_with_no_narrower_scope() -> None:
    for binding in bindings():
        if binding.scope is None:
            assert binding.role in PROJECT_LEVEL, binding


def test_data_access_is_bound_to_the_right_datasets() -> None:
    datasets: dict[tuple[str, str], set[str]] = {}
    for binding in bindings():
        if binding.scope and binding.scope[0] == "google_bigquery_dataset":
            datasets.setdefault((binding.account, binding.role), set()).add(binding.scope[1])
    assert datasets == {
        ("pipeline", "roles/bigquery.dataEditor"): {"raw"},
        ("generator", "roles/bigquery.dataViewer"): {"raw"},
        ("dbt", "roles/bigquery.dataViewer"): {"raw"},
        ("dbt", "roles/bigquery.dataEditor"): {"dbt", "reference"},
        ("dashboard", "roles/bigquery.dataViewer"): {"dbt"},
    }


def test_pubsub_access_is_bound_to_the_topic_or_subscription_it_needs() -> None:
    scopes = {
        (b.account, b.role): b.scope
        for b in bindings()
        if b.account and b.role.startswith("roles/pubsub.")
    }
    assert scopes == {
        ("pipeline", "roles/pubsub.subscriber"): ("google_pubsub_subscription", "pipeline"),
        ("pipeline", "roles/pubsub.viewer"): ("google_pubsub_subscription", "pipeline"),
        ("generator", "roles/pubsub.publisher"): ("google_pubsub_topic", "updates"),
    }


def test_the_scheduler_may_start_the_dbt_job_and_nothing_else() -> None:
    (binding,) = _granted("scheduler")
    assert binding.scope == ("google_cloud_run_v2_job", "dbt")


def test_roles_on_service_accounts_go_to_named_members_only() -> None:
    for binding in bindings():
        if binding.scope and binding.scope[0] == "google_service_account":
            assert binding.role in ON_SERVICE_ACCOUNTS, binding
            assert binding.member in (
                "${each.value}",
                "serviceAccount:${var.looker_studio_service_agent}",
            ), binding
            assert binding.scope[1] in {"generator", "dashboard"}, binding


def test_no_primitive_role_anywhere() -> None:
    for file, text in load().texts.items():
        assert not re.search(r"roles/(owner|editor|viewer)\b", text), file
    for binding in bindings():
        assert binding.role.startswith("roles/") and binding.role.count("/") == 1, binding
        assert binding.role.split("/")[1] not in {"owner", "editor", "viewer"}, binding


def test_no_authoritative_bindings() -> None:
    """``*_iam_binding`` / ``*_iam_policy`` replace the grants of everyone else on the resource."""
    kinds = set(load().resources)
    assert not {k for k in kinds if k.endswith(("_iam_binding", "_iam_policy"))}
    assert "google_bigquery_dataset_access" not in kinds
    for body in load().of_type("google_bigquery_dataset").values():
        assert "access" not in body, "an access block is authoritative over the dataset's ACL"
