# flask-dredd: every target installs what it needs (.venv, node_modules) on first use.
# `make help` lists the targets.

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
APP ?= eventapi
WORKERS ?= 2
export EVENTAPI_CONFIG ?= contract

.DEFAULT_GOAL := help
.PHONY: help dredd test lint bench clean

help: ## list the targets
	@echo "flask-dredd — contract testing for Flask APIs with Dredd"
	@echo
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'
	@echo
	@echo "Settings: DATABASE_URL=postgresql://…/eventapi_contract (default: SQLite under var/),"
	@echo "          WORKERS=$(WORKERS), BLUEPRINT=path/to/draft.apib, PYTHON=$(PYTHON)"

dredd: $(VENV)/.installed node_modules/.installed ## run the contract (apiary.apib) against the API
	WORKERS=$(WORKERS) $(VENV)/bin/flask --app $(APP) dredd run

test: $(VENV)/.installed node_modules/.installed ## run the test suite (API, engine, end-to-end)
	$(VENV)/bin/pytest

lint: $(VENV)/.installed ## ruff over the code
	$(VENV)/bin/ruff check .

bench: $(VENV)/.installed node_modules/.installed ## speed, measured side by side in one run
	$(VENV_PY) bench/run.py

clean: ## remove what the targets installed and produced
	rm -rf $(VENV) .venv-bench node_modules var reports .pytest_cache .ruff_cache

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "flask-dredd needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)." \
	       "Install Python 3.11+ or run make with PYTHON=/path/to/python3.11." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --upgrade pip
	$(VENV_PY) -m pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  echo "Dredd needs Node.js 18+ and npm: install them (e.g. apt-get install nodejs npm), then run make again." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@
