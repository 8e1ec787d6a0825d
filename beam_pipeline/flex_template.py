"""The Dataflow Flex Template: its metadata (from the real options) and its gcloud commands.

    python -m beam_pipeline.flex_template metadata          # rewrite deploy/dataflow/metadata.json
    python -m beam_pipeline.flex_template metadata --check  # exit 1 when it drifted
    python -m beam_pipeline.flex_template commands --project P --region R --bucket B \\
        [--repository expedientes] [--tag 2026-12-04] [--run]

``commands`` prints the exact commands, to run from the repository root, that build the
container image (Cloud Build, with ``deploy/dataflow/Dockerfile``), build the template spec from
it and launch a streaming job from Pub/Sub into BigQuery; ``--run`` runs them one by one with
the caller's gcloud credentials (no key file is involved). ``make deploy-pipeline`` wraps it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

from beam_pipeline.options import SINKS, WRITE_METHODS, ExpedientesOptions
from expedientes import settings, tables

REPO = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = REPO / "deploy" / "dataflow"
METADATA = TEMPLATE_DIR / "metadata.json"

#: Options that make no sense on Dataflow, and why they are not template parameters.
LOCAL_ONLY = {"landing_dir": "the local sink's folder; Dataflow writes to BigQuery"}

REGEXES = {
    "input_subscription": r"^projects/[^/]+/subscriptions/[^/]+$",
    "input_topic": r"^projects/[^/]+/topics/[^/]+$",
    "input_files": r"^gs://.+$",
    "sink": "^(" + "|".join(SINKS) + ")$",
    "staging_table": r"^[^:]+:[^.]+\.[^.]+$",
    "dead_letter_table": r"^[^:]+:[^.]+\.[^.]+$",
    "bigquery_write_method": "^(" + "|".join(WRITE_METHODS) + ")$",
    "dedup_ttl_seconds": r"^[1-9][0-9]*$",
}


def option_actions() -> list[argparse.Action]:
    """The pipeline's own options, as argparse actions (the source of truth)."""
    parser = argparse.ArgumentParser(add_help=False)
    ExpedientesOptions._add_argparse_args(parser)
    return [a for a in parser._actions if a.dest != "help"]


def metadata() -> dict:
    parameters = []
    for action in option_actions():
        if action.dest in LOCAL_ONLY:
            continue
        parameters.append(
            {
                "name": action.dest,
                "label": action.dest.replace("_", " ").capitalize(),
                "helpText": " ".join((action.help or "").split()),
                "isOptional": True,
                "regexes": [REGEXES[action.dest]],
            }
        )
    return {
        "name": "expedientes-pipeline",
        "description": "Expedientes events from Pub/Sub (or JSONL files on GCS) validated against "
        "the event contract, deduplicated on event_id and appended to the BigQuery staging "
        "table; what fails the contract goes to the dead-letter table with the reason.",
        "streaming": True,
        "supportsAtLeastOnce": True,
        "supportsExactlyOnce": True,
        "defaultStreamingMode": "STREAMING_MODE_EXACTLY_ONCE",
        "parameters": parameters,
    }


def render_metadata() -> str:
    return json.dumps(metadata(), indent=2, ensure_ascii=False) + "\n"


def commands(
    project: str, region: str, bucket: str, repository: str, tag: str, job: str
) -> list[list[str]]:
    """Build the image, build the template spec, run a streaming job (in that order)."""
    image = f"{region}-docker.pkg.dev/{project}/{repository}/expedientes-pipeline:{tag}"
    spec = f"gs://{bucket}/templates/expedientes-pipeline-{tag}.json"
    raw = settings.bq_raw_dataset()
    parameters = ",".join(
        [
            f"input_subscription=projects/{project}/subscriptions/{settings.SUBSCRIPTION}",
            "sink=bigquery",
            f"staging_table={project}:{raw}.{tables.STAGING}",
            f"dead_letter_table={project}:{raw}.{tables.DEAD_LETTER}",
            f"sdk_container_image={image}",
        ]
    )
    return [
        [
            "gcloud", "builds", "submit", ".", f"--project={project}", f"--region={region}",
            "--config=deploy/dataflow/cloudbuild.yaml", f"--substitutions=_IMAGE={image}",
        ],
        [
            "gcloud", "dataflow", "flex-template", "build", spec, f"--project={project}",
            f"--image={image}", "--sdk-language=PYTHON",
            "--metadata-file=deploy/dataflow/metadata.json",
        ],
        [
            "gcloud", "dataflow", "flex-template", "run", job, f"--project={project}",
            f"--region={region}", f"--template-file-gcs-location={spec}",
            f"--temp-location=gs://{bucket}/tmp", f"--staging-location=gs://{bucket}/staging",
            "--enable-streaming-engine", "--worker-machine-type=n2-standard-2", "--max-workers=3",
            f"--parameters={parameters}",
        ],
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m beam_pipeline.flex_template", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    meta = sub.add_parser("metadata", help="write (or --check) deploy/dataflow/metadata.json")
    meta.add_argument("--check", action="store_true", help="exit 1 when the committed file drifted")
    cmd = sub.add_parser("commands", help="print (or --run) the build and launch commands")
    cmd.add_argument("--project", required=True, help="Google Cloud project id")
    cmd.add_argument(
        "--region", required=True, help="Dataflow and Artifact Registry region, e.g. europe-west1"
    )
    cmd.add_argument(
        "--bucket", required=True, help="GCS bucket (no gs://) for the template spec and temp files"
    )
    cmd.add_argument(
        "--repository",
        default="expedientes",
        help="Artifact Registry repository (default: %(default)s)",
    )
    cmd.add_argument(
        "--tag", default="latest", help="image and template tag (default: %(default)s)"
    )
    cmd.add_argument(
        "--job", default="expedientes-pipeline", help="Dataflow job name (default: %(default)s)"
    )
    cmd.add_argument("--run", action="store_true", help="run the commands instead of printing them")
    args = parser.parse_args(argv)

    if args.command == "metadata":
        if args.check:
            if not METADATA.exists() or METADATA.read_text(encoding="utf-8") != render_metadata():
                print(
                    f"stale: {METADATA} (run: python -m beam_pipeline.flex_template metadata)",
                    file=sys.stderr,
                )
                return 1
            return 0
        METADATA.write_text(render_metadata(), encoding="utf-8")
        print(f"wrote {METADATA}")
        return 0
    for bad in ("project", "region", "bucket"):
        value = getattr(args, bad)
        if not value or "/" in value or " " in value:
            parser.error(f"--{bad} {value!r} is not a valid name")
    for command in commands(
        args.project, args.region, args.bucket, args.repository, args.tag, args.job
    ):
        print(shlex.join(command))
        if args.run:
            try:
                subprocess.run(command, check=True, cwd=REPO)
            except (OSError, subprocess.CalledProcessError) as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
