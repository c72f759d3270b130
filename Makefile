# flask-dredd: every target installs what it needs (.venv, node_modules) on first use.
# `make help` lists the targets.

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
APP ?= eventapi
WORKERS ?= 2
# make test's pytest workers: most tests wait on Dredd, gunicorn and the handler, so two
# workers keep 2 cores busy; a file's tests stay on one worker (--dist loadfile), handed
# out in collection order (--no-loadscope-reorder: xdist would otherwise hand out the
# files with the most tests first, and the longest files, few tests each, came last).
TEST_JOBS ?= 2
# Time limits of `make dredd`, in seconds; empty: flask dredd run's defaults (see make help).
STALL_TIMEOUT ?=
HOOK_TIMEOUT ?=
SERVER_TIMEOUT ?=
DREDD_TIMEOUT ?=
# Sharding: SHARD=K/N runs shard K of N (a CI matrix job); PARALLEL=N runs N shards at once
# here; TIMINGS=file balances them (default: reports/transactions.jsonl of an earlier run).
SHARD ?=
PARALLEL ?=
TIMINGS ?=
DREDD_SHARDING = $(strip $(if $(SHARD),--shard $(SHARD)) $(if $(PARALLEL),--parallel $(PARALLEL)) \
  $(if $(TIMINGS),--timings $(TIMINGS)))
DREDD_LIMITS = $(strip $(if $(STALL_TIMEOUT),--stall-timeout $(STALL_TIMEOUT)) \
  $(if $(HOOK_TIMEOUT),--hook-timeout $(HOOK_TIMEOUT)) \
  $(if $(SERVER_TIMEOUT),--server-timeout $(SERVER_TIMEOUT)) \
  $(if $(DREDD_TIMEOUT),--dredd-timeout $(DREDD_TIMEOUT)))
export EVENTAPI_CONFIG ?= contract
# The user-facing make variables, mapped onto flask-dredd's settings (FLASK_DREDD_…).
SETTINGS_ENV = $(strip FLASK_DREDD_WORKERS=$(WORKERS) \
  $(if $(BLUEPRINT),FLASK_DREDD_BLUEPRINT=$(BLUEPRINT)) \
  $(if $(ORDER),FLASK_DREDD_ORDER=$(ORDER)) \
  $(if $(DREDD_CONFIG),FLASK_DREDD_DREDD_CONFIG=$(DREDD_CONFIG)))

.DEFAULT_GOAL := help
.PHONY: help dredd test lint bench clean names check scaffold record drift browser merge

help: ## list the targets
	@echo "flask-dredd — contract testing for Flask APIs with Dredd"
	@echo
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'
	@echo
	@echo "Settings: DATABASE_URL=postgresql://…/eventapi_contract (default: SQLite under var/),"
	@echo "          WORKERS=$(WORKERS), BLUEPRINT=path/to/draft.apib, ORDER=reverse|shuffle[:SEED], PYTHON=$(PYTHON)"
	@echo "          SHARD=K/N (shard K of N), PARALLEL=N (N shards at once), TIMINGS=file (balances them)"
	@echo "          TEST_JOBS=$(TEST_JOBS) (make test's pytest workers; 1: one process)"
	@echo "Time limits of make dredd, in seconds (exit 3 when one ends the run):"
	@echo "          STALL_TIMEOUT=$(or $(STALL_TIMEOUT),60)   no transaction progress (or one hook running) this long aborts the run"
	@echo "          HOOK_TIMEOUT=$(or $(HOOK_TIMEOUT),4.75)  a hook running this long fails its transaction; the run goes on (default: just under dredd.yml's hooks-worker-timeout)"
	@echo "          SERVER_TIMEOUT=$(or $(SERVER_TIMEOUT),30)  gunicorn must answer within this (exit 2 if not)"
	@echo "          DREDD_TIMEOUT=$(or $(DREDD_TIMEOUT),1800) the whole Dredd phase"

dredd: $(VENV)/.installed node_modules/.installed ## run the contract (apiary.apib) against the API
	$(SETTINGS_ENV) $(VENV)/bin/flask --app $(APP) dredd run $(DREDD_LIMITS) $(DREDD_SHARDING)

merge: $(VENV)/.installed ## merge shards' reports: make merge SHARDS="shards/*" (into reports/)
	@test -n "$(SHARDS)" || { echo 'usage: make merge SHARDS="shards/*" (one reports folder per shard)' >&2; exit 2; }
	$(VENV)/bin/flask dredd merge $(SHARDS)

test: lint $(VENV)/.installed node_modules/.installed browser ## lint, then the test suite (API, engine, end-to-end)
	$(VENV)/bin/pytest $(if $(filter-out 0 1,$(TEST_JOBS)),-n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder)

lint: $(VENV)/.installed ## ruff over the code, mypy over the engine (flask_dredd/, 0 errors)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(VENV)/.installed node_modules/.installed ## speed, measured side by side in one run (QUICK=1: short)
	$(VENV_PY) bench/run.py $(if $(QUICK),--quick)

names: $(VENV)/.installed node_modules/.installed ## every transaction: its fixture hooks, declaration or skip
	$(SETTINGS_ENV) $(VENV)/bin/flask --app $(APP) dredd names

check: $(VENV)/.installed node_modules/.installed ## blueprint, hook files and routes agree (the CI gate)
	$(SETTINGS_ENV) $(VENV)/bin/flask --app $(APP) dredd check

scaffold: $(VENV)/.installed node_modules/.installed ## hook stub for a new example: make scaffold NAME="Group > Resource > Action"
	@test -n "$(NAME)" || { echo 'usage: make scaffold NAME="Group > Resource > Action" (see make names)' >&2; exit 2; }
	$(SETTINGS_ENV) $(VENV)/bin/flask --app $(APP) dredd scaffold "$(NAME)"

record: $(VENV)/.installed node_modules/.installed ## write real answers into examples: make record NAME="Group > Resource > Action" (or ALL=1)
	@test -n "$(NAME)$(ALL)" || { echo 'usage: make record NAME="Group > Resource > Action" or make record ALL=1 (see make names)' >&2; exit 2; }
	$(SETTINGS_ENV) $(VENV)/bin/flask --app $(APP) dredd record $(if $(ALL),--all,"$(NAME)")

drift: $(VENV)/.installed node_modules/.installed ## the contract against deliberately drifted apps: caught N of M
	$(VENV)/bin/flask --app $(APP) dredd drift --catalogue drift.catalogue

# The HTML report test opens the report in headless Chromium.
browser:
	@command -v chromium >/dev/null 2>&1 || [ -n "$$CHROMIUM" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the HTML report test (apt-get install chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The HTML report test needs Chromium: run 'sudo apt-get install -y chromium' (or set CHROMIUM=/path/to/chrome), then make test again." >&2; \
	    exit 1; \
	  fi; }

clean: ## remove what the targets installed and produced
	rm -rf $(VENV) node_modules var reports .pytest_cache .ruff_cache

# The hooks handler is a distribution of its own, in this repository: installed from
# here first, it satisfies flask-dredd's dependency on it (no index holds it yet).
$(VENV)/.installed: pyproject.toml packages/dredd-hooks-handler/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "flask-dredd needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)." \
	       "Install Python 3.11+ or run make with PYTHON=/path/to/python3.11." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --upgrade pip
	$(VENV_PY) -m pip install --quiet -e packages/dredd-hooks-handler -e '.[all,reference,dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  echo "Dredd needs Node.js 18+ and npm: install them (e.g. apt-get install nodejs npm), then run make again." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@
