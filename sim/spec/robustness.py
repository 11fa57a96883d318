"""Declared conclusions and patterns of a robustness analysis, as data.

``scenarios/robustness/conclusions.yaml`` holds, per scenario, the headline conclusions a
robustness analysis tests across the assumption space ("the pilot decides the Employco
response sooner": ``of`` minus ``minus`` on ``indicator`` is lower, higher, or the same
within the indicator's smallest difference that matters). ``patterns.yaml`` holds what the
sources report about how the old structure behaved, as bands an indicator's value must lie
in for an assumption point to be plausible, and the reported patterns the model cannot check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.errors import SpecError
from sim.spec.loading import read_yaml, resolve, validate_as


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class ConclusionSpec(_Strict):
    """``of`` minus ``minus`` on ``indicator`` is ``direction``."""

    id: str
    claim: str
    of: str
    minus: str
    indicator: str
    direction: Literal["lower", "higher", "same"]


class PatternSpec(_Strict):
    """A reported pattern: ``indicator`` (the mean over a point's replications) lies in
    ``between`` at a plausible point."""

    id: str
    source: str
    indicator: str
    between: tuple[float, float]

    @model_validator(mode="after")
    def _ordered(self) -> PatternSpec:
        if self.between[0] > self.between[1]:
            raise ValueError(f"between: {self.between[0]} is above {self.between[1]}")
        return self


class NotChecked(_Strict):
    """A reported pattern the model cannot check, and why."""

    id: str
    source: str
    why: str


class Patterns(_Strict):
    """The pattern checks: measured on ``scenario`` under ``structure`` at every point."""

    scenario: str
    structure: str
    patterns: list[PatternSpec] = Field(min_length=1)
    not_checked: list[NotChecked] = []


def load_conclusions(scenario: str, path: str | Path = "conclusions") -> list[ConclusionSpec]:
    """The declared conclusions of one scenario (by its name); [] when it has none."""
    file = resolve("robustness", path)
    raw = read_yaml(file)
    entry = raw.get(scenario, [])
    if not isinstance(entry, list):
        raise SpecError(str(file), scenario, "expected a list of conclusions")
    out = [validate_as(ConclusionSpec, item, str(file)) for item in entry]
    ids = [c.id for c in out]
    for i in ids:
        if ids.count(i) > 1:
            raise SpecError(str(file), f"{scenario}[{i}]", "conclusion id used twice")
    return out


def load_patterns(path: str | Path = "patterns") -> Patterns:
    """The pattern checks (the shipped ``patterns`` by default)."""
    file = resolve("robustness", path)
    return validate_as(Patterns, read_yaml(file), str(file))


class Expectation(_Strict):
    """A conclusion's verdict that must hold, over all points or the plausible set."""

    conclusion: str
    over: Literal["all", "plausible"] = "plausible"
    verdict: str


class RobustnessChecks(_Strict):
    """A robustness regression check (``scenarios/robustness/ci_checks.yaml``)."""

    expect: list[Expectation] = Field(min_length=1)


def load_robustness_checks(path: str | Path) -> RobustnessChecks:
    """A robustness check file, by path or shipped name."""
    file = resolve("robustness", path)
    return validate_as(RobustnessChecks, read_yaml(file), str(file))
