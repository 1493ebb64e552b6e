# The only commands a newcomer needs: make run, make test, make bench, make lint.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PORT ?= 5000
SEEDS ?= ../shared/seeds
export FLASK_APP := app

.PHONY: run test test-only test-cluster bench lint format sysdeps sysdeps-test fonts db demo clean

$(VENV)/.run-installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-test.txt $(VENV)/.run-installed
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

sysdeps:
	@scripts/sysdeps.sh run

sysdeps-test:
	@scripts/sysdeps.sh test

fonts: $(VENV)/.run-installed
	@if [ -f portal/pdf/fonts.py ]; then $(PY) -m portal.pdf.fonts instance/fonts; fi

db: $(VENV)/.run-installed
	$(FLASK) db upgrade

demo: db
	PORTAL_DEMO=1 PORTAL_SEEDS=$(SEEDS) $(FLASK) demo load

run: sysdeps $(VENV)/.run-installed fonts demo
	@$(FLASK) demo logins
	@echo "规程门户 on http://127.0.0.1:$(PORT)  (Ctrl-C stops)"
# Web requests send no e-mail: a tick every minute beside gunicorn sends the outbox and the
# reminders (docs/operations.md, "Several nodes: e-mail and jobs"); it stops with gunicorn.
	@(while sleep 60; do $(FLASK) workflow tick >/dev/null || true; done) & ticker=$$!; \
	trap 'kill $$ticker 2>/dev/null' EXIT; \
	$(VENV)/bin/gunicorn --workers 2 --threads 4 --bind 127.0.0.1:$(PORT) --access-logfile - app:app

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.test-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: sysdeps-test $(VENV)/.test-installed fonts lint test-only

test-only: $(VENV)/.test-installed
	$(PY) -m pytest -W error -q $(PYTEST_ARGS)

# Two gunicorn nodes behind HAProxy on a throwaway PostgreSQL, one killed under load
# (tests/cluster/; about 2 minutes). Not part of `make test`; CI runs it after the PostgreSQL suite.
test-cluster: sysdeps-test $(VENV)/.test-installed fonts
	scripts/with-postgres.sh $(PY) -m pytest -W error -q -s -m cluster tests/cluster

bench: sysdeps-test $(VENV)/.test-installed fonts
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) instance/portal.db* instance/uploads
