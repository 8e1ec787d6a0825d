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

# make demo / make stream / make schedule / make docs / make dashboard
CASES ?= 5000
EVENTS ?=
RATE ?=
INTERVAL ?= 60
DOCS_PORT ?= 8080
DASHBOARD_PORT ?= 8501
DASHBOARD_TARGET ?= local

GCP_PROJECT ?=
GCP_REGION ?= europe-west1
GCP_BUCKET ?=
IMAGE_TAG ?= $(shell date -u +%Y%m%d-%H%M%S)
DRY_RUN ?=

.PHONY: build compact deploy-pipeline help setup emulator-start emulator-stop emulator-status pubsub-init test lint format \
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

lint: setup ## ruff (lint + format check), sqlfluff on the dbt project, derived files in sync
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(PY) -m expedientes.seeds --check
	@$(PY) -m expedientes.tables --check
	@$(PY) -m beam_pipeline.flex_template metadata --check
	@$(VENV)/bin/sqlfluff lint dbt_project/models dbt_project/data-tests dbt_project/macros

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
	@find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	@echo "Removed local state in $(EXPEDIENTES_DATA_DIR) and build artifacts"

distclean: clean ## clean, and delete the virtual environment too
	@rm -rf $(VENV) *.egg-info

build: setup ## dbt build (seeds, models, tests) on DBT_TARGET (default local: $EXPEDIENTES_DATA_DIR/warehouse.duckdb)
	@$(PY) -m expedientes.dbt_runner build --target $(DBT_TARGET)

compact: setup ## Merge the landing folders' small per-bundle files into one file per past day
	@$(PY) -m beam_pipeline.compact

deploy-pipeline: setup ## Build the Dataflow Flex Template and launch it: GCP_PROJECT= GCP_BUCKET= [GCP_REGION=] (DRY_RUN=1 prints the commands)
	@if [ -z "$(GCP_PROJECT)" ] || [ -z "$(GCP_BUCKET)" ]; then \
		echo "error: set GCP_PROJECT and GCP_BUCKET (and GCP_REGION, default $(GCP_REGION)); DRY_RUN=1 only prints" >&2; exit 2; fi
	@$(PY) -m beam_pipeline.flex_template commands --project "$(GCP_PROJECT)" --region "$(GCP_REGION)" \
		--bucket "$(GCP_BUCKET)" --tag "$(IMAGE_TAG)" $(if $(DRY_RUN),,--run)

bench: setup ## Benchmarks of every stage beside its baseline -> benchmarks/results/latest.json, docs/BENCHMARKS.md (QUICK=1: minutes)
	@$(PY) -m benchmarks $(if $(QUICK),--quick) $(BENCH_ARGS)

# Targets of later issues: they say so and fail rather than pretend to work.
reliability: ## [not yet available, issue #8] The full fault suite with its figures
	@echo "make reliability: not yet available - it lands with issue #8 (Reliability)." >&2; exit 2
