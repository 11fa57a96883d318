"""A design space: the structures a partnership could adopt, as levers over a base structure.

``scenarios/design/*.yaml`` declares, over a base structure (business as usual), the
**levers** a board could pull, each tied to the rule id and the source text that make it a
real option:

- a **number** lever sets one field of some bodies to a whole number between ``low`` and
  ``high`` in steps of ``step`` (the Executive's cadence in weeks, its quorum);
- a **choice** lever picks one of its named ``options``, each a set of changes written like a
  structural alternative's (``bodies``: fields of bodies or of their seats; ``routing``:
  rules put first), plus ``drop`` (bodies removed, a structural move: their routing rules,
  reports and links go with them) and ``focus`` (the priority themes of a scope).

A **design** is one value per lever; :meth:`DesignSpace.compile` turns it into an ordinary
:class:`~sim.spec.structure.StructureSpec` (number levers first, then the choices in the
order declared). The design with every lever at its ``base`` value is the base structure.
Every design of the space is a valid structure: :func:`load_design_space` compiles every
lever's every value, and designs in which every three values of every three levers (a number
lever at its two ends) meet at least once, and refuses the file, with one line naming the
fewest levers and values that make a structure invalid, when any is; combinations a designer
knows to be impossible are declared in ``exclude`` and the search never proposes them. (A
space small enough, up to :data:`FULL_CHECK` designs, is compiled whole.)

The file also says what the search weighs (``objectives``: indicators, each a paired
difference from business as usual), any ``constraints`` ("no more member-hours than today"),
the options to compare a chosen design with, and the sizes of a search (``sizes``).
docs/design-search.md explains the method.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.errors import SpecError
from sim.spec.alternatives import BodyChange, RoutingChange, _change_bodies, _change_routing
from sim.spec.limits import MAX_ITEMS, MAX_SEED, Name, Ref, Strict, Text
from sim.spec.loading import read_yaml, resolve, validate_as
from sim.spec.structure import StructureSpec, check_structure, load_structure

FULL_CHECK = 4096
"""A space of at most this many designs is compiled and checked whole when it is loaded."""
NUMBER_FIELDS = ("cadence_weeks", "quorum", "agenda_capacity", "replace_after_absences")
"""The body fields a number lever may set."""


class LeverOption(Strict):
    """One option of a choice lever: what it says in plain words and the changes it makes."""

    says: Text = Field(description="The option in plain words ('urgent strategic business "
                       "starts at the Executive'), read in the trade-off table.")  # fmt: skip
    bodies: list[BodyChange] = Field([], max_length=MAX_ITEMS)
    routing: list[RoutingChange] = Field([], max_length=MAX_ITEMS)
    drop: list[Ref] = Field([], max_length=MAX_ITEMS, description="Bodies removed.")
    focus: dict[Ref, list[Ref]] | None = Field(
        None, description="The priority themes per scope (replaces the base's focus)."
    )


class Lever(Strict):
    """One thing a board could change: a number lever (``bodies``, ``field``, ``low``,
    ``high``, ``step``) or a choice lever (``options``). ``base`` is the base structure's
    value; ``says`` words a number lever's value (``{value}`` is replaced)."""

    id: Name
    rule: Name = Field(description="The rule id the lever varies (docs/sources.md).")
    source: Text = Field(description="The source text that makes it a real option.")
    says: Text = Field("", description="A number lever's value in words, with {value}.")
    bodies: list[Ref] = Field([], max_length=MAX_ITEMS)
    field: Literal[NUMBER_FIELDS] | None = None  # type: ignore[valid-type]
    low: int | None = Field(None, ge=0, le=5200)
    high: int | None = Field(None, ge=0, le=5200)
    step: int = Field(1, ge=1, le=5200)
    options: dict[Name, LeverOption] = Field({}, max_length=100)
    base: int | str

    @model_validator(mode="after")
    def _one_kind(self) -> Lever:
        number = self.field is not None
        if number == bool(self.options):
            raise ValueError("give either field, low and high (a number lever) or options")
        if number:
            if self.low is None or self.high is None or not self.bodies:
                raise ValueError("a number lever needs bodies, field, low and high")
            if self.high <= self.low:
                raise ValueError(f"high ({self.high}) must be above low ({self.low})")
            if "{value}" not in self.says:
                raise ValueError("says must contain {value} (the lever's value in words)")
            if not isinstance(self.base, int) or self.base not in self.values:
                raise ValueError(f"base must be one of the lever's values {self.values}")
        else:
            if len(self.options) < 2:
                raise ValueError("a choice lever needs at least two options")
            if self.base not in self.options:
                raise ValueError(f"base '{self.base}' is not one of the options")
        return self

    @property
    def number(self) -> bool:
        return self.field is not None

    @property
    def values(self) -> list[int | str]:
        """Every value the lever takes, in order."""
        if self.number:
            return list(range(self.low, self.high + 1, self.step))
        return list(self.options)

    def words(self, value: int | str) -> str:
        """The value in plain words."""
        if self.number:
            return self.says.replace("{value}", str(value))
        return self.options[value].says


class Objective(Strict):
    """A criterion the search weighs: an indicator's paired difference from business as
    usual, in its better direction. ``epsilon`` is the difference the search treats as the
    same (default: the indicator's smallest difference that matters)."""

    indicator: Name
    epsilon: float | None = Field(None, gt=0, le=1e9)


class Constraint(Strict):
    """A limit a design must keep: its mean paired difference on ``indicator`` may be worse
    than business as usual by at most ``worse_by`` (0: no worse than today)."""

    indicator: Name
    worse_by: float = Field(0.0, ge=0, le=1e9)
    says: Text = Field(description="The constraint in plain words ('no more member-hours "
                       "than today').")  # fmt: skip


class SearchSize(Strict):
    """How big a search is: the optimiser's population, generations and seeds; the assumption
    points and replications each design is scored over; the out-of-sample check's."""

    population: int = Field(12, ge=4, le=10_000)
    generations: int = Field(4, ge=1, le=10_000)
    seeds: list[int] = Field([1], min_length=1, max_length=100)
    points: int = Field(4, ge=1, le=10_000)
    replications: int = Field(2, ge=1, le=1000)
    check_points: int = Field(6, ge=2, le=10_000)
    check_replications: int = Field(3, ge=1, le=1000)

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value) or any(not 0 <= s <= MAX_SEED for s in value):
            raise ValueError("distinct seeds from 0")
        return value


class DesignSpace(Strict):
    """A design space file (``scenarios/design/*.yaml``)."""

    name: Name
    title: Text = ""
    description: Text = ""
    base: Name = Field(description="The business-as-usual structure the levers change.")
    compare_with: list[Name] = Field(
        [], max_length=10, description="Options a chosen design is also compared with (pilot)."
    )
    scenario: Name = Field(description="The scenario searched by default.")
    levers: list[Lever] = Field(min_length=1, max_length=64)
    exclude: list[dict[Name, int | str]] = Field(
        [], max_length=MAX_ITEMS, description="Lever values never combined."
    )
    objectives: list[Objective] = Field(min_length=2, max_length=12)
    constraints: list[Constraint] = Field([], max_length=12)
    measure: Literal["mean", "share"] = Field(
        "mean",
        description="What the search optimises for each objective: the mean paired "
        "difference over the assumption points, or the share of points where the design "
        "beats business as usual.",
    )
    sizes: dict[Literal["ci", "full"], SearchSize] = Field(
        {"ci": SearchSize(), "full": SearchSize()}
    )
    source: str = Field("", exclude=True)

    @model_validator(mode="after")
    def _names(self) -> DesignSpace:
        ids = [lever.id for lever in self.levers]
        for i, lever_id in enumerate(ids):
            if lever_id in ids[:i]:
                raise ValueError(f"lever '{lever_id}' is declared twice")
        by_id = {lever.id: lever for lever in self.levers}
        for combination in self.exclude:
            for lever_id, value in combination.items():
                if lever_id not in by_id:
                    raise ValueError(f"exclude names an unknown lever '{lever_id}'")
                if value not in by_id[lever_id].values:
                    raise ValueError(f"exclude: '{value}' is not a value of '{lever_id}'")
        return self

    # -- designs -------------------------------------------------------------------------
    @property
    def base_design(self) -> tuple:
        return tuple(lever.base for lever in self.levers)

    @property
    def size(self) -> int:
        n = 1
        for lever in self.levers:
            n *= len(lever.values)
        return n

    def excluded(self, design: tuple) -> bool:
        """Whether the design combines values the file excludes."""
        chosen = dict(zip((lever.id for lever in self.levers), design, strict=True))
        return any(all(chosen[k] == v for k, v in c.items()) for c in self.exclude)

    def key(self, design: tuple) -> str:
        """The design's key: ``lever=value`` for every lever away from its base (``base``
        when none is); what the results store and the archive call it."""
        changed = [f"{lever.id}={value}" for lever, value in zip(self.levers, design, strict=True)
                   if value != lever.base]  # fmt: skip
        return ",".join(changed) or "base"

    def from_key(self, key: str) -> tuple:
        values = dict(lever.split("=", 1) for lever in key.split(",")) if key != "base" else {}
        out = []
        for lever in self.levers:
            value = values.get(lever.id, lever.base)
            out.append(int(value) if lever.number else value)
        return tuple(out)

    def dropped(self, design: tuple) -> set[str]:
        """The bodies the design's choices remove."""
        return {body for lever, value in zip(self.levers, design, strict=True)
                if not lever.number for body in lever.options[value].drop}  # fmt: skip

    def canonical(self, design: tuple) -> tuple:
        """The design with every number lever whose bodies it removes put back at base: the
        same structure, so one key and one evaluation."""
        gone = self.dropped(design)
        return tuple(lever.base if lever.number and set(lever.bodies) <= gone else value
                     for lever, value in zip(self.levers, design, strict=True))  # fmt: skip

    def words(self, design: tuple) -> list[str]:
        """What the design changes from business as usual, lever by lever, in plain words."""
        design = self.canonical(design)
        return [lever.words(value) for lever, value in zip(self.levers, design, strict=True)
                if value != lever.base]  # fmt: skip

    @cached_property
    def base_structure(self) -> StructureSpec:
        return load_structure(self.base)

    def compile(
        self, design: tuple, name: str = "", base: StructureSpec | None = None
    ) -> StructureSpec:
        """The structure of a design: ``base`` (the base structure, or it with structural
        alternatives switched on) changed by the levers, validated."""
        base = base or self.base_structure
        data = base.model_dump(by_alias=True, exclude={"sources"})
        where = f"{self.source}: design {self.key(design)}"
        for lever, value in zip(self.levers, design, strict=True):
            if lever.number and value != lever.base:
                for body in data["bodies"]:
                    if body["id"] in lever.bodies:
                        body[lever.field] = value
        for lever, value in zip(self.levers, design, strict=True):
            if not lever.number and value != lever.base:
                _apply_option(data, lever.options[value], f"levers[{lever.id}].{value}")
        if name:
            data.update(name=name, appraisal="")
        try:
            spec = StructureSpec.model_validate(data)
            spec = spec.model_copy(update={"sources": dict(base.sources)})
            check_structure(spec)
        except SpecError as exc:
            raise SpecError(where, exc.field, exc.message) from None
        except ValueError as exc:  # pydantic, on a changed field
            lines = str(exc).splitlines()
            raise SpecError(where, "", lines[-1].strip() if lines else str(exc)) from None
        return spec

    def digest(self) -> str:
        """A short hash of everything that changes a design's runs or score."""
        text = json.dumps(self.model_dump(mode="json", exclude={"sizes"}), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _apply_option(data: dict, option: LeverOption, where: str) -> None:
    """One choice's changes, on a structure's data."""
    from sim.spec.alternatives import Alternative

    if option.drop:
        dropped = set(option.drop)
        missing = dropped - {b["id"] for b in data["bodies"]}
        if missing:
            raise SpecError("design", f"{where}.drop", f"no body '{sorted(missing)[0]}'")
        data["bodies"] = [b for b in data["bodies"] if b["id"] not in dropped]
        for body in data["bodies"]:
            if body.get("reports_to") in dropped:
                body["reports_to"] = None
            heard = body.get("hears_reports")
            if heard:
                heard["from"] = [b for b in heard["from"] if b not in dropped]
                if not heard["from"]:
                    body["hears_reports"] = None
                elif heard.get("per_meeting") and heard["per_meeting"] > len(heard["from"]):
                    heard["per_meeting"] = len(heard["from"])
        data["routing"] = {scope: [r for r in rules if r["body"] not in dropped]
                           for scope, rules in data["routing"].items()}  # fmt: skip
        data["links"] = [k for k in data["links"] if not {k["from"], k["to"]} & dropped]
    change = Alternative.model_construct(id=where, bodies=option.bodies, routing=option.routing)
    _change_bodies(data, change, where)
    _change_routing(data, change, where)
    if option.focus is not None:
        data["focus"] = {scope: list(themes) for scope, themes in option.focus.items()}


def load_design_space(name_or_path: str | Path, check: bool = True) -> DesignSpace:
    """Read a design space (a shipped name such as ``gloucester``, or a path), and check that
    every design in it is a valid structure (see the module's docstring): a bad file is one
    line naming the file, the lever and the value. ``check=False`` skips the designs' check
    (a worker, given a space its command has checked)."""
    path = resolve("design", name_or_path)
    space = validate_as(DesignSpace, read_yaml(path), str(path))
    space = space.model_copy(update={"source": str(path)})
    try:
        base = space.base_structure
    except SpecError as exc:
        raise SpecError(str(path), "base", exc.one_line()) from None
    for lever in space.levers:
        for body in lever.bodies:
            if body not in base.body_ids:
                raise SpecError(str(path), f"levers[{lever.id}].bodies",
                                f"no body '{body}' in '{base.name}'")  # fmt: skip
    if check:
        check_designs(space)
    return space


def designs_to_check(space: DesignSpace) -> list[tuple]:
    """The designs whose validity stands for the whole space: all of them in a small space;
    else every value of every lever with the rest at base, and rows in which every three
    values of every three levers (a number lever at its two ends) meet at least once (a
    covering array of strength 3: a combination of up to three levers that makes a structure
    invalid, whatever the other levers say, makes one of these rows invalid)."""
    levers = space.levers
    if space.size <= FULL_CHECK:
        return [d for d in itertools.product(*(lv.values for lv in levers))
                if not space.excluded(d)]  # fmt: skip
    ends = [[lv.values[0], lv.values[-1]] if lv.number else lv.values for lv in levers]
    base = list(space.base_design)
    out = []
    for i, lever in enumerate(levers):
        for value in lever.values:
            design = list(base)
            design[i] = value
            out.append(tuple(design))
    out += covering_rows(space, ends, STRENGTH)
    return [d for d in dict.fromkeys(out) if not space.excluded(d)]


STRENGTH = 3
"""Every combination of this many levers' values is in some checked design."""


def covering_rows(space: DesignSpace, ends: list[list], strength: int) -> list[tuple]:
    """Designs in which every ``strength`` values of every ``strength`` levers (from
    ``ends``) meet at least once, none excluded: a greedy covering array (each row starts
    from the first combination not yet met and fills the other levers with the value that
    meets most new combinations; deterministic). A combination met only in excluded designs
    is left out: the search never proposes those."""
    n = len(ends)
    k = min(strength, n)
    groups = list(itertools.combinations(range(n), k))
    todo = {(g, vals) for g in groups for vals in itertools.product(*(ends[i] for i in g))}
    by_lever: dict[int, list[tuple]] = {i: [g for g in groups if i in g] for i in range(n)}

    def met(row: list) -> set:
        return {(g, tuple(row[i] for i in g)) for g in groups} & todo

    def gain(row: list, i: int, value) -> int:
        trial = list(row)
        trial[i] = value
        return sum(
            (g, tuple(trial[j] for j in g)) in todo
            for g in by_lever[i]
            if all(trial[j] is not None for j in g)
        )

    rows = []
    for seed in sorted(todo, key=repr):
        if seed not in todo:
            continue
        group, values = seed
        row: list = [None] * n
        for i, value in zip(group, values, strict=True):
            row[i] = value
        for i in range(n):
            if row[i] is None:  # first value wins a tie: deterministic
                row[i] = max(ends[i], key=lambda v, i=i: gain(row, i, v))
        if space.excluded(tuple(row)):
            row = next((r for r in _neighbours(row, group, ends) if not space.excluded(tuple(r))),
                       None)  # fmt: skip
            if row is None:
                todo.discard(seed)
                continue
        todo -= met(row)
        rows.append(tuple(row))
    return rows


def _neighbours(row: list, fixed: tuple, ends: list[list]):
    """``row`` with one lever outside ``fixed`` changed, lever by lever, value by value."""
    for i, values in enumerate(ends):
        if i in fixed:
            continue
        for value in values:
            if value != row[i]:
                other = list(row)
                other[i] = value
                yield other


def check_designs(space: DesignSpace) -> None:
    """Compile the designs that stand for the space; the first invalid one is refused, named
    by the fewest levers that still make it invalid (each other lever put back at base)."""
    for design in designs_to_check(space):
        try:
            space.compile(design)
        except SpecError as exc:
            design, exc = _fewest_levers(space, design, exc)
            words = space.key(design).replace(",", ", ")
            raise SpecError(space.source, f"levers ({words})",
                            f"this combination is not a valid structure ({exc.field}: "
                            f"{exc.message}); change the levers or add it to "
                            "exclude") from None  # fmt: skip


def _fewest_levers(space: DesignSpace, design: tuple, error: SpecError):
    """An invalid ``design`` with every lever put back at base that can be while it stays
    invalid (and not excluded), and the error it then gives."""
    design = list(design)
    for i, lever in enumerate(space.levers):
        if design[i] == lever.base:
            continue
        trial = list(design)
        trial[i] = lever.base
        if space.excluded(tuple(trial)):
            continue
        try:
            space.compile(tuple(trial))
        except SpecError as exc:
            design, error = trial, exc
    return tuple(design), error


def design_from_values(space: DesignSpace, values: dict[str, Any]) -> tuple:
    """A design from ``{lever: value}`` (levers not named stay at base), checked."""
    by_id = {lever.id: lever for lever in space.levers}
    for lever_id, value in values.items():
        if lever_id not in by_id:
            raise SpecError(space.source, "levers", f"unknown lever '{lever_id}'")
        if value not in by_id[lever_id].values:
            raise SpecError(space.source, f"levers[{lever_id}]", f"'{value}' is not a value")
    return tuple(values.get(lever.id, lever.base) for lever in space.levers)
