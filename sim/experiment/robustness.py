"""The runs of a robustness analysis: the assumption space, its designs, and their tasks.

A robustness analysis (`sim robustness`) runs two or more structures on one scenario over
the whole **assumption space**: every named assumption (`sim.spec.parameters`) over its
plausible range, and every structural alternative (`scenarios/robustness/alternatives.yaml`)
that applies to the structures or the scenario, off (0) or on (1). It runs in three phases,
each into its own results store under the output folder (so each resumes on its own after an
interruption, on any executor):

1. ``morris``: Morris trajectories over every factor (screening);
2. ``sobol``: a Saltelli design over the factors Morris finds influential (the others at
   their defaults, alternatives off), for variance-based indices;
3. ``lhs``: a Latin hypercube over every factor (switches on in about half the points, in
   every combination the design reaches), for the conclusions, PRIM and the pattern filter;
   the pattern scenario (`scenarios/robustness/patterns.yaml`) runs at the same points.

At each point the structures run with the same seeds (replication r has seed
:func:`sim.experiment.seeds.run_seed` of the plan's seed and r), so each point gives a paired
difference per indicator. This module only makes runs; `sim.analysis.robustness` reads them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.experiment.executors import Kind
from sim.experiment.seeds import run_seed
from sim.experiment.store import ResultStore
from sim.experiment.sweep import SweepReport, run_into_store
from sim.experiment.tasks import Files, RunTask, cached_scenario, cached_structure
from sim.spec.alternatives import Alternative, load_alternatives
from sim.spec.loading import resolve
from sim.spec.parameters import Parameters
from sim.spec.scenario import check_scenario_against

PHASES = ("morris", "sobol", "lhs")
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Factor:
    """One dimension of the assumption space: a parameter over its plausible range, or a
    structural alternative (0 = the shipped reading, 1 = the other)."""

    name: str
    low: float
    high: float
    switch: bool = False
    default: float = 0.0

    @property
    def column(self) -> str:
        return f"a_{self.name}" if self.switch else f"p_{self.name}"


def parameter_factors() -> list[Factor]:
    """Every named assumption whose plausible range has a width (docs/parameters.md)."""
    out = []
    for name, info in Parameters.model_fields.items():
        low, high = info.json_schema_extra["plausible"]
        if high > low:
            out.append(Factor(name, float(low), float(high), default=float(info.default)))
    return out


def applies(alternative: Alternative, structures: list[str], scenario: str) -> bool:
    """Whether switching the alternative on can change a run of these structures on this
    scenario: it changes one of the structures, or sets a parameter, or rewrites a step of
    this scenario."""
    changes_structure = (alternative.bodies or alternative.routing) and (
        not alternative.structures or set(alternative.structures) & set(structures)
    )
    changes_steps = any(change.scenario == scenario for change in alternative.steps)
    return bool(changes_structure or alternative.parameters or changes_steps)


def alternative_factors(structures: list[str], scenario: str) -> list[Factor]:
    """The shipped alternatives that apply, as 0/1 factors."""
    return [
        Factor(a.id, 0.0, 1.0, switch=True)
        for a in load_alternatives().alternatives
        if applies(a, structures, scenario)
    ]


def problem(factors: list[Factor]) -> dict:
    """SALib's problem for the factors (switches as 0..1, rounded when a run is built)."""
    return {
        "num_vars": len(factors),
        "names": [f.column for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }


@dataclass
class Plan:
    """A robustness analysis: which scenario, which structures (the first is the baseline of
    every paired difference), how many replications per point and how big each design is."""

    scenario: str
    structures: list[str]
    seed: int = 1
    replications: int = 4
    morris_trajectories: int = 10
    sobol_samples: int = 64
    lhs_samples: int = 400
    influential_at_most: int = 8
    pattern_replications: int = 4
    factors: list[Factor] = field(default_factory=list)

    def __post_init__(self) -> None:
        path = resolve("scenario", self.scenario)
        self.scenario_path = str(path.resolve())
        self.scenario_name = cached_scenario(self.scenario_path).name
        for name in self.structures:
            check_scenario_against(cached_scenario(self.scenario_path), cached_structure(name))
        if not self.factors:
            self.factors = parameter_factors() + alternative_factors(
                self.structures, self.scenario_name
            )

    def record(self) -> dict:
        data = asdict(self)
        data["factors"] = [asdict(f) for f in self.factors]
        data["scenario_path"] = self.scenario_path
        return data

    def digest(self, phase: str, points: pd.DataFrame) -> str:
        text = json.dumps([phase, self.record(), points.round(12).to_numpy().tolist()])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def morris_points(plan: Plan) -> pd.DataFrame:
    """Morris trajectories over every factor (SALib), one row per point."""
    from SALib.sample import morris

    values = morris.sample(problem(plan.factors), plan.morris_trajectories,
                           num_levels=MORRIS_LEVELS, seed=plan.seed)  # fmt: skip
    return _table(values, plan.factors)


def sobol_points(plan: Plan, chosen: list[str]) -> pd.DataFrame:
    """A Saltelli design (SALib, first and total order) over the chosen factors' columns;
    every other factor at its default (alternatives off)."""
    from SALib.sample import sobol

    varied = [f for f in plan.factors if f.column in chosen]
    if not varied:
        return _table(np.empty((0, len(plan.factors))), plan.factors)
    values = sobol.sample(problem(varied), plan.sobol_samples, calc_second_order=False,
                          seed=plan.seed)  # fmt: skip
    table = pd.DataFrame(values, columns=[f.column for f in varied])
    for f in plan.factors:
        if f.column not in table:
            table[f.column] = f.default
    return _table(table[[f.column for f in plan.factors]].to_numpy(), plan.factors)


def lhs_points(plan: Plan) -> pd.DataFrame:
    """A Latin hypercube over every factor (scipy.stats.qmc), switches on above 0.5."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(plan.factors), seed=plan.seed).random(plan.lhs_samples)
    lows = np.array([f.low for f in plan.factors])
    highs = np.array([f.high for f in plan.factors])
    return _table(lows + unit * (highs - lows), plan.factors)


def _table(values: np.ndarray, factors: list[Factor]) -> pd.DataFrame:
    table = pd.DataFrame(values, columns=[f.column for f in factors])
    for f in factors:
        if f.switch:
            table[f.column] = (table[f.column] >= 0.5).astype(float)
    table.insert(0, "point", range(len(table)))
    return table


def point_runs(
    plan: Plan,
    phase: str,
    points: pd.DataFrame,
    scenario_path: str,
    structures: list[str],
    replications: int,
) -> list[RunTask]:
    """The runs of a design: every point x replication x structure, with common seeds."""
    tasks = []
    by_column = {f.column: f for f in plan.factors}
    for row in points.to_dict("records"):
        params = tuple(sorted(
            (by_column[c].name, float(v)) for c, v in row.items()
            if c in by_column and not by_column[c].switch
        ))  # fmt: skip
        switched = tuple(by_column[c].name for c, v in row.items()
                         if c in by_column and by_column[c].switch and v >= 0.5)  # fmt: skip
        shown = tuple((c, float(v)) for c, v in row.items() if c in by_column)
        for rep in range(replications):
            seed = run_seed(plan.seed, rep)
            for name in structures:
                labels = (
                    ("phase", phase),
                    ("scenario_file", scenario_path),
                    ("structure_file", name),
                    ("point", int(row["point"])),
                    ("replication", rep),
                    ("seed", seed),
                    *shown,
                    ("sim_version", __version__),
                )
                model = Files(scenario_path, name, switched)
                tasks.append(RunTask(model, seed, rep, params, labels, evaluate=True))
    return tasks


def pattern_runs(plan: Plan, points: pd.DataFrame, patterns) -> list[RunTask]:
    """The pattern scenario under the pattern structure at the same points."""
    path = str(resolve("scenario", patterns.scenario).resolve())
    return point_runs(plan, "lhs", points, path, [patterns.structure],
                      plan.pattern_replications)  # fmt: skip


def run_phase(
    plan: Plan,
    phase: str,
    points: pd.DataFrame,
    out: Path,
    extra: list[RunTask] | None = None,
    executor: Kind = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    limit: int | None = None,
) -> SweepReport:
    """Run one phase's missing runs into ``out/PHASE`` (resumable)."""
    tasks = point_runs(plan, phase, points, plan.scenario_path, plan.structures,
                       plan.replications) + (extra or [])  # fmt: skip
    record = {"robustness": plan.record(), "phase": phase}
    return run_into_store(tasks, out / phase, f"robustness-{phase}", plan.digest(phase, points),
                          record, executor, workers, scheduler, progress, limit)  # fmt: skip


def read_phase(out: Path, phase: str) -> pd.DataFrame:
    """A phase's stored rows (empty when it has none)."""
    store = ResultStore(out / phase)
    if not (out / phase / "experiment.json").exists():
        return pd.DataFrame()
    return store.read()
