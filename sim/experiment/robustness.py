"""The runs of a robustness analysis: the assumption space, its designs, and their tasks.

A robustness analysis (`sim robustness`) runs two or more structures on one scenario over
the whole **assumption space**: every named assumption (`sim.spec.parameters`) over its
plausible range, and every structural alternative (`scenarios/robustness/alternatives.yaml`)
that applies to the structures or the scenario, off (0) or on (1). Its runs go into results
stores under the output folder, one per phase (each resumes on its own after an
interruption, on any executor):

1. ``defaults``: the comparison at the default assumptions, as the first screen makes it:
   its verdicts give the claims the analysis tests;
2. ``morris``: Morris trajectories over every factor and a dummy factor that changes nothing
   (screening, with the noise floor);
3. ``lhs``: a Latin hypercube over every factor (each alternative on in about half the
   points, in every combination the design reaches), with the pattern scenario
   (`scenarios/robustness/patterns.yaml`) at the same points; then ``lhs-2``, ``lhs-3``, ...:
   more replications at the points where a claim is still undecided, in batches, up to a cap;
4. ``reference``: a few of the Latin hypercube's points with many replications of their own
   seeds, against which the adaptive decisions' misclassification is measured.

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
from sim.errors import SpecError
from sim.experiment.paired import PairedRuns, Point, RunSettings
from sim.experiment.store import ResultStore
from sim.experiment.sweep import SweepReport, run_into_store
from sim.experiment.tasks import RunTask, cached_scenario, cached_structure
from sim.spec.alternatives import Alternative, Alternatives, apply, load_alternatives
from sim.spec.loading import SCENARIO_DIR
from sim.spec.outputs import EVALUATION_COLUMNS, SUMMARY_COLUMNS
from sim.spec.parameters import Parameters
from sim.spec.robustness import load_patterns, shipped_or_path
from sim.spec.scenario import check_scenario_against

MORRIS_LEVELS = 4
MAX_ROUNDS = 6  # the Latin hypercube's first batch and at most five more
ROUNDS = ("lhs", *(f"lhs-{k}" for k in range(2, MAX_ROUNDS + 1)))
PHASES = ("defaults", "morris", *ROUNDS, "reference")
REFERENCE_FIRST = 100_000
"""The reference's replications are numbered from here: seeds of their own, independent of
the replications the adaptive decisions used at the same points."""


@dataclass(frozen=True)
class Factor:
    """One dimension of the assumption space: a parameter over its plausible range, or a
    structural alternative (0 = the shipped reading, 1 = the other)."""

    name: str
    low: float
    high: float
    switch: bool = False
    default: float = 0.0
    dummy: bool = False  # changes nothing in a run: Morris' noise floor

    @property
    def column(self) -> str:
        if self.dummy:
            return f"d_{self.name}"
        return f"a_{self.name}" if self.switch else f"p_{self.name}"


DUMMY = Factor("dummy", 0.0, 1.0, dummy=True)
"""A factor that changes nothing in a run: its Morris effects are the noise floor."""


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


def alternative_factors(
    structures: list[str], scenario: str, alternatives: Alternatives | None = None
) -> list[Factor]:
    """The alternatives that apply (the shipped ones unless given), as 0/1 factors."""
    return [
        Factor(a.id, 0.0, 1.0, switch=True)
        for a in (alternatives or load_alternatives()).alternatives
        if applies(a, structures, scenario)
    ]


def sha256(path: str | Path) -> str:
    """A file's SHA-256, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def input_record(path: str | Path) -> dict[str, str]:
    """A file an analysis read: where it is (a shipped file by its place among the shipped
    files) and its SHA-256."""
    path = Path(path).resolve()
    shipped = SCENARIO_DIR.resolve()
    shown = (f"{path.relative_to(shipped).as_posix()} (shipped)" if path.is_relative_to(shipped)
             else str(path))  # fmt: skip
    return {"file": shown, "sha256": sha256(path)}


def _named_in(file: str, field: str, kind, name: str) -> str:
    """The resolved path of a shipped file a robustness file names, or an error naming the
    file and field that names it."""
    try:
        return str(shipped_or_path(kind, name).resolve())
    except SpecError as exc:
        raise SpecError(file, field, exc.message) from None


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
    every paired difference), and how big each design is: replications at the defaults
    (``defaults_replications``), Morris trajectories and their replications, Latin hypercube
    points, their first batch of replications (``replications``) doubled at undecided points
    up to ``max_replications``, the pattern runs' replications, and the reference's points and
    replications."""

    scenario: str
    structures: list[str]
    seed: int = 1
    replications: int = 4
    max_replications: int = 16
    defaults_replications: int = 30
    morris_trajectories: int = 30
    morris_replications: int = 2
    lhs_samples: int = 200
    pattern_replications: int = 8
    reference_points: int = 12
    reference_replications: int = 48
    factors: list[Factor] = field(default_factory=list)
    alternatives: str = "alternatives"
    patterns: str = "patterns"
    conclusions: str = "conclusions"

    def looks(self) -> list[int]:
        """The replications per point after each batch: the first, doubled, ..., the cap."""
        out = [self.replications]
        while out[-1] < self.max_replications and len(out) < MAX_ROUNDS:
            out.append(min(2 * out[-1], self.max_replications))
        return out

    def __post_init__(self) -> None:
        """Find every file the analysis reads (bare names: the shipped files, whatever the
        working folder holds; paths: those files) and check them together, before any run."""
        self.scenario_path = str(shipped_or_path("scenario", self.scenario).resolve())
        self.structure_paths = {
            name: str(shipped_or_path("structure", name).resolve()) for name in self.structures
        }
        self.alternatives_path = str(shipped_or_path("robustness", self.alternatives))
        self.patterns_path = str(shipped_or_path("robustness", self.patterns))
        self.conclusions_path = str(shipped_or_path("robustness", self.conclusions))
        scenario = cached_scenario(self.scenario_path)
        self.scenario_name = scenario.name
        for path in self.structure_paths.values():
            check_scenario_against(scenario, cached_structure(path))
        self.pattern_checks = load_patterns(self.patterns_path)
        self._check_patterns()
        known = load_alternatives(self.alternatives_path)
        if not self.factors:
            self.factors = parameter_factors() + alternative_factors(
                self.structures, self.scenario_name, known
            )
        self._check_alternatives(known)

    def _check_patterns(self) -> None:
        """The pattern scenario and structure exist and fit; every pattern's indicator is one
        the runs record."""
        file, patterns = self.patterns_path, self.pattern_checks
        self.pattern_scenario_path = _named_in(file, "scenario", "scenario", patterns.scenario)
        self.pattern_structure_path = _named_in(file, "structure", "structure",
                                                patterns.structure)  # fmt: skip
        scenario = cached_scenario(self.pattern_scenario_path)
        check_scenario_against(scenario, cached_structure(self.pattern_structure_path))
        known = set(SUMMARY_COLUMNS) | set(EVALUATION_COLUMNS)
        known |= {f"outcome_{i.name}{end}" for i in scenario.indicators for end in ("", "_average")}
        for p in patterns.patterns:
            if p.indicator not in known:
                raise SpecError(file, f"patterns[{p.id}].indicator", f"'{p.indicator}' is not an "
                                f"indicator the runs of '{scenario.name}' record; see "
                                "docs/indicators.md and `sim indicators`")  # fmt: skip

    def _check_alternatives(self, known: Alternatives) -> None:
        """Every switch names an alternative of the file, and switching it on gives a valid
        structure and scenario for every structure compared (checked now, not in each run)."""
        file = self.alternatives_path
        by_id = known.by_id()
        scenario = cached_scenario(self.scenario_path)
        for factor in (f for f in self.factors if f.switch):
            if factor.name not in by_id:
                raise SpecError(file, "alternatives", f"no alternative '{factor.name}'")
            for path in self.structure_paths.values():
                try:
                    apply([by_id[factor.name]], cached_structure(path), scenario)
                except SpecError as exc:
                    field = exc.field if exc.field.startswith("alternatives[") else (
                        f"alternatives[{factor.name}]")  # fmt: skip
                    raise SpecError(file, field, exc.message) from None

    def inputs(self, phase: str | None = None) -> dict[str, dict[str, str]]:
        """The files a phase's runs depend on, each with its SHA-256 (all that the analysis
        reads, when ``phase`` is None): the scenario, the structures and the alternatives;
        for the Latin hypercube also the pattern scenario and structure; for its later
        batches also the declared conclusions (with the defaults' verdicts, they decide which
        points need more runs); for the analysis also the patterns."""
        out = {"scenario": input_record(self.scenario_path)}
        out |= {f"structure {n}": input_record(p) for n, p in self.structure_paths.items()}
        out["alternatives"] = input_record(self.alternatives_path)
        if phase is None or phase in ROUNDS[1:]:
            out["conclusions"] = input_record(self.conclusions_path)
        if phase is None:
            out["patterns"] = input_record(self.patterns_path)
        if phase is None or phase in ROUNDS:
            out["pattern scenario"] = input_record(self.pattern_scenario_path)
            out["pattern structure"] = input_record(self.pattern_structure_path)
        return out

    def record(self) -> dict:
        data = {k: v for k, v in asdict(self).items()
                if k not in ("alternatives", "patterns", "conclusions")}  # fmt: skip
        data["factors"] = [asdict(f) for f in self.factors]
        data["scenario_path"] = self.scenario_path
        return data

    def digest(self, phase: str, points: pd.DataFrame, replications: range) -> str:
        text = json.dumps([phase, self.record(), self.inputs(phase),
                           points.round(12).to_numpy().tolist(),
                           [replications.start, replications.stop]])  # fmt: skip
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def defaults_point(plan: Plan) -> pd.DataFrame:
    """The default assumptions as one point: every parameter at its default, every
    alternative at the shipped reading."""
    row = [f.default if not f.switch else 0.0 for f in plan.factors]
    return _table(np.array([row]), plan.factors)


def morris_factors(plan: Plan) -> list[Factor]:
    """The Morris design's factors: every factor of the plan and the dummy, whose effects
    are the noise floor."""
    return [*plan.factors, DUMMY]


def morris_raw(plan: Plan) -> np.ndarray:
    """The Morris sample before switches are rounded (SALib reads its steps from it)."""
    from SALib.sample import morris

    return morris.sample(problem(morris_factors(plan)), plan.morris_trajectories,
                         num_levels=MORRIS_LEVELS, seed=plan.seed)  # fmt: skip


def morris_points(plan: Plan) -> pd.DataFrame:
    """Morris trajectories over every factor and the dummy (SALib), one row per point."""
    return _table(morris_raw(plan), morris_factors(plan))


def lhs_points(plan: Plan) -> pd.DataFrame:
    """A Latin hypercube over every factor (scipy.stats.qmc), switches on above 0.5."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(plan.factors), seed=plan.seed).random(plan.lhs_samples)
    lows = np.array([f.low for f in plan.factors])
    highs = np.array([f.high for f in plan.factors])
    return _table(lows + unit * (highs - lows), plan.factors)


def reference_points(plan: Plan, points: pd.DataFrame) -> pd.DataFrame:
    """The reference's points: ``plan.reference_points`` of the Latin hypercube's, drawn with
    the plan's seed."""
    count = min(plan.reference_points, len(points))
    chosen = np.random.default_rng(plan.seed).choice(len(points), size=count, replace=False)
    return points.iloc[np.sort(chosen)].reset_index(drop=True)


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
    structures: dict[str, str],
    replications: range,
) -> list[RunTask]:
    """The runs of a design: every point x replication x structure (by name, with the file
    it is read from), with common seeds: the tasks of :func:`paired_points`' runs (none for
    no point or no replication)."""
    if points.empty or not replications:
        return []
    return paired_points(plan, phase, points, scenario_path, structures, replications).tasks()


def paired_points(
    plan: Plan,
    phase: str,
    points: pd.DataFrame,
    scenario_path: str,
    structures: dict[str, str],
    replications: range,
) -> PairedRuns:
    """A design's paired runs (:class:`~sim.experiment.paired.PairedRuns`): each point is an
    assumption point (its parameters set, its switched-on alternatives of the plan's file on),
    where replication r of every structure has the seed of the plan's seed and r. A dummy
    factor's column is recorded, not run. Each run's row is led by the phase, the store's key
    (``scenario_file``, ``structure_file``: the structure's name as given, ``point``,
    ``replication``), the seed, the point's factor columns and the package version."""
    by_column = {f.column: f for f in [*plan.factors, DUMMY]}
    shown: dict[int, tuple] = {}
    at: list[Point] = []
    for row in points.to_dict("records"):
        index = int(row["point"])
        params = tuple(sorted(
            (by_column[c].name, float(v)) for c, v in row.items()
            if c in by_column and not by_column[c].switch and not by_column[c].dummy
        ))  # fmt: skip
        switched = tuple(by_column[c].name for c, v in row.items()
                         if c in by_column and by_column[c].switch and v >= 0.5)  # fmt: skip
        shown[index] = tuple((c, float(v)) for c, v in row.items() if c in by_column)
        at.append(Point(index, params, switched))
    given = {path: name for name, path in structures.items()}

    def labels(option: str, point: Point, replication: int, seed: int, **_) -> tuple:
        return (("phase", phase), ("scenario_file", scenario_path),
                ("structure_file", given[option]), ("point", point.index),
                ("replication", replication), ("seed", seed), *shown[point.index],
                ("sim_version", __version__))  # fmt: skip

    alternatives = str(Path(plan.alternatives_path).resolve())  # read by workers elsewhere
    return PairedRuns(scenario_path, list(structures.values()), len(replications), [plan.seed],
                      points=at, first_replication=replications.start,
                      alternatives=alternatives, labels=labels)  # fmt: skip


def pattern_runs(plan: Plan, points: pd.DataFrame) -> list[RunTask]:
    """The pattern scenario under the pattern structure at the same points."""
    structure = {plan.pattern_checks.structure: plan.pattern_structure_path}
    return point_runs(plan, "lhs", points, plan.pattern_scenario_path, structure,
                      range(plan.pattern_replications))  # fmt: skip


def run_phase(
    plan: Plan,
    phase: str,
    points: pd.DataFrame,
    out: Path,
    replications: range,
    extra: list[RunTask] | None = None,
    settings: RunSettings | None = None,
) -> SweepReport:
    """Run one phase's missing runs (``replications`` of every point) into ``out/PHASE``
    (resumable), where ``settings`` say. A phase whose stored runs were made from other
    input files is refused, naming the file that changed."""
    tasks = point_runs(plan, phase, points, plan.scenario_path, plan.structure_paths,
                       replications) + (extra or [])  # fmt: skip
    inputs = plan.inputs(phase)
    check_inputs(out / phase, inputs)
    record = {"robustness": plan.record(), "phase": phase, "inputs": inputs,
              "replications": [replications.start, replications.stop]}  # fmt: skip
    digest = plan.digest(phase, points, replications)
    return run_into_store(tasks, out / phase, f"robustness-{phase}", digest, record, settings)


def check_inputs(folder: Path, inputs: dict[str, dict[str, str]]) -> None:
    """Refuse to add runs to a phase's store whose runs were made from other files: one line
    naming the first file that differs (resuming never mixes runs of two inputs)."""
    manifest = folder / "experiment.json"
    if not manifest.is_file():
        return
    try:
        held = ResultStore.read_manifest(manifest)
    except ValueError:
        return  # damaged: the store rebuilds it only if its parts are this phase's
    spec = held.get("spec")
    before = spec.get("inputs") if isinstance(spec, dict) else None
    if not isinstance(before, dict):
        return  # not a robustness phase's store: the store refuses it by its digest
    for role, now in inputs.items():  # a role only one has: other structures, say (digest)
        then = before.get(role)
        if isinstance(then, dict) and then.get("sha256") != now["sha256"]:
            raise SpecError(str(folder), "", f"its runs were made from another {role} file "
                            f"({then.get('file')}, sha256 {str(then.get('sha256'))[:12]}); this "
                            f"run reads {now['file']}, sha256 {now['sha256'][:12]}; delete "
                            f"{folder} to run this phase afresh, or use another --out "
                            "folder")  # fmt: skip


def read_phase(out: Path, phase: str) -> pd.DataFrame:
    """A phase's stored rows (empty when it has none)."""
    if not (out / phase / "experiment.json").exists():
        return pd.DataFrame()
    return ResultStore(out / phase).read()
