"""The robustness analysis on planted answers: indices of a model with known sensitivities,
PRIM on a planted box, the pattern filter on planted patterns, verdicts of conclusions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import robustness as rb

FACTORS = [rb.Factor("a", 0.0, 1.0), rb.Factor("b", 0.0, 1.0), rb.Factor("c", 0.0, 1.0),
           rb.Factor("alt", 0.0, 1.0, switch=True)]  # fmt: skip


def test_morris_ranks_a_known_model():
    """y = 4a + c^2 + 0 b: a is the most influential, then c; b has no effect at all."""
    from SALib.sample import morris as sample

    problem = rb.salib_problem(FACTORS[:3])
    x = sample.sample(problem, 40, num_levels=4, seed=1)
    y = 4 * x[:, 0] + x[:, 2] ** 2
    table = rb.morris(problem, x, y, levels=4, seed=1).set_index("factor")
    assert table.index[0] == "p_a" and table.loc["p_a", "mu_star"] == pytest.approx(4, rel=1e-6)
    assert table.loc["p_b", "mu_star"] == 0
    assert rb.influential(table.reset_index()) == ["p_a", "p_c"]


def test_sobol_indices_of_a_known_model_are_stable():
    """y = a + 2b (independent, uniform): first-order and total indices 0.2 and 0.8."""
    from SALib.sample import sobol as sample

    problem = rb.salib_problem(FACTORS[:2])
    x = sample.sample(problem, 2048, calc_second_order=False, seed=2)
    table = rb.sobol(problem, x[:, 0] + 2 * x[:, 1], seed=2).set_index("factor")
    assert table.loc["p_b", "ST"] == pytest.approx(0.8, abs=0.05)
    assert table.loc["p_a", "S1"] == pytest.approx(0.2, abs=0.05)
    assert table["stable"].all()


def test_sobol_says_when_indices_are_not_stable():
    from SALib.sample import sobol as sample

    problem = rb.salib_problem(FACTORS[:2])
    x = sample.sample(problem, 8, calc_second_order=False, seed=3)
    noise = np.random.default_rng(3).normal(0, 5, len(x))  # a noisy model, too few samples
    table = rb.sobol(problem, x[:, 0] + noise, seed=3)
    assert not table["stable"].all()


def planted(n: int = 600, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    points = pd.DataFrame({"point": range(n), "p_a": rng.random(n), "p_b": rng.random(n),
                           "p_c": rng.random(n), "a_alt": rng.integers(0, 2, n)})  # fmt: skip
    flips = (points["p_a"] > 0.7) & (points["a_alt"] == 1)  # the planted box
    points["d"] = np.where(flips, 1.5, -3.0) + rng.normal(0, 0.2, n)
    return points


def test_prim_finds_a_planted_box():
    points = planted()
    flips = (points["d"] > -1).to_numpy()
    box = rb.prim_box(points[[f.column for f in FACTORS]], flips, FACTORS)
    assert box is not None and box.density >= rb.PRIM_DENSITY and box.coverage > 0.8
    assert set(box.limits) == {"p_a", "a_alt"}
    low, high = box.limits["p_a"]
    assert 0.6 <= low <= 0.72 and high > 0.95  # the most coverage with density >= 0.8
    text = box.describe({f.column: f for f in FACTORS})
    assert text.startswith("alt on; a 0.")  # most restricted first: a switch held on


def test_a_conclusion_that_flips_in_a_box_depends_on_it():
    points = planted()
    claim = rb.Conclusion("sooner", "B decides sooner", "d", "B", "A", "lower", 1.0)
    table, _ = rb.conclusions_table(points, [claim], FACTORS, plausible=None,
                                    drivers={"d": ["p_a", "a_alt"]})  # fmt: skip
    row = table.iloc[0]
    expected = 1 - ((points["p_a"] > 0.7) & (points["a_alt"] == 1)).mean()
    assert row["holds_share"] == pytest.approx(expected, abs=0.01)
    assert row["verdict"] == "depends on alt, a"
    assert row["drivers"] == "a, alt"


def test_verdicts_robust_and_not_supported():
    points = planted()
    robust = rb.Conclusion("x", "", "d", "B", "A", "lower", 0.1)
    points["d"] = -2.0
    table, _ = rb.conclusions_table(points, [robust], FACTORS, plausible=None)
    assert table.iloc[0]["verdict"] == "robust" and table.iloc[0]["holds_share"] == 1
    points["d"] = 2.0
    table, _ = rb.conclusions_table(points, [robust], FACTORS, plausible=None)
    assert table.iloc[0]["verdict"] == "not supported"


def test_the_pattern_filter_keeps_points_that_reproduce_planted_patterns():
    """Rejection: a pattern that holds only for a < 0.4 narrows a's range to about 40%."""
    points = planted()
    values = pd.DataFrame({"targets": 10 + 10 * points["p_a"], "attendance": 0.7},
                          index=points["point"])  # fmt: skip
    keep = rb.plausible_points(values, {"targets": (10, 14), "attendance": (0.6, 0.8)})
    assert keep.sum() == pytest.approx((points["p_a"] <= 0.4).sum(), abs=1)
    table = rb.narrowing(points.set_index("point", drop=False), keep, FACTORS).set_index("factor")
    assert table.loc["a", "width_kept"] == pytest.approx(0.36, abs=0.05)  # 5th..95th percentile
    assert table.loc["b", "width_kept"] > 0.8
    points["d"] = np.where(points["p_a"] < 0.4, -3.0, 3.0)
    claim = rb.Conclusion("x", "", "d", "B", "A", "lower", 1.0)
    table, _ = rb.conclusions_table(points, [claim], FACTORS, plausible=keep)
    row = table.iloc[0]
    assert row["plausible_share"] == 1.0 and row["plausible_verdict"] == "robust"
    assert row["holds_share"] < 0.5 and row["verdict"] == "depends on a"  # a dense box: a >= 0.4


def test_a_box_reports_only_the_dimensions_it_really_cuts():
    initial = pd.DataFrame({"p_a": [0.0, 1.0], "p_b": [0.0, 1.0], "a_alt": [{0, 1}, {0, 1}]})
    chosen = pd.DataFrame({"p_a": [0.05, 0.99], "p_b": [0.3, 1.0], "a_alt": [{1}, {1}]})
    assert list(rb._restricted(initial, chosen)) == ["a_alt", "p_b"]  # p_a: a sliver, left out


@pytest.mark.parametrize(
    ("share", "density", "expected"),
    [
        (0.97, 0.9, "robust"),
        (0.48, 0.95, "depends on alt"),  # fails exactly where the reading is switched on
        (0.6, 0.3, "depends (no simple box)"),
        (0.3, 0.3, "not supported"),
        (0.05, 0.95, "not supported"),
    ],
)
def test_the_verdict_reads_the_share_and_the_box(share, density, expected):
    box = rb.Box({"a_alt": {1}}, 0.9, density, 0.5, pd.DataFrame())
    assert rb.verdict(share, box, {f.column: f for f in FACTORS}) == expected


def test_robustness_checks_pass_fail_and_name_an_unknown_conclusion():
    from sim.errors import SpecError
    from sim.spec.robustness import RobustnessChecks

    table = pd.DataFrame({"conclusion": ["a", "b"], "verdict": ["robust", "not supported"],
                          "plausible_verdict": ["robust", "robust"]})  # fmt: skip
    checks = RobustnessChecks.model_validate({"expect": [
        {"conclusion": "a", "over": "all", "verdict": "robust"},
        {"conclusion": "b", "over": "all", "verdict": "robust"},
        {"conclusion": "b", "verdict": "robust"},
    ]})  # fmt: skip
    results = rb.check_verdicts(table, checks, "checks.yaml")
    assert [ok for ok, _ in results] == [True, False, True]
    assert results[1][1].startswith("FAIL b over all points: not supported")
    bad = RobustnessChecks.model_validate({"expect": [{"conclusion": "c", "verdict": "robust"}]})
    with pytest.raises(SpecError, match=r"expect\[0\].conclusion: no conclusion 'c'"):
        rb.check_verdicts(table, bad, "checks.yaml")


@pytest.mark.parametrize(
    ("got", "expected", "ok"),
    [
        ("robust", "robust", True),
        ("depends on a, b", "depends on a", True),
        ("depends on b", "depends on a", False),
        ("depends on a", "robust", False),
        ("not supported", "depends on a", False),
    ],
)
def test_an_expected_dependence_passes_when_the_box_names_it(got, expected, ok):
    assert rb.verdict_matches(got, expected) is ok
