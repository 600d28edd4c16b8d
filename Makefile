# csti — `make run` serves the site, `make test` runs the whole suite. Both set up everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 3
DB ?= sqlite
SCALE ?= national
export FLASK_APP := wsgi
# The .env file (if any) is read by wsgi.py for every entry point (flask and gunicorn alike):
# Flask's own search for one (from the current directory upwards) is turned off.
export FLASK_SKIP_DOTENV := 1

.PHONY: run test serve setup deps translations catalogs test-assets lint clean bench

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

setup: deps translations
	$(BIN)/flask db upgrade
	$(if $(SEED_DEMO),$(BIN)/flask csti seed-demo --if-empty)
	$(BIN)/flask csti analyze
	@# An index older than the code (or none) is rebuilt; an exact one is left alone.
	@$(BIN)/flask csti search-check > /dev/null 2>&1 || $(BIN)/flask csti reindex

# Development: `make run` loads the demo data into an empty database (its accounts' password is
# public). Never with CSTI_ENV=production, and `make serve` never does: create the administrator
# with `flask csti create-admin --email ADDRESS`.
run: SEED_DEMO = $(if $(filter production,$(CSTI_ENV)),,yes)
run: setup
	@echo "csti is served on http://$(HOST):$(PORT)/"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

serve: setup
	@echo "csti (gunicorn, $(WORKERS) workers) on http://$(HOST):$(PORT)/"
	$(BIN)/gunicorn -c gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# The benchmark: dataset (made once, reused), gunicorn with 2 workers, wrk; see bench/README.md.
bench: deps translations
	@command -v wrk > /dev/null || { echo "== installing wrk (Debian)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null; }
	$(BIN)/python bench/run.py --db $(DB) --scale $(SCALE) $(BENCH_ARGS)

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
