"""Declared expectations about sweep results, for CI: a conclusion that flips fails loudly.

A checks file lists checks of two kinds::

    checks:
      - name: the pilot decides the closure sooner
        scenario: employer_closure
        indicator: named_weeks_to_decision
        difference: {of: pilot, minus: five_element, sign: negative, significant: true}
      - name: pilot attendance stays plausible
        scenario: employer_closure
        structure: pilot
        indicator: attendance_rate
        between: [0.7, 0.9]

A sweep is not a set of replications: each check is judged at every design point on its own
(pairs are the point's replications), never by pooling points with different parameters. A
difference check holds at a point when the mean paired difference has the declared sign (and,
with ``significant``, when a paired sign-flip test, Holm-adjusted across the check's points,
gives p < 0.05; with fewer pairs a point than any of that many tests needs,
:func:`sim.analysis.stats.pairs_needed`, it cannot, and the line says so); a band check when
the point's mean lies in the band.
A check passes when it holds at every point, or at the share of points given as ``points``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import stats
from sim.spec.checks import Check, Checks


def evaluate(checks: Checks, runs: pd.DataFrame) -> list[tuple[bool, str]]:
    """(passed, one line) per check."""
    ok_runs = runs[runs["error"] == ""]
    out = []
    for check in checks.checks:
        declared = ok_runs["scenario_file"]
        stems = declared.map(lambda f: Path(f).stem)
        rows = ok_runs[(declared == check.scenario) | (stems == check.scenario)]
        if check.indicator not in rows.columns or rows.empty:
            out.append((False, f"FAIL {check.name}: no results for {check.scenario} / "
                               f"{check.indicator}"))  # fmt: skip
            continue
        if check.difference is not None:
            out.append(_difference(check, rows))
        else:
            out.append(_band(check, rows))
    return out


def _verdict(check: Check, held: int, points: int, detail: str) -> tuple[bool, str]:
    passed = points > 0 and held >= check.points * points - 1e-9
    need = "every point" if check.points == 1 else f"{check.points:.0%} of points"
    return passed, (f"{'ok  ' if passed else 'FAIL'} {check.name}: held at {held} of {points} "
                    f"design points (needs {need}); {detail}")  # fmt: skip


def _band(check: Check, rows: pd.DataFrame) -> tuple[bool, str]:
    low, high = check.between
    means = rows[rows["structure_file"] == check.structure].groupby("point")[check.indicator]
    means = means.mean()
    held = int(((means >= low) & (means <= high)).sum())
    detail = (f"mean {check.indicator} of {check.structure} per point {means.min():.3f} to "
              f"{means.max():.3f}, expected within [{low}, {high}]")  # fmt: skip
    return _verdict(check, held, len(means), detail)


def _difference(check: Check, rows: pd.DataFrame) -> tuple[bool, str]:
    d = check.difference
    wide = rows.pivot_table(index=["point", "replication"], columns="structure_file",
                            values=check.indicator)  # fmt: skip
    if d.of not in wide or d.minus not in wide:
        return False, f"FAIL {check.name}: no results for {d.of} or {d.minus}"
    groups = [g for _, g in wide.groupby(level="point")]
    permutations = stats.permutations_for(len(groups))
    needed = stats.pairs_needed(len(groups), permutations=permutations)
    means, p_values, sizes = [], [], []
    for group in groups:
        diff = stats.paired_differences(group[d.minus].to_numpy(), group[d.of].to_numpy())
        means.append(float(diff.mean()) if len(diff) else np.nan)
        p_values.append(stats.sign_flip_p(diff, permutations=permutations) if len(diff)
                        else np.nan)  # fmt: skip
        sizes.append(len(diff))
    means, sizes = np.array(means), np.array(sizes)
    adjusted = stats.adjust(p_values)
    right_sign = means < 0 if d.sign == "negative" else means > 0
    if d.significant:
        right_sign &= (adjusted < stats.ALPHA) & (sizes >= needed)
    want = f"{d.sign}{' and significant (Holm across points)' if d.significant else ''}"
    few = (f" ({stats.too_few(needed)} a point for {len(groups)} tests)"
           if d.significant and sizes.min() < needed else "")  # fmt: skip
    detail = (f"{check.indicator} {d.of} - {d.minus} per point {np.nanmin(means):.2f} to "
              f"{np.nanmax(means):.2f} over {sizes.min()}-{sizes.max()} pairs each{few}, "
              f"largest adjusted p {np.nanmax(adjusted):.3g}; expected {want}")  # fmt: skip
    return _verdict(check, int(right_sign.sum()), len(means), detail)
