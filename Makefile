# Two commands do all set-up on a fresh machine:
#   make run    install into .venv, fill the embedded SQLite store with the demo scenario
#               (once), then run the service on it
#   make test   install into .venv (with test tools), then run the test suite
VENV ?= .venv
# The interpreter for .venv: the operating system's own CPython when it is 3.11 or newer
# and can make virtual environments, else python3 from PATH. Distributions build theirs
# with profile-guided and link-time optimisation (Debian's is); on this project's
# machine the service took a 5,000-position batch about 15% faster on it than on a plain
# source build (pyenv's default). Choose another with `make PYTHON=/path/to/python3 ...`.
SYSTEM_PYTHON := /usr/bin/python3
PYTHON ?= $(shell $(SYSTEM_PYTHON) -c 'import sys, venv, ensurepip; \
	sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $(SYSTEM_PYTHON) || echo python3)
PY := $(VENV)/bin/python

.PHONY: run test bench install

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
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
