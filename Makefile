# The front door. Every target bootstraps what it needs on a machine that has only
# Python (3.11+) and make: a tool venv with uv, then the project's venv from uv.lock.

SHELL := bash

PYTHON ?= python3
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
RUN    := $(UV) run --frozen --no-sync
UV_VERSION := 0.13.9
export UV_PYTHON := $(PYTHON)
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_LINK_MODE := copy

# Local state: the embedded database, uploads, the dev JWT secret and the service's log.
# Exported so the service and these targets agree (it wins over a DATA_DIR in .env).
DATA_DIR ?= ./data
export DATA_DIR
LOG := $(DATA_DIR)/log/api.log

# mongosh: the one on PATH, else installed from npm into the tool folder on first use.
MONGOSH_VERSION := 2
MONGOSH ?= $(or $(shell command -v mongosh 2>/dev/null),$(TOOLS)/node_modules/.bin/mongosh)

.PHONY: help start start-prod bootstrap-run log code seed reset moderator mongosh test test-313 lint format schema check-schema bootstrap clean bench bench-inprocess bench-instructions

help:
	@echo "make start    serve the API on http://127.0.0.1:8000/graphql (embedded DB by default)"
	@echo "make start-prod  the same in production mode, on local S3 and SMTP stand-ins"
	@echo "make log      follow the service's log ($(LOG))"
	@echo "make code     a Python shell (top-level await) on the app's database and models"
	@echo "make seed     add demo data: users, gyms, sessions with croix, videos with likes"
	@echo "make reset    wipe $(DATA_DIR) after a confirmation (CONFIRM=yes without a terminal)"
	@echo "make moderator EMAIL=...  grant the MODERATOR role (REVOKE=1 takes it back)"
	@echo "make mongosh  open mongosh on the app's database (installs mongosh if missing)"
	@echo "make test     run the whole test suite (on python3, 3.11 or later)"
	@echo "make test-313 run it on Python 3.13, the production image's, in a Debian trixie chroot (root)"
	@echo "make lint     ruff + mypy"
	@echo "make format   ruff format + autofix"
	@echo "make schema   export the served SDL to schema.graphql (and schema.graphqls, for Apollo Kotlin)"
	@echo "make bench    the API against a hand-written endpoint, under load (a few minutes)"
	@echo "make bench-inprocess  the feed's CPU outside the database, API vs that endpoint (steadier)"
	@echo "make bench-instructions  instructions per feed request, API vs that endpoint (callgrind)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Compiled to bytecode once here: where PYTHONDONTWRITEBYTECODE is set, nothing would
# ever write it, and every `make start`, tool and test run would compile what it imports.
$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --compile-bytecode
	@touch $@

bootstrap: $(VENV)/.synced

# What running needs (`make start`, `make mongosh`): the runtime dependencies and the
# embedded database, without the dev group (tests, linters, moto...): a newcomer's first
# `make start` installs about half the packages. --inexact: it never removes what a full
# sync installed, and a full sync still current (make test / lint) stands for it.
$(VENV)/.synced-run: $(UV) uv.lock pyproject.toml
	@if [ $(VENV)/.synced -nt uv.lock ] && [ $(VENV)/.synced -nt pyproject.toml ]; then :; \
	else $(UV) sync --frozen --inexact --no-default-groups --group embedded --compile-bytecode; fi
	@touch $@

bootstrap-run: $(VENV)/.synced-run

# The output goes to the terminal and to $(LOG). `tee -i` ignores Ctrl-C, so it keeps
# writing the service's shutdown lines until the service closes its end.
start: bootstrap-run
	@mkdir -p $(dir $(LOG))
	@$(RUN) python -m tools.graphiql_assets
	set -o pipefail; PYTHONUNBUFFERED=1 $(RUN) python -m tools.serve 2>&1 | tee -i -a $(LOG)

# Production mode on local stand-ins (tools/serve_prod.py): the embedded database, a moto
# server for R2, an aiosmtpd server for mail (DATA_DIR/outbox-prod/). moto and aiosmtpd
# are dev tools: the full sync.
start-prod: bootstrap
	@mkdir -p $(dir $(LOG))
	set -o pipefail; PYTHONUNBUFFERED=1 $(RUN) python -m tools.serve_prod 2>&1 | tee -i -a $(LOG)

log:
	@test -f $(LOG) || echo "no log yet: \`make start\` writes $(LOG); waiting for it..."
	@tail -n 50 -F $(LOG)

code: bootstrap
	@$(RUN) python -m tools.shell

seed: bootstrap
	@$(RUN) python -m tools.seed

reset: bootstrap
	@$(RUN) python -m tools.reset

moderator: bootstrap
	@test -n "$(EMAIL)" || { echo "usage: make moderator EMAIL=climber@example.com [REVOKE=1]"; exit 2; }
	@$(RUN) python -m tools.moderator "$(EMAIL)" $(if $(REVOKE),--revoke)

# --quiet: no greeting, no telemetry notice, and no "startup warnings" (SecantusDB lists
# every connection it accepted there, a list that grows). Telemetry off (mongosh keeps
# the choice in ~/.mongodb/mongosh/config); `void`: without the line it would print.
mongosh: bootstrap-run $(MONGOSH)
	@url="$$($(RUN) python -m tools.mongosh_url)" && \
	exec "$(MONGOSH)" --quiet --eval "void disableTelemetry()" --shell "$$url"

$(TOOLS)/node_modules/.bin/mongosh:
	@command -v npm >/dev/null || { echo "make mongosh installs mongosh with npm: install Node.js, or put mongosh on PATH"; exit 1; }
	npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error "mongosh@$(MONGOSH_VERSION)"

test: bootstrap
	$(RUN) pytest $(PYTEST_ARGS)

# The suite on the production image's interpreter (Dockerfile: python:3.13-slim), which
# Debian 12 does not ship: inside a Debian trixie root, made once per machine by
# .ci/trixie (needs root: debootstrap and chroot). Its own venv, from the same uv.lock;
# the host's uv binary, so the root needs no PyPI access of its own beyond the wheels.
VENV_313 := .venv-313
test-313: $(UV)
	.ci/trixie run $(MAKE) --no-print-directory test PYTHON=python3.13 VENV=$(VENV_313) \
		UV=$(UV) PYTEST_ARGS="$(PYTEST_ARGS)"

lint: bootstrap
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy .
	$(RUN) lint-imports
	$(RUN) deptry api resolvers workflows models storage rules kit
	$(RUN) deptry tools tests bench --ignore DEP002,DEP004

format: bootstrap
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

# schema.graphqls: the same SDL under the extension Apollo Kotlin reads a schema from (it
# takes .graphql files for operations).
schema: bootstrap
	$(RUN) python -m tools.export_schema > schema.graphql
	cp schema.graphql schema.graphqls

# The servers `make bench` starts run on what the production image holds: the locked
# runtime dependencies only (no dev group, so no cryptography for PyJWT to import, no
# plugins to scan), compiled to bytecode, as the Dockerfile builds them.
BENCH_VENV := $(TOOLS)/bench-venv
$(BENCH_VENV)/.synced: $(UV) uv.lock pyproject.toml
	UV_PROJECT_ENVIRONMENT=$(BENCH_VENV) $(UV) sync --frozen --no-default-groups \
		--no-install-project --compile-bytecode --quiet
	@touch $@

# Seeds its own database (embedded, temporary; or a fresh one on MONGODB_URL), starts the
# API and the hand-written endpoint, loads both; writes bench/results/*.json.
bench: bootstrap $(BENCH_VENV)/.synced
	BENCH_SERVER_PYTHON=$(BENCH_VENV)/bin/python $(RUN) python -m bench $(BENCH_ARGS)
	$(RUN) python -m bench.instructions --json bench/results/instructions.json

# Instructions per feed request, API vs the honest limit, counted by valgrind's callgrind
# (the figure that does not move with the machine; needs valgrind and gcc).
bench-instructions: bootstrap
	$(RUN) python -m bench.instructions $(BENCH_ARGS)

bench-inprocess: bootstrap
	$(RUN) python -m bench.inprocess

clean:
	rm -rf $(TOOLS) $(VENV) $(VENV_313) .mypy_cache .ruff_cache .pytest_cache
