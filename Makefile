# Two commands: `make run` serves the portal, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test test-dates venv venv-dev migrate messages lint format backup restore audit clean
# Management commands outside `make run`: DEBUG=1 only on a machine without .env.
MANAGE := $(if $(or $(DEBUG),$(wildcard .env)),,DEBUG=1 )$(PY) manage.py

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

## make run: install, migrate, load the demo street if empty, serve on :8000.
run: venv
	@scripts/run.sh

## make test: install test tools, pick the database, run ruff, mypy and pytest.
test: venv-dev
	@scripts/test.sh

## make test-dates: the date-sensitive tests again at two other stated dates (CI).
test-dates: venv-dev
	@scripts/test-dates.sh

messages: venv
	cd $(CURDIR) && DEBUG=1 $(PY) manage.py makemessages -l en -l zh_Hans --no-obsolete --ignore=.venv --ignore=var
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make backup: database (pg_dump custom format) and MEDIA_ROOT into var/backups/.
backup: venv
	$(MANAGE) backup

## make restore FILE=var/backups/portal-….tar: put a backup back (asks first).
restore: venv
	@test -n "$(FILE)" || { echo "用法：make restore FILE=var/backups/portal-….tar"; exit 2; }
	$(MANAGE) restore "$(FILE)"

## make audit: known vulnerabilities in the pinned requirements (pip-audit).
audit: venv-dev
	$(PY) scripts/audit_deps.py requirements.txt

clean:
	rm -rf var/static var/test-media
