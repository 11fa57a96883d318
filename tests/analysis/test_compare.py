"""The paired comparison: known answers on a hand-built table; the command's outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import format_comparison, paired_comparison
from sim.cli import main
from sim.spec.loading import SCENARIO_DIR


def hand_built() -> pd.DataFrame:
    a = [1.0, 2.0, 3.0, 4.0]
    rows = [{"structure": "old", "replication": i, "x": v} for i, v in enumerate(a)]
    rows += [{"structure": "new", "replication": i, "x": v + 1 + (i % 2) * 0.5}
             for i, v in enumerate(a)]  # fmt: skip
    return pd.DataFrame(rows)


def test_paired_comparison_known_answer():
    table = paired_comparison(hand_built(), ["old", "new"], {"x": "x"}).set_index("structure")
    old, new = table.loc["old"], table.loc["new"]
    half = 3.182446305284263 * np.std([1, 2, 3, 4], ddof=1) / 2  # t(0.975, 3)
    assert old["mean"] == 2.5 and old["ci_low"] == pytest.approx(2.5 - half)
    diffs = np.array([1.0, 1.5, 1.0, 1.5])
    d_half = 3.182446305284263 * diffs.std(ddof=1) / 2
    assert new["diff"] == pytest.approx(1.25)
    assert new["diff_low"] == pytest.approx(1.25 - d_half)
    assert bool(new["significant"]) is True
    assert pd.isna(old.get("diff"))  # no difference reported for the baseline


def test_paired_difference_is_tighter_than_the_unpaired_one():
    table = paired_comparison(hand_built(), ["old", "new"], {"x": "x"}).set_index("structure")
    new = table.loc["new"]
    assert new["diff_high"] - new["diff_low"] < new["ci_high"] - new["ci_low"]


def test_format_marks_significant_differences():
    text = format_comparison(paired_comparison(hand_built(), ["old", "new"], {"x": "x"}),
                             ["old", "new"])  # fmt: skip
    assert "new - old" in text.splitlines()[0]
    assert text.splitlines()[1].rstrip().endswith("*")


def test_compare_command_writes_tables_and_figures(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(SCENARIO_DIR / "employer_closure.yaml"), "--replications", "3",
                 "--workers", "1", "--out", str(out)])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "pilot - five_element" in text and "workers supported" in text
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6 and set(runs["structure"]) == {"five_element", "pilot"}
    comparison = pd.read_csv(out / "comparison.csv")
    figures = {p.name for p in (out / "figures").glob("*.png")}
    for key in comparison["indicator"].unique():
        assert f"{key}.png" in figures
    assert "outcome_workers_supported_over_time.png" in figures
    assert (out / "indicators.csv").exists()


def test_compare_needs_two_structures(capsys):
    code = main(["compare", str(SCENARIO_DIR / "smoke.yaml"), "--structures", "pilot"])
    assert code == 2 and "at least two structures" in capsys.readouterr().err
