"""docs/inputs.md is generated from the spec models and stays identical to them; the lists
of indicators an experiment may name match what a run records; the command line's caps match
the spec's."""

from __future__ import annotations

from pathlib import Path

from sim import cli
from sim.model.indicators import INDICATORS
from sim.spec import limits
from sim.spec.inputs import inputs_markdown
from sim.spec.outputs import EVALUATION_COLUMNS, SUMMARY_COLUMNS

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_inputs_page_matches_the_code():
    page = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    assert page == inputs_markdown(), "run: python -m sim.spec.inputs > docs/inputs.md"


def test_the_summary_columns_are_what_a_run_records(smoke_run):
    _, result = smoke_run("pilot", 1)
    recorded = [c for c in result.summary.columns if c not in ("structure", "scenario")]
    assert tuple(recorded) == SUMMARY_COLUMNS


def test_the_evaluation_columns_are_the_indicators():
    assert tuple(i.name for i in INDICATORS) == EVALUATION_COLUMNS


def test_the_command_line_caps_are_the_specs():
    assert cli.MAX_RUNS == limits.MAX_RUNS
    for parse, low, high in ((cli.SEED, 0, limits.MAX_SEED), (cli.WORKERS, 1, limits.MAX_WORKERS),
                             (cli.REPLICATIONS, 1, limits.MAX_REPLICATIONS),
                             (cli.LIMIT, 0, limits.MAX_RUNS)):  # fmt: skip
        assert parse(str(low)) == low and parse(str(high)) == high
