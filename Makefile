# Two commands: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/sh
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench bench-optimisers ci-sweep ci-robustness ci-search search-docs robustness-docs diagrams wheel-test notebooks clean setup app test-app

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { PY=$$(bin/find-python) && echo "Using $$PY" && $$PY -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pip install --quiet -e ".[dev,app]"
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

# CI's design search: the small space of scenarios/design/ci.yaml at its CI size (about a
# minute), checked: every exported design loads and is its design, the set keeps the
# constraints, every generation is recorded, and the search run again makes no run.
ci-search: $(STAMP)
	rm -rf out/ci_search
	$(BIN)/sim search ci --size ci --quiet --out out/ci_search --check

# The shipped design searches of docs/design-search.md (the full space, about 30 minutes each
# on 2 cores; each resumes if interrupted), kept in docs/search/SCENARIO/ for the app.
SEARCHES := employer_closure truancy
search-docs: $(STAMP)
	for s in $(SEARCHES); do \
		$(BIN)/sim search gloucester --scenario $$s --size full --quiet \
			--out out/search_gloucester_$$s > /dev/null || exit 1; \
		rm -rf docs/search/$$s; mkdir -p docs/search/$$s; \
		cd out/search_gloucester_$$s && cp -r *.csv *.json *.md *.html designs figures \
			../../docs/search/$$s/ && cd ../.. || exit 1; \
	done

# The set-up installs the app's extra too (Solara, Playwright), so that `make test`, and CI,
# run the app's browser test.
app: $(STAMP)
	$(BIN)/sim app --open

# The app's tests, the browser test included: it drives an installed Chromium (Debian's
# chromium package; $$SIM_CHROMIUM for another) and skips, saying why, without one.
test-app: $(STAMP)
	$(BIN)/python -m pytest tests/app -rs

# CI's robustness regression check: the small analysis of the employer closure, whose
# verdicts must stay as scenarios/robustness/ci_checks.yaml declares (about 2 minutes).
ci-robustness: $(STAMP)
	rm -rf out/ci_robustness
	$(BIN)/sim robustness employer_closure --size small --quiet --out out/ci_robustness \
		--check ci_checks

# The four worked examples' conclusions tables of docs/robustness.md, at the full size (about
# 10 minutes each on 2 cores; each resumes if interrupted). The tables, meta.json and figures
# are kept in docs/robustness/SCENARIO/.
EXAMPLES := employer_closure truancy environment_strategy community_cohesion
robustness-docs: $(STAMP)
	for s in $(EXAMPLES); do \
		$(BIN)/sim robustness $$s --size full --quiet --out out/robustness_$$s > /dev/null \
			|| exit 1; \
		rm -rf docs/robustness/$$s; mkdir -p docs/robustness/$$s/figures; \
		cp out/robustness_$$s/*.csv out/robustness_$$s/meta.json docs/robustness/$$s/; \
		cp out/robustness_$$s/figures/*.png docs/robustness/$$s/figures/; \
		$(BIN)/python -c "from sim.analysis.robustness import update_page; \
			update_page('docs/robustness.md', 'docs/robustness/$$s')" || exit 1; \
	done

# The shipped structures' diagrams, for the README and docs/ (needs Graphviz's dot program:
# apt-get install graphviz).
DIAGRAMS := five_element do_minimum pilot county_scs_chapters
diagrams: $(STAMP)
	mkdir -p docs/diagrams
	for s in $(DIAGRAMS); do $(BIN)/sim diagram $$s --out docs/diagrams/$$s.svg || exit 1; done
	$(BIN)/sim diagram pilot --out docs/diagrams/pilot.png

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

# Which optimiser for `sim search`: Platypus' epsilon-NSGA-II and NSGA-II, pymoo's
# mixed-variable GA, Optuna's NSGA-II and random sampling on a planted problem of the search's
# shape (docs/design-search.md reports it).
bench-optimisers: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/optimisers.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info
