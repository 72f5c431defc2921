# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench format clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/gdpr-bot run

lint: $(STAMP)
	$(BIN)/ruff check bot knowledge routines storage clients testing tests bench migrations
	$(BIN)/ruff format --check bot knowledge routines storage clients testing tests bench migrations
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/search.py
	@for f in bench/chat.py bench/dispatch.py bench/evidence.py bench/replicas.py; do \
		if [ -f $$f ]; then echo "== $$f"; $(BIN)/python $$f || exit 1; fi; done

format: $(STAMP)
	$(BIN)/ruff format bot knowledge routines storage clients testing tests bench migrations
	$(BIN)/ruff check --fix bot knowledge routines storage clients testing tests bench migrations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
