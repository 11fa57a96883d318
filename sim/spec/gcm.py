"""Garbage Can designs: the variants of a garbage-can structure and scenario, as data.

A design file (``scenarios/gcm/design.yaml``) names a base structure (choices as bodies,
decision makers as partners, ``attachment: garbage_can``) and a base scenario (problems as
issues), then lists levels of four factors, each a change to the base:

- ``loads``: the energy every problem needs;
- ``energy``: each decision maker's energy per week, in the structure's partner order;
- ``access``: a 0/1 matrix, problems (rows, scenario order) by choices (columns, structure
  order): which bodies' routing rules let the problem in;
- ``decision``: a 0/1 matrix, decision makers by choices: who holds a seat where.

:func:`variants` compiles every combination into an ordinary structure and scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Annotated

from pydantic import Field

from sim.errors import SpecError
from sim.spec.limits import MAX_AMOUNT, MAX_ITEMS, Name, Ref, Strict, Text
from sim.spec.loading import read_yaml, resolve, resolve_structure, validate_as
from sim.spec.scenario import ScenarioSpec, load_scenario
from sim.spec.structure import (
    Function,
    RoutingRule,
    SeatSpec,
    StructureSpec,
    check_structure,
    load_structure,
)

FACTORS = ("load", "energy", "access", "decision")


Energy = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
Row = Annotated[str, Field(max_length=MAX_ITEMS)]
Levels = Field(min_length=1, max_length=100)


class GcmDesignSpec(Strict):
    """The levels of load, energy distribution, access and decision structure to cross (each
    at most 100 levels; level names follow the rule for names)."""

    name: Name
    description: Text = ""
    structure: Ref = Field(description="Base structure: a short name or a path.")
    scenario: Ref = Field(description="Base scenario: a path, relative to this file.")
    loads: dict[Name, Energy] = Field(
        min_length=1, max_length=100, description="Energy each problem needs."
    )
    energy: dict[Name, Annotated[list[Energy], Field(max_length=MAX_ITEMS)]] = Levels
    access: dict[Name, Annotated[list[Row], Field(max_length=MAX_ITEMS)]] = Levels
    decision: dict[Name, Annotated[list[Row], Field(max_length=MAX_ITEMS)]] = Levels
    source: str = Field("", exclude=True)


@dataclass(frozen=True)
class Variant:
    """One combination of levels, compiled into a structure and a scenario."""

    index: int
    levels: dict[str, str]
    structure: StructureSpec
    scenario: ScenarioSpec

    @property
    def name(self) -> str:
        return "/".join(self.levels[f] for f in FACTORS)


def load_gcm_design(path: str | Path) -> GcmDesignSpec:
    """Read and validate a design file, by path or shipped name (``design``); its matrices
    are checked against the base files."""
    path = resolve("gcm design", path)
    spec = validate_as(GcmDesignSpec, read_yaml(path), str(path))
    return spec.model_copy(update={"source": str(path)})


MAX_VARIANTS = 10_000


def variant_count(design: GcmDesignSpec) -> int:
    """How many variants a design makes: the product of its numbers of levels (at most
    :data:`MAX_VARIANTS`)."""
    count = len(design.loads) * len(design.energy) * len(design.access) * len(design.decision)
    if count > MAX_VARIANTS:
        raise SpecError(design.source, "loads", f"the levels cross to {count:,} variants; the "
                        f"most is {MAX_VARIANTS:,}")  # fmt: skip
    return count


def base_files(design: GcmDesignSpec) -> tuple[StructureSpec, ScenarioSpec]:
    """The base structure and scenario a design changes."""
    here = Path(design.source).parent
    try:
        structure_path = resolve_structure(design.structure, relative_to=here)
    except SpecError:
        raise SpecError(design.source, "structure",
                        f"structure '{design.structure}' not found") from None  # fmt: skip
    scenario_path = here / design.scenario
    if not scenario_path.is_file():
        raise SpecError(design.source, "scenario", f"file '{scenario_path}' not found")
    return load_structure(structure_path), load_scenario(scenario_path)


def variants(design: GcmDesignSpec) -> list[Variant]:
    """Every combination of the design's levels (load outermost, decision innermost)."""
    variant_count(design)
    structure, scenario = base_files(design)
    file = design.source
    if structure.attachment != "garbage_can":
        raise SpecError(file, "structure", "the base structure needs 'attachment: garbage_can'")
    choices = [b.id for b in structure.bodies]
    makers = [p.id for p in structure.partners]
    problems = scenario.issues
    themes = [i.theme for i in problems]
    if len(set(themes)) != len(themes):
        raise SpecError(file, "scenario", "each problem needs a theme of its own (its access)")
    if len(structure.routing) != 1:
        raise SpecError(file, "structure", "the base structure needs exactly one routing scope")
    scope = next(iter(structure.routing))
    for level, values in design.loads.items():
        if values <= 0:
            raise SpecError(file, f"loads.{level}", f"energy must be more than 0, got {values:g}")
    for level, values in design.energy.items():
        if len(values) != len(makers):
            raise SpecError(
                file,
                f"energy.{level}",
                f"give {len(makers)} values (one per decision maker), got {len(values)}",
            )
        if any(v < 0 for v in values):
            raise SpecError(file, f"energy.{level}", "energy cannot be negative")
    access = {
        k: _matrix(file, f"access.{k}", rows, len(problems), len(choices), "problems")
        for k, rows in design.access.items()
    }
    decision = {
        k: _matrix(file, f"decision.{k}", rows, len(makers), len(choices), "decision makers")
        for k, rows in design.decision.items()
    }
    out = []
    levels = product(design.loads, design.energy, design.access, design.decision)
    for index, (load, energy, acc, dec) in enumerate(levels):
        partners = [
            p.model_copy(update={"energy": e})
            for p, e in zip(structure.partners, design.energy[energy], strict=True)
        ]
        bodies, rules = [], []
        for c, body in enumerate(structure.bodies):
            seats = [SeatSpec(partner=makers[d]) for d in range(len(makers)) if decision[dec][d][c]]
            bodies.append(body.model_copy(update={"members": seats}))
            allowed = [themes[p] for p in range(len(problems)) if access[acc][p][c]]
            if allowed:
                theme = None if len(allowed) == len(problems) else allowed
                rules.append(RoutingRule(function=Function.DECISION, body=body.id, theme=theme))
        variant_structure = structure.model_copy(
            update={
                "partners": partners,
                "bodies": bodies,
                "routing": {scope: rules},
                "name": f"{structure.name}:{acc}/{dec}/{energy}",
            }
        )
        check_structure(variant_structure)
        issues = [i.model_copy(update={"energy": design.loads[load]}) for i in problems]
        variant_scenario = scenario.model_copy(
            update={"issues": issues, "name": f"{scenario.name}:{load}"}
        )
        names = dict(zip(FACTORS, (load, energy, acc, dec), strict=True))
        out.append(Variant(index, names, variant_structure, variant_scenario))
    return out


def _matrix(file: str, field: str, rows: list[str], n: int, m: int, what: str):
    """Rows of '0'/'1' (spaces ignored) as lists of booleans, checked for shape."""
    if len(rows) != n:
        raise SpecError(file, field, f"give {n} rows (one per {what.rstrip('s')}), got {len(rows)}")
    out = []
    for r, row in enumerate(rows):
        cells = str(row).replace(" ", "")
        if len(cells) != m or set(cells) - {"0", "1"}:
            raise SpecError(file, f"{field}[{r}]", f"give {m} characters, each 0 or 1, got '{row}'")
        out.append([c == "1" for c in cells])
    return out
