"""The statistics of a paired comparison, chosen to fit the quantities the model reports.

- **Intervals** are 95% bootstrap intervals of a mean (``scipy.stats.bootstrap``, BCa, 2,000
  resamples; the percentile method where BCa is undefined). A bootstrap interval of a mean
  stays within the range of the values, so a count or a share never gets an interval below 0
  (or a share one above 1). A difference between structures is bootstrapped over the paired
  replications (replication i of every structure shares its seed).
- **A difference identical in every replication** is reported as exact, with no interval.
- **Tests** are paired sign-flip permutation tests of the mean difference
  (``scipy.stats.permutation_test``; exact when there are few pairs), and a comparison's
  differences are adjusted for multiplicity together with Holm's method (``statsmodels``'
  ``multipletests``); the unadjusted p-values are kept beside the adjusted ones.
- **Too few pairs**: with n pairs the exact test cannot give a p-value below 2 / 2^n, so
  below :func:`pairs_needed` pairs no difference of a family of m tests can survive Holm's
  first step; :func:`verdict` then says "too few runs (at least N pairs needed)".
- **Practical significance**: every indicator declares the smallest difference that matters;
  :func:`verdict` says "no practical difference" when a difference's interval lies inside
  that band, never "better by 0.00".
- **One vocabulary**: :data:`VERDICTS`, the same words in the command's table, the report and
  the app.
- **Censored times**: a time to decision of an issue still undecided when the run ends is
  censored, not missing: :func:`km_median` (the Kaplan-Meier median, checked against
  ``scipy.stats.ecdf`` on ``CensoredData``) and :func:`restricted_mean` live in
  :mod:`sim.model.survival`, beside the run summary that uses them, and are re-exported here.

Every random draw comes from a generator seeded here, so the same runs give the same table.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.model.survival import censored_share, km_median, restricted_mean

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
RESAMPLES = 2000
PERMUTATIONS = 9999
ADJUSTMENT = "holm"
SEED = 20100301  # fixed: the resampling is part of the method, not of the model's randomness

METHOD_NOTE = (
    "95% intervals: bootstrap of the mean (BCa, 2,000 resamples; percentile where BCa is "
    "undefined), differences paired by replication; 'exact' = the same difference in every "
    "replication. Significant = p < 0.05 after Holm adjustment across every difference the "
    "comparison judges (paired sign-flip permutation test); with fewer pairs than a family of "
    "that size needs for any difference to survive the adjustment, every verdict is 'too few "
    "runs'."
)

# The verdict words: one vocabulary for the command's table, the report and the app.
BETTER, WORSE, HIGHER, LOWER = "better", "worse", "higher", "lower"
NO_PRACTICAL = "no practical difference"
NOT_CLEAR = "not clear"
TOO_FEW = "too few runs"
NOT_AVAILABLE = "n/a"
VERDICTS = (BETTER, WORSE, HIGHER, LOWER, NO_PRACTICAL, NOT_CLEAR, TOO_FEW, NOT_AVAILABLE)


__all__ = [
    "VERDICTS",
    "Estimate",
    "adjust",
    "bootstrap_statistic",
    "censored_share",
    "km_median",
    "mean_interval",
    "paired_differences",
    "pairs_needed",
    "permutations_for",
    "restricted_mean",
    "sign_flip_p",
    "smallest_p",
    "too_few",
    "verdict",
]  # fmt: skip


@dataclass(frozen=True)
class Estimate:
    """A mean with its interval: ``method`` is bca, percentile, exact (every value the same),
    single (one value, no interval) or none (no values)."""

    value: float
    low: float
    high: float
    n: int
    method: str

    @property
    def exact(self) -> bool:
        return self.method == "exact"


def _clean(values) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array[~np.isnan(array)]


def mean_interval(values, seed: int = SEED, resamples: int = RESAMPLES) -> Estimate:
    """The mean of ``values`` (NaN ignored) with a 95% bootstrap interval."""
    data = _clean(values)
    n = len(data)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, "none")
    mean = float(data.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, 1, "single")
    if np.all(data == data[0]):
        return Estimate(mean, mean, mean, n, "exact")
    rng = np.random.default_rng(seed)
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = stats.bootstrap((data,), np.mean, confidence_level=CONFIDENCE,
                                     n_resamples=resamples, method=method, random_state=rng,
                                     vectorized=True)  # fmt: skip
        low, high = result.confidence_interval
        if np.isfinite(low) and np.isfinite(high):
            # the interval of a mean never leaves the values' range (it can, by rounding)
            low, high = max(float(low), float(data.min())), min(float(high), float(data.max()))
            return Estimate(mean, low, high, n, method.lower())
    return Estimate(mean, math.nan, math.nan, n, "none")


def paired_differences(base, other) -> np.ndarray:
    """``other - base`` for the pairs where both are known."""
    a, b = np.asarray(base, dtype=float), np.asarray(other, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    return b[keep] - a[keep]


def sign_flip_p(differences, seed: int = SEED, permutations: int = PERMUTATIONS) -> float:
    """Two-sided p-value of a zero mean difference: a paired permutation (sign-flip) test."""
    d = _clean(differences)
    if len(d) < 2:
        return math.nan
    if np.all(d == 0):
        return 1.0
    if 2 ** len(d) <= min(permutations, EXACT_LIMIT):
        return _exact_sign_flip_p(d)
    return _sampled_sign_flip_p(d, np.random.default_rng(seed), permutations)


EXACT_LIMIT = 2**16  # sign patterns enumerated in one array (n * 2^n values)


def _exact_sign_flip_p(d: np.ndarray) -> float:
    """:func:`sign_flip_p` when every sign pattern is enumerated, as
    ``scipy.stats.permutation_test`` does it when ``n_resamples`` reaches 2^n (the same null
    distribution, the same relative tolerance of 100 machine epsilons for ties, the same
    two-sided p-value), in one array instead of one Python list per pattern: the report of a
    sweep makes thousands of these tests."""
    n = len(d)
    flipped = (np.arange(2**n)[:, None] >> np.arange(n)[::-1]) & 1  # scipy's pattern order
    # scipy's layout: per observation, the pair (d, -d) in the pattern's order, stacked to
    # (observations, patterns, 2) and read as (patterns, observations) through a strided
    # view: the same memory order gives the same floating-point sums
    pairs = np.empty((n, 2**n, 2))
    pairs[:, :, 0] = np.where(flipped.T == 0, d[:, None], -d[:, None])
    pairs[:, :, 1] = -pairs[:, :, 0]
    null = np.mean(np.swapaxes(pairs, 0, -1)[0], axis=-1)
    observed = np.mean(d, axis=-1)
    gamma = abs(np.finfo(float).eps * 100 * observed)
    less = np.count_nonzero(null <= observed + gamma) / 2**n
    greater = np.count_nonzero(null >= observed - gamma) / 2**n
    return float(np.clip(min(less, greater) * 2, 0.0, 1.0))


def _sampled_sign_flip_p(d: np.ndarray, rng: np.random.Generator, permutations: int) -> float:
    """:func:`sign_flip_p` from ``permutations`` random sign patterns, as
    ``scipy.stats.permutation_test((d,), np.mean, permutation_type="samples")`` draws them
    (one ``rng.permuted`` of every (observation, -observation) pair per pattern: the same
    patterns from the same generator), the same floating-point sums (the same memory order)
    and the same p-value (the observed pattern counted once, ties within 100 machine
    epsilons), in a few array operations instead of scipy's general machinery: the app and
    the report make dozens of these tests after the last run."""
    n = len(d)
    # scipy's layout: (observations, patterns, pair), the pair's first value the one drawn;
    # the mean reads only the first values, through the same strided view
    stacked = np.empty((n, permutations, 2))
    stacked[:, :, 0] = np.where(_kept_in_place(rng, permutations, n).T, d[:, None], -d[:, None])
    null = np.mean(np.swapaxes(stacked, 0, -1)[0], axis=-1)
    observed = np.mean(d, axis=-1)
    gamma = abs(np.finfo(float).eps * 100 * observed)
    less = (np.count_nonzero(null <= observed + gamma) + 1) / (permutations + 1)
    greater = (np.count_nonzero(null >= observed - gamma) + 1) / (permutations + 1)
    return float(np.clip(min(less, greater) * 2, 0.0, 1.0))


def _kept_in_place(rng: np.random.Generator, patterns: int, n: int) -> np.ndarray:
    """Whether ``rng.permuted(np.tile([0, 1], (patterns, n, 1)), axis=-1)`` leaves each pair
    in place, from the same draws: that shuffle takes one bounded integer in {0, 1} per pair
    (the low bit of one 32-bit draw, two per 64-bit output of the bit generator, low half
    first) and leaves the pair in place when it is 1. Checked against ``rng.permuted`` by
    the tests; a generator that has already handed out half of a 64-bit output is refused."""
    count = patterns * n
    raw = rng.bit_generator.random_raw((count + 1) // 2)
    bits = np.empty(2 * len(raw), dtype=np.uint64)
    bits[0::2], bits[1::2] = raw & 1, (raw >> 32) & 1
    return (bits[:count] == 1).reshape(patterns, n)


def permutations_for(tests: int) -> int:
    """The random sign patterns drawn for a family of ``tests`` differences: at least
    :data:`PERMUTATIONS`, and enough that the sampled test's own floor (2 / (patterns + 1))
    times ``tests`` stays at 0.02, below the 0.05 that Holm's first step needs."""
    return max(PERMUTATIONS, 100 * max(tests, 1) - 1)


def smallest_p(pairs: int, permutations: int = PERMUTATIONS) -> float:
    """The smallest two-sided p-value :func:`sign_flip_p` can give with ``pairs`` pairs:
    2 / 2^pairs when it enumerates every sign pattern (2^pairs <= ``permutations``, as
    ``scipy.stats.permutation_test`` does), else 2 / (permutations + 1) (a sampled test counts
    the observed pattern once)."""
    if pairs < 2:
        return math.nan
    if 2**pairs <= permutations:
        return 2.0 / 2**pairs
    return 2.0 / (permutations + 1)


def pairs_needed(tests: int, alpha: float = ALPHA, permutations: int | None = None) -> int:
    """The fewest pairs at which any of a family of ``tests`` sign-flip tests can be
    significant: the smallest n whose :func:`smallest_p` times ``tests`` (Holm's first step)
    is below ``alpha``. With fewer pairs no difference can survive the adjustment, whatever
    the runs say. ``permutations`` defaults to :func:`permutations_for` the family."""
    tests = max(tests, 1)
    permutations = permutations_for(tests) if permutations is None else permutations
    n = 2
    while tests * smallest_p(n, permutations) >= alpha:
        if 2**n > permutations:  # sampled from here on: the floor no longer falls
            raise ValueError(f"{permutations} sign patterns cannot make any of {tests} "
                             f"tests significant at {alpha}")  # fmt: skip
        n += 1
    return n


def too_few(needed: int) -> str:
    """The verdict of a difference with fewer pairs than ``needed``."""
    return f"{TOO_FEW} (at least {needed} pairs needed)"


def adjust(p_values, method: str = ADJUSTMENT) -> np.ndarray:
    """Multiplicity-adjusted p-values (Holm by default); NaN stays NaN. Holm's method is
    computed here as ``statsmodels``' ``multipletests`` computes it (the same sort, products and
    running maximum, so the same numbers), without the garbage collection that function runs
    on every call (a quarter of a sweep report's time); other methods go to ``multipletests``."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, math.nan)
    known = ~np.isnan(p)
    if not known.any():
        return out
    if method.lower() in ("h", "holm"):
        values = p[known]
        order = np.argsort(values)
        raised = np.maximum.accumulate(values[order] * np.arange(len(values), 0, -1))
        raised[raised > 1] = 1
        adjusted = np.empty_like(raised)
        adjusted[order] = raised
        out[known] = adjusted
        return out
    from statsmodels.stats.multitest import multipletests

    out[known] = multipletests(p[known], alpha=ALPHA, method=method)[1]
    return out


def verdict(
    estimate: Estimate, p_adjusted: float, smallest: float, better: str = "", *, needed: int
) -> str:
    """A paired difference in words (:data:`VERDICTS`).

    ``too few runs (at least N pairs needed)`` with fewer than ``needed`` pairs (N =
    :func:`pairs_needed` for the comparison's family); ``no practical difference`` when the
    interval, or an exact value, lies within +-``smallest``, or the difference is significant
    but smaller than that; ``better``/``worse`` (or ``higher``/``lower`` where neither
    direction is better in itself) when significant after adjustment (``p_adjusted`` < 0.05)
    and at least ``smallest`` in size; ``not clear`` otherwise (neither shown to matter nor
    shown to be negligible); ``n/a`` with nothing to compare."""
    if estimate.n == 0 or math.isnan(estimate.value):
        return NOT_AVAILABLE
    if estimate.n < needed:
        return too_few(needed)
    value = estimate.value
    if estimate.exact:
        if value == 0 or abs(value) < smallest:
            return NO_PRACTICAL
    elif not math.isnan(estimate.low) and -smallest <= estimate.low and estimate.high <= smallest:
        return NO_PRACTICAL
    if not (p_adjusted < ALPHA):
        return NOT_CLEAR
    if abs(value) < smallest:
        return NO_PRACTICAL
    if better:
        return BETTER if (value > 0) == (better == "higher") else WORSE
    return HIGHER if value > 0 else LOWER


def bootstrap_statistic(
    groups: list, statistic, seed: int = SEED, resamples: int = RESAMPLES
) -> tuple[float, float]:
    """Percentile 95% interval of ``statistic(*resampled groups)``, resampling the indices of
    paired replications together (each group is a list of per-replication items)."""
    n = len(groups[0])
    if n < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        pick = rng.integers(n, size=n)
        value = statistic(*[[g[i] for i in pick] for g in groups])
        if not math.isnan(value):
            values.append(value)
    if len(values) < 0.9 * resamples:  # undefined in too many resamples to trust
        return math.nan, math.nan
    low, high = np.percentile(values, [100 * ALPHA / 2, 100 * (1 - ALPHA / 2)])
    return float(low), float(high)
