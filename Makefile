# The front door. Every target bootstraps what it needs on a machine that has only
# Python (3.11+) and make: a tool venv with uv, then the project's venv from uv.lock.

PYTHON ?= python3
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
RUN    := $(UV) run --frozen --no-sync
UV_VERSION := 0.13.9
export UV_PYTHON := $(PYTHON)
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_LINK_MODE := copy

.PHONY: help start test lint format schema check-schema bootstrap clean

help:
	@echo "make start   serve the API on http://127.0.0.1:8000/graphql (embedded DB by default)"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff + mypy"
	@echo "make format  ruff format + autofix"
	@echo "make schema  export the served SDL to schema.graphql"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen
	@touch $@

bootstrap: $(VENV)/.synced

start: bootstrap
	$(RUN) python -m api

test: bootstrap
	$(RUN) pytest $(PYTEST_ARGS)

lint: bootstrap
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy .

format: bootstrap
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

schema: bootstrap
	$(RUN) python -m api.export_schema > schema.graphql

clean:
	rm -rf $(TOOLS) $(VENV) .mypy_cache .ruff_cache .pytest_cache
