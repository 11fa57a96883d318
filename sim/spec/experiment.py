"""Experiments as data: scenarios x structures x a parameter design x replications."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.errors import SpecError
from sim.spec.loading import read_yaml, resolve, validate_as
from sim.spec.parameters import PARAMETER_NAMES, Parameters, check_parameters


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FactorSpec(_Strict):
    """One varied parameter: a range (``low``, ``high``) or, for a grid, explicit ``values``."""

    low: float | None = None
    high: float | None = None
    values: list[float] | None = None

    @model_validator(mode="after")
    def _range_or_values(self) -> FactorSpec:
        if self.values is None and (self.low is None or self.high is None):
            raise ValueError("give low and high, or values")
        if self.values is None and self.low >= self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class DesignSpec(_Strict):
    """How parameter points are chosen.

    Sizes: ``none`` 1 point; ``grid`` the product of each factor's values (or ``levels``
    evenly spaced values from low to high); ``lhs`` ``samples`` points; ``sobol``
    ``samples x (k + 2)`` points (``samples x (2k + 2)`` with ``second_order``); ``morris``
    ``samples x (k + 1)`` points (``samples`` trajectories), k being the number of factors."""

    kind: Literal["none", "grid", "lhs", "sobol", "morris"] = "none"
    samples: int = Field(8, ge=1)
    levels: int = Field(4, ge=2)
    second_order: bool = False


class ExperimentSpec(_Strict):
    """A declared sweep. A sweep never needs new Python code."""

    name: str
    description: str = ""
    scenarios: list[str] = Field(min_length=1)
    structures: list[str] = Field(min_length=1)
    replications: int = Field(1, ge=1)
    seed: int = Field(1, ge=0)
    design: DesignSpec = DesignSpec()
    parameters: dict[str, FactorSpec] = {}
    fixed: dict[str, float] = {}
    outputs: list[str] = Field([], description="Indicators of interest (sensitivity default).")
    evaluate: bool = Field(
        False, description="Add the evaluation indicators (EV-*) to every row (about 50 ms a run)."
    )
    source: str = Field("", exclude=True)

    @field_validator("parameters", "fixed")
    @classmethod
    def _known_parameters(cls, value: dict) -> dict:
        for name in value:
            if name not in PARAMETER_NAMES:
                raise ValueError(f"unknown parameter '{name}' (see docs/parameters.md)")
        return value

    @model_validator(mode="after")
    def _design_fits(self) -> ExperimentSpec:
        check_parameters(self.fixed)
        if self.design.kind == "sobol" and self.design.samples & (self.design.samples - 1):
            raise ValueError(
                f"a sobol design needs samples a power of 2, not {self.design.samples}"
            )
        if self.design.kind in ("lhs", "sobol", "morris") and not self.parameters:
            raise ValueError(f"a {self.design.kind} design needs parameters to vary")
        for name, factor in self.parameters.items():
            ends = factor.values if factor.values is not None else [factor.low, factor.high]
            for value in ends:
                try:
                    check_parameters({name: value})
                except ValueError as exc:
                    raise ValueError(str(exc)) from None
            if self.design.kind in ("lhs", "sobol", "morris") and factor.values is not None:
                raise ValueError(f"parameter '{name}': a {self.design.kind} design needs low/high")
        return self

    def scenario_paths(self) -> list[Path]:
        base = Path(self.source).parent if self.source else None
        paths = []
        for i, name in enumerate(self.scenarios):
            try:
                paths.append(resolve("scenario", name, relative_to=base))
            except SpecError:
                raise SpecError(self.source or self.name, f"scenarios[{i}]",
                                f"scenario '{name}' not found") from None  # fmt: skip
        return paths

    def digest(self) -> str:
        """A short hash of the experiment's content (not of its file's layout)."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]


def expected_size(spec: ExperimentSpec) -> int:
    """The documented number of points of a design (see :class:`DesignSpec`)."""
    k, d = len(spec.parameters), spec.design
    if d.kind == "none" or k == 0:
        return 1
    if d.kind == "grid":
        return math.prod(len(f.values) if f.values is not None else d.levels
                         for f in spec.parameters.values())  # fmt: skip
    if d.kind == "lhs":
        return d.samples
    if d.kind == "sobol":
        return d.samples * (2 * k + 2 if d.second_order else k + 2)
    return d.samples * (k + 1)


def expected_runs(spec: ExperimentSpec) -> int:
    """Points x replications x structures x scenarios."""
    return expected_size(spec) * spec.replications * len(spec.structures) * len(spec.scenarios)


def load_experiment(path: str | Path) -> ExperimentSpec:
    """Load and validate an experiment file, by path or shipped name (``ci_smoke``)."""
    path = resolve("experiment", path)
    spec = validate_as(ExperimentSpec, read_yaml(path), str(path))
    spec = spec.model_copy(update={"source": str(path)})
    spec.scenario_paths()
    return spec


def default_value(name: str) -> float:
    return float(Parameters.model_fields[name].default)
