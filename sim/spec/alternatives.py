"""Structural alternatives: readings of the source documents the model could have taken.

Where a source document allows more than one reading (does "at least quarterly" allow an
early meeting? does the pilot already judge on outcomes?), the shipped structure and
scenario files take one, and ``scenarios/robustness/alternatives.yaml`` names the other as
an **alternative**: an id, the rule id it reads, both readings in words, and the changes that
switch to the other reading, written as data:

- ``bodies``: set fields of a body (``set: {special_meetings: true}``), or of the seats of a
  body whose role contains some text (``seats_with_role: "chair,"``);
- ``routing``: rules put in front of a scope's routing rules (first match wins);
- ``parameters``: named assumptions set to a value (they override the design's value);
- ``steps``: a step of a scenario's named issue replaced by one or more steps.

Each alternative also says both readings as a plain clause that completes "... if ...":
``if_default`` (the shipped reading) and ``if_alternative`` (the other), so that a conclusion
that depends on it can say "holds at 96% of the points if urgent strategic business starts
at the Conference; at 12% if it starts at the Executive Support Group".

Each alternative names the structures it applies to (empty: all). :func:`apply` switches the
chosen alternatives on for one structure and scenario and re-validates the result, so a run
with ``fe_executive_called_early`` on is an ordinary run of a changed structure.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator, model_validator

from sim.errors import SpecError
from sim.spec.limits import MAX_ITEMS, Name, Ref, Strict, Text
from sim.spec.loading import read_yaml, validate_as
from sim.spec.parameters import known_parameters
from sim.spec.robustness import shipped_or_path
from sim.spec.scenario import ScenarioSpec, StepSpec
from sim.spec.structure import BodySpec, RoutingRule, SeatSpec, StructureSpec, check_structure

ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_CLAUSE = 160
"""Longest ``if_default`` / ``if_alternative`` clause, in characters: a short clause."""


def _clause(value: str) -> str:
    """A plain clause that completes "... if ...": one line, not empty, not itself starting
    with "if", with no full stop at the end (it is read inside a sentence)."""
    text = value.strip()
    if not text:
        raise ValueError("say the reading in a few words (it completes '... if ...')")
    if "\n" in text or len(text) > MAX_CLAUSE:
        raise ValueError(f"one short clause on one line (at most {MAX_CLAUSE} characters)")
    if re.match(r"(?i)if\b", text):
        raise ValueError("leave out the 'if': the sentence supplies it")
    if text[-1] in ".;:":
        raise ValueError("no full stop at the end: the clause is read inside a sentence")
    return text


Clause = Annotated[Text, AfterValidator(_clause)]
"""A reading as a clause completing "... if ..." (``if_default``, ``if_alternative``)."""


class BodyChange(Strict):
    """Fields of one body (or of its seats whose role contains ``seats_with_role``) to set."""

    body: Ref
    set: dict[str, Any] = Field(min_length=1, max_length=100)
    seats_with_role: Text | None = None


class RoutingChange(Strict):
    """Rules put in front of a scope's routing rules (so they match first)."""

    scope: Ref
    prepend: list[RoutingRule] = Field(min_length=1, max_length=MAX_ITEMS)


class StepChange(Strict):
    """Step ``step`` (counted from 1) of a scenario's named issue, replaced by ``replace_with``."""

    scenario: Name
    issue: Ref
    step: int = Field(ge=1, le=MAX_ITEMS)
    replace_with: list[StepSpec] = Field(min_length=1, max_length=MAX_ITEMS)


class Alternative(Strict):
    """One reading the model did not take, and how to switch to it."""

    id: str
    rule: Name = Field(description="The rule id (docs/sources.md) whose reading it changes.")
    question: Text
    default: Text = Field(description="The reading the shipped files take.")
    alternative: Text = Field(description="The other reading, which this switches on.")
    if_default: Clause = Field(
        description="The shipped reading as a clause completing '... if ...' (e.g. 'urgent "
        "strategic business starts at the Conference')."
    )
    if_alternative: Clause = Field(
        description="The other reading as a clause completing '... if ...' (e.g. 'urgent "
        "strategic business starts at the Executive Support Group')."
    )
    structures: list[Name] = Field([], description="Structure names it applies to; [] = all.")
    bodies: list[BodyChange] = Field([], max_length=MAX_ITEMS)
    routing: list[RoutingChange] = Field([], max_length=MAX_ITEMS)
    parameters: dict[str, float] = Field({}, max_length=100)
    steps: list[StepChange] = Field([], max_length=MAX_ITEMS)

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        if not ID.match(value):
            raise ValueError("an id is lower case letters, digits and _ (at most 64)")
        return value

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, value: dict[str, float]) -> dict[str, float]:
        return known_parameters(value)

    @model_validator(mode="after")
    def _two_readings(self) -> Alternative:
        if self.if_default.casefold() == self.if_alternative.casefold():
            raise ValueError("if_default and if_alternative say the same: name the two readings")
        return self

    def applies_to(self, structure: StructureSpec) -> bool:
        return not self.structures or structure.name in self.structures


class Alternatives(Strict):
    """A file of alternatives (``scenarios/robustness/alternatives.yaml``)."""

    alternatives: list[Alternative] = Field(max_length=MAX_ITEMS)

    def by_id(self) -> dict[str, Alternative]:
        return {a.id: a for a in self.alternatives}


def load_alternatives(path: str | Path = "alternatives") -> Alternatives:
    """Read and validate a file of alternatives: the shipped ``alternatives`` by default, a
    path otherwise (never a file of that name in the working folder)."""
    path = shipped_or_path("robustness", path)
    spec = validate_as(Alternatives, read_yaml(path), str(path))
    seen: set[str] = set()
    for i, alternative in enumerate(spec.alternatives):
        if alternative.id in seen:
            raise SpecError(str(path), f"alternatives[{i}].id", f"'{alternative.id}' is used twice")
        seen.add(alternative.id)
    return spec


def apply(
    chosen: list[Alternative], structure: StructureSpec, scenario: ScenarioSpec
) -> tuple[StructureSpec, ScenarioSpec, dict[str, float]]:
    """The structure and scenario with the chosen alternatives switched on, re-validated, and
    the parameter values the alternatives set. Alternatives that do not apply to this
    structure, or name another scenario, change nothing."""
    data = structure.model_dump(by_alias=True, exclude={"sources"})
    scenario_data = scenario.model_dump(by_alias=True)
    parameters: dict[str, float] = {}
    for alternative in chosen:
        where = f"alternatives[{alternative.id}]"
        if alternative.applies_to(structure):
            _change_bodies(data, alternative, where)
            _change_routing(data, alternative, where)
        parameters |= alternative.parameters
        _change_steps(scenario_data, alternative, scenario.name, where)
    try:
        changed = StructureSpec.model_validate(data)
        changed = changed.model_copy(update={"sources": dict(structure.sources)})
        check_structure(changed)
        changed_scenario = ScenarioSpec.model_validate(scenario_data)
    except SpecError as exc:
        raise SpecError("alternatives", ", ".join(a.id for a in chosen), exc.message) from None
    except ValueError as exc:  # pydantic, on a changed field
        first = str(exc).splitlines()
        raise SpecError("alternatives", ", ".join(a.id for a in chosen),
                        first[-1] if first else str(exc)) from None  # fmt: skip
    return changed, changed_scenario.model_copy(update={"source": scenario.source}), parameters


def _change_bodies(data: dict, alternative: Alternative, where: str) -> None:
    bodies = {b["id"]: b for b in data["bodies"]}
    for change in alternative.bodies:
        body = bodies.get(change.body)
        if body is None:
            raise SpecError("alternatives", f"{where}.bodies", f"no body '{change.body}' in "
                            f"structure '{data['name']}'")  # fmt: skip
        if change.seats_with_role is None:
            unknown = set(change.set) - set(BodySpec.model_fields)
            if unknown:
                raise SpecError("alternatives", f"{where}.bodies[{change.body}].set",
                                f"not a body field: {', '.join(sorted(unknown))}")  # fmt: skip
            body.update(change.set)
            continue
        unknown = set(change.set) - set(SeatSpec.model_fields)
        if unknown:
            raise SpecError("alternatives", f"{where}.bodies[{change.body}].set",
                            f"not a seat field: {', '.join(sorted(unknown))}")  # fmt: skip
        seats = [s for s in body["members"] if change.seats_with_role in (s.get("role") or "")]
        if not seats:
            raise SpecError("alternatives", f"{where}.bodies[{change.body}].seats_with_role",
                            f"no seat of '{change.body}' has '{change.seats_with_role}' in its "
                            "role")  # fmt: skip
        for seat in seats:
            seat.update(change.set)


def _change_routing(data: dict, alternative: Alternative, where: str) -> None:
    for change in alternative.routing:
        if change.scope not in data["routing"]:
            raise SpecError("alternatives", f"{where}.routing",
                            f"no scope '{change.scope}' in structure '{data['name']}'")  # fmt: skip
        rules = [r.model_dump(by_alias=True) for r in change.prepend]
        data["routing"][change.scope] = [*rules, *data["routing"][change.scope]]


def _change_steps(data: dict, alternative: Alternative, scenario: str, where: str) -> None:
    for change in alternative.steps:
        if change.scenario != scenario:
            continue
        issue = next((i for i in data["issues"] if i["id"] == change.issue), None)
        if issue is None or not issue.get("pathway"):
            missing = f"no issue '{change.issue}' with a pathway in '{scenario}'"
            raise SpecError("alternatives", f"{where}.steps", missing)
        pathway = issue["pathway"]
        if change.step > len(pathway):
            raise SpecError("alternatives", f"{where}.steps",
                            f"'{change.issue}' has only {len(pathway)} steps")  # fmt: skip
        new = [s.model_dump(by_alias=True) for s in change.replace_with]
        issue["pathway"] = [*pathway[: change.step - 1], *new, *pathway[change.step :]]
