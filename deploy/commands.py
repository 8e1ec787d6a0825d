"""The commands of each deploy step, as data: built here, printed or run by ``deploy.__main__``.

Every command runs from the repository root with the caller's gcloud / Application Default
Credentials; none of them reads or writes a key file.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

TERRAFORM_DIR = "deploy/terraform"
OUTPUTS_FILE = f"{TERRAFORM_DIR}/outputs.json"
PLAN_FILE = "tfplan"  # inside TERRAFORM_DIR (git-ignored)
DBT_CLOUDBUILD = "deploy/dbt/cloudbuild.yaml"

#: Defaults shared with deploy/terraform/variables.tf (tests/deploy checks they agree).
DEFAULT_REGION = "europe-west1"
DEFAULT_REPOSITORY = "expedientes"
DEFAULT_DBT_JOB = "expedientes-dbt"
DEFAULT_PIPELINE_JOB = "expedientes-pipeline"
DBT_IMAGE = "expedientes-dbt"


@dataclass(frozen=True)
class Command:
    """One command line; ``stdout`` names the file its output is saved to, if any."""

    argv: tuple[str, ...]
    stdout: str | None = None
    confirm: str | None = None  # a question to answer yes to before it runs

    def __str__(self) -> str:
        text = shlex.join(self.argv)
        return f"{text} > {shlex.quote(self.stdout)}" if self.stdout else text


def infra_commands(project: str, region: str, outputs_file: str = OUTPUTS_FILE) -> list[Command]:
    """terraform init, plan (saved), apply of that plan, and the outputs the other steps read."""
    terraform = ("terraform", f"-chdir={TERRAFORM_DIR}")
    return [
        Command((*terraform, "init", "-input=false")),
        Command(
            (
                *terraform, "plan", "-input=false", f"-var=project_id={project}",
                f"-var=region={region}", f"-out={PLAN_FILE}",
            )
        ),
        Command((*terraform, "apply", "-input=false", PLAN_FILE), confirm="Apply this plan?"),
        Command((*terraform, "output", "-json"), stdout=outputs_file),
    ]  # fmt: skip


@contextmanager
def _raw_dataset(dataset: str | None) -> Iterator[None]:
    """Point ``expedientes.settings.bq_raw_dataset`` at ``dataset`` for the block."""
    name = "EXPEDIENTES_BQ_RAW_DATASET"
    if dataset is None:
        yield
        return
    before = os.environ.get(name)
    os.environ[name] = dataset
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


def pipeline_commands(
    project: str,
    region: str,
    bucket: str,
    tag: str,
    repository: str = DEFAULT_REPOSITORY,
    service_account: str | None = None,
    raw_dataset: str | None = None,
    job: str = DEFAULT_PIPELINE_JOB,
) -> list[Command]:
    """The Flex Template's build and launch (``beam_pipeline.flex_template``), the job running
    as the pipeline's service account when it is known."""
    from beam_pipeline import flex_template  # imports Beam (seconds): only for this step

    with _raw_dataset(raw_dataset):
        argvs = flex_template.commands(project, region, bucket, repository, tag, job)
    if service_account:
        argvs[-1].append(f"--service-account-email={service_account}")
    return [Command(tuple(argv)) for argv in argvs]


def dbt_image(project: str, region: str, repository: str, tag: str) -> str:
    return f"{region}-docker.pkg.dev/{project}/{repository}/{DBT_IMAGE}:{tag}"


def dbt_commands(
    project: str,
    region: str,
    tag: str,
    repository: str = DEFAULT_REPOSITORY,
    job: str = DEFAULT_DBT_JOB,
) -> list[Command]:
    """Build and push the dbt image (Cloud Build), then point the Cloud Run job at it."""
    image = dbt_image(project, region, repository, tag)
    return [
        Command(
            (
                "gcloud", "builds", "submit", ".", f"--project={project}", f"--region={region}",
                f"--config={DBT_CLOUDBUILD}", f"--substitutions=_IMAGE={image}",
            )
        ),
        Command(
            (
                "gcloud", "run", "jobs", "update", job, f"--project={project}",
                f"--region={region}", f"--image={image}",
            )
        ),
    ]  # fmt: skip
