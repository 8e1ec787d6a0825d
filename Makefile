# expedientes - every command a user or CI runs. `make` (or `make help`) lists the targets.
#
# Local state (warehouse, landing files, emulator pid and log) lives under EXPEDIENTES_DATA_DIR
# (default ./data), so `make demo EXPEDIENTES_DATA_DIR=/tmp/x` runs everything in /tmp/x.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.setup-complete

override EXPEDIENTES_DATA_DIR := $(abspath $(or $(EXPEDIENTES_DATA_DIR),$(CURDIR)/data))
export EXPEDIENTES_DATA_DIR
export PUBSUB_PROJECT_ID ?= expedientes-local
export PUBSUB_EMULATOR_PORT ?= 8085
export DBT_PROFILES_DIR := $(CURDIR)/dbt_project
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_VERSION_CHECK := false
export UV_LINK_MODE := copy
DBT_TARGET ?= local
TEST_WORKERS ?= 2
PYTEST_ARGS ?=
QUICK ?=
BENCH_ARGS ?=
RELIABILITY_SCALE ?= full

# make demo / make stream / make schedule / make docs / make dashboard
CASES ?= 5000
EVENTS ?=
RATE ?=
INTERVAL ?= 60
DOCS_PORT ?= 8080
DASHBOARD_PORT ?= 8501
DASHBOARD_TARGET ?= local

# make deploy-infra / deploy-pipeline / deploy-dbt: a value left empty comes from Terraform's
# outputs (TF_OUTPUTS, saved by deploy-infra), then from the defaults (GCP_REGION europe-west1).
GCP_PROJECT ?=
GCP_REGION ?=
GCP_BUCKET ?=
PIPELINE_SA ?=
IMAGE_TAG ?= $(shell date -u +%Y%m%d-%H%M%S)
TF_OUTPUTS ?= deploy/terraform/outputs.json
DRY_RUN ?=
YES ?=

# Tools that must not share the runtime lock (checkov pins its own dependencies): .venv-tools
TOOLS_VENV := .venv-tools
TOOLS_STAMP := $(TOOLS_VENV)/.setup-complete
CHECKOV := $(TOOLS_VENV)/bin/checkov

.PHONY: build compact deploy-infra deploy-pipeline deploy-dbt tools help setup emulator-start emulator-stop emulator-status pubsub-init test lint format \
	generate clean distclean demo stream build schedule docs dashboard bench reliability browser

help: ## List every target with what it does
	@echo "expedientes - Spanish civil case events: Pub/Sub -> Beam -> dbt (DuckDB locally, BigQuery in production)"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "Variables: EXPEDIENTES_DATA_DIR=$(EXPEDIENTES_DATA_DIR)  PUBSUB_EMULATOR_PORT=$(PUBSUB_EMULATOR_PORT)  PYTHON=$(PYTHON)"

setup: $(STAMP) ## Create .venv and install the pinned lock file (a fast no-op when up to date)
	@:

$(STAMP): requirements.lock requirements-bootstrap.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11+ is required; $(PYTHON) is " + sys.version.split()[0] + ". Run: make setup PYTHON=/path/to/python3.11")'
	@test -x $(PY) || { echo "Creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-bootstrap.txt
	@echo "Installing the pinned dependencies (requirements.lock) into $(VENV)"
	@$(UV) pip sync --quiet --python $(PY) requirements.lock
	@$(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation -e .
	@touch $@
	@echo "Environment ready: $(VENV)"

emulator-start: setup ## Start the Pub/Sub emulator on 127.0.0.1 (no-op when running) and create topic + subscriptions
	@$(PY) -m expedientes.emulator start --port $(PUBSUB_EMULATOR_PORT)
	@eval "$$($(PY) -m expedientes.emulator env)" && $(PY) -m expedientes.pubsub_admin ensure --project $(PUBSUB_PROJECT_ID)

emulator-stop: setup ## Stop the Pub/Sub emulator this project started (its whole process group)
	@$(PY) -m expedientes.emulator stop

emulator-status: setup ## Say whether the emulator runs, where, and its PUBSUB_EMULATOR_HOST (exit 3 when stopped)
	@$(PY) -m expedientes.emulator status

pubsub-init: setup ## Create topic, subscription and dead-letter topic on Pub/Sub (PUBSUB_EMULATOR_HOST or ADC)
	@$(PY) -m expedientes.pubsub_admin ensure --project $(PUBSUB_PROJECT_ID)

demo: setup ## The whole pipeline end to end here: emulator, backfill (CASES=5000), dbt, stream (EVENTS=10000) with dbt on a schedule, summary
	@$(PY) -m expedientes.demo --cases $(CASES) --events $(or $(EVENTS),10000) $(if $(RATE),--rate $(RATE)) \
		--port $(PUBSUB_EMULATOR_PORT)

stream: setup ## The live path alone: emulator + streaming pipeline + generator until Ctrl-C (or EVENTS=N; RATE=200)
	@$(PY) -m expedientes.live $(if $(EVENTS),--events $(EVENTS)) $(if $(RATE),--rate $(RATE)) \
		--port $(PUBSUB_EMULATOR_PORT)

schedule: setup ## dbt build every INTERVAL seconds (default 60) until Ctrl-C, one log line per run
	@$(PY) -m expedientes.dbt_runner schedule --interval $(INTERVAL) --target $(DBT_TARGET)

docs: setup ## dbt docs generate + serve on 127.0.0.1:DOCS_PORT (8080): lineage from sources to exposures
	@$(PY) -m expedientes.dbt_runner docs --port $(DOCS_PORT) --target $(DBT_TARGET)

dashboard: setup ## The local dashboard on 127.0.0.1:DASHBOARD_PORT (8501), read-only over the marts
	@$(PY) -m dashboard --port $(DASHBOARD_PORT) --target $(DASHBOARD_TARGET)

test: setup browser ## Run the test suite (starts its own emulator on a free port; needs no running services)
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

browser: ## Install headless Chromium for the dashboard's browser test when missing (Debian/Ubuntu, as root)
	@if ! command -v chromium >/dev/null 2>&1; then \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			echo "Installing Chromium (Debian package chromium) for the dashboard's browser test"; \
			apt-get install -y -q chromium >/dev/null 2>&1 || \
				{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null; } || \
				echo "warning: could not install chromium; the browser test will be skipped" >&2; \
		else \
			echo "note: chromium is not installed (apt-get install chromium); the browser test will be skipped" >&2; \
		fi; \
	fi

tools: $(TOOLS_STAMP) ## Create .venv-tools with the pinned lint tools of requirements-tools.txt (checkov)
	@:

$(TOOLS_STAMP): requirements-tools.txt $(STAMP)
	@test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv --without-pip $(TOOLS_VENV)
	@echo "Installing the pinned tools (requirements-tools.txt) into $(TOOLS_VENV)"
	@$(UV) pip sync --quiet --python $(TOOLS_VENV)/bin/python requirements-tools.txt
	@touch $@

lint: setup tools ## ruff (lint + format check), sqlfluff on the dbt project, derived files in sync, checkov on deploy/terraform
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(PY) -m expedientes.seeds --check
	@$(PY) -m expedientes.tables --check
	@$(PY) -m beam_pipeline.flex_template metadata --check
	@$(VENV)/bin/sqlfluff lint dbt_project/models dbt_project/data-tests dbt_project/macros
	@$(CHECKOV) --directory deploy/terraform --framework terraform --skip-download --compact --quiet

format: setup ## Apply ruff's fixes and formatting, and sqlfluff's fixes to the dbt project
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/sqlfluff fix dbt_project/models dbt_project/data-tests dbt_project/macros

generate: setup ## Re-export the derived files: dbt seeds, table schemas, Flex Template metadata
	@$(PY) -m expedientes.seeds
	@$(PY) -m expedientes.tables
	@$(PY) -m beam_pipeline.flex_template metadata

clean: ## Stop the emulator and delete local state (EXPEDIENTES_DATA_DIR), dbt artifacts and caches; keeps .venv
	@if [ -x $(PY) ]; then $(PY) -m expedientes.emulator stop; fi
	@rm -rf "$(EXPEDIENTES_DATA_DIR)" dbt_project/target dbt_project/logs dbt_project/dbt_packages \
		.pytest_cache .ruff_cache
	@find . \( -path ./$(VENV) -o -path ./$(TOOLS_VENV) \) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	@echo "Removed local state in $(EXPEDIENTES_DATA_DIR) and build artifacts"

distclean: clean ## clean, and delete the virtual environments too (.venv, .venv-tools)
	@rm -rf $(VENV) $(TOOLS_VENV) *.egg-info

build: setup ## dbt build (seeds, models, tests) on DBT_TARGET (default local: $EXPEDIENTES_DATA_DIR/warehouse.duckdb)
	@$(PY) -m expedientes.dbt_runner build --target $(DBT_TARGET)

compact: setup ## Merge the landing folders' small per-bundle files into one file per past day
	@$(PY) -m beam_pipeline.compact

deploy-infra: setup ## Terraform init/plan/apply of deploy/terraform: GCP_PROJECT= [GCP_REGION=] [YES=1] (DRY_RUN=1 prints the commands)
	@$(PY) -m deploy infra --project "$(GCP_PROJECT)" --region "$(GCP_REGION)" --outputs "$(TF_OUTPUTS)" \
		$(if $(YES),--yes) $(if $(DRY_RUN),,--run)

deploy-pipeline: setup ## Build the Dataflow Flex Template and launch it: GCP_PROJECT= GCP_BUCKET= [GCP_REGION=] or Terraform's outputs (DRY_RUN=1 prints)
	@$(PY) -m deploy pipeline --project "$(GCP_PROJECT)" --region "$(GCP_REGION)" --bucket "$(GCP_BUCKET)" \
		--service-account "$(PIPELINE_SA)" --tag "$(IMAGE_TAG)" --outputs "$(TF_OUTPUTS)" $(if $(DRY_RUN),,--run)

deploy-dbt: setup ## Build the dbt image (Cloud Build) and update the Cloud Run job: GCP_PROJECT= [GCP_REGION=] (DRY_RUN=1 prints)
	@$(PY) -m deploy dbt --project "$(GCP_PROJECT)" --region "$(GCP_REGION)" --tag "$(IMAGE_TAG)" \
		--outputs "$(TF_OUTPUTS)" $(if $(DRY_RUN),,--run)

bench: setup ## Benchmarks of every stage beside its baseline -> benchmarks/results/latest.json, docs/BENCHMARKS.md (QUICK=1: minutes)
	@$(PY) -m benchmarks $(if $(QUICK),--quick) $(BENCH_ARGS)

reliability: setup ## The fault suite at full size (RELIABILITY_SCALE=full) with its figures -> docs/RELIABILITY.md
	@mkdir -p "$(EXPEDIENTES_DATA_DIR)"
	@rm -f "$(EXPEDIENTES_DATA_DIR)/reliability-results.jsonl"
	@status=0; RELIABILITY_SCALE=$(RELIABILITY_SCALE) \
		RELIABILITY_RESULTS="$(EXPEDIENTES_DATA_DIR)/reliability-results.jsonl" \
		$(PY) -m pytest tests/reliability -p no:xdist --timeout 1800 $(PYTEST_ARGS) || status=$$?; \
	$(PY) -m tests.reliability.report "$(EXPEDIENTES_DATA_DIR)/reliability-results.jsonl" \
		--out docs/RELIABILITY.md || status=$$?; \
	exit $$status
