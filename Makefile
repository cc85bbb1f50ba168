# The two commands of the README: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# pywb replays captures in tests/test_warc.py; it pins libraries (redis 2.x) that clash with scrapy-redis, so it
# lives in a venv of its own.
PYWB_STAMP := .venv-pywb/.installed
$(PYWB_STAMP):
	test -x .venv-pywb/bin/python || $(PYTHON) -m venv .venv-pywb
	.venv-pywb/bin/python -m pip install --quiet --upgrade pip
	.venv-pywb/bin/python -m pip install --quiet pywb
	touch $(PYWB_STAMP)

demo: setup
	$(BIN)/archiver demo

lint: setup
	$(BIN)/ruff check archiver pipelines tests benchmarks

test: setup lint $(PYWB_STAMP)
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .venv-pywb .pytest_cache .ruff_cache
