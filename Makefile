# The two commands: `make run` and `make test`. Each sets up .venv on a fresh machine first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST    ?= $(or $(PLAYGROUND_HOST),127.0.0.1)
PORT    ?= $(or $(PLAYGROUND_PORT),8000)
WORKERS ?= $(or $(PLAYGROUND_WORKERS),1)

.PHONY: run test bench lint install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installing also compiles the training kernel once, into .numba-cache/ (app/accel/build.py).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m app.accel.build
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/python -m app --host $(HOST) --port $(PORT) --workers $(WORKERS)

# build again: a no-op when the cache is current, one compile after an edit of app/accel or app/nn.
test: install-test
	$(BIN)/python -m app.accel.build
	$(BIN)/python -m pytest

bench: install-test
	$(BIN)/python -m app.accel.build
	$(BIN)/python -m bench

# ruff (lint + format check) and mypy --strict on app/; the style guide's checks.
lint: install-test
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/ruff check app bench tests
	$(BIN)/ruff format --check app bench tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info .numba-cache
