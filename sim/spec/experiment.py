"""Experiments as data: scenarios x structures x a parameter design x replications."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.errors import SpecError
from sim.spec.limits import (
    MAX_COUNT,
    MAX_ITEMS,
    MAX_REPLICATIONS,
    MAX_RUNS,
    MAX_SEED,
    At,
    Name,
    Ref,
    Strict,
    Text,
    unique,
)
from sim.spec.loading import read_yaml, resolve, validate_as
from sim.spec.parameters import PARAMETER_NAMES, Parameters, check_parameters


class FactorSpec(Strict):
    """One varied parameter: a range (``low``, ``high``) or, for a grid, explicit ``values``."""

    low: float | None = None
    high: float | None = None
    values: list[float] | None = Field(None, min_length=1, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _range_or_values(self) -> FactorSpec:
        if self.values is None and (self.low is None or self.high is None):
            raise ValueError("give low and high, or values")
        if self.values is None and self.low >= self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.values is not None:
            try:
                unique(self.values, "value")
            except At as exc:
                raise At(("values", *exc.path), str(exc)) from None
        return self


class DesignSpec(Strict):
    """How parameter points are chosen.

    Sizes: ``none`` 1 point; ``grid`` the product of each factor's values (or ``levels``
    evenly spaced values from low to high); ``lhs`` ``samples`` points; ``sobol``
    ``samples x (k + 2)`` points (``samples x (2k + 2)`` with ``second_order``); ``morris``
    ``samples x (k + 1)`` points (``samples`` trajectories), k being the number of factors."""

    kind: Literal["none", "grid", "lhs", "sobol", "morris"] = "none"
    samples: int = Field(8, ge=1, le=MAX_COUNT)
    levels: int = Field(4, ge=2, le=1000)
    second_order: bool = False


class ExperimentSpec(Strict):
    """A declared sweep. A sweep never needs new Python code."""

    name: Name
    description: Text = ""
    scenarios: list[Ref] = Field(min_length=1, max_length=MAX_ITEMS)
    structures: list[Ref] = Field(min_length=1, max_length=MAX_ITEMS)
    replications: int = Field(1, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(1, ge=0, le=MAX_SEED)
    design: DesignSpec = DesignSpec()
    parameters: dict[str, FactorSpec] = Field({})
    fixed: dict[str, float] = Field({})
    outputs: list[Name] = Field(
        [], max_length=MAX_ITEMS, description="Indicators of interest (sensitivity default)."
    )
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

    @field_validator("scenarios", "structures", "outputs")
    @classmethod
    def _once(cls, value: list[str], info) -> list[str]:
        unique(value, info.field_name.removesuffix("s"))
        return value

    @model_validator(mode="after")
    def _design_fits(self) -> ExperimentSpec:
        try:
            check_parameters(self.fixed)
        except ValueError as exc:
            raise At(("fixed",), str(exc)) from None
        for name in self.fixed:
            if name in self.parameters:
                raise At(("fixed", name), f"parameter '{name}' is both varied and fixed")
        if self.design.kind == "sobol" and self.design.samples & (self.design.samples - 1):
            raise At(
                ("design", "samples"),
                f"a sobol design needs samples a power of 2, not {self.design.samples}",
            )
        if self.design.kind in ("lhs", "sobol", "morris") and not self.parameters:
            raise At(("parameters",), f"a {self.design.kind} design needs parameters to vary")
        for name, factor in self.parameters.items():
            ends = factor.values if factor.values is not None else [factor.low, factor.high]
            for value in ends:
                try:
                    check_parameters({name: value})
                except ValueError as exc:
                    raise At(("parameters", name), str(exc)) from None
            if self.design.kind in ("lhs", "sobol", "morris") and factor.values is not None:
                raise At(("parameters", name), f"a {self.design.kind} design needs low/high")
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
    runs = expected_runs(spec)
    if runs > MAX_RUNS:
        field = "design" if expected_size(spec) > spec.replications else "replications"
        raise SpecError(str(path), field, f"the experiment would make {runs:,} runs "
                        f"(points x replications x structures x scenarios); the most is "
                        f"{MAX_RUNS:,} (docs/inputs.md)")  # fmt: skip
    for i, name in enumerate(spec.structures):
        try:
            resolve("structure", name)
        except SpecError:
            raise SpecError(str(path), f"structures[{i}]",
                            f"structure '{name}' not found") from None  # fmt: skip
    paths = spec.scenario_paths()
    unique_paths = {}
    for i, scenario in enumerate(paths):
        if scenario.resolve() in unique_paths:
            raise SpecError(str(path), f"scenarios[{i}]", f"the same file as "
                            f"scenarios[{unique_paths[scenario.resolve()]}]")  # fmt: skip
        unique_paths[scenario.resolve()] = i
    check_outputs(spec, spec.outputs, str(path), "outputs")
    return spec


def known_outputs(spec: ExperimentSpec) -> list[str]:
    """The indicators an experiment's runs record: the headline summary, each scenario's
    outcome indicators (``outcome_NAME``, ``outcome_NAME_average``) and, with ``evaluate``,
    the evaluation indicators."""
    from sim.spec.outputs import EVALUATION_COLUMNS, SUMMARY_COLUMNS
    from sim.spec.scenario import load_scenario

    known = list(SUMMARY_COLUMNS)
    for path in spec.scenario_paths():
        for indicator in load_scenario(path).indicators:
            known += [f"outcome_{indicator.name}", f"outcome_{indicator.name}_average"]
    if spec.evaluate:
        known += list(EVALUATION_COLUMNS)
    return known


def check_outputs(spec: ExperimentSpec, names: list[str], file: str, field: str) -> None:
    """Every name in ``names`` is an indicator the experiment's runs record."""
    if not names:
        return
    known = known_outputs(spec)
    for i, name in enumerate(names):
        if name not in known:
            hint = " (or set evaluate: true)" if name in _evaluation() else ""
            at = f"{field}[{i}]" if field == "outputs" else field
            raise SpecError(file, at, f"'{name}' is not an indicator the runs record{hint}; "
                            "see docs/indicators.md and `sim indicators`")  # fmt: skip


def _evaluation() -> tuple[str, ...]:
    from sim.spec.outputs import EVALUATION_COLUMNS

    return EVALUATION_COLUMNS


def default_value(name: str) -> float:
    return float(Parameters.model_fields[name].default)
