"""Invariants a run must keep, whatever the structure, scenario or seed.

An outcome indicator moves only by what the scenario declares: its baseline, its trend, the
shocks that hit it, and the declared effects of issues (each counted at most once, whatever
pathway delivers it: fan-out to districts, follow-ups, send-backs, re-decisions). Tests check
:func:`indicator_violations` over every shipped scenario and structure for many seeds; a
number outside this envelope is a bug in the model's accounting, never a finding.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pandas as pd

from sim.spec.scenario import IssueSpec, ScenarioSpec

TOLERANCE = 1e-6


def declared_effects(scenario: ScenarioSpec) -> dict[tuple[str, str], tuple[float, float]]:
    """Per (indicator, district): the sum of declared decreases and of declared increases,
    over every named issue and every follow-up it may raise."""
    low: dict[tuple[str, str], float] = defaultdict(float)
    high: dict[tuple[str, str], float] = defaultdict(float)

    def visit(issues: list[IssueSpec]) -> None:
        for issue in issues:
            for effect in issue.effects:
                key = (effect.indicator, effect.district)
                low[key] += min(0.0, effect.change)
                high[key] += max(0.0, effect.change)
            visit([follow.issue for follow in issue.follow_ups])

    visit(scenario.issues)
    return {key: (low[key], high[key]) for key in set(low) | set(high)}


def _shock_sums(
    scenario: ScenarioSpec, name: str, district: str, week: float
) -> tuple[float, float]:
    """Shock changes applied before ``week`` and up to and including it."""
    before = upto = 0.0
    for shock in scenario.shocks:
        if shock.indicator != name or shock.district != district:
            continue
        times = shock.times if shock.every_weeks else 1
        for k in range(times):
            at = shock.at_week + k * (shock.every_weeks or 0.0)
            before += shock.change if at < week else 0.0
            upto += shock.change if at <= week else 0.0
    return before, upto


def indicator_violations(scenario: ScenarioSpec, indicators: pd.DataFrame) -> list[str]:
    """Every weekly value of an outcome indicator outside baseline + trend + shocks + the
    declared effects (one line each; empty when the run keeps the invariant)."""
    specs = {spec.name: spec for spec in scenario.indicators}
    effects = declared_effects(scenario)
    out = []
    for week, name, district, value in indicators.itertuples(index=False, name=None):
        spec = specs[name]
        expected = spec.baseline[district] + spec.trend_per_year.get(district, 0.0) * week / 52
        before, upto = _shock_sums(scenario, name, district, week)
        low, high = effects.get((name, district), (0.0, 0.0))
        floor = expected + min(before, upto) + low - TOLERANCE
        ceiling = expected + max(before, upto) + high + TOLERANCE
        if math.isnan(value) or not floor <= value <= ceiling:
            out.append(
                f"{name} in {district} at week {week:g} is {value:g}, outside "
                f"[{floor:g}, {ceiling:g}] (baseline, trend, shocks and declared effects)"
            )
    return out
