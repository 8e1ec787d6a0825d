"""Print (or ``--run``) the commands of a deploy step.

    python -m deploy infra    --project P [--region R]              # terraform init/plan/apply
    python -m deploy pipeline --project P --bucket B [--region R]   # Flex Template build + run
    python -m deploy dbt      --project P [--region R]              # dbt image + Cloud Run job

A value not given is taken from Terraform's outputs (``deploy/terraform/outputs.json``, which
``make deploy-infra`` saves), then from the defaults. ``make deploy-infra``, ``make
deploy-pipeline`` and ``make deploy-dbt`` wrap these, and print only with ``DRY_RUN=1``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from deploy import commands, outputs
from deploy.commands import Command

REPO = Path(__file__).resolve().parents[1]


class UsageError(Exception):
    """A missing or malformed value: reported in one line, exit code 2."""


#: setting -> (make variable, flag), for messages.
NAMES = {
    "project": ("GCP_PROJECT", "--project"),
    "region": ("GCP_REGION", "--region"),
    "bucket": ("GCP_BUCKET", "--bucket"),
    "tag": ("IMAGE_TAG", "--tag"),
    "service_account": ("PIPELINE_SA", "--service-account"),
}
#: setting -> the Terraform output that supplies it when it is not given.
FROM_OUTPUTS = {
    "project": "project_id",
    "region": "region",
    "bucket": "dataflow_bucket",
    "repository": "artifact_repository",
    "service_account": "pipeline_service_account",
    "raw_dataset": "raw_dataset",
    "dbt_job": "dbt_job",
}
DEFAULTS = {
    "region": commands.DEFAULT_REGION,
    "repository": commands.DEFAULT_REPOSITORY,
    "dbt_job": commands.DEFAULT_DBT_JOB,
}
PATTERNS = {
    "project": (r"[a-z][a-z0-9-]{4,28}[a-z0-9]", "Google Cloud project id"),
    "region": (r"[a-z]+-[a-z]+[0-9]+", "region such as europe-west1"),
    "bucket": (r"[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]", "bucket name (without gs://)"),
    "tag": (r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", "image tag"),
    "service_account": (r"[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.-]+", "service account email"),
    "repository": (r"[a-z][a-z0-9-]{0,62}", "Artifact Registry repository id"),
    "raw_dataset": (r"[A-Za-z0-9_]{1,1024}", "BigQuery dataset id"),
    "dbt_job": (r"[a-z][a-z0-9-]{0,62}", "Cloud Run job name"),
}
REQUIRED = {"infra": ("project",), "pipeline": ("project", "bucket"), "dbt": ("project",)}


def resolve(args: argparse.Namespace, tf_outputs: dict[str, str]) -> dict[str, str]:
    """Given value, else Terraform output, else default; checks what the step requires."""
    values = {}
    for key in {*FROM_OUTPUTS, *DEFAULTS, "tag"}:
        given = (getattr(args, key, None) or "").strip()
        values[key] = given or tf_outputs.get(FROM_OUTPUTS.get(key, ""), "") or DEFAULTS.get(key)
    values["tag"] = values["tag"] or time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    missing = [NAMES[key][0] for key in REQUIRED[args.step] if not values[key]]
    if missing:
        hint = (
            f" (make deploy-infra GCP_PROJECT=my-project [GCP_REGION={commands.DEFAULT_REGION}])"
            if args.step == "infra"
            else f", or run `make deploy-infra` first: its outputs ({commands.OUTPUTS_FILE}) "
            "supply them"
        )
        raise UsageError(f"set {' and '.join(missing)}{hint}")
    for key, value in values.items():
        pattern, what = PATTERNS.get(key, (None, ""))
        if value and pattern and not re.fullmatch(pattern, value):
            name = NAMES.get(key, (FROM_OUTPUTS.get(key, key),))[0]
            raise UsageError(f"{name}={value!r} is not a valid {what}")
    return values


def build(step: str, values: dict[str, str], outputs_file: str) -> list[Command]:
    if step == "infra":
        return commands.infra_commands(values["project"], values["region"], outputs_file)
    if step == "pipeline":
        return commands.pipeline_commands(
            values["project"],
            values["region"],
            values["bucket"],
            values["tag"],
            repository=values["repository"],
            service_account=values["service_account"] or None,
            raw_dataset=values["raw_dataset"] or None,
        )
    return commands.dbt_commands(
        values["project"], values["region"], values["tag"], values["repository"], values["dbt_job"]
    )


def _confirmed(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to apply without a confirmation: run it in a terminal, or pass YES=1 (--yes)"
        )
    return input(f"{question} [y/N] ").strip().lower() in {"y", "yes"}


def _run(command: Command) -> None:
    """Run one command from the repository root; its saved output is replaced atomically."""
    if command.stdout is None:
        subprocess.run(command.argv, cwd=REPO, check=True)
        return
    target = Path(command.stdout)
    target = target if target.is_absolute() else REPO / target
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("w", encoding="utf-8") as out:
        subprocess.run(command.argv, cwd=REPO, check=True, stdout=out)
    partial.replace(target)


def execute(steps: list[Command], run: bool, yes: bool) -> int:
    for command in steps:
        print(command, flush=True)
        if not run:
            continue
        if command.confirm and not yes and not _confirmed(command.confirm):
            print("not applied; nothing after it ran", file=sys.stderr)
            return 1
        try:
            _run(command)
        except FileNotFoundError:
            print(f"error: {command.argv[0]} is not installed (or not on PATH)", file=sys.stderr)
            return 2
        except subprocess.CalledProcessError as exc:
            print(
                f"error: {command.argv[0]} failed (exit {exc.returncode}); nothing after it ran",
                file=sys.stderr,
            )
            return 2
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m deploy", description=__doc__.split("\n")[0])
    steps = top.add_subparsers(dest="step", required=True, metavar="STEP")
    helps = {
        "infra": "terraform init, plan and apply in deploy/terraform; saves the outputs",
        "pipeline": "build the Dataflow Flex Template and launch the streaming job",
        "dbt": "build the dbt image and point the Cloud Run job at it",
    }
    for step, text in helps.items():
        sub = steps.add_parser(step, help=text, description=text)
        sub.add_argument("--project", help="Google Cloud project id (GCP_PROJECT)")
        sub.add_argument("--region", help=f"region (GCP_REGION; {commands.DEFAULT_REGION})")
        if step == "pipeline":
            sub.add_argument("--bucket", help="Dataflow bucket, no gs:// (GCP_BUCKET)")
            sub.add_argument(
                "--service-account", dest="service_account", help="job's account (PIPELINE_SA)"
            )
        if step != "infra":
            sub.add_argument("--tag", help="image tag (IMAGE_TAG; default: the UTC time)")
        sub.add_argument(
            "--outputs",
            default=commands.OUTPUTS_FILE,
            help="Terraform outputs file (default: %(default)s; ignored while it does not exist)",
        )
        sub.add_argument("--run", action="store_true", help="run the commands, not only print")
        if step == "infra":
            sub.add_argument("--yes", action="store_true", help="apply without asking (YES=1)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    path = Path(args.outputs)
    try:
        tf_outputs = outputs.read(path if path.is_absolute() else REPO / path)
        values = resolve(args, tf_outputs)
        return execute(
            build(args.step, values, args.outputs), args.run, getattr(args, "yes", False)
        )
    except (UsageError, outputs.OutputsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
