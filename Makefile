# Every target builds its own virtual environment first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# benchmarks/ may not exist yet in every checkout
LINTED := $(wildcard src tests benchmarks)

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the package metadata changes; the editable install picks up code changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The bundled games, each checked and solved over 1,000 draws, then the README's tutorial game.
demo: $(STAMP)
	$(BIN)/escalade list
	@for name in $$($(BIN)/escalade list | cut -d' ' -f1); do \
		echo; echo "== escalade check $$name"; \
		$(BIN)/escalade check $$name || exit 1; \
		echo; echo "== escalade solve $$name --lam 2 --draws 1000 --seed 1"; \
		$(BIN)/escalade solve $$name --lam 2 --draws 1000 --seed 1 || exit 1; \
	done
	@echo; echo "== escalade solve docs/examples/crisis.yaml --method spe --draws 1000 --seed 1"
	@$(BIN)/escalade solve docs/examples/crisis.yaml --method spe --draws 1000 --seed 1

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
