"""Scenarios as data: the issues that arrive, when, and what they need.

A scenario names issues one by one (``issues:``) and as random streams
(``streams:``), may add ad hoc bodies (a task group) and partners, and may
override any parameter. It is written against the county layer and the
routing scopes (``county``, ``gloucester``, ``cheltenham``, ...), never against
one Gloucester structure, so the same scenario runs under every structure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.errors import SpecError
from sim.spec.loading import read_yaml, resolve, validate_as
from sim.spec.parameters import PARAMETER_NAMES, check_parameters
from sim.spec.structure import BodySpec, Function, PartnerSpec, StructureSpec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class StepSpec(_Strict):
    """One step of an issue's pathway: a function, performed in a scope or by a named body.

    ``at`` given as a list asks every listed scope or body to take the step in parallel
    (the issue continues when all have); ``joint_with`` makes the step one joint meeting of
    the host body with a delegate from each listed scope or body."""

    function: Function
    at: str | list[str] | None = Field(
        None, description="A scope (county, gloucester, ...) or a body id, or a list of them."
    )
    joint_with: list[str] = Field([], description="Scopes or bodies sending a delegate.")
    special: bool = Field(False, description="Ask for a special meeting if the body allows one.")


class EffectSpec(_Strict):
    """What delivering an issue does to an outcome indicator, in proportion to progress."""

    indicator: str
    district: str
    change: float


class FollowUpSpec(_Strict):
    """An issue raised when another issue completes a step (``after_step``, counted from 1)."""

    after_step: int = Field(ge=1)
    delay_weeks: float = Field(0.0, ge=0)
    issue: IssueSpec


class IssueSpec(_Strict):
    """One named issue."""

    id: str
    title: str = ""
    at_week: float = Field(0.0, ge=0)
    scope: str = "gloucester"
    theme: str = "general"
    kind: Literal["operational", "strategic"] = "operational"
    urgent: bool = False
    resources: float = Field(6.0, ge=0, description="Resource units delivery needs.")
    effort_weeks: float = Field(26.0, gt=0, description="Weeks of delivery when fully resourced.")
    requires: list[str] = Field([], description="Partners whose pledges delivery needs.")
    target_weeks: float = Field(52.0, gt=0, description="Weeks from arrival to count as on target.")
    pathway: list[StepSpec] | None = None
    effects: list[EffectSpec] = Field([], description="Outcome indicators its delivery moves.")
    energy: float = Field(
        0.0, ge=0, description="Energy its decision needs under garbage-can attachment."
    )
    follow_ups: list[FollowUpSpec] = Field([], description="Issues it raises as it goes.")


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
    kind: Literal["operational", "strategic"] = "operational"
    urgent_share: float = Field(0.0, ge=0, le=1)
    resources: Range = Range(low=2.0, high=8.0)
    effort_weeks: Range = Range(low=13.0, high=39.0)
    target_weeks: float = Field(52.0, gt=0)
    requires: list[str] = []


class IndicatorSpec(_Strict):
    """An outcome indicator recorded weekly by district: baseline, trend, and the effects of
    delivered work (``effects`` on issues) and of shocks."""

    name: str
    description: str = ""
    unit: str = ""
    baseline: dict[str, float] = Field(description="Value at week 0 per district.")
    trend_per_year: dict[str, float] = Field({}, description="Drift per year without action.")
    aggregate: Literal["sum", "mean"] = "sum"
    good: Literal["higher", "lower"] = "higher"
    target: float | None = Field(None, description="A level to reach (EV-DELIVER: when).")
    smallest_difference: float | None = Field(
        None,
        gt=0,
        description="The smallest difference between structures that matters, in the "
        "indicator's unit (default: 1% of its scale).",
    )

    def smallest(self, weeks: float) -> float:
        """The declared smallest difference, else 1% of the indicator's scale: the larger of
        its aggregated baseline and its aggregated drift over the run (1 if both are 0)."""
        if self.smallest_difference is not None:
            return self.smallest_difference
        n = len(self.baseline) if self.aggregate == "mean" else 1
        base = abs(sum(self.baseline.values())) / n
        drift = sum(abs(v) for v in self.trend_per_year.values()) * weeks / 52 / n
        scale = max(base, drift)
        return 0.01 * scale if scale > 0 else 1.0


class GrantSpec(_Strict):
    """Money added once to this year's partnership fund of a scope (the fund is made if the
    structure has none for that holder)."""

    scope: str
    partner: str = Field(description="The accountable partner that holds the fund.")
    amount: float = Field(gt=0)


class ScenarioFundSpec(_Strict):
    """A partnership fund the scenario adds (e.g. extra Area Based Grant after a disaster):
    from ``from_week`` it holds ``per_year`` a year, renewed with every other fund. A fund the
    structure already has for the same scope and holder grows by ``per_year``."""

    scope: str
    partner: str
    per_year: float = Field(gt=0)
    from_week: float = Field(0.0, ge=0)


class ShockSpec(_Strict):
    """Something that happens to partners or to an indicator at a given week (repeatable)."""

    at_week: float = Field(ge=0)
    every_weeks: float | None = Field(None, gt=0)
    times: int = Field(1, ge=1)
    note: str = ""
    partners: list[str] | None = Field(None, description="Partners hit; none given = all.")
    sectors: list[str] | None = Field(None, description="Or every partner of these sectors.")
    budget_factor: float = Field(1.0, ge=0)
    commitment_factor: float = Field(1.0, ge=0)
    funds_factor: float = Field(1.0, ge=0)
    indicator: str | None = None
    district: str | None = None
    change: float = 0.0
    grant: GrantSpec | None = Field(None, description="Money added to a fund this year.")


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
    indicators: list[IndicatorSpec] = []
    shocks: list[ShockSpec] = []
    funds: list[ScenarioFundSpec] = Field(
        [], description="Partnership funds the scenario adds to the structure's."
    )
    structures: list[str] = Field(
        [],
        description="The structures it is written for, when not the partnership's "
        "(five_element and pilot): `sim validate` checks it against these, `sim run` "
        "defaults to the first.",
    )
    shuffle_entry: bool = Field(
        False,
        description="Deal the named issues' arrival weeks out among them at random each run, "
        "and the start weeks of bodies that start after week 0 among those bodies.",
    )
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
    """Load and validate a scenario file, by path or shipped name (its cross-references are
    checked against a structure by :func:`check_scenario_against`)."""
    path = resolve("scenario", path)
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
    indicators = {i.name: set(i.baseline) for i in scenario.indicators}
    themes = {"general"} | set(structure.focus_themes()) | set(structure.themes)
    for rules in structure.routing.values():
        for rule in rules:
            themes |= {rule.theme} if isinstance(rule.theme, str) else set(rule.theme or ())
    sectors = {p.sector for p in [*structure.partners, *scenario.partners]}
    for issue, at in _all_issues(scenario.issues, "issues"):
        if issue.scope not in scopes:
            raise SpecError(file, f"{at}.scope", _unknown("scope", issue.scope, scopes))
        if issue.theme not in themes:
            raise SpecError(file, f"{at}.theme", _unknown("theme", issue.theme, themes))
        if issue.at_week >= scenario.duration_weeks:
            raise SpecError(file, f"{at}.at_week", f"week {issue.at_week:g} is after the run "
                            f"ends ({scenario.duration_weeks:g} weeks)")  # fmt: skip
        for partner in issue.requires:
            if partner not in partners:
                raise SpecError(file, f"{at}.requires", f"unknown partner '{partner}'")
        if (
            structure.attachment == "garbage_can"
            and issue.pathway is not None
            and ([step.function for step in issue.pathway] != [Function.DECISION])
        ):
            raise SpecError(file, f"{at}.pathway", "under garbage-can attachment an issue's "
                            "pathway is [decision]: leave it out")  # fmt: skip
        for i, step in enumerate(issue.pathway or []):
            targets = step.at if isinstance(step.at, list) else [step.at] * (step.at is not None)
            named = [(t, "at") for t in targets] + [(t, "joint_with") for t in step.joint_with]
            for name, field in named:
                if name not in scopes and name not in bodies:
                    raise SpecError(
                        file, f"{at}.pathway[{i}].{field}", f"unknown body or scope '{name}'"
                    )
        for n, effect in enumerate(issue.effects):
            _check_indicator(file, f"{at}.effects[{n}]", effect.indicator, effect.district,
                             indicators)  # fmt: skip
        steps = len(issue.pathway) if issue.pathway else len(structure.pathway(issue.kind))
        for n, follow in enumerate(issue.follow_ups):
            if follow.after_step > steps:
                raise SpecError(
                    file, f"{at}.follow_ups[{n}].after_step", f"the pathway has only {steps} steps"
                )
    for n, shock in enumerate(scenario.shocks):
        for sector in shock.sectors or []:
            if sector not in sectors:
                raise SpecError(file, f"shocks[{n}].sectors", _unknown("sector", sector, sectors))
        for partner in shock.partners or []:
            if partner not in partners:
                raise SpecError(file, f"shocks[{n}].partners", f"unknown partner '{partner}'")
        if shock.indicator is not None:
            _check_indicator(file, f"shocks[{n}]", shock.indicator, shock.district, indicators)
        if shock.grant is not None:
            _check_fund(file, f"shocks[{n}].grant", shock.grant, scopes, partners)
    for n, fund in enumerate(scenario.funds):
        _check_fund(file, f"funds[{n}]", fund, scopes, partners)
        if fund.from_week >= scenario.duration_weeks:
            raise SpecError(file, f"funds[{n}].from_week", f"week {fund.from_week:g} is after "
                            f"the run ends ({scenario.duration_weeks:g} weeks)")  # fmt: skip
    for stream in scenario.streams:
        at = f"streams[{stream.name}]"
        if stream.scope not in scopes:
            raise SpecError(file, f"{at}.scope", _unknown("scope", stream.scope, scopes))
        for theme in stream.themes:
            if theme not in themes:
                raise SpecError(file, f"{at}.themes", _unknown("theme", theme, themes))
        for partner in stream.requires:
            if partner not in partners:
                raise SpecError(file, f"{at}.requires", f"unknown partner '{partner}'")


def _check_indicator(
    file: str, at: str, indicator: str, district: str | None, known: dict[str, set[str]]
) -> None:
    if indicator not in known:
        raise SpecError(file, f"{at}.indicator", f"unknown indicator '{indicator}'")
    if district not in known[indicator]:
        raise SpecError(file, f"{at}.district", f"no baseline for '{district}'")


def _all_issues(issues: list[IssueSpec], where: str):
    """Every issue with its field path, follow-ups included (depth first)."""
    for issue in issues:
        at = f"{where}[{issue.id}]"
        yield issue, at
        yield from _all_issues([f.issue for f in issue.follow_ups], f"{at}.follow_ups")


def _check_fund(file: str, at: str, fund, scopes: set[str], partners: set[str]) -> None:
    if fund.scope not in scopes:
        raise SpecError(file, f"{at}.scope", _unknown("scope", fund.scope, scopes))
    if fund.partner not in partners:
        raise SpecError(file, f"{at}.partner", f"unknown partner '{fund.partner}'")


def _unknown(what: str, name: str, known: set[str]) -> str:
    return f"unknown {what} '{name}' (known: {', '.join(sorted(known))})"


FollowUpSpec.model_rebuild()
IssueSpec.model_rebuild()
