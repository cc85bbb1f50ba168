# The two commands of the README: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean anchors

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

# The tools our extraction is measured against (benchmarks/aeb.py, benchmarks/htmldate_eval.py): they pin
# libraries of their own (newspaper4k: python-dateutil), so they get a venv of their own, never the project's.
ANCHORS_STAMP := .venv-anchors/.installed
$(ANCHORS_STAMP):
	test -x .venv-anchors/bin/python || $(PYTHON) -m venv .venv-anchors
	.venv-anchors/bin/python -m pip install --quiet --upgrade pip
	.venv-anchors/bin/python -m pip install --quiet "trafilatura==2.3.1" "htmldate==1.11.0" "readability-lxml==0.9" \
		"html-text==0.7.1" "newspaper4k[zh]==0.9.6"
	touch $(ANCHORS_STAMP)

anchors: $(ANCHORS_STAMP)

demo: setup
	$(BIN)/archiver demo

lint: setup
	$(BIN)/ruff check archiver pipelines tests benchmarks

test: setup lint $(PYWB_STAMP)
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .venv-pywb .venv-anchors .pytest_cache .ruff_cache
