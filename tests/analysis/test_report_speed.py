"""What makes `sim report` fast gives the same numbers (issue 21, item 7): the table `sim
compare` stored is the one the report would compute, the exact sign-flip test is scipy's, and
Holm's adjustment is statsmodels'."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests

import sim.analysis.report as report
from sim.analysis import stats
from sim.cli import main
from sim.experiment.results import load_results
from sim.spec import load_scenario
from sim.spec.loading import SCENARIO_DIR


def _without_pictures(page: str) -> str:
    return re.sub(r"Generated [0-9: -]+UTC", "", re.sub(r"data:image[^\"]+", "", page))


def test_a_report_reads_the_stored_table_and_says_the_same(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(SCENARIO_DIR / "employer_closure.yaml"), "--structures",
                 "five_element,pilot", "--replications", "12", "--workers", "1", "--out",
                 str(out)]) == 0  # fmt: skip
    results = load_results(out)[0]
    catalogue = report._catalogue(results, load_scenario(results.scenario))
    stored = report._stored_table(out, results, catalogue)
    assert stored is not None  # the folder's own table is taken
    computed = report.comparison_table(results, catalogue)
    assert stored.columns.tolist() == computed.columns.tolist()
    for column in computed.columns:
        assert stored[column].tolist() == pytest.approx(computed[column].tolist(), rel=0,
                                                        abs=0, nan_ok=True) \
            if computed[column].dtype.kind == "f" else \
            stored[column].tolist() == computed[column].tolist(), column  # fmt: skip
    assert main(["report", str(out), "--out", str(tmp_path / "stored.html")]) == 0
    # a table that is not this folder's family is not taken: the report recomputes it
    table = (out / "comparison.csv").read_text().splitlines()
    (out / "comparison.csv").write_text("\n".join(table[:-2]) + "\n")
    assert report._stored_table(out, results, catalogue) is None
    assert main(["report", str(out), "--out", str(tmp_path / "computed.html")]) == 0
    first = _without_pictures((tmp_path / "stored.html").read_text())
    second = _without_pictures((tmp_path / "computed.html").read_text())
    assert first == second
    capsys.readouterr()


def test_the_exact_sign_flip_test_is_scipys():
    rng = np.random.default_rng(7)
    for trial in range(400):
        n = int(rng.integers(2, 14))
        d = [rng.normal(size=n), rng.integers(-3, 4, size=n).astype(float),
             rng.choice([0.1, 0.2, 0.3, -0.1, -0.3], size=n)][trial % 3]  # fmt: skip
        if np.all(d == 0):
            continue
        expected = scipy_stats.permutation_test(
            (d,), np.mean, permutation_type="samples", n_resamples=stats.PERMUTATIONS,
            alternative="two-sided", vectorized=True,
            random_state=np.random.default_rng(stats.SEED)).pvalue  # fmt: skip
        assert stats.sign_flip_p(d) == float(expected), d


def test_the_sampled_sign_flip_test_is_scipys():
    """Issue 21, item 7: the sampled test (more pairs than the exact one enumerates) draws
    the same sign patterns from the same seed as scipy's permutation_test and gives the same
    p-value, to the last bit, ties included; and the pattern draws are rng.permuted's."""
    rng = np.random.default_rng(9)
    for trial in range(120):
        n = int(rng.integers(17, 45))
        d = [rng.normal(0.3, size=n), rng.integers(-3, 4, size=n).astype(float),
             np.round(rng.normal(size=n), 1)][trial % 3]  # fmt: skip
        if np.all(d == 0):
            continue
        patterns = int(rng.choice([stats.PERMUTATIONS, stats.permutations_for(94), 1001]))
        expected = scipy_stats.permutation_test(
            (d,), np.mean, permutation_type="samples", n_resamples=patterns,
            alternative="two-sided", vectorized=True,
            random_state=np.random.default_rng(trial)).pvalue  # fmt: skip
        assert stats.sign_flip_p(d, seed=trial, permutations=patterns) == float(expected), d
    picks = np.random.default_rng(3).permuted(np.tile(np.arange(2), (501, 31, 1)), axis=-1)
    kept = stats._kept_in_place(np.random.default_rng(3), 501, 31)
    assert (kept == (picks[:, :, 0] == 0)).all()


def test_holm_is_statsmodels():
    rng = np.random.default_rng(8)
    for trial in range(300):
        p = rng.uniform(size=int(rng.integers(1, 60)))
        if trial % 3 == 0:
            p = np.round(p, 2)  # ties
        if trial % 5 == 0:
            p[0] = np.nan
        known = ~np.isnan(p)
        expected = np.full(p.shape, np.nan)
        if known.any():
            expected[known] = multipletests(p[known], alpha=0.05, method="holm")[1]
        assert np.array_equal(stats.adjust(p), expected, equal_nan=True)
