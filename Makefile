# One command each on a fresh machine with Python 3.11+ and make:
#   make demo   runs recontui on its embedded demo (stand-in servers, seeded data, conflicts)
#   make test   runs the whole test suite (installs what it needs into .venv first)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/recontui demo

# The step-by-step setup from an empty database, against the same stand-ins.
demo-setup: $(STAMP)
	$(BIN)/recontui demo --setup

# Two pytest workers, one per core of the 2-core machines the suite is sized for
# (`make test PYTEST_WORKERS=8` on a bigger one; 0 runs in one process). Bytecode is
# cached even where PYTHONDONTWRITEBYTECODE is set: every worker and every `recontui`
# subprocess of the CLI tests would otherwise compile the same modules again.
PYTEST_WORKERS ?= 2

# The static checks, quickest first: ruff (style, C901 complexity), lint-imports (the
# layers of docs/architecture.md, contracts in pyproject.toml), mypy (strict for engine,
# model and store; its cache in .mypy_cache makes a warm run about a second).
CHECKS = $(BIN)/ruff check src tests bench && $(BIN)/lint-imports && $(BIN)/mypy src/recontui

test: $(STAMP)
	$(CHECKS)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal

lint: $(STAMP)
	$(CHECKS)
	$(BIN)/ruff format --check src tests bench

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python bench/merge.py
	$(BIN)/python bench/decode.py --size 20000
	$(BIN)/python bench/console.py
	$(BIN)/python bench/pull.py
	$(BIN)/python bench/match.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/kill_loop.py
	$(BIN)/python bench/first_sync.py
	$(BIN)/python bench/simulated_sync.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache .mypy_cache .import_linter_cache .grimp_cache
