"""Scenarios as data: the issues that arrive, when, and what they need.

A scenario names issues one by one (``issues:``) and as random streams
(``streams:``), may add ad hoc bodies (a task group) and partners, and may
override any parameter. It is written against the county layer and the
routing scopes (``county``, ``gloucester``, ``cheltenham``, ...), never against
one Gloucester structure, so the same scenario runs under every structure.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.errors import SpecError
from sim.spec.loading import read_yaml, validate_as
from sim.spec.parameters import PARAMETER_NAMES, check_parameters
from sim.spec.structure import BodySpec, Function, PartnerSpec, StructureSpec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class StepSpec(_Strict):
    """One step of an issue's pathway: a function, performed in a scope or by a named body."""

    function: Function
    at: str | None = Field(None, description="A scope (county, gloucester, ...) or a body id.")
    special: bool = Field(False, description="Ask for a special meeting if the body allows one.")


class IssueSpec(_Strict):
    """One named issue."""

    id: str
    title: str = ""
    at_week: float = Field(0.0, ge=0)
    scope: str = "gloucester"
    theme: str = "general"
    kind: str = "operational"
    urgent: bool = False
    resources: float = Field(6.0, ge=0, description="Resource units delivery needs.")
    effort_weeks: float = Field(26.0, gt=0, description="Weeks of delivery when fully resourced.")
    requires: list[str] = Field([], description="Partners whose pledges delivery needs.")
    target_weeks: float = Field(52.0, gt=0, description="Weeks from arrival to count as on target.")
    pathway: list[StepSpec] | None = None


class Range(_Strict):
    low: float = Field(ge=0)
    high: float = Field(ge=0)


class StreamSpec(_Strict):
    """Issues arriving at random (a Poisson stream), with drawn needs."""

    name: str
    scope: str = "gloucester"
    per_year: float = Field(gt=0)
    start_week: float = Field(0.0, ge=0)
    end_week: float | None = None
    themes: list[str] = ["general"]
    kind: str = "operational"
    urgent_share: float = Field(0.0, ge=0, le=1)
    resources: Range = Range(low=2.0, high=8.0)
    effort_weeks: Range = Range(low=13.0, high=39.0)
    target_weeks: float = Field(52.0, gt=0)
    requires: list[str] = []


class ScenarioSpec(_Strict):
    """A scenario: duration, parameter overrides, issues, streams, ad hoc bodies."""

    name: str
    description: str = ""
    duration_weeks: float = Field(gt=0)
    parameters: dict[str, float] = {}
    issues: list[IssueSpec] = []
    streams: list[StreamSpec] = []
    partners: list[PartnerSpec] = []
    bodies: list[BodySpec] = []
    source: str = Field("", exclude=True)

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            if name not in PARAMETER_NAMES:
                raise ValueError(f"unknown parameter '{name}' (see docs/parameters.md)")
        check_parameters(value)
        return value


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Load and validate a scenario file (its cross-references are checked by the model)."""
    path = Path(path)
    spec = validate_as(ScenarioSpec, read_yaml(path), str(path))
    return spec.model_copy(update={"source": str(path)})


def scenario_from_dict(data: dict, source: str = "<dict>") -> ScenarioSpec:
    """Validate a scenario given as a mapping (tests, notebooks)."""
    return validate_as(ScenarioSpec, data, source).model_copy(update={"source": source})


def check_scenario_against(scenario: ScenarioSpec, structure: StructureSpec) -> None:
    """Check every name a scenario uses exists in the structure it runs under."""
    file = scenario.source or scenario.name
    partners = structure.partner_ids | {p.id for p in scenario.partners}
    bodies = structure.body_ids | {b.id for b in scenario.bodies}
    scopes = set(structure.routing)
    for body in scenario.bodies:
        for seat in body.members:
            if seat.partner not in partners:
                raise SpecError(
                    file, f"bodies[{body.id}].members.partner", f"unknown partner '{seat.partner}'"
                )
    for issue in scenario.issues:
        at = f"issues[{issue.id}]"
        if issue.scope not in scopes:
            raise SpecError(file, f"{at}.scope", _unknown("scope", issue.scope, scopes))
        for partner in issue.requires:
            if partner not in partners:
                raise SpecError(file, f"{at}.requires", f"unknown partner '{partner}'")
        for i, step in enumerate(issue.pathway or []):
            if step.at is not None and step.at not in scopes and step.at not in bodies:
                raise SpecError(file, f"{at}.pathway[{i}].at", f"unknown body or scope '{step.at}'")
    for stream in scenario.streams:
        at = f"streams[{stream.name}]"
        if stream.scope not in scopes:
            raise SpecError(file, f"{at}.scope", _unknown("scope", stream.scope, scopes))
        for partner in stream.requires:
            if partner not in partners:
                raise SpecError(file, f"{at}.requires", f"unknown partner '{partner}'")


def _unknown(what: str, name: str, known: set[str]) -> str:
    return f"unknown {what} '{name}' (known: {', '.join(sorted(known))})"
