"""The paired comparison states its uncertainty honestly: intervals that fit the quantity,
no significance from too few pairs, exact differences reported as exact, multiplicity
control, practical significance, and the command's outputs."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import stats
from sim.analysis.compare import (
    censoring_table,
    format_comparison,
    headline_indicators,
    outcome_indicators,
    paired_comparison,
)
from sim.cli import main
from sim.model.indicators import Indicator
from sim.spec import load_scenario
from sim.spec.loading import SCENARIO_DIR

COUNT = Indicator("x", "TEST", "a count", "a count", "higher", "things", 1.0)


def runs_of(base: list[float], other: list[float], column: str = "x") -> pd.DataFrame:
    rows = [{"structure": "old", "replication": i, column: v} for i, v in enumerate(base)]
    rows += [{"structure": "new", "replication": i, column: v} for i, v in enumerate(other)]
    return pd.DataFrame(rows)


def compared(base, other, indicator: Indicator = COUNT) -> pd.Series:
    table = paired_comparison(runs_of(base, other, indicator.name), ["old", "new"], [indicator])
    return table.set_index("structure")


def test_a_count_never_gets_an_interval_below_zero():
    """Item 5: a rare count (mostly 0) used to get a t interval reaching below 0."""
    rare = [0.0] * 18 + [3.0, 4.0]
    table = compared(rare, rare)
    old = table.loc["old"]
    assert old["ci_low"] >= 0 and old["ci_method"] in ("bca", "percentile")
    t_low = np.mean(rare) - 2.093 * np.std(rare, ddof=1) / np.sqrt(20)
    assert t_low < 0  # what the t interval said


def test_a_share_never_gets_an_interval_above_one():
    share = Indicator("s", "TEST", "a share", "a share", "higher", "share", 0.02)
    high = [1.0] * 17 + [0.5, 0.6, 0.7]
    table = compared(high, high, share)
    assert table.loc["old", "ci_high"] <= 1.0


def test_bootstrap_intervals_are_reproducible():
    a = np.random.default_rng(1).normal(10, 2, 30).tolist()
    b = (np.array(a) + np.random.default_rng(2).normal(1, 1, 30)).tolist()
    pd.testing.assert_frame_equal(compared(a, b), compared(a, b))


def test_below_the_pairs_the_family_needs_nothing_is_significant():
    """Issue 20, item 7: five pairs with a large, consistent difference cannot be significant
    (the exact test's smallest p is 2/2^5 = 0.0625); the verdict says how many are needed."""
    table = compared([1.0, 2.0, 3.0, 4.0, 5.0], [11.0, 12.5, 13.0, 14.5, 15.0])
    new = table.loc["new"]
    assert new["p_value"] == pytest.approx(0.0625)
    assert not new["significant"] and new["verdict"] == "too few runs (at least 6 pairs needed)"
    text = format_comparison(table.reset_index(), ["old", "new"])
    assert "TOO SMALL: only 5 paired replications; with 1 differences nothing can be " in text
    assert "at least 6 pairs are needed" in " ".join(text.split())
    assert not text.splitlines()[1].rstrip().endswith("*")


def test_a_five_pair_comparison_gets_the_computed_words():
    """Five pairs of a family of 21 differences: every verdict is too few runs, at least 10
    pairs needed, however large the difference (issue 20: 'fewer than 10 can never survive
    Holm over 21 tests')."""
    n, indicators = 5, []
    rows = {"structure": ["old"] * n + ["new"] * n, "replication": list(range(n)) * 2}
    for k in range(21):
        rows[f"i{k}"] = [*range(n), *(v + 100 + v % 2 for v in range(n))]
        indicators.append(Indicator(f"i{k}", "TEST", f"indicator {k}", "", "higher", "", 1.0))
    table = paired_comparison(pd.DataFrame(rows), ["old", "new"], indicators)
    new = table[table["structure"] == "new"]
    assert (new["tests"] == 21).all() and (new["pairs_needed"] == 10).all()
    assert set(new["verdict"]) == {"too few runs (at least 10 pairs needed)"}
    footer = " ".join(format_comparison(table, ["old", "new"]).split())
    assert "across the comparison's 21 differences" in footer
    assert "With 21 differences at least 10 pairs are needed" in footer


@pytest.mark.parametrize(("tests", "pairs"), [(1, 6), (21, 10), (47, 11)])
def test_the_pairs_needed_are_the_fewest_at_which_the_exact_test_survives_holm(tests, pairs):
    """N for a family of m tests, checked by brute force on the exact sign-flip test: with n
    pairs all of one sign, enumerate every sign pattern; the smallest p survives Holm's first
    step (m p < 0.05) from n = N on, never below."""
    assert stats.pairs_needed(tests) == pairs
    for n in range(2, pairs + 3):
        d = np.arange(1.0, n + 1)
        signs = np.array(np.meshgrid(*[[-1.0, 1.0]] * n)).reshape(n, -1).T  # all 2^n patterns
        means = (signs * d).mean(axis=1)
        smallest = float(np.mean(np.abs(means) >= abs(d.mean()) - 1e-12))
        assert smallest == stats.smallest_p(n, stats.permutations_for(tests))
        assert stats.sign_flip_p(d, permutations=stats.permutations_for(tests)) == (
            pytest.approx(smallest)
        )
        holm = stats.adjust([smallest] + [1.0] * (tests - 1))[0]
        assert (holm < stats.ALPHA) == (n >= pairs), n


def test_the_statistics_page_states_the_pairs_needed():
    """docs/statistics.md's table of N by family size is the code's."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "statistics.md").read_text()
    rows = re.findall(r"^  \| (\d+)(?: to (\d+))? \| (\d+) \|", page, flags=re.MULTILINE)
    assert len(rows) >= 4
    for low, high, pairs in rows:
        for tests in (int(low), int(high or low)):
            assert stats.pairs_needed(tests) == int(pairs), tests


def test_a_sampled_test_draws_enough_sign_patterns_for_its_family():
    """Past 13 pairs the test samples sign patterns, and its p cannot fall below
    2 / (patterns + 1): a family large enough for that floor to block every difference gets
    more patterns, so that its N exists."""
    with pytest.raises(ValueError, match="cannot make any of 300 tests significant"):
        stats.pairs_needed(300, permutations=stats.PERMUTATIONS)
    patterns = stats.permutations_for(300)
    assert 300 * 2 / (patterns + 1) < stats.ALPHA
    assert stats.pairs_needed(300) == 14


def test_a_difference_identical_in_every_replication_is_exact():
    """Item 6: the same difference in every replication is exact, not a narrow interval."""
    base = [10.0, 12.0, 9.0, 11.0, 10.0, 13.0, 8.0, 10.0]
    table = compared(base, [v - 3 for v in base])
    new = table.loc["new"]
    assert new["diff_method"] == "exact" and new["diff"] == -3.0
    assert new["diff_low"] == new["diff_high"] == -3.0
    assert new["significant"] and new["verdict"] == "worse"
    assert "-3.0 things (every run)*" in format_comparison(table.reset_index(), ["old", "new"])


def test_many_indicators_are_adjusted_for_multiplicity():
    """Item 7: one of 25 indicators with an unadjusted p of about 0.01 is not significant
    once Holm's adjustment is made across the table; both p-values are kept."""
    rng = np.random.default_rng(3)
    n = 12
    rows = {"structure": ["old"] * n + ["new"] * n, "replication": list(range(n)) * 2}
    indicators = []
    for k in range(25):
        base = rng.normal(0, 1, n)
        shift = 0.6 if k == 0 else 0.0
        rows[f"i{k}"] = [*base, *(base + shift + rng.normal(0, 1, n))]
        indicators.append(Indicator(f"i{k}", "TEST", f"indicator {k}", "", "higher", "", 0.01))
    table = paired_comparison(pd.DataFrame(rows), ["old", "new"], indicators)
    new = table[table["structure"] == "new"].set_index("indicator")
    assert (new["adjustment"] == "holm").all()
    assert (new["p_adjusted"] >= new["p_value"]).all()
    assert new.loc["i0", "p_value"] < 0.05 < new.loc["i0", "p_adjusted"]
    assert not new.loc["i0", "significant"]
    expected = stats.adjust(new["p_value"].to_numpy())
    assert new["p_adjusted"].to_numpy() == pytest.approx(expected)


def test_a_difference_inside_the_smallest_that_matters_is_no_practical_difference():
    """Item 8: a tiny, tight difference is 'no practical difference', never 'better by 0.00'."""
    share = Indicator("s", "TEST", "attendance", "", "higher", "share", 0.02)
    base = np.random.default_rng(4).uniform(0.6, 0.7, 30)
    other = base + 0.001 + np.random.default_rng(5).normal(0, 0.001, 30)
    new = compared(base.tolist(), other.tolist(), share).loc["new"]
    assert new["verdict"] == "no practical difference"
    assert new["diff_low"] >= -0.02 and new["diff_high"] <= 0.02


def test_verdicts_follow_the_declared_direction_and_size():
    est = stats.Estimate(-3.0, -4.0, -2.0, 30, "bca")
    assert stats.verdict(est, 0.001, 1.0, "lower", needed=11) == "better"
    assert stats.verdict(est, 0.001, 1.0, "higher", needed=11) == "worse"
    assert stats.verdict(est, 0.001, 1.0, "", needed=11) == "lower"
    assert stats.verdict(est, 0.2, 1.0, "lower", needed=11) == "not clear"
    assert stats.verdict(est, 0.001, 3.5, "lower", needed=11) == "no practical difference"
    assert stats.verdict(est, 0.001, 5.0, "lower", needed=11) == "no practical difference"
    assert stats.verdict(est, 0.001, 1.0, "lower", needed=31) == (
        "too few runs (at least 31 pairs needed)"
    )
    assert stats.verdict(stats.Estimate(0.0, 0.0, 0.0, 30, "exact"), 1.0, 0.0,
                         needed=11) == "no practical difference"  # fmt: skip
    assert stats.verdict(stats.Estimate(math.nan, math.nan, math.nan, 0, "none"), math.nan, 1.0,
                         needed=11) == "n/a"  # fmt: skip


def test_every_headline_indicator_declares_its_smallest_difference():
    runs = pd.DataFrame(columns=["named_weeks_to_decision", "outcome_workers_supported"])
    scenario = load_scenario(SCENARIO_DIR / "employer_closure.yaml")
    found = headline_indicators(runs, scenario)
    assert [i.name for i in found] == ["named_weeks_to_decision", "outcome_workers_supported"]
    assert all(i.smallest > 0 and i.unit for i in found)
    assert outcome_indicators(scenario)[0].smallest == 50


def test_compare_command_writes_tables_figures_and_the_method(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(SCENARIO_DIR / "employer_closure.yaml"), "--replications", "3",
                 "--workers", "1", "--out", str(out)])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "option 3 - option 1" in text and "workers supported" in text
    assert (
        "option 1: Five-element structure (2007) (business as usual, the baseline)\n"
        "option 2: Do-minimum: five-element structure with the stricter rules (2010) "
        "(do-minimum)\noption 3: Strategic / executive / operational pilot (2010) "
        "(preferred option)"
    ) in text  # the default options, named by their titles
    assert "bootstrap" in text and "Holm" in text and "TOO SMALL" in text
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 9 and set(runs["structure"]) == {"five_element", "do_minimum", "pilot"}
    comparison = pd.read_csv(out / "comparison.csv")
    assert {"p_value", "p_adjusted", "adjustment", "verdict", "smallest", "tests",
            "pairs_needed"} <= set(comparison)  # fmt: skip
    scenario = load_scenario(SCENARIO_DIR / "employer_closure.yaml")
    shown = [i.name for i in headline_indicators(runs, scenario)]
    assert set(shown) < set(comparison["indicator"])  # the family; the text shows the headline
    assert (comparison["tests"].dropna() == 2 * comparison["indicator"].nunique()).all()
    figures = {p.name for p in (out / "figures").glob("*.png")}
    for key in shown:
        assert f"{key}.png" in figures
    assert "outcome_workers_supported_over_time.png" in figures
    assert (out / "indicators.csv").exists() and (out / "censoring.csv").exists()


def test_compare_from_several_root_seeds_says_whether_conclusions_agree(tmp_path, capsys):
    """Item 10: --seeds runs the comparison from each root seed and compares the verdicts."""
    out = tmp_path / "seeds"
    code = main(["compare", str(SCENARIO_DIR / "smoke.yaml"), "--replications", "5",
                 "--seeds", "1,2", "--workers", "1", "--out", str(out)])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "Across root seeds 1, 2" in text and "conclusions agree across the 2 root seeds" in text
    agreement = pd.read_csv(out / "agreement.csv")
    assert {"seed_1", "seed_2", "agree"} <= set(agreement.columns)
    assert agreement["agree"].tolist() == (agreement["seed_1"] == agreement["seed_2"]).tolist()
    runs = pd.read_csv(out / "runs.csv")
    assert sorted(runs["root_seed"].unique()) == [1, 2] and len(runs) == 2 * 3 * 5


def test_compare_needs_two_structures(capsys):
    code = main(["compare", str(SCENARIO_DIR / "smoke.yaml"), "--structures", "pilot"])
    assert code == 2 and "at least two structures" in capsys.readouterr().err


def test_repeated_root_seeds_are_an_error(capsys):
    code = main(["compare", str(SCENARIO_DIR / "smoke.yaml"), "--seeds", "1,1"])
    assert code == 2 and "--seeds" in capsys.readouterr().err


def test_named_issues_times_are_censored_not_missing():
    """Item 9: a named issue still undecided at the end of a 100-week run counts as censored
    there; the Kaplan-Meier median and the censored share say so, per structure and for the
    paired difference."""
    rows = []
    for rep in range(10):
        rows.append({"structure": "old", "replication": rep, "source": "named", "raised_at": 0.0,
                     "weeks_to_decision": 20.0 + rep, "weeks_to_delivery": 60.0,
                     "dropped_at": np.nan})  # fmt: skip
        undecided = rep < 6  # six of ten never decided under "new"
        rows.append({"structure": "new", "replication": rep, "source": "named", "raised_at": 0.0,
                     "weeks_to_decision": np.nan if undecided else 10.0,
                     "weeks_to_delivery": np.nan if undecided else 50.0,
                     "dropped_at": np.nan})  # fmt: skip
    table = censoring_table(pd.DataFrame(rows), ["old", "new"], weeks=100)
    decision = table[table["event"] == "decision"].set_index("structure")
    assert decision.loc["old", "censored_share"] == 0 and decision.loc["old", "km_median"] == 24
    assert decision.loc["new", "censored_share"] == 0.6
    assert np.isnan(decision.loc["new", "km_median"])  # fewer than half decided: no median
    # a mean over the decided alone would have said "new" decides 14 weeks sooner
    assert pd.DataFrame(rows).query("structure == 'new'")["weeks_to_decision"].mean() == 10
