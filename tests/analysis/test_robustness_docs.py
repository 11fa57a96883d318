"""docs/robustness.md against the code: the alternatives and patterns sections are the shipped
files, and each worked example's conclusions table is the one kept in docs/robustness/, made
by today's sim robustness (its folder format, its tables) with today's assumption space."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.analysis import robustness as rb
from sim.errors import SpecError
from sim.experiment.robustness import Plan

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "robustness.md"
EXAMPLES = ["employer_closure", "truancy", "environment_strategy", "community_cohesion"]
REGENERATE = "regenerate: make robustness-docs"


def test_the_alternatives_and_patterns_sections_are_the_shipped_files():
    text = PAGE.read_text()
    assert rb.section(text, "alternatives") == rb.alternatives_markdown(), REGENERATE
    assert rb.section(text, "patterns") == rb.patterns_markdown(), REGENERATE


@pytest.mark.parametrize("scenario", EXAMPLES)
def test_each_worked_example_has_its_conclusions_table(scenario):
    folder = ROOT / "docs" / "robustness" / scenario
    assert (folder / "conclusions.csv").exists(), REGENERATE
    try:
        name, body = rb.page_section(folder, PAGE)
    except SpecError as exc:  # written by an older sim robustness, or damaged
        pytest.fail(f"{exc.one_line()}: {REGENERATE}")
    assert name == scenario
    for table in ("readings.csv", "tolerance.csv", "defaults.csv", "narrowing.csv"):
        assert (folder / table).exists(), f"{table} missing: {REGENERATE}"
    assert rb.section(PAGE.read_text(), f"robustness: {scenario}") == body, REGENERATE
    meta = json.loads((folder / "meta.json").read_text())
    plan = Plan(scenario, meta["structures"])
    today = [[f.name, f.low, f.high, f.switch] for f in plan.factors]
    assert meta["factors"] == today, f"the assumption space changed since: {REGENERATE}"
    for name in ("conclusions", "morris"):
        assert (folder / "figures" / f"{name}.png").exists()


def test_a_section_is_replaced_in_place_and_added_when_missing():
    text = "a\n<!-- x -->\nold\n<!-- end x -->\nb\n"
    assert rb.replace_section(text, "x", "new\n") == "a\n<!-- x -->\nnew\n<!-- end x -->\nb\n"
    added = rb.replace_section("a\n", "y", "z\n")
    assert rb.section(added, "y") == "z\n" and added.startswith("a\n")
