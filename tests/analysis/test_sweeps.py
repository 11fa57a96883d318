"""A sweep's paired differences across its design points, by regression on the swept
parameters (issue 20, item 7): the difference at the centre of the design with a verdict in
the comparison's words, each slope with its interval, and "depends on" where a parameter's
range takes the difference across 0 or across the smallest difference that matters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.sweeps import format_regression, sweep_regression, swept
from sim.analysis.verdict import summarise_sweep
from sim.model.indicators import Indicator

WEEKS = Indicator("weeks", "EV-LEAD", "weeks to decision", "", "lower", "weeks", 1.0)
DROPPED = Indicator("dropped", "EV-LEAD", "issues dropped", "", "", "issues", 1.0)


def sweep_runs(difference, points: int = 8, reps: int = 5, noise: float = 0.3) -> pd.DataFrame:
    """Runs of two structures at ``points`` design points of two parameters (a from 0 to 1,
    b between 10 and 20, not in step with a); the paired difference at a
    point is ``difference(a, b)`` plus noise."""
    rng = np.random.default_rng(7)
    rows = []
    for point in range(points):
        a, b = point / (points - 1), 10 + 10 * (point * point % points) / (points - 1)
        for rep in range(reps):
            base = 20 + rng.normal(0, 2)
            d = difference(a, b) + rng.normal(0, noise)
            for structure, value in (("old", base), ("new", base + d)):
                rows.append({"structure": structure, "point": point, "replication": rep,
                             "p_a": a, "p_b": b, "p_fixed": 1.0, "weeks": value,
                             "dropped": value})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_centre_of_the_design_and_each_slope_with_intervals():
    """A difference of -3 weeks at the centre, falling by 2 across a's range and flat in b."""
    runs = sweep_runs(lambda a, b: -3 + 2 * (a - 0.5))
    assert swept(runs) == ["a", "b"]  # p_fixed is the same at every point: not swept
    [row] = sweep_regression(runs, ["old", "new"], [WEEKS]).itertuples()
    assert row.points == 8 and row.pairs == 40 and row.parameters == "a, b"
    assert row.diff == pytest.approx(-3, abs=0.2) and row.diff_low < -3 < row.diff_high
    assert row.a_slope == pytest.approx(2, abs=0.4) and row.a_low > 0
    assert row.b_low < 0 < row.b_high
    assert row.verdict == "better" and row.depends == ""  # -4 to -2 weeks: better throughout


def test_a_difference_that_changes_sign_across_a_range_depends_on_that_parameter():
    """Better where a is low, worse where it is high: the centre alone would say "not clear"
    (or "no practical difference"); the verdict names the parameter and each end's way."""
    runs = sweep_runs(lambda a, b: 8 * (a - 0.5))
    table = sweep_regression(runs, ["old", "new"], [WEEKS, DROPPED]).set_index("indicator")
    assert table.loc["weeks", "verdict"] in ("not clear", "no practical difference")
    assert table.loc["weeks", "depends"] == (
        "depends on a (better where it is low, worse where it is high)"
    )
    assert table.loc["dropped", "depends"] == (
        "depends on a (lower where it is low, higher where it is high)"
    )
    assert table.loc["weeks", "a_at_low"] == pytest.approx(-4, abs=0.5)
    assert table.loc["weeks", "a_at_high"] == pytest.approx(4, abs=0.5)
    titles = {"old": "Old", "new": "New"}
    summary = summarise_sweep(table.reset_index(), ["old", "new"], titles,
                              {"weeks": WEEKS, "dropped": DROPPED}, ("Sweep", ""),
                              replications=5)  # fmt: skip
    [cell] = summary.rows[0]["verdicts"]
    assert cell.verdict == "depends on a (better where it is low, worse where it is high)"
    assert "at the centre of the design" in cell.effect and "where a is lowest" in cell.effect
    assert "a" in summary.explained
    text = format_regression(table.reset_index())
    assert "depends on a (better where it is low, worse where it is high)" in text
    assert "a low->high" in text


def test_a_difference_that_matters_at_one_end_only_depends_on_that_end():
    """Better by 4 weeks where a is low, by half a week (less than the 1 that matters) where
    it is high: the verdict at the centre is better, but it holds at one end only."""
    runs = sweep_runs(lambda a, b: -2.25 + 3.5 * (a - 0.5))
    [row] = sweep_regression(runs, ["old", "new"], [WEEKS]).itertuples()
    assert row.verdict == "better" and row.depends == "depends on a (better where it is low)"


def test_a_sign_change_inside_the_smallest_difference_is_no_dependence():
    runs = sweep_runs(lambda a, b: 0.6 * (a - 0.5), noise=0.02)
    [row] = sweep_regression(runs, ["old", "new"], [WEEKS]).itertuples()
    assert row.a_p_adjusted < 0.05 and row.a_at_low < 0 < row.a_at_high
    assert row.verdict == "no practical difference" and row.depends == ""


@pytest.mark.parametrize(("points", "slopes"), [(3, ""), (5, ""), (6, "a, b")])
def test_too_few_points_for_the_slopes_leave_the_mean_over_the_design(points, slopes):
    """Two slopes and an intercept need six points to leave three degrees of freedom; with
    fewer the model is the intercept alone (the mean over the design), and says so."""
    runs = sweep_runs(lambda a, b: -3.0, points=points)
    table = sweep_regression(runs, ["old", "new"], [WEEKS])
    [row] = table.itertuples()
    assert row.parameters == slopes and hasattr(row, "a_slope") == bool(slopes)
    assert row.diff == pytest.approx(-3, abs=0.3) and row.verdict == "better"
    said = " ".join(format_regression(table).split())
    assert ("nothing (too few points for the slopes)" in said) == (not slopes)


def test_a_difference_identical_everywhere_is_exact():
    runs = sweep_runs(lambda a, b: -2.0, noise=0.0)
    [row] = sweep_regression(runs, ["old", "new"], [WEEKS]).itertuples()
    assert row.diff_method == "exact" and row.diff == pytest.approx(-2.0)
    assert row.verdict == "better" and row.a_slope == 0


def test_the_intercepts_are_holm_adjusted_across_the_family():
    """Twenty indicators of pure noise and one with a small shift: each p-value is adjusted
    across all of them, as a comparison's are."""
    runs = sweep_runs(lambda a, b: 0.0, noise=1.0)
    rng = np.random.default_rng(11)
    indicators = []
    for k in range(20):
        runs[f"i{k}"] = runs["weeks"] + rng.normal(0, 1, len(runs))
        indicators.append(Indicator(f"i{k}", "TEST", f"indicator {k}", "", "", "", 10.0))
    table = sweep_regression(runs, ["old", "new"], indicators)
    assert (table["tests"] == 20).all()
    assert (table["p_adjusted"] >= table["p_value"]).all()
    assert table["p_adjusted"].min() == pytest.approx(min(1.0, 20 * table["p_value"].min()))
