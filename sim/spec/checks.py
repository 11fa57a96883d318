"""Checks files: declared expectations about a sweep's results (the schema; judged by
:mod:`sim.analysis.checks`).

A check names a scenario, an indicator and either a paired ``difference`` between two
structures or a ``between`` band for one structure; ``points`` is the share of design points
at which it must hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sim.errors import SpecError
from sim.spec.loading import read_yaml, resolve, validate_as


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Difference(_Strict):
    """Structure ``of`` minus structure ``minus``, paired by replication, has this sign."""

    of: str
    minus: str
    sign: Literal["positive", "negative"]
    significant: bool = False


class Check(_Strict):
    """One expectation about one scenario's indicator: a ``difference`` or a ``between`` band."""

    name: str
    scenario: str
    indicator: str
    structure: str | None = None
    difference: Difference | None = None
    between: tuple[float, float] | None = None
    points: float = Field(1.0, gt=0, le=1, description="Share of design points that must hold.")


class Checks(_Strict):
    """A checks file: every expectation a sweep must meet."""

    checks: list[Check]


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
