# KIM front door. Start here: `make run` (everything, locally) and `make test` (every test).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
comma := ,

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
UV := .tools/bin/uv
APP_PY := .venv/bin/python
BOT_PY := bot/.venv/bin/python

# Embedded defaults; any of these can be overridden from the environment or .env.
export PYTHONPATH := $(CURDIR)
export API_HOST ?= 127.0.0.1
export API_PORT ?= 8000
export RASA_PORT ?= 5005
export ACTIONS_PORT ?= 5055
export RASA_URL ?= http://127.0.0.1:$(RASA_PORT)
export ACTION_SERVER_URL ?= http://127.0.0.1:$(ACTIONS_PORT)
export API_INTERNAL_URL ?= http://127.0.0.1:$(API_PORT)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export UV_LINK_MODE := copy

ENV_FILES := var/local.env$(if $(wildcard .env),$(comma).env)

.PHONY: help install run test test-app test-bot test-postgres browser lint format migrate demo admin model \
        i18n-extract i18n-update i18n-compile bench bench-chat bench-api bench-nlu bench-booking bench-intake clean

help:
	@echo "make run    install, migrate, load the demo county, train if stale, start everything"
	@echo "make test   install and run every test (SQLite; PostgreSQL too when KIM_TEST_POSTGRES_URL is set)"
	@echo "make admin EMAIL=you@county.example   the first admin account (asks for a password)"
	@echo "other: install migrate demo model browser lint format i18n-extract i18n-update i18n-compile bench bench-chat bench-api bench-nlu clean"

# --- installation -----------------------------------------------------------------------------
$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

.venv/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

bot/.venv/.installed: $(UV) bot/requirements-dev.lock scripts/find_python310.sh
	@py310=$$(UV=$(UV) scripts/find_python310.sh) && \
	  { [ -x $(BOT_PY) ] || $(UV) venv --quiet --python "$$py310" bot/.venv; }
	$(UV) pip sync --python $(BOT_PY) bot/requirements-dev.lock
	touch $@

CATALOGS := $(wildcard i18n/locales/*/LC_MESSAGES/messages.po)
i18n/.compiled: .venv/.installed $(CATALOGS)
	.venv/bin/pybabel compile -d i18n/locales -D messages >/dev/null
	touch $@

var/local.env: .venv/.installed scripts/local_env.py
	$(APP_PY) scripts/local_env.py

install: .venv/.installed bot/.venv/.installed i18n/.compiled var/local.env

# --- the running system -----------------------------------------------------------------------
migrate: install
	.venv/bin/alembic upgrade head

# The demo county is loaded once; after that the database is what staff edit.
demo: migrate
	$(APP_PY) -m api.cli load-county --if-missing
	$(APP_PY) -m api.cli demo-staff

# The first admin account: make admin EMAIL=you@county.example (asks for the password).
admin: migrate
	$(APP_PY) -m api.cli create-admin $${EMAIL:?set EMAIL=...}

model: install
	$(APP_PY) scripts/train_model.py

run: demo model
	@echo "Starting api, rasa, actions, worker and beat. Rasa needs about a minute to load;"
	@echo "the api prints the URL when everything is ready (http://$(API_HOST):$(API_PORT)). Ctrl-C stops all."
	@echo "Staff pages: http://$(API_HOST):$(API_PORT)/staff/login (demo logins in var/demo-staff.txt)."
	.venv/bin/honcho start -f Procfile -e $(ENV_FILES)

# --- tests ------------------------------------------------------------------------------------
test: install lint model test-bot test-app
	@if [ -n "$${KIM_TEST_POSTGRES_URL:-}" ]; then $(MAKE) --no-print-directory test-postgres; fi

test-bot: install
	env -u PYTHONPATH $(BOT_PY) -m pytest -p no:cacheprovider tests/actions
	env -u PYTHONPATH $(BOT_PY) -m pytest -p no:cacheprovider tests/bot_components

test-app: install model browser
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL .venv/bin/pytest

# The same suite on PostgreSQL and Redis (CI: .ci/run sets KIM_TEST_POSTGRES_URL, KIM_TEST_REDIS_URL).
test-postgres: install model browser
	TEST_DATABASE_URL=$${KIM_TEST_POSTGRES_URL:?set KIM_TEST_POSTGRES_URL} \
	TEST_REDIS_URL=$${KIM_TEST_REDIS_URL:-} .venv/bin/pytest

# Debian's Chromium for the browser tests: Playwright drives it (test tools cannot download
# browsers here). poppler-utils (pdftotext, pdftoppm) reads and renders the QR posters in
# tests/staff/test_qr.py. Installed once with apt-get, which needs root, as on CI.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium >/dev/null; }; }
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  echo "installing Debian's poppler-utils for the poster tests"; \
	  apt-get install -y -q --no-install-recommends poppler-utils >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends poppler-utils >/dev/null; }; }

lint: .venv/.installed
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: install
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

# --- translations -----------------------------------------------------------------------------
i18n-extract: install
	.venv/bin/pybabel extract -F i18n/babel.cfg -o i18n/messages.pot --no-location --sort-output \
	  --project "KIM front door" --copyright-holder "KIM front door" -c "TRANSLATORS:" .

i18n-update: i18n-extract
	.venv/bin/pybabel update -i i18n/messages.pot -d i18n/locales -D messages --width 100 --ignore-obsolete

i18n-compile: i18n/.compiled

# --- measurement ------------------------------------------------------------------------------
bench: bench-chat bench-api

# Chat latency through the front door beside Rasa alone; embedded and PostgreSQL + Redis.
bench-chat: install model
	$(APP_PY) -m bench.chat

clean:
	rm -rf .venv .tools bot/.venv bot/models var i18n/.compiled

bench-nlu: install
	$(APP_PY) -m bench.nlu

# The api alone on PostgreSQL (no Rasa): CPU time per request of its busiest routes.
bench-api: install
	$(APP_PY) -m bench.api

# Slot search and concurrent booking on PostgreSQL (KIM_BENCH_POSTGRES_URL, default local).
bench-booking: install
	$(APP_PY) -m bench.booking

# Outbox delivery to a loopback webhook receiver (SQLite; --postgres for the local server).
bench-intake: install
	$(APP_PY) -m bench.intake
