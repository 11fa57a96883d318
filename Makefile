# Two commands: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/sh
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench ci-sweep wheel-test notebooks clean setup app

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { PY=$$(bin/find-python) && echo "Using $$PY" && $$PY -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sim demo

test: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/ruff format --check sim tests benchmarks
	$(BIN)/python -m pytest
	SIM_NOTEBOOK_SIZE=small $(BIN)/python -m pytest --nbmake notebooks

ci-sweep: $(STAMP)
	rm -rf out/ci_smoke
	$(BIN)/sim sweep scenarios/experiments/ci_smoke.yaml --quiet --out out/ci_smoke \
		--check scenarios/experiments/ci_checks.yaml

app: $(STAMP)
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pip install --quiet -e ".[dev,app]"
	$(BIN)/sim app --open

notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,notebooks]"
	$(BIN)/jupyter lab notebooks/

wheel-test: $(STAMP)
	bin/wheel-test

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format sim tests benchmarks
	$(BIN)/ruff check --fix sim tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info
