# The two commands: `make run` and `make test`. Each sets up .venv on a fresh machine first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST    ?= $(or $(PLAYGROUND_HOST),127.0.0.1)
PORT    ?= $(or $(PLAYGROUND_PORT),8000)
WORKERS ?= $(or $(PLAYGROUND_WORKERS),1)

.PHONY: run test bench lint install install-test clean

# uv (Astral's installer, from PyPI) installs the packages in a fraction of pip's time, and the
# venv is made without pip (its ensurepip alone took ~8 s): this Python's own pip puts uv in it
# (docs/benchmarks.md, "Cold start"). Where that fails the venv gets pip; where uv fails, pip installs.
ENSUREPIP = $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip >/dev/null
install_packages = $(BIN)/python -m uv pip install --quiet --python $(BIN)/python $(1) \
	|| { $(ENSUREPIP); $(BIN)/python -m pip install --quiet $(1); }

$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet uv \
	|| { $(ENSUREPIP); $(BIN)/python -m pip install --quiet uv; } || echo "no uv: pip installs"

# Installing also compiles the training kernel once, into .numba-cache/ (app/accel/build.py).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(call install_packages,-e .)
	$(BIN)/python -m app.accel.build
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(call install_packages,-e '.[test]')
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
	$(call install_packages,-e '.[dev]')
	$(BIN)/ruff check app bench tests
	$(BIN)/ruff format --check app bench tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info .numba-cache
