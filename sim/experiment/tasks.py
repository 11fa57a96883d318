"""One run as a worker sees it: the task it is sent, the run, the plain output it sends back.

Every command that runs models (`sim compare`, `sim sweep`, `sim sensitivity`, `sim gcm`, the
app; :class:`~sim.experiment.paired.PairedRuns` wherever options are compared) describes each
run as a :class:`RunTask`: which model to build, its parameters, its seed (from
:func:`sim.experiment.seeds.run_seed`) and what to send back. The worker builds the model
itself and returns a :class:`RunOutput` of plain rows and tables, never model objects, so a
task can go to another process, or another machine, as it is.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from sim.model import PartnershipModel, run_once
from sim.model.indicators import evaluate_result
from sim.spec import load_scenario, load_structure
from sim.spec.gcm import Variant, load_gcm_design, variants
from sim.spec.scenario import ScenarioSpec, check_scenario_against
from sim.spec.structure import StructureSpec


@dataclass(frozen=True)
class Files:
    """A scenario file run under a structure (a shipped name or a file), with the structural
    alternatives (ids in ``alternatives_file``: the shipped
    ``scenarios/robustness/alternatives.yaml`` by default, else a path) switched on, if any."""

    scenario: str
    structure: str
    alternatives: tuple[str, ...] = ()
    alternatives_file: str = "alternatives"


@dataclass(frozen=True, eq=False)
class Specs:
    """A scenario under a structure given as validated specs, not files: a structure option
    changed in memory (the browser app's knobs). Both must have been checked together
    (:func:`~sim.spec.scenario.check_scenario_against`) before the task is sent."""

    scenario: ScenarioSpec
    structure: StructureSpec


@dataclass(frozen=True)
class Design:
    """A design of a design space (``space``: the file's path; ``values``: one value per lever,
    :mod:`sim.spec.design`) on a scenario file, with the structural alternatives (ids in the
    shipped ``alternatives``) switched on first, as for the space's base structure: the levers
    then set what they set, so a design that decides a reading (where urgent business goes)
    keeps its own."""

    space: str
    values: tuple
    scenario: str
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class GcmVariant:
    """Variant ``index`` of a Garbage Can design file; with ``random_entry`` each run deals
    the entry weeks of choices and problems out afresh from its seed."""

    design: str
    index: int
    random_entry: bool = False


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run, and nothing it must not have.

    ``parameters`` override the named assumptions (a Garbage Can variant takes none: its
    design fixes everything). ``labels`` are the leading columns of the run's row (its key
    and provenance), in order; the run's summary follows them (or, for a Garbage Can variant,
    the Garbage Can's statistics). ``evaluate`` adds the evaluation indicators to the row.
    ``tables`` names further tables to send back: run tables (``issues``, ``indicators``,
    ...) led by the same labels, or for a Garbage Can variant ``choices`` and ``problems`` as
    plain tuples.
    """

    model: Files | Specs | Design | GcmVariant
    seed: int
    replication: int
    parameters: tuple[tuple[str, float], ...] = ()
    labels: tuple[tuple[str, Any], ...] = ()
    evaluate: bool = False
    tables: tuple[str, ...] = ()


@dataclass
class RunOutput:
    """What a worker sends back for one run: plain values only.

    ``error`` is empty when the run succeeded; when it failed, it names the exception and
    where it was raised, and ``row`` holds the labels alone. ``seconds`` is the run's time.
    """

    row: dict[str, Any]
    tables: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0


@cache
def cached_structure(name: str) -> StructureSpec:
    """A structure, loaded once per process."""
    return load_structure(name)


@cache
def cached_scenario(path: str) -> ScenarioSpec:
    """A scenario, loaded once per process."""
    return load_scenario(path)


@cache
def altered(files: Files) -> tuple[StructureSpec, ScenarioSpec, dict[str, float]]:
    """The structure and scenario with the files' alternatives on, and the parameter values
    those alternatives set, built once per process."""
    from sim.spec.alternatives import apply, load_alternatives

    known = load_alternatives(files.alternatives_file).by_id()
    chosen = [known[a] for a in files.alternatives]
    return apply(chosen, cached_structure(files.structure), cached_scenario(files.scenario))


@cache
def design_space(path: str):
    """A design space, loaded once per process (its designs were checked where it was
    declared: a worker does not check them again)."""
    from sim.spec.design import load_design_space

    return load_design_space(path, check=False)


@lru_cache(maxsize=256)
def design_specs(design: Design) -> tuple[StructureSpec, ScenarioSpec, dict[str, float]]:
    """A design's structure (alternatives on, then the levers), the scenario (alternatives
    on) and the parameter values the alternatives set, kept for the latest designs a worker
    ran (a search sends thousands: an unbounded cache would grow by a structure each)."""
    space = design_space(design.space)
    base, scenario, switched = altered(Files(design.scenario, space.base, design.alternatives))
    return space.compile(design.values, base=base), scenario, switched


@cache
def gcm_variants(design: str) -> list[Variant]:
    """A Garbage Can design's variants, compiled once per process."""
    return variants(load_gcm_design(design))


@cache
def gcm_specs(variant: GcmVariant) -> tuple[StructureSpec, ScenarioSpec]:
    """A variant's structure and scenario, checked once per process."""
    compiled = gcm_variants(variant.design)[variant.index]
    spec = compiled.scenario
    if variant.random_entry:
        spec = spec.model_copy(update={"shuffle_entry": True})
    check_scenario_against(spec, compiled.structure)
    return compiled.structure, spec


def run_task(task: RunTask) -> RunOutput:
    """Make one run here. A run that raises becomes an output with its error, never a crash."""
    start = time.perf_counter()
    row = dict(task.labels)
    try:
        if isinstance(task.model, GcmVariant):
            tables = _garbage_can(task, row)
        else:
            tables = _partnership(task, row)
    except Exception as exc:
        last = traceback.extract_tb(exc.__traceback__)[-1]
        error = f"{type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})"
        return RunOutput(dict(task.labels), {}, error, time.perf_counter() - start)
    return RunOutput(row, tables, "", time.perf_counter() - start)


def run_batch(tasks: list[RunTask]) -> list[RunOutput]:
    """Several runs in one call: what an executor sends a worker, to cut messages."""
    return [run_task(task) for task in tasks]


def _partnership(task: RunTask, row: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """A scenario under a structure: the summary (and indicators) into ``row``; the tables asked
    for, each led by the task's labels."""
    files = task.model
    if isinstance(files, Specs):
        result = run_once(files.structure, files.scenario, task.seed, dict(task.parameters))
    elif isinstance(files, Design):
        structure, scenario, switched = design_specs(files)
        result = run_once(structure, scenario, task.seed, dict(task.parameters) | switched)
    elif files.alternatives:
        structure, scenario, switched = altered(files)
        result = run_once(structure, scenario, task.seed, dict(task.parameters) | switched)
    else:
        result = run_once(
            cached_structure(files.structure),
            cached_scenario(files.scenario),
            task.seed,
            dict(task.parameters),
        )
    row |= {k: v for k, v in result.summary.iloc[0].to_dict().items() if k not in row}
    if task.evaluate:
        row |= evaluate_result(result)
    tables = {}
    for name in task.tables:
        table = getattr(result, name).copy()
        for i, (key, value) in enumerate(task.labels):
            if key in table.columns:
                table = table.drop(columns=key)
            table.insert(i, key, value)
        tables[name] = table
    return tables


def _garbage_can(task: RunTask, row: dict[str, Any]) -> dict[str, list[tuple]]:
    """A Garbage Can variant: its statistics into ``row``; each choice's (opened, style, made)
    and each problem's (arrived, solved) weeks as plain tuples."""
    structure_spec, scenario_spec = gcm_specs(task.model)
    model = PartnershipModel(structure_spec, scenario_spec, rng=task.seed, check=False)
    model.run_until(scenario_spec.duration_weeks)
    policy = model.attachment
    row |= {k: v for k, v in policy.summary().items() if k not in row}
    tables = {
        "choices": [(c["opened_at"], c["style"], c["made_at"]) for c in policy.choices()],
        "problems": [(p["arrived_at"], p["solved_at"]) for p in policy.problems()],
    }
    return {name: tables[name] for name in task.tables}
