"""Claims: what a comparison's first screen says, as statements a robustness analysis can
test, and how each is decided at one assumption point.

A **claim** is "``of`` minus ``minus`` on ``indicator`` is lower / higher by at least the
indicator's smallest difference that matters, or the same within it". The claims of an
analysis come from the verdict itself (:func:`claims_from_comparison`): every indicator that
decides a first-screen cell, on its better and on its worse side, for every option against
the baseline; a cell of no practical difference gives a "same" claim per judged indicator.
Claims declared by hand (``scenarios/robustness/conclusions.yaml``) may add to them, never
replace them.

At one assumption point a claim **holds**, **fails** or is **undecided**, by the interval of
its paired difference over the point's replications (:func:`decide`): it holds when the
whole interval lies in the claimed region, fails when the whole interval lies outside it,
and is undecided otherwise (more replications may decide it). Over many points the share
where a claim holds is reported with an interval that counts both the sampling of points and
the undecided ones (:func:`share_interval`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

DECISION_CONFIDENCE = 0.975
"""The confidence of the interval that decides a claim at a point, at each look: a point is
looked at again after each batch of replications, so each look is stricter than 95% (the
misclassification this leaves is measured against a high-replication reference)."""
SHARE_CONFIDENCE = 0.95
HOLDS, FAILS, UNDECIDED = "holds", "fails", "undecided"
LOWER, HIGHER, SAME = "lower", "higher", "same"


@dataclass(frozen=True)
class Claim:
    """``of`` minus ``minus`` on ``indicator`` is ``direction`` (lower or higher by at least
    ``smallest``, or the same within it). ``side`` says which side of a first-screen cell it
    decides (better, worse, or same for a cell of no practical difference); ``source`` is
    "verdict" (derived from the first screen), "declared" (hand-written) or "both"."""

    id: str
    claim: str
    indicator: str
    of: str
    minus: str
    direction: str
    smallest: float
    criterion: str = ""
    side: str = ""
    source: str = "verdict"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.of, self.indicator, self.direction)


def claim_words(label: str, direction: str, of_title: str, minus_title: str, smallest: float,
                unit: str = "") -> str:  # fmt: skip
    """A claim in words: "meetings held: lower under the pilot than under the five-element
    structure"; "... the same under both (within 1 meetings)"."""
    if direction == SAME:
        within = f"{smallest:g}{' ' + unit if unit else ''}"
        return f"{label}: the same under {of_title} as under {minus_title} (within {within})"
    return f"{label}: {direction} under {of_title} than under {minus_title}"


def claims_from_comparison(table: pd.DataFrame, names: list[str], titles: dict[str, str],
                           catalogue: dict) -> list[Claim]:  # fmt: skip
    """The claims a comparison's first screen makes (``table``: :func:`sim.analysis.compare.
    paired_comparison` over ``catalogue``, the judged indicators). For every option against
    the baseline ``names[0]`` and every criterion: each indicator judged better or worse
    (both sides of a mixed cell) becomes a claim in its observed direction; a cell of no
    practical difference makes each of its judged indicators a "same" claim; a cell the runs
    cannot tell (not clear) makes none."""
    from sim.analysis.verdict import _NEGLIGIBLE, JUDGED_BETTER, JUDGED_WORSE, ORDER

    base = names[0]
    out: list[Claim] = []
    diffs = table[table["structure"] != base]
    for option in names[1:]:
        mine = diffs[diffs["structure"] == option]
        for criterion in ORDER:
            rows = [r for r in mine.itertuples() if r.indicator in catalogue
                    and catalogue[r.indicator].criterion == criterion
                    and catalogue[r.indicator].better]  # fmt: skip
            decisive = [r for r in rows if r.verdict in (JUDGED_BETTER, JUDGED_WORSE)]
            if decisive:
                chosen = [(r, r.verdict, LOWER if r.diff < 0 else HIGHER) for r in decisive]
            elif rows and all(r.verdict in _NEGLIGIBLE for r in rows):
                chosen = [(r, SAME, SAME) for r in rows]
            else:
                chosen = []
            for row, side, direction in chosen:
                indicator = catalogue[row.indicator]
                words = claim_words(indicator.label, direction, titles.get(option, option),
                                    titles.get(base, base), indicator.smallest,
                                    indicator.unit)  # fmt: skip
                out.append(Claim(f"{option}.{row.indicator}", words, row.indicator, option,
                                 base, direction, float(indicator.smallest), criterion,
                                 side))  # fmt: skip
    return out


def merge_declared(derived: list[Claim], declared: list[Claim]) -> list[Claim]:
    """The derived claims with the declared ones added: a declared claim that says what a
    derived one says (same option, indicator and direction) keeps its id and words and is
    marked "both"; the others are added as "declared"."""
    by_key = {c.key: i for i, c in enumerate(derived)}
    out = list(derived)
    for c in declared:
        if c.key in by_key:
            d = out[by_key[c.key]]
            out[by_key[c.key]] = Claim(c.id, c.claim, d.indicator, d.of, d.minus, d.direction,
                                       d.smallest, d.criterion, d.side, "both")  # fmt: skip
        else:
            out.append(Claim(c.id, c.claim, c.indicator, c.of, c.minus, c.direction,
                             c.smallest, c.criterion, c.side, "declared"))  # fmt: skip
    return out


# -- one point --------------------------------------------------------------------------------
def point_intervals(diffs: pd.DataFrame, confidence: float = DECISION_CONFIDENCE) -> pd.DataFrame:
    """Per point, the paired difference's mean over its replications and its t interval:
    ``diffs`` has columns ``point`` and ``value`` (one row per replication). One replication
    gives no interval; identical replications give a zero-width one."""
    grouped = diffs.dropna(subset=["value"]).groupby("point")["value"]
    table = pd.DataFrame({"n": grouped.size(), "mean": grouped.mean(), "sd": grouped.std()})
    t = scipy_stats.t.ppf(0.5 + confidence / 2, np.maximum(table["n"] - 1, 1))
    half = t * table["sd"] / np.sqrt(table["n"])
    half = half.where(table["n"] > 1)
    table["low"], table["high"] = table["mean"] - half, table["mean"] + half
    return table


def decide(intervals: pd.DataFrame, direction: str, smallest: float,
           scale: float = 1.0) -> pd.Series:  # fmt: skip
    """At each point, whether a claim holds, fails or is undecided by the interval of its
    paired difference (``scale`` times the smallest difference that matters: 2 or 4 to see
    how the verdict moves with the threshold)."""
    s = smallest * scale
    low, high = intervals["low"], intervals["high"]
    if direction == LOWER:
        holds, fails = high <= -s, low > -s
    elif direction == HIGHER:
        holds, fails = low >= s, high < s
    else:
        holds, fails = (low >= -s) & (high <= s), (low > s) | (high < -s)
    out = pd.Series(UNDECIDED, index=intervals.index, dtype=object)
    out[fails.fillna(False)] = FAILS
    out[holds.fillna(False)] = HOLDS
    return out


def holds_at_mean(means: pd.Series, direction: str, smallest: float) -> pd.Series:
    """Whether a claim holds at each point by its mean alone (no interval): the reference's
    reading, and a metamodel's."""
    if direction == LOWER:
        return means <= -smallest
    if direction == HIGHER:
        return means >= smallest
    return means.abs() <= smallest


# -- many points --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Share:
    """Where a claim holds over a set of points: counts, the share of decided points that
    hold, and a 95% interval of the share of all points that counts the undecided ones as
    either (Clopper-Pearson: low from the points that hold, high from those that hold or are
    undecided)."""

    points: int
    holds: int
    fails: int
    undecided: int
    estimate: float
    low: float
    high: float

    def text(self, over: str = "points") -> str:
        """E.g. "holds at 73% (95% interval 61% to 84%) of 78 plausible points, 5
        undecided"."""
        if not self.points:
            return f"no {over}"
        est = f"{self.estimate:.0%}" if not math.isnan(self.estimate) else "no decided"
        undecided = f", {self.undecided} undecided" if self.undecided else ""
        return (f"holds at {est} (95% interval {self.low:.0%} to {self.high:.0%}) of "
                f"{self.points} {over}{undecided}")  # fmt: skip


def best_guess(decisions: pd.Series, means: pd.Series, direction: str,
               smallest: float) -> pd.Series:  # fmt: skip
    """Each point's best guess: its decision where it is decided, else whether the claim
    holds at the point's mean difference."""
    guess = decisions.copy()
    open_ = decisions == UNDECIDED
    holds = holds_at_mean(means.reindex(decisions.index), direction, smallest)
    guess[open_] = np.where(holds[open_], HOLDS, FAILS)
    return guess


def share_interval(decisions: pd.Series, guess: pd.Series | None = None,
                   confidence: float = SHARE_CONFIDENCE) -> Share:  # fmt: skip
    """The share of points where a claim holds (:class:`Share`) from per-point decisions:
    the estimate is the share of points whose best guess (``guess``: :func:`best_guess`;
    else the decided points alone) holds; the interval runs from the points decided to hold
    to those decided to hold or undecided."""
    n = len(decisions)
    holds = int((decisions == HOLDS).sum())
    fails = int((decisions == FAILS).sum())
    undecided = n - holds - fails
    if n == 0:
        return Share(0, 0, 0, 0, math.nan, math.nan, math.nan)
    decided = holds + fails
    if guess is not None:
        estimate = float((guess.reindex(decisions.index) == HOLDS).mean())
    else:
        estimate = holds / decided if decided else math.nan
    alpha = 1 - confidence
    low = 0.0 if holds == 0 else float(scipy_stats.beta.ppf(alpha / 2, holds, n - holds + 1))
    upper = holds + undecided
    high = 1.0 if upper == n else float(scipy_stats.beta.ppf(1 - alpha / 2, upper + 1, n - upper))
    return Share(n, holds, fails, undecided, estimate, low, high)


ROBUST_LOW = 0.9
"""A claim holds across the assumptions ("robust") when its share's 95% interval starts at
90% or above."""
NOT_SUPPORTED_HIGH = 0.5
"""A claim is not supported when its share's 95% interval ends below 50%: it fails at most
of the points, beyond noise."""
NOISY_SHARE = 0.2
"""When more than this share of the points are undecided and no dependence is found, the
claim is too noisy to tell (more replications per point would decide it)."""
ROBUST = "robust"
DEPENDS = "depends"
NOT_SUPPORTED = "not supported"
NO_SIMPLE = "depends (no simple description)"
NOISY = "too noisy to tell"
FEW = "too few points to tell"
ONE_WAY = ("holds wherever decided", "fails wherever decided")
FEW_POINTS = 30
"""Below this many points a share's interval is too wide to call a claim anything but robust
or not supported without a described dependence."""
NO_POINTS = "not judged: no points with runs"
NO_PLAUSIBLE = "not judged: no plausible points"


def claim_verdict(share: Share, depends: str = "", over_plausible: bool = True) -> str:
    """A claim's verdict over a set of points: robust, not supported, depends (when
    ``depends``, what it depends on in plain words, is given), too noisy to tell, holds (or
    fails) wherever decided, too few points to tell, depends (no simple description), or
    not judged."""
    if share.points == 0:
        return NO_PLAUSIBLE if over_plausible else NO_POINTS
    if share.low >= ROBUST_LOW:
        return ROBUST
    if share.high < NOT_SUPPORTED_HIGH:
        return NOT_SUPPORTED
    if depends:
        return DEPENDS
    undecided = f"(undecided at {share.undecided} of {share.points} points)"
    if share.undecided > NOISY_SHARE * share.points:
        return f"{NOISY} {undecided}"
    if share.fails == 0 or share.holds == 0:  # one way wherever decided: nothing to depend on
        if share.undecided:
            return f"{HOLDS if share.fails == 0 else FAILS} wherever decided {undecided}"
        return f"{FEW} ({share.points})"
    if share.points < FEW_POINTS:
        return f"{FEW} ({share.points})"
    return NO_SIMPLE
