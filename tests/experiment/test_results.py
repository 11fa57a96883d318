"""Results folders: a comparison's tables are written by one module and read back by the same
module, whichever root seeds they came from; anything else is refused in one line."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.errors import SpecError
from sim.experiment.results import Comparison, load_results
from sim.spec.loading import SCENARIO_DIR

SMOKE = str(SCENARIO_DIR / "smoke.yaml")


def comparison(seeds: list[int]) -> Comparison:
    runs = pd.DataFrame([
        {"structure": s, "replication": r, "seed": 100 * k + r, "issues_decided": r + k,
         "root_seed": seed}
        for k, seed in enumerate(seeds) for r in range(2) for s in ("five_element", "pilot")
    ])  # fmt: skip
    issues = pd.DataFrame({"issue_id": ["a", "a/1"], "parent": ["", "a"], "root_seed": seeds[0]})
    table = pd.DataFrame({"indicator": ["issues_decided"], "verdict": ["unclear"]})
    agreement = table.assign(agree=True) if len(seeds) > 1 else None
    return Comparison(SMOKE, {"five_element": "five_element", "pilot": "pilot"}, 2, seeds,
                      {"attendance_base": 0.8}, runs, issues, table, None, agreement, None,
                      "the text")  # fmt: skip


def test_a_comparison_folder_is_written_and_read_back(tmp_path):
    written = comparison([1]).write(tmp_path)
    assert written == ["runs.csv", "issues.csv", "comparison.csv", "comparison.txt",
                       "compare.json"]  # fmt: skip
    assert (tmp_path / "figures").is_dir() and not (tmp_path / "agreement.csv").exists()
    assert (tmp_path / "comparison.txt").read_text() == "the text\n"
    assert json.loads((tmp_path / "compare.json").read_text())["seeds"] == [1]
    assert len(pd.read_csv(tmp_path / "issues.csv")) == 1  # top-level issues only
    [results] = load_results(tmp_path)
    assert results.kind == "compare" and results.scenario == SMOKE
    assert list(results.structures) == ["five_element", "pilot"]
    assert results.parameters == {"attendance_base": 0.8} and len(results.runs) == 4


def test_replications_of_several_root_seeds_are_numbered_apart(tmp_path):
    assert "agreement.csv" in comparison([5, 9]).write(tmp_path)
    [results] = load_results(tmp_path)
    assert sorted(results.runs["replication"].unique()) == [0, 1, 2, 3]


def test_a_folder_without_results_is_refused(tmp_path):
    with pytest.raises(SpecError, match="not a results folder"):
        load_results(tmp_path)
