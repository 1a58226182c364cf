# Set-up and test entry points. Every target installs what it needs and is safe
# to run again. The two commands a person needs: `make run` and `make test`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV      := .venv
PY        := $(VENV)/bin/python
PIP       := $(VENV)/bin/pip
REQ_STAMP := $(VENV)/.requirements.stamp
DEV_STAMP := $(VENV)/.requirements-dev.stamp
NPM_STAMP := node_modules/.package-lock.json
VENDOR_STAMP := app/static/vendor/.stamp
CHROMIUM  := /usr/bin/chromium
PYTEST_ARGS ?=

export DEBIAN_FRONTEND := noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export npm_config_fund := false
export npm_config_audit := false
export npm_config_update_notifier := false

.PHONY: help venv dev assets pango setup run serve chromium lint-imports test test-fast

help:
	@echo "make run    set up (Python venv, browser assets, database, demo data) and serve http://127.0.0.1:5000"
	@echo "make test   run the whole test suite (SQLite; set TEST_DATABASE_URL for another database)"
	@echo "make test-fast  the inner loop: every test but the browser and fault tests"
	@echo "make serve  what make run does, served by gunicorn (gunicorn.conf.py) with the scheduler in a process of its own"

# ---------------------------------------------------------------- Python
# python3.11 if present, else python3 when it is 3.11. On a fresh Debian,
# `python3 -m venv` needs the python3-venv package: install it (root) and retry.
$(PY):
	@py=""; \
	if command -v python3.11 >/dev/null 2>&1; then py=python3.11; \
	elif command -v python3 >/dev/null 2>&1 && python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then py=python3; \
	else echo "error: Python 3.11 is needed (python3.11 or a python3 that is 3.11); on Debian: apt-get install -y python3 python3-venv" >&2; exit 1; fi; \
	echo "creating $(VENV) with $$py ($$($$py --version 2>&1))"; \
	if ! $$py -m venv $(VENV); then \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "venv creation failed: installing python3-venv with apt-get"; \
	    apt-get update -qq && apt-get install -y -qq python3-venv; \
	    $$py -m venv $(VENV) || { rm -rf $(VENV); exit 1; }; \
	  else \
	    echo "error: '$$py -m venv' failed; install the python3-venv package (as root: apt-get install -y python3-venv)" >&2; exit 1; \
	  fi; \
	fi

# Reinstall only when requirements.txt is newer than the stamp. The tests also need
# requirements-dev.txt (which includes requirements.txt).
$(REQ_STAMP): requirements.txt | $(PY)
	$(PIP) install -q -r requirements.txt
	@touch $@

venv: $(REQ_STAMP)

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -q -r requirements-dev.txt
	@touch $@

dev: $(DEV_STAMP)

# ---------------------------------------------------------------- browser assets
# npm ci only when the lockfile changed or node_modules is missing.
# --ignore-scripts: no package here needs an install script (and some only phone home).
$(NPM_STAMP): package-lock.json package.json
	@command -v npm >/dev/null 2>&1 || { echo "error: npm (Node.js 20) is needed; on Debian: apt-get install -y nodejs npm" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(VENDOR_STAMP): $(NPM_STAMP) scripts/copy-assets.mjs scripts/build-studio.mjs $(wildcard app/static/studio/*.js) \
		$(wildcard modeling/bpmnlint-plugin-city/*.js modeling/bpmnlint-plugin-city/rules/*.js)
	node scripts/copy-assets.mjs
	node scripts/build-studio.mjs
	@touch $@

assets: $(VENDOR_STAMP)

# ---------------------------------------------------------------- PDF
# WeasyPrint (dossier PDFs) loads Pango through cffi; a minimal Debian lacks it.
pango:
	@if ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's Pango for WeasyPrint"; \
	  apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0; \
	else \
	  echo "error: Pango is missing. Install it as root: apt-get update && apt-get install -y libpango-1.0-0 libpangoft2-1.0-0" >&2; \
	  exit 1; \
	fi

# ---------------------------------------------------------------- run
setup: venv assets pango
	$(VENV)/bin/flask setup

# run.py is a development server: the development secrets are fine there (APP_ENV).
run: setup
	APP_ENV="$${APP_ENV:-development}" $(PY) run.py

# make run's production twin: the same set-up, then gunicorn (gunicorn.conf.py: workers,
# threads, bind and keep-alive from GUNICORN_* / PORT) and the scheduler as a process of its
# own (`flask scheduler run`), stopped with the server. APP_ENV as for make run: set
# APP_ENV=production and the secrets for a real deployment (docs/ARCHITECTURE.md, "Serving").
serve: setup
	@export APP_ENV="$${APP_ENV:-development}"; \
	$(VENV)/bin/flask scheduler run & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null || true' EXIT; \
	$(VENV)/bin/gunicorn -c gunicorn.conf.py

# ---------------------------------------------------------------- tests
# Browser tests drive Debian's Chromium (/usr/bin/chromium) through Python
# Playwright; Playwright's own browser download does not work here.
chromium:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's chromium"; \
	  apt-get update -qq && apt-get install -y -qq chromium; \
	else \
	  echo "error: $(CHROMIUM) is missing. Install Debian's chromium package as root: apt-get update && apt-get install -y chromium" >&2; \
	  exit 1; \
	fi

# pytest.ini runs two xdist workers (-n 2), each on a database of its own. Exit code 5 (no
# test collected or selected) is a failure here, said plainly.
PYTEST = $(VENV)/bin/pytest -q

define run_pytest
	$(PYTEST) $(1) $(PYTEST_ARGS) || { rc=$$?; \
	  if [ $$rc = 5 ]; then echo "error: pytest ran no test (exit code 5: none collected or selected)" >&2; fi; \
	  exit $$rc; }
endef

# The walls between the packages (.importlinter, docs/ARCHITECTURE.md), checked before the tests.
lint-imports: dev
	$(VENV)/bin/lint-imports --no-cache

test: dev assets chromium pango lint-imports
	$(call run_pytest,)

# The inner loop: no browser (Chromium) and no fault tests (servers killed, subprocesses).
test-fast: dev assets pango lint-imports
	$(call run_pytest,-m "not browser and not faults")
