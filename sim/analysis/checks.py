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

A difference is paired over (point, replication); ``significant`` asks that its 95%
interval exclude zero. ``between`` bounds the mean over all the slice's runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict
from scipy import stats

from sim.errors import SpecError
from sim.spec.loading import read_yaml, validate_as


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Difference(_Strict):
    of: str
    minus: str
    sign: Literal["positive", "negative"]
    significant: bool = False


class Check(_Strict):
    name: str
    scenario: str
    indicator: str
    structure: str | None = None
    difference: Difference | None = None
    between: tuple[float, float] | None = None


class Checks(_Strict):
    checks: list[Check]


def load_checks(path: str | Path) -> Checks:
    path = Path(path)
    checks = validate_as(Checks, read_yaml(path), str(path))
    for i, check in enumerate(checks.checks):
        if (check.difference is None) == (check.between is None):
            raise SpecError(str(path), f"checks[{i}]", "give exactly one of difference, between")
        if check.between is not None and check.structure is None:
            raise SpecError(str(path), f"checks[{i}].structure", "a band check names a structure")
    return checks


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
            values = rows[rows["structure_file"] == check.structure][check.indicator]
            low, high = check.between
            mean = float(values.mean())
            passed = bool(low <= mean <= high)
            out.append((passed, f"{'ok  ' if passed else 'FAIL'} {check.name}: mean "
                                f"{check.indicator} of {check.structure} is {mean:.3f}, "
                                f"expected within [{low}, {high}]"))  # fmt: skip
    return out


def _difference(check: Check, rows: pd.DataFrame) -> tuple[bool, str]:
    d = check.difference
    wide = rows.pivot_table(index=["point", "replication"], columns="structure_file",
                            values=check.indicator)  # fmt: skip
    diff = (wide[d.of] - wide[d.minus]).dropna().to_numpy(dtype=float)
    mean = float(diff.mean())
    half = float(stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff)))
    low, high = mean - half, mean + half
    right_sign = mean < 0 if d.sign == "negative" else mean > 0
    excludes = high < 0 if d.sign == "negative" else low > 0
    passed = bool(right_sign and (excludes or not d.significant))
    want = f"{d.sign}{' and significant' if d.significant else ''}"
    return passed, (
        f"{'ok  ' if passed else 'FAIL'} {check.name}: {check.indicator} {d.of} - {d.minus} = "
        f"{mean:.2f} [{low:.2f}, {high:.2f}] over {len(diff)} pairs, expected {want}"
    )
