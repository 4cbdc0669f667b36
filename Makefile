# lanthanide — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-dev lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## run: install into .venv and serve the API on embedded defaults (bundled rulebook)
run: install
	$(BIN)/lanthanide rules validate
	$(BIN)/lanthanide serve --host $(HOST) --port $(PORT)

## test: install dev deps, lint, type-check the domain packages, run the tests
test: install-dev lint typecheck pytest

lint:
	$(BIN)/ruff check src tests benchmarks

typecheck:
	$(BIN)/mypy --strict src/lanthanide/rules src/lanthanide/decide src/lanthanide/screen

pytest:
	$(BIN)/python -m pytest -q

bench: install-dev
	$(BIN)/python benchmarks/check.py
	$(BIN)/python benchmarks/screen.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
