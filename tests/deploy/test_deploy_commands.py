"""`make deploy-infra`, `deploy-pipeline` and `deploy-dbt`: with DRY_RUN=1 they print the exact
commands (from the variables, else Terraform's outputs); missing or bad values get a one-line
error; without DRY_RUN they run exactly what they print."""

from __future__ import annotations

import json
import os
import shlex
import stat
import sys
from pathlib import Path

import pytest

from beam_pipeline import flex_template
from tests.conftest import run

OUTPUTS = {
    "project_id": "acme-prod",
    "region": "europe-southwest1",
    "dataflow_bucket": "acme-prod-expedientes-dataflow",
    "artifact_repository": "images",
    "pipeline_service_account": "expedientes-pipeline@acme-prod.iam.gserviceaccount.com",
    "raw_dataset": "raw_prod",
    "dbt_job": "acme-dbt",
    "dbt_schedule": "0 */3 * * *",
}


@pytest.fixture
def no_outputs(tmp_path: Path) -> str:
    return f"TF_OUTPUTS={tmp_path / 'absent.json'}"


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    outputs = {k: {"sensitive": False, "type": "string", "value": v} for k, v in OUTPUTS.items()}
    outputs["services"] = {"sensitive": False, "type": ["list", "string"], "value": ["a"]}
    path.write_text(json.dumps(outputs))
    return path


def make(*args: str) -> tuple[int, list[str], str]:
    result = run(["make", *args, "DRY_RUN=1"])
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout.strip().splitlines(), result.stderr


def test_deploy_infra_prints_init_plan_apply_and_saves_the_outputs(no_outputs: str) -> None:
    code, lines, _ = make(
        "deploy-infra", "GCP_PROJECT=acme-prod", "GCP_REGION=europe-southwest1", no_outputs
    )
    saved = shlex.quote(no_outputs.split("=", 1)[1])
    assert code == 0
    assert lines == [
        "terraform -chdir=deploy/terraform init -input=false",
        "terraform -chdir=deploy/terraform plan -input=false -var=project_id=acme-prod "
        "-var=region=europe-southwest1 -out=tfplan",
        "terraform -chdir=deploy/terraform apply -input=false tfplan",
        f"terraform -chdir=deploy/terraform output -json > {saved}",
    ]


def test_deploy_dbt_prints_the_image_build_and_the_job_update(no_outputs: str) -> None:
    code, lines, _ = make("deploy-dbt", "GCP_PROJECT=acme-prod", "IMAGE_TAG=v1", no_outputs)
    image = "europe-west1-docker.pkg.dev/acme-prod/expedientes/expedientes-dbt:v1"
    assert code == 0
    assert lines == [
        "gcloud builds submit . --project=acme-prod --region=europe-west1 "
        f"--config=deploy/dbt/cloudbuild.yaml --substitutions=_IMAGE={image}",
        "gcloud run jobs update expedientes-dbt --project=acme-prod --region=europe-west1 "
        f"--image={image}",
    ]


def test_deploy_dbt_takes_what_terraform_created(outputs_file: Path) -> None:
    code, lines, _ = make("deploy-dbt", "IMAGE_TAG=v2", f"TF_OUTPUTS={outputs_file}")
    image = "europe-southwest1-docker.pkg.dev/acme-prod/images/expedientes-dbt:v2"
    assert code == 0
    assert f"--substitutions=_IMAGE={image}" in lines[0]
    assert lines[1] == (
        "gcloud run jobs update acme-dbt --project=acme-prod --region=europe-southwest1 "
        f"--image={image}"
    )


def test_deploy_pipeline_from_terraform_outputs_runs_as_the_pipeline_account(
    outputs_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, lines, _ = make("deploy-pipeline", "IMAGE_TAG=v3", f"TF_OUTPUTS={outputs_file}")
    assert code == 0
    monkeypatch.setenv("EXPEDIENTES_BQ_RAW_DATASET", "raw_prod")
    expected = flex_template.commands(
        "acme-prod", "europe-southwest1", OUTPUTS["dataflow_bucket"], "images", "v3",
        "expedientes-pipeline",
    )  # fmt: skip
    expected[-1].append(f"--service-account-email={OUTPUTS['pipeline_service_account']}")
    assert lines == [shlex.join(command) for command in expected]
    assert "staging_table=acme-prod:raw_prod.expedientes_staging" in lines[-1]
    assert "input_subscription=projects/acme-prod/subscriptions/expedientes-sub" in lines[-1]


def test_variables_win_over_terraform_outputs(outputs_file: Path) -> None:
    code, lines, _ = make(
        "deploy-pipeline", "GCP_BUCKET=other-bucket", "GCP_REGION=europe-west4",
        "IMAGE_TAG=v4", f"TF_OUTPUTS={outputs_file}",
    )  # fmt: skip
    assert code == 0
    assert "--temp-location=gs://other-bucket/tmp" in lines[-1]
    assert "--region=europe-west4" in lines[-1]
    assert "--project=acme-prod" in lines[-1]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("deploy-infra", "set GCP_PROJECT (make deploy-infra GCP_PROJECT="),
        ("deploy-pipeline", "set GCP_PROJECT and GCP_BUCKET, or run `make deploy-infra` first"),
        ("deploy-dbt", "set GCP_PROJECT, or run `make deploy-infra` first"),
    ],
)
def test_missing_variables_get_a_one_line_error(target: str, message: str, no_outputs: str) -> None:
    code, lines, stderr = make(target, no_outputs)
    assert code == 2
    assert lines == []
    assert f"error: {message}" in stderr


@pytest.mark.parametrize(
    ("target", "variable", "message"),
    [
        ("deploy-pipeline", "GCP_BUCKET=gs://acme", "GCP_BUCKET='gs://acme' is not a valid"),
        ("deploy-dbt", "GCP_REGION=Europe West", "GCP_REGION='Europe West' is not a valid"),
        ("deploy-infra", "GCP_PROJECT=Acme_Prod", "GCP_PROJECT='Acme_Prod' is not a valid"),
        ("deploy-dbt", "IMAGE_TAG=v1;rm", "IMAGE_TAG='v1;rm' is not a valid"),
    ],
)
def test_malformed_values_are_refused(
    target: str, variable: str, message: str, no_outputs: str
) -> None:
    code, lines, stderr = make(
        target, "GCP_PROJECT=acme-prod", "GCP_BUCKET=b-1", variable, no_outputs
    )
    assert code == 2
    assert lines == []
    assert message in stderr


def test_an_unreadable_outputs_file_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "outputs.json"
    broken.write_text("{not json")
    code, _, stderr = make("deploy-dbt", "GCP_PROJECT=acme-prod", f"TF_OUTPUTS={broken}")
    assert code == 2
    assert f"error: cannot read Terraform outputs {broken}" in stderr


# ---------- without DRY_RUN: the printed commands are the ones run (terraform stubbed on PATH)

STUB = """#!{python}
import json, os, sys
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(json.dumps([os.path.basename(sys.argv[0]), *sys.argv[1:]]) + "\\n")
if os.environ.get("STUB_FAIL") and os.environ["STUB_FAIL"] in sys.argv:
    sys.exit(1)
if sys.argv[-2:] == ["output", "-json"]:
    print(json.dumps({{"dbt_job": {{"sensitive": False, "type": "string", "value": "j"}}}}))
"""


@pytest.fixture
def stub_terraform(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "terraform"
    stub.write_text(STUB.format(python=sys.executable))
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "STUB_LOG": str(tmp_path / "log")}


def _deploy(env: dict[str, str], *args: str):
    return run([sys.executable, "-m", "deploy", *args], env=env)


def _logged(env: dict[str, str]) -> list[str]:
    path = Path(env["STUB_LOG"])
    lines = path.read_text().splitlines() if path.exists() else []
    return [shlex.join(json.loads(line)) for line in lines]


def test_run_executes_exactly_the_printed_commands(
    stub_terraform: dict[str, str], tmp_path: Path
) -> None:
    saved = tmp_path / "outputs.json"
    result = _deploy(
        stub_terraform, "infra", "--project", "acme-prod", "--outputs", str(saved), "--run", "--yes"
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip().splitlines()
    assert _logged(stub_terraform) == [line.split(" > ")[0] for line in printed]
    assert json.loads(saved.read_text())["dbt_job"]["value"] == "j"


def test_apply_needs_a_confirmation(stub_terraform: dict[str, str], tmp_path: Path) -> None:
    outputs = str(tmp_path / "outputs.json")
    result = _deploy(
        stub_terraform, "infra", "--project", "acme-prod", "--outputs", outputs, "--run"
    )
    assert result.returncode == 2
    assert "pass YES=1" in result.stderr
    assert [line.split()[2] for line in _logged(stub_terraform)] == ["init", "plan"]


def test_a_failed_step_stops_the_sequence(stub_terraform: dict[str, str], tmp_path: Path) -> None:
    env = {**stub_terraform, "STUB_FAIL": "plan"}
    outputs = tmp_path / "outputs.json"
    result = _deploy(
        env, "infra", "--project", "acme-prod", "--outputs", str(outputs), "--run", "--yes"
    )
    assert result.returncode == 2
    assert "error: terraform failed (exit 1); nothing after it ran" in result.stderr
    assert [line.split()[2] for line in _logged(env)] == ["init", "plan"]
    assert not outputs.exists()


def test_a_missing_tool_is_named(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path)}
    result = _deploy(env, "dbt", "--project", "acme-prod", "--tag", "v1", "--run")
    assert result.returncode == 2
    assert "error: gcloud is not installed (or not on PATH)" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_cli_has_help() -> None:
    result = _deploy({}, "--help")
    assert result.returncode == 0
    for step in ("infra", "pipeline", "dbt"):
        assert step in result.stdout
