# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Installs come from uv.lock (exact versions and hashes). uv itself is bootstrapped into
# the venv with pip at the version the lock pins, so nothing is installed by hand.
UV_VERSION := $(or $(shell sed -n '/^name = "uv"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' uv.lock 2>/dev/null),0.13.9)
export UV_PYTHON_DOWNLOADS := never
LOCK_STALE := uv.lock does not match pyproject.toml: run 'make lock' and commit both files

.PHONY: run test lint bench format clean venv lock lock-check

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet "uv==$(UV_VERSION)"

# The lock must agree with pyproject.toml (CI runs this on every clone); then install
# exactly what it pins (`--frozen`: the check above already compared them).
$(STAMP): pyproject.toml uv.lock | $(BIN)/uv
	@$(MAKE) --no-print-directory lock-check
	$(BIN)/uv sync --frozen --extra dev --quiet --compile-bytecode
	touch $(STAMP)

lock-check: | $(BIN)/uv
	@$(BIN)/uv lock --check --quiet 2>$(VENV)/lock-check.log || { \
		if grep -q "needs to be updated" $(VENV)/lock-check.log; then echo "$(LOCK_STALE)" >&2; \
		else cat $(VENV)/lock-check.log >&2; fi; exit 1; }

# Re-resolve after editing dependencies in pyproject.toml (pins stay where they can;
# `$(BIN)/uv lock --upgrade` moves everything to the newest allowed versions).
lock: | $(BIN)/uv
	$(BIN)/uv lock

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/gdpr-bot run

lint: $(STAMP)
	$(BIN)/ruff check bot knowledge routines storage clients testing tests bench migrations
	$(BIN)/ruff format --check bot knowledge routines storage clients testing tests bench migrations
	$(BIN)/mypy

test: lint
	@# Bytecode for our own sources too: the multi-process tests start many `gdpr-bot run`s,
	@# and with PYTHONDONTWRITEBYTECODE set (as on these machines) each would recompile.
	@$(BIN)/python -m compileall -q bot knowledge routines storage clients testing migrations
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/search.py
	@for f in bench/chat.py bench/dispatch.py bench/evidence.py bench/replicas.py bench/startup.py bench/training.py bench/web.py; do \
		if [ -f $$f ]; then echo "== $$f"; $(BIN)/python $$f || exit 1; fi; done

format: $(STAMP)
	$(BIN)/ruff format bot knowledge routines storage clients testing tests bench migrations
	$(BIN)/ruff check --fix bot knowledge routines storage clients testing tests bench migrations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
