# Two commands: `make run` (demo on http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in mails, certificates and QR codes point at the port served, unless SITE_URL is set.
DEMO_ENV = DEBUG=$${DEBUG:-1} PORT=$(PORT) SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}

.PHONY: run test install install-dev migrate seed lint messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		rm -rf $(VENV); \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's python3-venv…"; \
			apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); \
		else \
			echo "Python's venv module is missing: install python3-venv (sudo apt-get install python3-venv)"; exit 1; \
		fi; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo

run: seed
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# pytest-xdist, one worker per core (at most 4: each takes a Redis database,
# tests/conftest.py); the browser, PostgreSQL and Celery-worker tests run one
# after another on a single worker. PYTEST_XDIST="-n 0" runs it all serially.
PYTEST_XDIST ?= -n auto --maxprocesses=4 --dist loadgroup

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

# Rebuild the catalogue after changing user-facing strings, then translate
# the new entries in locale/vi/LC_MESSAGES/django.po and compile.
messages: install-dev
	DEBUG=1 $(BIN)/python manage.py makemessages -l vi -l en --no-obsolete -i '.venv/*' -i 'staticfiles/*' -i 'locale/*'
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore ".venv/*"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# What CI runs: ruff, Django's checks, then the suite on PostgreSQL + Redis
# with a real Celery worker and headless Chromium (installs/starts them).
.PHONY: ci
ci:
	CI=$${CI:-true} bash .ci/run
