"""Scenarios as data: the issues that arrive, when, and what they need.

A scenario names issues one by one (``issues:``) and as random streams
(``streams:``), may add ad hoc bodies (a task group) and partners, and may
override any parameter. It is written against the county layer and the
routing scopes (``county``, ``gloucester``, ``cheltenham``, ...), never against
one Gloucester structure, so the same scenario runs under every structure.
"""

from __future__ import annotations

from itertools import accumulate
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.errors import SpecError
from sim.spec.limits import (
    MAX_AMOUNT,
    MAX_COUNT,
    MAX_ISSUES_PER_RUN,
    MAX_ITEMS,
    MAX_MEETINGS_PER_RUN,
    MAX_NAMED_ISSUES,
    MAX_PER_YEAR,
    MAX_WEEKS,
    MIN_CADENCE_WEEKS,
    At,
    Name,
    Ref,
    Strict,
    Text,
    unique,
)
from sim.spec.loading import read_yaml, resolve, validate_as
from sim.spec.parameters import known_parameters
from sim.spec.structure import BodySpec, Function, PartnerSpec, StructureSpec


class StepSpec(Strict):
    """One step of an issue's pathway: a function, performed in a scope or by a named body.

    ``at`` given as a list asks every listed scope or body to take the step in parallel
    (the issue continues when all have); ``joint_with`` makes the step one joint meeting of
    the host body with a delegate from each listed scope or body."""

    function: Function
    at: Ref | list[Ref] | None = Field(
        None, description="A scope (county, gloucester, ...) or a body id, or a list of them."
    )
    joint_with: list[Ref] = Field(
        [], max_length=MAX_ITEMS, description="Scopes or bodies sending a delegate."
    )
    special: bool = Field(False, description="Ask for a special meeting if the body allows one.")


class EffectSpec(Strict):
    """What delivering an issue does to an outcome indicator, in proportion to progress."""

    indicator: Ref
    district: Ref
    change: float = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)


class FollowUpSpec(Strict):
    """An issue raised when another issue completes a step (``after_step``, counted from 1)."""

    after_step: int = Field(ge=1, le=MAX_COUNT)
    delay_weeks: float = Field(0.0, ge=0, le=MAX_WEEKS)
    issue: IssueSpec


class IssueSpec(Strict):
    """One named issue."""

    id: Name
    title: Text = ""
    at_week: float = Field(0.0, ge=0, le=MAX_WEEKS)
    scope: Ref = "gloucester"
    theme: Ref = "general"
    kind: Literal["operational", "strategic"] = "operational"
    urgent: bool = False
    resources: float = Field(6.0, ge=0, le=MAX_AMOUNT, description="Resource units delivery needs.")
    effort_weeks: float = Field(
        26.0, gt=0, le=MAX_WEEKS, description="Weeks of delivery when fully resourced."
    )
    requires: list[Ref] = Field(
        [], max_length=MAX_ITEMS, description="Partners whose pledges delivery needs."
    )
    target_weeks: float = Field(
        52.0, gt=0, le=MAX_WEEKS, description="Weeks from arrival to count as on target."
    )
    pathway: list[StepSpec] | None = Field(None, min_length=1, max_length=MAX_ITEMS)
    effects: list[EffectSpec] = Field(
        [], max_length=MAX_ITEMS, description="Outcome indicators its delivery moves."
    )
    energy: float = Field(
        0.0,
        ge=0,
        le=MAX_AMOUNT,
        description="Energy its decision needs under garbage-can attachment.",
    )
    follow_ups: list[FollowUpSpec] = Field(
        [], max_length=MAX_ITEMS, description="Issues it raises as it goes."
    )


class Range(Strict):
    """A range values are drawn from uniformly: ``low`` at most ``high``."""

    low: float = Field(ge=0, le=MAX_AMOUNT)
    high: float = Field(ge=0, le=MAX_AMOUNT)

    @model_validator(mode="after")
    def _in_order(self) -> Range:
        if self.low > self.high:
            raise At(("low",), f"low ({self.low:g}) is above high ({self.high:g})")
        return self


class StreamSpec(Strict):
    """Issues arriving at random (a Poisson stream), with drawn needs."""

    name: Name
    scope: Ref = "gloucester"
    per_year: float = Field(gt=0, le=MAX_PER_YEAR, description="Issues a year, on average.")
    start_week: float = Field(0.0, ge=0, le=MAX_WEEKS)
    end_week: float | None = Field(None, gt=0, le=MAX_WEEKS)
    themes: list[Ref] = Field(["general"], min_length=1, max_length=MAX_ITEMS)
    kind: Literal["operational", "strategic"] = "operational"
    urgent_share: float = Field(0.0, ge=0, le=1)
    resources: Range = Range(low=2.0, high=8.0)
    effort_weeks: Range = Range(low=13.0, high=39.0)
    target_weeks: float = Field(52.0, gt=0, le=MAX_WEEKS)
    requires: list[Ref] = Field([], max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _window(self) -> StreamSpec:
        if self.end_week is not None and self.end_week <= self.start_week:
            raise At(("end_week",), f"end_week ({self.end_week:g}) is not after start_week "
                             f"({self.start_week:g}): the stream would raise nothing")  # fmt: skip
        return self


class IndicatorSpec(Strict):
    """An outcome indicator recorded weekly by district: baseline, trend, and the effects of
    delivered work (``effects`` on issues) and of shocks."""

    name: Name
    description: Text = ""
    unit: Text = ""
    baseline: dict[Ref, Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]] = Field(
        min_length=1, description="Value at week 0 per district."
    )
    trend_per_year: dict[Ref, Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]] = Field(
        {}, description="Drift per year without action."
    )
    aggregate: Literal["sum", "mean"] = "sum"
    good: Literal["higher", "lower"] = "higher"
    target: float | None = Field(
        None, ge=-MAX_AMOUNT, le=MAX_AMOUNT, description="A level to reach (EV-DELIVER: when)."
    )
    smallest_difference: float | None = Field(
        None,
        gt=0,
        le=MAX_AMOUNT,
        description="The smallest difference between structures that matters, in the "
        "indicator's unit (default: 1% of its scale).",
    )
    smallest_why: Text = Field(
        "",
        description="Why that difference matters, in the domain's terms (shown in "
        "docs/indicators.md; e.g. 'about a month of those finding work unaided').",
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

    def smallest_reason(self) -> str:
        """Why the smallest difference is what it is: the declared reason, else what the
        default is made of."""
        if self.smallest_why.strip():
            return self.smallest_why.strip()
        if self.smallest_difference is None:
            return ("The default, 1% of the indicator's scale (its aggregated baseline, or its "
                    "drift over the run if larger); no reason of its own is declared.")  # fmt: skip
        return "Declared without a reason (smallest_why)."


class GrantSpec(Strict):
    """Money added once to this year's partnership fund of a scope (the fund is made if the
    structure has none for that holder)."""

    scope: Ref
    partner: Ref = Field(description="The accountable partner that holds the fund.")
    amount: float = Field(gt=0, le=MAX_AMOUNT)


class ScenarioFundSpec(Strict):
    """A partnership fund the scenario adds (e.g. extra Area Based Grant after a disaster):
    from ``from_week`` it holds ``per_year`` a year, renewed with every other fund. A fund the
    structure already has for the same scope and holder grows by ``per_year``."""

    scope: Ref
    partner: Ref
    per_year: float = Field(gt=0, le=MAX_AMOUNT)
    from_week: float = Field(0.0, ge=0, le=MAX_WEEKS)


class ShockSpec(Strict):
    """Something that happens to partners or to an indicator at a given week (repeatable)."""

    at_week: float = Field(ge=0, le=MAX_WEEKS)
    every_weeks: float | None = Field(None, ge=0.1, le=MAX_WEEKS)
    times: int = Field(1, ge=1, le=MAX_COUNT)
    note: Text = ""
    partners: list[Ref] | None = Field(
        None, max_length=MAX_ITEMS, description="Partners hit; none given = all."
    )
    sectors: list[Ref] | None = Field(
        None, max_length=MAX_ITEMS, description="Or every partner of these sectors."
    )
    budget_factor: float = Field(1.0, ge=0, le=1000)
    commitment_factor: float = Field(1.0, ge=0, le=1000)
    funds_factor: float = Field(1.0, ge=0, le=1000)
    indicator: Ref | None = None
    district: Ref | None = None
    change: float = Field(0.0, ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    grant: GrantSpec | None = Field(None, description="Money added to a fund this year.")

    @model_validator(mode="after")
    def _repeats(self) -> ShockSpec:
        if self.times > 1 and self.every_weeks is None:
            raise At(("times",), f"times: {self.times} needs every_weeks (how far apart)")
        return self


class ScenarioSpec(Strict):
    """A scenario: duration, parameter overrides, issues, streams, ad hoc bodies."""

    name: Name
    title: Text = Field(
        "", description="The scenario's display name in reports and the app (its name when empty)."
    )
    description: Text = ""
    duration_weeks: float = Field(gt=0, le=MAX_WEEKS)
    parameters: dict[str, float] = Field({})
    issues: list[IssueSpec] = Field(
        [],
        max_length=MAX_ITEMS,
        description=f"Named issues: at most {MAX_NAMED_ISSUES:,} with all their follow-ups "
        "(an aliased follow-up counts each time it is named).",
    )
    streams: list[StreamSpec] = Field([], max_length=MAX_ITEMS)
    partners: list[PartnerSpec] = Field([], max_length=MAX_ITEMS)
    bodies: list[BodySpec] = Field([], max_length=MAX_ITEMS)
    indicators: list[IndicatorSpec] = Field([], max_length=MAX_ITEMS)
    shocks: list[ShockSpec] = Field([], max_length=MAX_ITEMS)
    funds: list[ScenarioFundSpec] = Field(
        [],
        max_length=MAX_ITEMS,
        description="Partnership funds the scenario adds to the structure's.",
    )
    structures: list[Ref] = Field(
        [],
        max_length=MAX_ITEMS,
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

    @property
    def display_name(self) -> str:
        """What a reader sees: the title, or the file's name when there is none."""
        return self.title or self.name

    @model_validator(mode="before")
    @classmethod
    def _named_issues_within_cap(cls, data):
        if isinstance(data, dict) and isinstance(data.get("issues"), list):
            check_named_issues(data["issues"])
        return data

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, value: dict[str, float]) -> dict[str, float]:
        return known_parameters(value)

    @field_validator("issues")
    @classmethod
    def _issue_ids_once(cls, value: list[IssueSpec]) -> list[IssueSpec]:
        try:
            unique([issue.id for issue, _ in _all_issues(value, "issues")], "issue id")
        except At as exc:  # its index counts follow-ups too: name the id alone
            raise ValueError(str(exc)) from None
        return value

    @field_validator("streams", "indicators")
    @classmethod
    def _names_once(cls, value: list, info) -> list:
        unique([item.name for item in value], f"{info.field_name.removesuffix('s')} name")
        return value

    @field_validator("partners", "bodies")
    @classmethod
    def _ids_once(cls, value: list, info) -> list:
        what = "partner" if info.field_name == "partners" else "body"
        unique([item.id for item in value], f"{what} id")
        return value

    @field_validator("structures")
    @classmethod
    def _structures_once(cls, value: list[str]) -> list[str]:
        unique(value, "structure")
        return value


def check_named_issues(issues: list) -> None:
    """Raise :class:`At` if the named issues ``issues`` (as read, not yet validated) expand
    to more than :data:`MAX_NAMED_ISSUES` issues with all their follow-ups.

    Counted without building or walking the expansion: each distinct issue is visited once
    and its count (1 + its follow-ups' counts) kept, so an issue that aliases share is
    multiplied, not copied: the nine-by-nine, seven-deep alias file that would build
    millions of issues is refused in milliseconds. What is not an issue counts as one, and
    an issue that is its own follow-up counts once (validation names both)."""
    sizes: dict[int, int] = {}
    totals = list(accumulate(_expanded(issue, sizes) for issue in issues))
    if not totals or totals[-1] <= MAX_NAMED_ISSUES:
        return
    index = next(n for n, total in enumerate(totals) if total > MAX_NAMED_ISSUES)
    shown = f"{totals[-1]:,}" if totals[-1] <= 10**15 else f"more than {10**15:,}"
    where = ("issues", index, "follow_ups") if _follow_up_issues(issues[index]) else ("issues",)
    raise At(where, f"the named issues expand to {shown} issues with their follow-ups; "
             f"the most is {MAX_NAMED_ISSUES:,} (docs/inputs.md)")  # fmt: skip


def _follow_up_issues(issue) -> list:
    """The issues an issue (a mapping as read, or an :class:`IssueSpec`) raises directly."""
    if isinstance(issue, IssueSpec):
        return [follow.issue for follow in issue.follow_ups]
    follow_ups = issue.get("follow_ups") if isinstance(issue, dict) else None
    if not isinstance(follow_ups, list):
        return []
    found = []
    for follow in follow_ups:
        raised = follow.issue if isinstance(follow, FollowUpSpec) else (
            follow.get("issue") if isinstance(follow, dict) else None)  # fmt: skip
        if raised is not None:
            found.append(raised)
    return found


def _expanded(issue, sizes: dict[int, int]) -> int:
    """How many issues ``issue`` expands to, itself and its follow-ups, recursively (without
    recursion: a post-order over the distinct issues, each sized once into ``sizes``)."""
    opened: set[int] = set()
    stack = [(issue, False)]
    while stack:
        node, raised_sized = stack.pop()
        if raised_sized:
            sizes[id(node)] = 1 + sum(sizes.get(id(r), 0) for r in _follow_up_issues(node))
        elif id(node) not in sizes and id(node) not in opened:
            opened.add(id(node))
            stack.append((node, True))
            stack += [(r, False) for r in _follow_up_issues(node)]
    return sizes[id(issue)]


def check_scenario_size(spec: ScenarioSpec, file: str) -> None:
    """A run's expected number of issues within :data:`MAX_ISSUES_PER_RUN`, and no issue id
    that a stream also makes (``NAME-NUMBER``)."""
    named = sum(1 for _ in _all_issues(spec.issues, "issues"))
    expected = float(named)
    for stream in spec.streams:
        end = min(spec.duration_weeks, stream.end_week or spec.duration_weeks)
        expected += stream.per_year * max(0.0, end - stream.start_week) / 52
        if expected > MAX_ISSUES_PER_RUN:
            raise SpecError(file, f"streams[{stream.name}].per_year",
                            f"a run would expect {expected:,.0f} issues; the most is "
                            f"{MAX_ISSUES_PER_RUN:,} (docs/inputs.md)")  # fmt: skip
    for stream in spec.streams:
        for issue, at in _all_issues(spec.issues, "issues"):
            number = issue.id.removeprefix(f"{stream.name}-")
            if number != issue.id and number.isdigit():
                raise SpecError(file, f"{at}.id", f"stream '{stream.name}' makes issues "
                                f"with this id (NAME-NUMBER); rename the issue")  # fmt: skip


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Load and validate a scenario file, by path or shipped name (its cross-references are
    checked against a structure by :func:`check_scenario_against`)."""
    path = resolve("scenario", path)
    spec = validate_as(ScenarioSpec, read_yaml(path), str(path))
    check_scenario_size(spec, str(path))
    return spec.model_copy(update={"source": str(path)})


def scenario_from_dict(data: dict, source: str = "<dict>") -> ScenarioSpec:
    """Validate a scenario given as a mapping (tests, notebooks)."""
    spec = validate_as(ScenarioSpec, data, source)
    check_scenario_size(spec, source)
    return spec.model_copy(update={"source": source})


def check_scenario_against(scenario: ScenarioSpec, structure: StructureSpec) -> None:
    """Check every name a scenario uses exists in the structure it runs under."""
    file = scenario.source or scenario.name
    partners = structure.partner_ids | {p.id for p in scenario.partners}
    bodies = structure.body_ids | {b.id for b in scenario.bodies}
    scopes = set(structure.routing)
    for kind, own, theirs in (("partner", scenario.partners, structure.partner_ids),
                              ("body", scenario.bodies, structure.body_ids)):  # fmt: skip
        for item in own:
            if item.id in theirs:
                field = "partners" if kind == "partner" else "bodies"
                raise SpecError(file, f"{field}[{item.id}].id", f"the structure '{structure.name}' "
                                f"already has a {kind} '{item.id}'; a scenario adds {field}, it "
                                "cannot replace one: give it an id of its own")  # fmt: skip
    _check_meetings(file, scenario, structure)
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


def _check_meetings(file: str, scenario: ScenarioSpec, structure: StructureSpec) -> None:
    """A run's expected number of meetings within :data:`MAX_MEETINGS_PER_RUN`."""
    expected = 0.0
    for n, body in enumerate([*structure.bodies, *scenario.bodies]):
        if body.cadence_weeks is None:
            continue
        if body.cadence_weeks < MIN_CADENCE_WEEKS:
            raise SpecError(
                file,
                f"bodies[{body.id}].cadence_weeks",
                f"a cadence must be at "
                f"least {MIN_CADENCE_WEEKS:g} weeks, got {body.cadence_weeks:g}",
            )
        weeks = max(0.0, scenario.duration_weeks - body.starts_week)
        expected += weeks / body.cadence_weeks
        if expected > MAX_MEETINGS_PER_RUN:
            field = "duration_weeks" if n < len(structure.bodies) else f"bodies[{body.id}]"
            raise SpecError(file, field, f"a run of {scenario.duration_weeks:g} weeks would "
                            f"expect {expected:,.0f} meetings; the most is "
                            f"{MAX_MEETINGS_PER_RUN:,} (docs/inputs.md)")  # fmt: skip


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
