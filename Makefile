# Two commands do all set-up on a fresh machine:
#   make run    install into .venv, fill the embedded SQLite store with the demo scenario
#               (once), then run the service on it
#   make test   install into .venv (with test tools), then run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test bench install

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m layers.assets   # map assets (Leaflet, MarkerCluster) installed and hash-checked
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/georisk demo

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

bench: install
	for b in tests/bench/bench_*.py; do $(PY) -m tests.bench.$$(basename $$b .py); done
