# permitwatch — the two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCALES := domain/i18n/locale
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export TEST_POSTGRES_URL

.PHONY: install run test test-sqlite test-postgres test-browser lint format catalogs extract-messages \
        system-deps browser-deps pgbouncer-deps bench clean

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Compiled catalogs (.mo) are build products: made from the committed .po files on every install.
catalogs: $(STAMP)
	$(BIN)/pybabel -q compile --use-fuzzy -d $(LOCALES) -D messages

install: system-deps $(STAMP) catalogs

# WeasyPrint (the PDF copy of record of a report submission) lays text out with pango and harfbuzz, and
# embeds the Noto Sans CJK faces its print stylesheet names (web_templates/static/reports-print.css):
# Debian packages, installed once when missing (checked with ldconfig and fc-list, so a machine that has
# them runs no apt at all).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig fonts-noto-cjk
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" \
	  || ! ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so.0" \
	  || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK SC"; then \
	  echo "installing $(SYSTEM_PACKAGES) for the PDF copies of record"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

run: install
	$(BIN)/permitwatch migrate
	$(BIN)/permitwatch demo --if-empty
	@echo ""
	@echo "Serving on http://127.0.0.1:8000  (Ctrl-C stops)"
	$(BIN)/permitwatch serve --host 127.0.0.1 --port 8000

# Debian's chromium drives the browser tests (Playwright's own download cannot work here);
# the CJK font makes their screenshots readable.
BROWSER_PACKAGES := chromium fonts-noto-cjk
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  echo "installing $(BROWSER_PACKAGES) for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	fi

# pgbouncer for tests/benchmarks/bench_pgbouncer.py (connection pooling measured; docs/operations.md,
# "Connection pooling"): installed once when missing, never part of `make test`.
pgbouncer-deps:
	@if [ ! -x /usr/sbin/pgbouncer ]; then \
	  echo "installing pgbouncer for the connection pooling benchmark"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq pgbouncer >/dev/null; \
	fi

# Both databases at once, in two processes (tools/test_both.sh says why); each half alone below.
test: install browser-deps
	BIN=$(BIN) tools/test_both.sh

test-sqlite: install
	TEST_DATABASE=sqlite $(BIN)/pytest -q -p no:cacheprovider

test-postgres: install
	TEST_DATABASE=postgresql $(BIN)/pytest -q -p no:cacheprovider

# ruff, the format, types (mypy with the strawberry plugin), the layers (lint-imports, contracts in
# pyproject.toml) and no import cycles inside a package (tools/import_cycles.py).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check domain web portal graphql_schema demo server tests tools
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python tools/import_cycles.py
	$(BIN)/python tools/module_size.py

format: install
	$(BIN)/ruff format domain web portal graphql_schema demo server tests tools
	$(BIN)/ruff check --fix .

# After adding or changing user-facing text: extract, then translate the new zh_Hans entries.
extract-messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --width 100 \
	  --project permitwatch -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching --width 100 -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages

bench: install
	$(BIN)/python -m pytest -q -s tests/benchmarks -p no:cacheprovider -o addopts="" -o python_files="bench_*.py"

clean:
	rm -rf $(VENV) instance .pytest_cache
