"""Checks files: declared expectations about a sweep's results (the schema; judged by
:mod:`sim.analysis.checks`).

A check names a scenario, an indicator and either a paired ``difference`` between two
structures or a ``between`` band for one structure; ``points`` is the share of design points
at which it must hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.errors import SpecError
from sim.spec.limits import MAX_AMOUNT, MAX_ITEMS, At, Name, Ref, Strict, Text, unique
from sim.spec.loading import read_yaml, resolve, validate_as

Bound = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]


class Difference(Strict):
    """Structure ``of`` minus structure ``minus``, paired by replication, has this sign."""

    of: Ref
    minus: Ref
    sign: Literal["positive", "negative"]
    significant: bool = False

    @model_validator(mode="after")
    def _two_structures(self) -> Difference:
        if self.of == self.minus:
            raise At(("minus",), f"of and minus name the same structure '{self.of}'")
        return self


class Check(Strict):
    """One expectation about one scenario's indicator: a ``difference`` or a ``between`` band."""

    name: Text = Field(min_length=1)
    scenario: Ref
    indicator: Name
    structure: Ref | None = None
    difference: Difference | None = None
    between: tuple[Bound, Bound] | None = Field(None, description="[low, high], low <= high.")
    points: float = Field(1.0, gt=0, le=1, description="Share of design points that must hold.")

    @field_validator("between")
    @classmethod
    def _in_order(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] > value[1]:
            raise ValueError(f"low ({value[0]:g}) is above high ({value[1]:g})")
        return value


class Checks(Strict):
    """A checks file: every expectation a sweep must meet."""

    checks: list[Check] = Field(min_length=1, max_length=MAX_ITEMS)

    @field_validator("checks")
    @classmethod
    def _names_once(cls, value: list[Check]) -> list[Check]:
        unique([check.name for check in value], "check name")
        return value


def load_checks(path: str | Path) -> Checks:
    """Read and validate a checks file, by path or shipped name (``ci_checks``); each check
    gives exactly one of difference, between."""
    path = resolve("checks", path)
    checks = validate_as(Checks, read_yaml(path), str(path))
    for i, check in enumerate(checks.checks):
        if (check.difference is None) == (check.between is None):
            raise SpecError(str(path), f"checks[{i}]", "give exactly one of difference, between")
        if check.between is not None and check.structure is None:
            raise SpecError(str(path), f"checks[{i}].structure", "a band check names a structure")
    return checks


def check_against(checks: Checks, experiment, file: str) -> None:
    """Before a sweep runs: every check names one of the experiment's scenarios (as declared
    or by file stem), its structures and an indicator its runs record."""
    from sim.spec.experiment import known_outputs

    scenarios = set(experiment.scenarios) | {Path(s).stem for s in experiment.scenarios}
    structures = set(experiment.structures)
    known = set(known_outputs(experiment))
    for i, check in enumerate(checks.checks):
        at = f"checks[{i}]"
        if check.scenario not in scenarios:
            raise SpecError(
                file,
                f"{at}.scenario",
                f"'{check.scenario}' is not a scenario of "
                f"experiment '{experiment.name}' ({', '.join(experiment.scenarios)})",
            )
        named = [("structure", check.structure)]
        if check.difference is not None:
            named += [("difference.of", check.difference.of),
                      ("difference.minus", check.difference.minus)]  # fmt: skip
        for field, name in named:
            if name is not None and name not in structures:
                raise SpecError(file, f"{at}.{field}", f"'{name}' is not a structure of "
                                f"experiment '{experiment.name}' "
                                f"({', '.join(experiment.structures)})")  # fmt: skip
        if check.indicator not in known:
            raise SpecError(file, f"{at}.indicator", f"'{check.indicator}' is not an indicator "
                            "the runs record; see docs/indicators.md")  # fmt: skip
