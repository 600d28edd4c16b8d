# csti — `make run` serves the site, `make test` runs the whole suite. Both set up everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
DB ?= sqlite
SCALE ?= national
CACHE ?= off  # make bench: the page cache off (what members and first visits cost); on: anonymous repeats
export FLASK_APP := wsgi
# The .env file (if any) is read by wsgi.py for every entry point (flask and gunicorn alike):
# Flask's own search for one (from the current directory upwards) is turned off.
export FLASK_SKIP_DOTENV := 1

.PHONY: run test serve setup upgrade upgrade-data deps translations catalogs test-assets lint clean bench bench-indico

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3

$(VENV)/.deps: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps

# Compiled catalogues (.mo) are build products: made from the committed .po files.
translations: deps
	$(BIN)/pybabel compile -d csti/translations > /dev/null

# Re-extract the strings and update both catalogues (then translate the new entries).
catalogs: deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o csti/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i csti/translations/messages.pot -d csti/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python tools/finish_catalogs.py

# The data steps of every start (`make run`, `make serve`) and of `make upgrade`: migrations, the
# demo data when asked, the planner's statistics, and the search index rebuilt only when
# `flask csti search-check` finds it missing or out of date (an exact one is left alone).
define DATA_STEPS
	@echo "== database: flask db upgrade"
	@$(BIN)/flask db upgrade
	$(if $(SEED_DEMO),$(BIN)/flask csti seed-demo --if-empty)
	@echo "== planner statistics: flask csti analyze"
	@$(BIN)/flask csti analyze
	@if $(BIN)/flask csti search-check > /dev/null 2>&1; then \
	  echo "== search index: up to date, left alone"; \
	else \
	  echo "== search index: missing or out of date, rebuilding (flask csti reindex)"; \
	  $(BIN)/flask csti reindex; \
	fi
endef

setup: deps translations
	$(DATA_STEPS)

# After pulling a new version (app stopped or not): pinned dependencies, compiled catalogues,
# migrations, statistics, search index if needed; then restart the app (see docs/deploy.md).
upgrade: deps translations upgrade-data
	@echo "== upgrade done: dependencies, catalogues, database at head, statistics, search index checked; restart the app"

# The data steps alone (what the tests run on a scratch database).
upgrade-data:
	$(DATA_STEPS)

# Development: `make run` loads the demo data into an empty database (its accounts' password is
# public). Never with CSTI_ENV=production, and `make serve` never does: create the administrator
# with `flask csti create-admin --email ADDRESS`.
run: SEED_DEMO = $(if $(filter production,$(CSTI_ENV)),,yes)
run: setup
	@echo "csti is served on http://$(HOST):$(PORT)/"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

serve: setup
	@# HOST, PORT and WORKERS given to make (or in its environment) win; otherwise gunicorn.conf.py
	@# reads them from the settings file (.env), with the same defaults (127.0.0.1, 5000, 2 workers).
	$(BIN)/gunicorn -c gunicorn.conf.py $(if $(filter command line environment,$(origin WORKERS)),--workers $(WORKERS)) \
	  $(if $(filter command line environment,$(origin HOST) $(origin PORT)),--bind $(HOST):$(PORT)) wsgi:app

# The benchmark: dataset (made once, reused), gunicorn with 2 workers, wrk; see bench/README.md.
bench: deps translations
	@command -v wrk > /dev/null || { echo "== installing wrk (Debian)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null; }
	$(BIN)/python bench/run.py --db $(DB) --scale $(SCALE) $(if $(filter off,$(strip $(CACHE))),--no-cache) $(BENCH_ARGS)

# Side by side with Indico 3.2.9 (installed in bench/data/indico/ on the first run; issue #20's
# "event and article pages ≥ 10× Indico's event page"); see bench/README.md.
bench-indico: deps translations
	@command -v wrk > /dev/null || { echo "== installing wrk (Debian)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null; }
	$(BIN)/python bench/compare_indico.py --db $(DB) --scale $(SCALE) $(BENCH_ARGS)

# Browser assets for the tests (answered in place of the CDN) and the accessibility checkers.
node_modules/.installed: package.json
	npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error
	touch $@

test-assets: node_modules/.installed

test: deps translations test-assets
	$(BIN)/pytest $(PYTEST_ARGS)

lint: deps
	$(BIN)/ruff check csti tests tools config.py wsgi.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache
