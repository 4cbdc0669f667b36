# lanthanide — the two set-up commands are `make run` and `make test`;
# `make test-fast` is the developer loop (under a minute).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-fast install install-dev warm lint typecheck pytest pytest-fast bench clean pg chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(MAKE) --no-print-directory warm
	touch $@
	@echo "lanthanide installed in $(VENV): run 'source $(VENV)/bin/activate' to put the CLI on PATH (or use $(BIN)/lanthanide)"

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	$(MAKE) --no-print-directory warm
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

## warm: fill the cache (compiled rulebook, classifier index) so that the first
## check/classify starts as fast as later ones; never fails the install
warm:
	@$(BIN)/lanthanide cache warm || echo "warm: the cache was not filled; the first command will fill it"

install-dev: $(VENV)/.installed-dev

## run: install into .venv and serve the API on embedded defaults (bundled rulebook)
run: install
	$(BIN)/lanthanide rules validate
	$(BIN)/lanthanide serve --host $(HOST) --port $(PORT)

## test: install dev deps, lint, type-check the package, run the tests
test: install-dev lint typecheck pg chromium pytest

lint:
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

## typecheck: mypy --strict over the whole package (settings in pyproject.toml)
typecheck:
	$(BIN)/mypy --strict src/lanthanide

pytest:
	$(BIN)/python -m pytest -q

## test-fast: lint, then every test except those marked spark, postgres, server or slow
## (markers applied in tests/conftest.py); under a minute on 2 cores
test-fast: install-dev lint pytest-fast

FAST := not spark and not postgres and not server and not slow

pytest-fast:
	$(BIN)/python -m pytest -q -m "$(FAST)"

bench: install-dev pg
	$(BIN)/python benchmarks/check.py
	$(BIN)/python benchmarks/registry.py
	$(BIN)/python benchmarks/screen.py
	$(BIN)/python benchmarks/classify.py
	$(BIN)/python benchmarks/supply.py

## pg: start the packaged PostgreSQL 15 cluster and a superuser role for this OS user
## (idempotent; on a machine without PostgreSQL the registry's PostgreSQL tests skip)
pg:
	@bash scripts/pg-start.sh || echo "pg: PostgreSQL not started; its tests will skip"

## chromium: the system Chromium the browser tests drive (tests/web); installed with
## apt-get when /usr/bin/chromium is missing (root only; otherwise those tests skip)
chromium:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
	  && apt-get update -qq && apt-get install -y --no-install-recommends chromium chromium-driver fonts-wqy-microhei; } \
	  || echo "chromium: /usr/bin/chromium not installed; the browser tests (tests/web) will skip"

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
