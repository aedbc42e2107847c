# Every target builds its own virtual environment first, so a fresh clone needs nothing else.
# `make demo` installs escalade with its own dependencies only; `make test`, `lint` and `bench`
# add the dev extras (linters, type checker, pytest, pygambit, EMA Workbench, dask).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# One stamp per install: redone when pyproject.toml changes, and only then. The dev install
# holds the core one, so it stamps both: `make test` then `make demo` installs nothing more,
# and `make demo` then `make test` adds the extras (pip keeps what is already there).
CORE   := $(VENV)/.installed-core
DEV    := $(VENV)/.installed

.PHONY: demo test lint bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The editable install picks up code changes without reinstalling.
$(CORE): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(CORE) $@

# The main job: every policy of the Korea 2017 scenario compared at the nominal values and across
# 600 sampled worlds, with forward-looking actors (exact values) in both; one report,
# out/korea-2017/report.html. Each world costs about 0.4 s of CPU (see docs/korea.md).
demo: $(CORE)
	$(BIN)/escalade analyze korea-2017 --out out/korea-2017 --runs 20000 --samples 600
	@echo "report: out/korea-2017/report.html  (results: out/korea-2017/results.json)"

lint: $(DEV)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The browser tests drive Debian's Chromium through Playwright, which never downloads a
# browser of its own: Chromium is installed with apt when it is missing (as root, as CI runs).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: lint browser
	$(BIN)/python -m pytest -n 2 -q

bench: $(DEV)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
