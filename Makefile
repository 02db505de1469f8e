# The two commands a new user needs are `make lab` and `make test`; both install first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: lab test install browser notebooks benchmark release lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Open the course in JupyterLab (installs first).
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=chapters --LabApp.default_url=/lab/tree/00_welcome.ipynb $(if $(filter 0,$(shell id -u)),--allow-root)

## Run every test in fast mode: lint, unit tests, notebooks (nbval), nbgrader, browser.
test: $(STAMP) browser
	$(VENV)/bin/ruff check mmbm_utils tests chapters benchmarks scripts
	MMBM_FAST=1 $(PY) -m pytest

## Chromium for the browser tests (Debian's package; needs root or sudo the first time).
browser:
	@bash scripts/ensure_chromium.sh

## Re-execute every notebook in place in default mode and print seconds and peak memory.
notebooks: $(STAMP)
	$(PY) benchmarks/chapters.py --write

benchmark: $(STAMP)
	$(PY) benchmarks/chapters.py

## Student notebooks without solutions, one folder per chapter in release/ (nbgrader).
release: $(STAMP)
	$(PY) scripts/nbgrader_course.py release

lint: $(STAMP)
	$(VENV)/bin/ruff check mmbm_utils tests chapters benchmarks scripts

clean:
	rm -rf release build artifacts .pytest_cache
