"""CI checks judge a sweep point by point: points with different parameters are never pooled
as if they were replications (issue 10, item 13)."""

from __future__ import annotations

import pandas as pd

from sim.analysis.checks import evaluate
from sim.spec.checks import Checks


def sweep_rows(differences: dict[int, list[float]]) -> pd.DataFrame:
    rows = []
    for point, diffs in differences.items():
        for rep, d in enumerate(diffs):
            base = 10.0 + rep
            rows.append({"scenario_file": "s", "structure_file": "old", "point": point,
                         "replication": rep, "x": base, "error": ""})  # fmt: skip
            rows.append({"scenario_file": "s", "structure_file": "new", "point": point,
                         "replication": rep, "x": base + d, "error": ""})  # fmt: skip
    return pd.DataFrame(rows)


def check(**changes) -> Checks:
    data = {"name": "new is higher", "scenario": "s", "indicator": "x",
            "difference": {"of": "new", "minus": "old", "sign": "positive",
                           "significant": True}} | changes  # fmt: skip
    return Checks.model_validate({"checks": [data]})


def test_a_difference_that_flips_at_one_point_fails_though_its_pooled_mean_is_positive():
    runs = sweep_rows({0: [10.0, 11.0, 9.0, 10.5, 10.0, 9.5, 10.0, 11.0],
                       1: [-1.0, -0.5, -1.5, -1.0, -0.8, -1.2, -1.0, -0.9]})  # fmt: skip
    pooled = runs.pivot_table(index=["point", "replication"], columns="structure_file",
                              values="x")  # fmt: skip
    assert (pooled["new"] - pooled["old"]).mean() > 4  # pooled, it would "hold"
    [(passed, line)] = evaluate(check(), runs)
    assert not passed and "held at 1 of 2 design points" in line


def test_a_declared_share_of_points_is_enough():
    runs = sweep_rows({0: [10.0] * 8, 1: [-1.0] * 8, 2: [5.0] * 8})
    [(passed, line)] = evaluate(check(points=0.6), runs)
    assert passed and "held at 2 of 3" in line


def test_a_band_check_holds_at_every_point():
    runs = sweep_rows({0: [0.0] * 6, 1: [0.0] * 6})
    runs.loc[(runs["point"] == 1) & (runs["structure_file"] == "new"), "x"] += 100
    band = {"name": "in band", "scenario": "s", "indicator": "x", "structure": "new",
            "between": [0, 20]}  # fmt: skip
    [(passed, line)] = evaluate(Checks.model_validate({"checks": [band]}), runs)
    assert not passed and "held at 1 of 2" in line


def test_a_significant_check_needs_the_pairs_its_points_family_needs():
    """Holm across two points: with six pairs a point no p-value can pass (the exact test's
    smallest, 2/2^6, times 2 is 0.0625), so the check fails and says how many are needed;
    with seven it can, and does."""
    six = sweep_rows({0: [10.0 + k for k in range(6)], 1: [12.0 + k for k in range(6)]})
    [(passed, line)] = evaluate(check(), six)
    assert not passed and "too few runs (at least 7 pairs needed) a point for 2 tests" in line
    seven = sweep_rows({0: [10.0 + k for k in range(7)], 1: [12.0 + k for k in range(7)]})
    [(passed, line)] = evaluate(check(), seven)
    assert passed and "too few runs" not in line
