"""Partnership structures as data: partners, bodies, routing, links.

A structure file may sit ``inside`` another (the Gloucester structures sit
inside the county layer) and ``replace`` bodies of it (the county's
placeholder Gloucester LSP). :func:`load_structure` resolves that nesting into
one flat, validated :class:`StructureSpec`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from sim.errors import SpecError
from sim.spec.limits import (
    MAX_AMOUNT,
    MAX_COUNT,
    MAX_ITEMS,
    MAX_WEEKS,
    MIN_CADENCE_WEEKS,
    Name,
    Ref,
    Strict,
    Text,
    unique,
)
from sim.spec.loading import read_yaml, resolve_structure, validate_as


class Function(StrEnum):
    """The Tavistock cycle's four functions, plus support (FE-ROLES)."""

    DELIBERATION = "deliberation"
    DECISION = "decision"
    DELIVERY = "delivery"
    EVALUATION = "evaluation"
    SUPPORT = "support"


CYCLE: tuple[Function, ...] = (
    Function.DELIBERATION,
    Function.DECISION,
    Function.DELIVERY,
    Function.EVALUATION,
)


class PartnerSpec(Strict):
    """A partner organisation (an agent): who it is and what it can give."""

    id: Name
    name: Text = ""
    sector: Ref = Field(
        description="public, business, voluntary, ... as the source documents name them"
    )
    district: Ref = Field("county", description="county, or one of the six districts")
    capacity: float = Field(
        1.0, ge=0, le=1000, description="Multiplier on the meeting load it absorbs."
    )
    budget: float = Field(
        10.0, ge=0, le=MAX_AMOUNT, description="Resource units a year it can pledge."
    )
    commitment: float = Field(0.8, ge=0, le=1, description="Engagement with partnership work.")
    mandate: float = Field(
        1.0, ge=0, le=1, description="Probability its representative may commit it."
    )
    energy: float = Field(
        0.0,
        ge=0,
        le=MAX_AMOUNT,
        description="Attention it gives a week under garbage-can attachment (the GCM's energy).",
    )


class SeatSpec(Strict):
    """A place on a body, held by a representative of a partner."""

    partner: Ref
    role: Text = ""
    voting: bool = True
    chair: bool = False
    mandate: float | None = Field(None, ge=0, le=1, description="Overrides the partner's.")


class HearsReports(Strict):
    """Bodies whose delivery this body reviews at its meetings (FE-PAG-REPORT)."""

    from_bodies: list[Ref] = Field(alias="from", max_length=MAX_ITEMS)
    per_meeting: int | None = Field(
        None,
        ge=1,
        le=MAX_COUNT,
        description="How many report per meeting, in rotation; empty = all.",
    )


class BodySpec(Strict):
    """A forum: its functions, members, cadence and rules."""

    id: Name
    name: Text = ""
    scope: Ref = Field(description="The routing scope it belongs to: county, gloucester, ...")
    functions: list[Function] = Field(min_length=1, max_length=len(Function))
    members: list[SeatSpec] = Field(max_length=MAX_ITEMS)
    cadence_weeks: float | None = Field(
        None,
        le=MAX_WEEKS,
        description="Weeks between meetings, at least 0.1 (or on_demand: true).",
    )
    first_meeting_week: float | None = Field(None, ge=0, le=MAX_WEEKS)
    on_demand: bool = False
    special_meetings: bool = False
    quorum: int = Field(
        0, ge=0, le=MAX_COUNT, description="Voting members present needed to decide."
    )
    decision_rule: Literal["consensus_else_majority", "majority", "energy"] = Field(
        "consensus_else_majority",
        description="energy: decided once the members' effective energy covers the energy the "
        "attached issues need (garbage-can attachment only).",
    )
    majority_of: Literal["present", "members"] = Field(
        "present",
        description="A vote passes with a majority of the voting members present, or of all "
        "the body's voting members (FE-EXEC-DECIDE: 'eligible voting members').",
    )
    agenda_capacity: int = Field(6, ge=1, le=MAX_COUNT)
    agenda_policy: Literal["fifo", "urgent_first", "focus_first"] = "fifo"
    same_meeting_decision: bool = Field(
        False, description="A discussion section then a decision section (PI-AGENDA)."
    )
    substitutes: bool = False
    replace_after_absences: int | None = Field(None, ge=1, le=MAX_COUNT)
    reports_to: Ref | None = None
    hears_reports: HearsReports | None = None
    reviews_groups: bool = Field(
        False, description="May stand down idle bodies that report to it (FE-PAG-LIFE)."
    )
    open_meeting: bool = False
    admin_support: Literal["partner", "support_team"] = "partner"
    starts_week: float = Field(
        0.0, ge=0, le=MAX_WEEKS, description="Weeks until the body is operating."
    )
    evaluation_basis: Literal["outcomes", "inputs"] = "outcomes"
    meeting_hours: float | None = Field(None, gt=0, le=168, description="Hours each meeting takes.")
    description: Text = ""

    @field_validator("functions")
    @classmethod
    def _functions_once(cls, value: list[Function]) -> list[Function]:
        unique([f.value for f in value], "function")
        return value


class RoutingRule(Strict):
    """Which body performs a function for issues of a kind and theme (first match wins).

    Under garbage-can attachment every matching rule's body is open to the issue (its access
    structure) and the issue picks among them."""

    function: Function
    body: Ref
    kind: Literal["operational", "strategic"] | None = None
    theme: Ref | list[Ref] | None = Field(None, description="A theme, or any of a list.")
    urgent: bool | None = None


class LinkSpec(Strict):
    """A standing link between a body and a body of another scope (FE-COUNTY-LINKS)."""

    from_body: Ref = Field(alias="from")
    to: Ref
    via: Text = ""


class FundSpec(Strict):
    """A partnership fund held by an accountable body (FE-ACCOUNTABLE).

    Several funds on one scope (held by different partners) form a pooled budget: a decision
    draws on each in the order listed, as far as its holder is present with a mandate."""

    scope: Ref
    partner: Ref
    per_year: float = Field(ge=0, le=MAX_AMOUNT)


class StructureSpec(Strict):
    """A whole structure option, possibly inside an outer layer."""

    name: Name
    title: Text = Field(
        "", description="The option's display name in reports and the app (its name when empty)."
    )
    description: Text = ""
    appraisal: Literal["", "business_as_usual", "do_minimum", "preferred"] = Field(
        "",
        description="Its place in an option appraisal: business_as_usual (what happens if "
        "nothing changes), do_minimum (the least change that meets the need) or preferred (the "
        "option a business case recommends); empty for any other option. The first screen's "
        "summary says which of the preferred option's effects the do-minimum gives too.",
    )
    inside: Ref | None = None
    replaces: list[Ref] = Field([], max_length=MAX_ITEMS)
    partners: list[PartnerSpec] = Field([], max_length=MAX_ITEMS)
    bodies: list[BodySpec] = Field([], max_length=MAX_ITEMS)
    routing: dict[Ref, list[RoutingRule]] = Field({}, max_length=MAX_ITEMS)
    links: list[LinkSpec] = Field([], max_length=MAX_ITEMS)
    focus: dict[Ref, list[Ref]] = Field(
        {}, description="Per scope, the few priority themes the partnership narrows to."
    )
    funds: list[FundSpec] = Field([], max_length=MAX_ITEMS)
    themes: list[Ref] = Field(
        [], description="Themes issues may carry besides those the routing rules and focus name."
    )
    pathways: dict[Ref, list[Function]] = Field(
        {}, description="Default pathway of functions per issue kind."
    )
    attachment: Literal["routing", "garbage_can"] = Field(
        "routing",
        description="How issues and members find bodies: routing rules and seats (routing), "
        "or every week to the open body nearest decision (garbage_can: Cohen, March and "
        "Olsen 1972).",
    )
    sources: dict[str, str] = Field({}, exclude=True)

    def body(self, body_id: str) -> BodySpec:
        return next(b for b in self.bodies if b.id == body_id)

    def partner(self, partner_id: str) -> PartnerSpec:
        return next(p for p in self.partners if p.id == partner_id)

    @property
    def display_name(self) -> str:
        """What a reader sees: the title, or the file's name when there is none."""
        return self.title or self.name

    def names_by_id(self, extra: list[BodySpec] | tuple = ()) -> dict[str, str]:
        """Each body's and partner's display name by id (its ``name``, or the id when it has
        none; a partner acts in a pathway when it pledges), with a scenario's own bodies
        (``extra``) as well."""
        return {x.id: x.name or x.id for x in [*self.partners, *self.bodies, *extra]}

    @property
    def body_ids(self) -> set[str]:
        return {b.id for b in self.bodies}

    @property
    def partner_ids(self) -> set[str]:
        return {p.id for p in self.partners}

    def focus_themes(self) -> list[str]:
        return [t for themes in self.focus.values() for t in themes]

    def pathway(self, kind: str) -> list[Function]:
        return list(self.pathways.get(kind) or self.pathways.get("default") or CYCLE)


Outer = Callable[[str, Path], Path]
"""Where a structure's ``inside`` leads: the outer structure's file, given the name or path it
gives and the folder of the file that gives it (a :class:`SpecError` when there is none)."""


def load_structure(name_or_path: str | Path, outer: Outer | None = None) -> StructureSpec:
    """Load, nest and validate a structure file (``five_element``, ``pilot``, or a path).

    ``outer`` finds the file an ``inside`` names; by default a shipped structure's name or a
    path, relative to the file first (the command line's rule). The app passes a narrower one
    (:func:`sim.app.logic.load_uploaded_structure`): an uploaded file builds only on the
    shipped structures and on files uploaded in the same session."""
    path = resolve_structure(str(name_or_path))
    spec = _load_nested(path, seen=(), outer=outer or _outer_file)
    check_structure(spec)
    return spec


def _outer_file(inside: str, folder: Path) -> Path:
    return resolve_structure(inside, relative_to=folder)


def structure_from_dict(data: dict, source: str = "<dict>") -> StructureSpec:
    """Validate a structure given as a mapping (tests, notebooks); no ``inside`` nesting."""
    spec = validate_as(StructureSpec, data, source)
    if spec.inside is not None:
        raise SpecError(source, "inside", "nesting needs files: use load_structure")
    spec = spec.model_copy(update={"sources": {"structure": source}})
    check_structure(spec)
    return spec


def _load_nested(path: Path, seen: tuple[Path, ...], outer: Outer) -> StructureSpec:
    file = str(path)
    if path.resolve() in seen:
        raise SpecError(file, "inside", "structures are nested inside each other in a loop")
    spec = validate_as(StructureSpec, read_yaml(path), file)
    own = {f"body:{b.id}": file for b in spec.bodies} | {
        f"partner:{p.id}": file for p in spec.partners
    }
    own |= {"routing": file, "links": file, "funds": file, "structure": file}
    if spec.inside is None:
        if spec.replaces:
            raise SpecError(file, "replaces", "only a structure 'inside' another replaces bodies")
        return spec.model_copy(update={"sources": own})
    try:
        outer_path = outer(spec.inside, path.parent)
    except SpecError as exc:
        why = exc.message if exc.field == "inside" else "was not found"
        raise SpecError(file, "inside", f"the outer structure '{spec.inside}' {why}") from None
    around = _load_nested(outer_path, seen=(*seen, path.resolve()), outer=outer)
    return _merge(around, spec, own, file)


def _merge(outer: StructureSpec, inner: StructureSpec, own: dict[str, str], file: str):
    for i, gone in enumerate(inner.replaces):
        if gone in inner.replaces[:i]:
            raise SpecError(file, f"replaces[{i}]", f"the body '{gone}' is replaced twice")
    for gone in inner.replaces:
        if gone not in outer.body_ids:
            raise SpecError(file, "replaces", f"unknown body '{gone}' in '{outer.name}'")
    for partner in inner.partners:
        if partner.id in outer.partner_ids:
            where = outer.sources.get(f"partner:{partner.id}", outer.name)
            raise SpecError(file, f"partners[{partner.id}]", f"already defined in {where}")
    kept = [b for b in outer.bodies if b.id not in inner.replaces]
    for body in inner.bodies:
        if body.id in {b.id for b in kept}:
            where = outer.sources.get(f"body:{body.id}", outer.name)
            raise SpecError(file, f"bodies[{body.id}]", f"already defined in {where}")
    sources = {
        k: v for k, v in outer.sources.items() if k.removeprefix("body:") not in inner.replaces
    }
    return StructureSpec(
        name=inner.name,
        title=inner.title,
        description=inner.description,
        appraisal=inner.appraisal,
        inside=None,
        replaces=[],
        partners=[*outer.partners, *inner.partners],
        bodies=[*kept, *inner.bodies],
        routing={**outer.routing, **inner.routing},
        links=[
            *(k for k in outer.links if not {k.from_body, k.to} & set(inner.replaces)),
            *inner.links,
        ],
        focus={**outer.focus, **inner.focus},
        themes=[*outer.themes, *inner.themes],
        funds=[*outer.funds, *inner.funds],
        pathways={**outer.pathways, **inner.pathways},
        sources={**sources, **own},
    )


def check_structure(spec: StructureSpec) -> None:
    """Cross-reference checks pydantic cannot do alone; the first failure is raised."""

    def where(key: str) -> str:
        return spec.sources.get(key, spec.sources.get("structure", spec.name))

    partners = spec.partner_ids
    for kind, items in (("body", spec.bodies), ("partner", spec.partners)):
        seen: set[str] = set()
        for item in items:
            if item.id in seen:
                field = "bodies" if kind == "body" else "partners"
                raise SpecError(where(f"{kind}:{item.id}"), f"{field}[{item.id}].id",
                                f"the {kind} id '{item.id}' is used twice")  # fmt: skip
            seen.add(item.id)
    bodies = {b.id: b for b in spec.bodies}
    for body in spec.bodies:
        file, at = where(f"body:{body.id}"), f"bodies[{body.id}]"
        for i, seat in enumerate(body.members):
            if seat.partner not in partners:
                raise SpecError(
                    file, f"{at}.members[{i}].partner", f"unknown partner '{seat.partner}'"
                )
        if body.cadence_weeks is not None and body.cadence_weeks < MIN_CADENCE_WEEKS:
            raise SpecError(
                file,
                f"{at}.cadence_weeks",
                f"a cadence must be more than 0 weeks (at least {MIN_CADENCE_WEEKS:g}), "
                f"got {body.cadence_weeks:g}",
            )
        if body.cadence_weeks is None and not body.on_demand:
            raise SpecError(file, f"{at}.cadence_weeks", "give a cadence or set on_demand: true")
        voting = sum(seat.voting for seat in body.members)
        if body.quorum > voting:
            raise SpecError(
                file,
                f"{at}.quorum",
                f"quorum {body.quorum} is larger than the {voting} voting members",
            )
        if body.reports_to is not None and body.reports_to not in bodies:
            raise SpecError(file, f"{at}.reports_to", f"unknown body '{body.reports_to}'")
        if body.hears_reports is not None:
            for other in body.hears_reports.from_bodies:
                if other not in bodies:
                    raise SpecError(file, f"{at}.hears_reports.from", f"unknown body '{other}'")
    _check_reporting_cycles(spec, where)
    _check_attachment(spec, where)
    for scope, rules in spec.routing.items():
        file = where("routing")
        for i, rule in enumerate(rules):
            if rule.body not in bodies:
                raise SpecError(file, f"routing.{scope}[{i}].body", f"unknown body '{rule.body}'")
            functions = bodies[rule.body].functions
            if rule.function not in functions and Function.SUPPORT not in functions:
                raise SpecError(
                    file,
                    f"routing.{scope}[{i}].body",
                    f"body '{rule.body}' does not perform {rule.function.value}",
                )
        if spec.attachment == "garbage_can":
            continue  # the rules are an access structure: no issue must find a body
        needed = {f for kind in ("operational", "strategic") for f in spec.pathway(kind)}
        for function in sorted(needed):
            catch_all = [r for r in rules if not (r.kind or r.theme or r.urgent is not None)]
            if not any(r.function == function for r in catch_all):
                raise SpecError(file, f"routing.{scope}", f"no catch-all rule for {function.value}")
    for i, link in enumerate(spec.links):
        for end in (link.from_body, link.to):
            if end not in bodies:
                raise SpecError(where("links"), f"links[{i}]", f"unknown body '{end}'")
    held: dict[tuple[str, str], int] = {}
    for i, fund in enumerate(spec.funds):
        if fund.partner not in partners:
            raise SpecError(
                where("funds"), f"funds[{i}].partner", f"unknown partner '{fund.partner}'"
            )
        if fund.scope not in spec.routing:
            known = ", ".join(sorted(spec.routing))
            raise SpecError(where("funds"), f"funds[{i}].scope",
                            f"unknown scope '{fund.scope}' (known: {known})")  # fmt: skip
        if (fund.scope, fund.partner) in held:
            raise SpecError(where("funds"), f"funds[{i}]", f"'{fund.partner}' already holds a "
                            f"fund for {fund.scope} (funds[{held[fund.scope, fund.partner]}]); "
                            "give one fund per holder and scope")  # fmt: skip
        held[(fund.scope, fund.partner)] = i


def _check_attachment(spec: StructureSpec, where) -> None:
    """Energy decisions and garbage-can attachment go together, on weekly decision bodies."""
    free = spec.attachment == "garbage_can"
    for body in spec.bodies:
        file, at = where(f"body:{body.id}"), f"bodies[{body.id}]"
        energy = body.decision_rule == "energy"
        if energy and not free:
            raise SpecError(
                file,
                f"{at}.decision_rule",
                "the energy rule needs 'attachment: garbage_can' on the structure",
            )
        if not free:
            continue
        if not energy:
            raise SpecError(
                file,
                f"{at}.decision_rule",
                "under garbage-can attachment every body decides by 'energy'",
            )
        if body.functions != [Function.DECISION]:
            raise SpecError(
                file,
                f"{at}.functions",
                "under garbage-can attachment a body is a choice: [decision] only",
            )
        if body.cadence_weeks != 1:
            raise SpecError(
                file,
                f"{at}.cadence_weeks",
                "under garbage-can attachment bodies sit every week: give 1",
            )
    kinds = ("operational", "strategic")
    if free and any(spec.pathway(kind) != [Function.DECISION] for kind in kinds):
        raise SpecError(
            where("structure"),
            "pathways",
            "under garbage-can attachment give 'pathways: {default: [decision]}'",
        )


def _check_reporting_cycles(spec: StructureSpec, where) -> None:
    up = {b.id: b.reports_to for b in spec.bodies if b.reports_to}
    for start in up:
        chain = [start]
        node = up.get(start)
        while node is not None:
            if node in chain:
                loop = " -> ".join([*chain[chain.index(node) :], node])
                raise SpecError(
                    where(f"body:{start}"),
                    f"bodies[{start}].reports_to",
                    f"reporting lines form a cycle: {loop}",
                )
            chain.append(node)
            node = up.get(node)


_WORD = re.compile(r"(?<![\w-])[a-z][a-z0-9_]*(?![\w-])")


def in_words(text: str, called: dict[str, str]) -> str:
    """``text`` with every identifier in it said in words: a body's or a partner's by its
    display name (``called``: id -> name), any other with an underscore (a district's scope,
    "forest_of_dean") with its words capitalised ("Forest of Dean")."""
    small = ("of", "and", "the", "upon", "in", "on", "a", "to")

    def say(found: re.Match) -> str:
        word = found.group(0)
        if called.get(word, word) != word:
            return called[word]
        if "_" not in word:
            return word
        return " ".join(w if w in small else w.capitalize() for w in word.split("_"))

    return _WORD.sub(say, text or "")
