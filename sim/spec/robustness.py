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

from pydantic import Field, model_validator

from sim.errors import SpecError
from sim.spec.limits import MAX_AMOUNT, MAX_ITEMS, Name, Strict, Text
from sim.spec.loading import SHIPPED_FOLDER, Kind, read_yaml, shipped_names, validate_as


def shipped_or_path(kind: Kind, name_or_path: str | Path) -> Path:
    """The file a robustness analysis reads, never guessed from the working folder: a path
    (holding a ``/`` or ending in ``.yaml`` / ``.yml``) is that file; a bare name is the
    shipped file of that kind, even when a file of that name lies in the working folder."""
    given = str(name_or_path)
    if "/" in given or given.endswith((".yaml", ".yml")):
        if not Path(given).exists():
            raise SpecError(given, "", "file not found")
        return Path(given)
    shipped = SHIPPED_FOLDER[kind] / f"{given}.yaml"
    if not shipped.is_file():
        names = ", ".join(shipped_names(kind))
        raise SpecError(given, "", f"no shipped {kind} file of this name (shipped: {names}); "
                        "give a path (a '/' in it, or ending in .yaml) for your own "
                        "file")  # fmt: skip
    return shipped


class ConclusionSpec(Strict):
    """``of`` minus ``minus`` on ``indicator`` is ``direction``."""

    id: Name
    claim: Text
    of: Name
    minus: Name
    indicator: Name
    direction: Literal["lower", "higher", "same"]


class PatternSpec(Strict):
    """A reported pattern: ``indicator`` (the mean over a point's replications) lies in
    ``between`` at a plausible point."""

    id: Name
    source: Text
    indicator: Name
    between: tuple[float, float] = Field(
        description="The band, low to high (finite, at most 1e12 in size)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> PatternSpec:
        if max(abs(v) for v in self.between) > MAX_AMOUNT:
            raise ValueError(f"between: values are at most {MAX_AMOUNT:g} in size")
        if self.between[0] > self.between[1]:
            raise ValueError(f"between: {self.between[0]} is above {self.between[1]}")
        return self


class NotChecked(Strict):
    """A reported pattern the model cannot check, and why."""

    id: Name
    source: Text
    why: Text


class Patterns(Strict):
    """The pattern checks: measured on ``scenario`` under ``structure`` at every point."""

    scenario: Name
    structure: Name
    patterns: list[PatternSpec] = Field(min_length=1, max_length=MAX_ITEMS)
    not_checked: list[NotChecked] = Field([], max_length=MAX_ITEMS)


def load_conclusions(scenario: str, path: str | Path = "conclusions") -> list[ConclusionSpec]:
    """The declared conclusions of one scenario (by its name); [] when it has none. ``path``
    is a shipped name or a path (:func:`~sim.spec.loading.shipped_or_path`)."""
    file = shipped_or_path("robustness", path)
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
    """The pattern checks (the shipped ``patterns`` by default, else a path)."""
    file = shipped_or_path("robustness", path)
    return validate_as(Patterns, read_yaml(file), str(file))


class Expectation(Strict):
    """A conclusion's verdict that must hold, over all points or the plausible set."""

    conclusion: Name
    over: Literal["all", "plausible"] = "plausible"
    verdict: Text


class RobustnessChecks(Strict):
    """A robustness regression check (``scenarios/robustness/ci_checks.yaml``)."""

    expect: list[Expectation] = Field(min_length=1, max_length=MAX_ITEMS)


def load_robustness_checks(path: str | Path) -> RobustnessChecks:
    """A robustness check file, by path or shipped name."""
    file = shipped_or_path("robustness", path)
    return validate_as(RobustnessChecks, read_yaml(file), str(file))
