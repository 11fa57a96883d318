"""The robustness analysis on a synthetic model whose answer is planted (tests/analysis/
planted.py): claim x holds where ``effect`` is below 1/3, claim y where the ``reading`` switch
is off; ``noise`` moves nothing. The analysis must recover the boundary, give share intervals
that cover the truth in at least about 95% of seeds, name the pure-noise dimension in fewer
than 5% of seeds, say which way a claim depends on a reading, and decide points with a
misclassification below 5% against a high-replication reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import planted
import pytest

from sim.analysis.claims import (
    FAILS,
    HOLDS,
    UNDECIDED,
    best_guess,
    decide,
    point_intervals,
    share_interval,
)
from sim.analysis.discovery import (
    dependence,
    discover,
    metamodel_sobol,
    morris_screen,
    switching_value,
)
from sim.analysis.robustness import adaptive, analyse, decisions, misclassification

LOOKS = [4, 8, 16]
SEEDS = range(40)


def run(seed: int, n: int = 100, claims=planted.CLAIMS):
    points = planted.points(n, seed)
    diffs, rounds = adaptive(planted.evaluator(seed), points, claims, LOOKS)
    return points, diffs, rounds


def guessed(diffs: pd.DataFrame, claim) -> tuple[pd.Series, pd.Series]:
    decided = decisions(diffs, claim)
    means = diffs.groupby("point")[f"{claim.of}:{claim.indicator}"].mean()
    return decided, best_guess(decided, means, claim.direction, claim.smallest)


# -- each point decided beyond noise ------------------------------------------------------------
def test_a_point_is_decided_by_its_interval_not_its_mean():
    values = [-5, -6, -4, -5, 0.5, 0.6, 0.4, 0.5, -9, 8, -7, 6]
    rows = pd.DataFrame({"point": [0] * 4 + [1] * 4 + [2] * 4, "value": values})
    verdict = decide(point_intervals(rows), "lower", 1.0)
    assert verdict.to_dict() == {0: HOLDS, 1: FAILS, 2: UNDECIDED}  # point 2's mean is -0.5
    same = decide(point_intervals(rows), "same", 1.0)
    assert same[0] == FAILS and same[2] == UNDECIDED


def test_more_replications_go_only_to_undecided_points():
    from sim.analysis.robustness import undecided_points

    points, diffs, rounds = run(seed=3)
    assert [r["replications"] for r in rounds] == LOOKS
    assert rounds[0]["points"] == len(points) > rounds[1]["points"] >= rounds[2]["points"]
    counts = diffs.groupby("point").size()
    first = diffs[diffs["replication"] < LOOKS[0]]
    pending = undecided_points(first, planted.CLAIMS)
    assert sorted(counts[counts > LOOKS[0]].index) == pending  # exactly those, no other
    assert rounds[1]["points"] == len(pending)
    assert counts.max() == LOOKS[-1]


def test_decisions_are_rarely_wrong_against_a_high_replication_reference():
    wrong = compared = 0
    for seed in range(8):
        points, diffs, _ = run(seed)
        reference = planted.evaluator(seed)("reference", points.iloc[:40], range(1000, 1064))
        found = misclassification(diffs, reference, planted.CLAIMS)
        wrong, compared = wrong + found["wrong"], compared + found["compared"]
    assert compared > 300
    assert wrong / compared < 0.05, f"{wrong} of {compared} decisions differ from the reference"


def test_share_intervals_cover_the_planted_share_in_about_95_percent_of_seeds():
    covered, widths = 0, []
    claim = planted.CLAIMS[0]
    for seed in SEEDS:
        _, diffs, _ = run(seed, claims=[claim])
        decided, guess = guessed(diffs, claim)
        share = share_interval(decided, guess)
        covered += share.low <= planted.BOUNDARY <= share.high
        widths.append(share.high - share.low)
    assert covered >= 0.9 * len(SEEDS), f"covers the truth in {covered} of {len(SEEDS)} seeds"
    assert np.mean(widths) < 0.7  # and says something


# -- where a claim fails, and which way it depends --------------------------------------------
def test_prim_recovers_the_planted_boundary_and_never_names_the_noise():
    claim = planted.CLAIMS[0]
    named_noise, edges = 0, []
    for seed in SEEDS:
        points, diffs, _ = run(seed, claims=[claim])
        _, guess = guessed(diffs, claim)
        x = points.set_index("point").loc[guess.index]
        box = discover(x, (guess == FAILS).to_numpy(), planted.FACTORS, seed)
        if box is None:
            continue
        named_noise += "p_noise" in box.limits
        if "p_effect" in box.limits:
            low, high = box.limits["p_effect"]
            assert high == 1.0  # "above": the other side is open
            edges.append(low)
    assert named_noise < 0.05 * len(SEEDS), f"the noise named in {named_noise} seeds"
    assert len(edges) >= 0.75 * len(SEEDS)
    assert abs(np.median(edges) - planted.BOUNDARY) < 0.12, edges


def test_the_switching_value_recovers_the_planted_boundary_with_an_interval_that_covers_it():
    """Issue 21, item 4: claim x holds where ``effect`` is below 1/3; its switching value
    along ``effect`` lies near 1/3, its 95% interval covers 1/3 in most seeds, it says the
    claim holds below, and the pure-noise dimension has none (its slope is not significant)
    in most seeds."""
    claim = planted.CLAIMS[0]
    values, covered, noise_inside = [], 0, 0
    for seed in range(20):
        points, diffs, _ = run(seed, claims=[claim])
        _, guess = guessed(diffs, claim)
        x = points.set_index("point").loc[guess.index]
        effect, noise = planted.FACTORS[0], planted.FACTORS[1]
        found = switching_value(guess == HOLDS, x[effect.column], effect)
        assert found is not None and not found.holds_above and found.inside
        values.append(found.value)
        covered += found.low <= planted.BOUNDARY <= found.high
        other = switching_value(guess == HOLDS, x[noise.column], noise)
        noise_inside += other is not None and other.inside
        assert switching_value(guess == HOLDS, x["a_reading"], planted.FACTORS[2]) is None
    assert abs(np.median(values) - planted.BOUNDARY) < 0.05, values
    assert covered >= 16, covered
    assert noise_inside <= 2, noise_inside
    text = found.text(planted.WORDS)
    assert text.startswith("the effect: switches at 0.3") and "it holds below, fails above" in text
    assert "plausible range 0 to 1" in text


def test_a_claim_that_flips_with_a_reading_says_which_way():
    claim = planted.CLAIMS[1]
    points, diffs, _ = run(seed=5, n=120, claims=[claim])
    decided, guess = guessed(diffs, claim)
    found = dependence(decided, guess, points.set_index("point"), planted.FACTORS,
                       planted.WORDS, seed=5, over="plausible points")  # fmt: skip
    assert found.text == ("holds at 100% of plausible points if the old reading holds; at 0% "
                          "if the new reading holds")  # fmt: skip
    assert found.factors == ["reading"]


def test_a_claim_with_no_planted_dependence_names_none():
    claim = planted.CLAIMS[1]
    points = planted.points(120, 9)
    points["a_reading"] = 0.0  # the reading never switches: y always holds
    diffs, _ = adaptive(planted.evaluator(9), points, [claim], LOOKS)
    decided, guess = guessed(diffs, claim)
    found = dependence(decided, guess, points.set_index("point"), planted.FACTORS,
                       planted.WORDS, seed=9)  # fmt: skip
    assert found.text == "" and found.factors == [] and found.box is None


def test_the_whole_analysis_on_the_planted_model():
    plan = planted.Plan()
    points, diffs, _ = run(seed=1, n=200)
    reference = planted.evaluator(1)("reference", points.iloc[:20], range(1000, 1048))
    result = analyse(plan, planted.CLAIMS, diffs, points, planted.pattern_values(points), {},
                     reference, planted.WORDS, [])  # fmt: skip
    x, y = result.table.set_index("conclusion").loc[["opt.x", "opt.y"]].to_dict("records")
    assert x["plausible_low"] <= planted.BOUNDARY <= x["plausible_high"]
    assert x["plausible_verdict"] == "depends"
    assert x["plausible_depends"].startswith("fails mostly where the effect is above 0.")
    assert x["plausible_depends_factors"] == "effect"
    assert y["plausible_verdict"] == "depends" and y["plausible_depends_factors"] == "reading"
    assert x["plausible_share_2x"] < x["plausible_share"]  # a stricter threshold holds less
    assert result.reference["compared"] > 0 and result.reference["rate"] < 0.05
    assert any("equifinality" in note for note in result.notes)  # the flat pattern keeps all
    readings = result.readings.query("conclusion == 'opt.y' and over == 'plausible'")
    assert readings[["share_off", "share_on"]].to_numpy().tolist() == [[1.0, 0.0]]


# -- screening -----------------------------------------------------------------------------------
def test_morris_tells_an_effect_from_the_noise_floor():
    from SALib.sample import morris as sample

    from sim.experiment.robustness import DUMMY, problem

    factors = [*planted.FACTORS[:2], DUMMY]
    raw = sample.sample(problem(factors), 30, num_levels=4, seed=2)
    rng = np.random.default_rng(2)
    y = planted.truth_x(raw[:, 0]) + rng.normal(0, planted.SIGMA / 2, len(raw))
    table = morris_screen(problem(factors), raw, y, 4, seed=2).set_index("factor")
    assert table.loc["p_effect", "above_noise"]
    assert not table.loc["p_noise", "above_noise"]
    assert not table.loc[DUMMY.column, "above_noise"]


@pytest.mark.parametrize("signal", [True, False])
def test_sobol_indices_only_on_a_metamodel_that_explains(signal):
    points = planted.points(200, 4).set_index("point")
    rng = np.random.default_rng(4)
    noise = rng.normal(0, 1, len(points))
    y = planted.truth_x(points["p_effect"]) + 0.3 * noise if signal else noise
    table, r2 = metamodel_sobol(points, y, planted.FACTORS, seed=4)
    if signal:
        assert r2 > 0.9 and table.iloc[0]["factor"] == "p_effect"
        assert table.set_index("factor").loc["p_noise", "ST"] < 0.1
    else:
        assert table is None and r2 < 0.5
