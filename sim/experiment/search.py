"""A robust many-objective search over structure designs (`sim search`).

The search looks, in a design space (:mod:`sim.spec.design`), for the designs worth a board's
attention: those no other design beats on every criterion the board weighs, judged robustly.

**Scores.** Every design is run against business as usual (the space's base structure) at
the same **assumption points** (a Latin hypercube over the plausible ranges of the named
assumptions, with each structural alternative that applies on at half of the points: both
readings) and with the same seeds (replication r has seed ``run_seed(seed, r)`` at every
point, for the design and business as usual alike). For each objective (an indicator, in
its better direction) and each point, the design's paired difference from business as usual
is the mean over the replications of (design - business as usual), signed so that a
positive number is worse than today. Two robustness measures summarise the points (the
search optimises the one the space declares; the output reports both, and a third):

- ``mean``: the mean paired difference over the points;
- ``share``: the share of points where the design does better than business as usual;
- ``regret`` (reported): the most, over the points, by which the design falls short of the
  best design evaluated at that point.

**Optimiser.** Platypus' epsilon-NSGA-II (the optimiser of EMA Workbench's
``robust_optimize``), levers as integer variables, the objectives' epsilons from the
indicators' smallest differences that matter; constraints ("no more member-hours than
today") and excluded combinations as constraints. Each seed of the size runs its own search;
the seeds' archives are merged by epsilon-dominance. After every generation the archive is
recorded (``search/seed-S.json``): its designs, evaluations so far and epsilon progress; the
hypervolume trace is computed from these records with one normalisation for all.

**Resumable.** Every run goes into the results store (``runs/``) as it finishes, keyed by
design, point and replication, and nothing the store holds is run again. The optimiser's
randomness comes from the seed alone, and a design's score depends only on its runs, so a
search that is stopped (Ctrl-C, kill -9) and started again replays the generations already
made from the store, in seconds, and goes on: the result is that of an uninterrupted search.

**Out-of-sample check.** The merged set, and business as usual, are run again at fresh
assumption points with fresh seeds. A design's *claimed advantage* is an objective on which
its in-sample mean is better than today's by at least the objective's epsilon; it holds out
of sample when the fresh points' paired differences are better than zero at the 5% level
(one-sided t-test over the points, Holm-adjusted across every claim of the set). A design
none of whose claims holds is marked "not confirmed": the report does not show it as a
finding.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import SpecError
from sim.experiment.executors import Executor
from sim.experiment.paired import DesignOption, PairedRuns, Point, RunSettings
from sim.experiment.store import ResultStore
from sim.paths import ensure_folder, inside, naming
from sim.progress import track
from sim.spec.design import DesignSpace, SearchSize
from sim.spec.loading import WORKED_EXAMPLES_DIR, resolve

BASE = "base"  # business as usual's key: the design with every lever at base
CHECK_POINTS_FROM = 10_000  # the out-of-sample points are numbered from here
CHECK_REPLICATIONS_FROM = 100_000  # and their replications (fresh seeds)
HOLDS_P = 0.05
FLUSH_SECONDS = 5.0  # finished runs are written to the store at least this often
FLUSH_ROWS = 2000  # or in parts of this many rows: a full search's store stays a few hundred
# parts, which a resumed search reads in seconds (at 1 s a part it was thousands, a minute)


# -- assumption points ---------------------------------------------------------------------
def plausible_box(scenario: str) -> tuple[dict[str, tuple[float, float]], str]:
    """The plausible range of each named assumption for a scenario: the box the worked
    example's robustness run kept (``narrowing.csv``: the ranges of the points whose
    behaviour matched the sources' patterns) when there is one, else the declared plausible
    ranges. Returns the ranges and where they came from, in words."""
    from sim.experiment.robustness import parameter_factors

    ranges = {f.name: (f.low, f.high) for f in parameter_factors()}
    narrowed = WORKED_EXAMPLES_DIR / Path(scenario).stem / "narrowing.csv"
    if not narrowed.is_file():
        return ranges, "the declared plausible ranges"
    table = pd.read_csv(narrowed)
    for row in table[table["kind"] == "parameter"].itertuples():
        low, _, high = str(row.plausible).partition(" to ")
        if row.factor in ranges:
            try:
                ranges[row.factor] = (float(low), float(high))
            except ValueError:
                continue
    return ranges, "the ranges the robustness analysis found plausible for this scenario"


def assumption_points(
    space: DesignSpace, scenario: str, n: int, seed: int, first: int = 0
) -> list[Point]:
    """``n`` assumption points (numbered from ``first``): a Latin hypercube over the plausible
    box, each alternative that applies to the base structure on this scenario on at half of
    the points (the hypercube's strata: both readings equally)."""
    from scipy.stats import qmc

    from sim.experiment.robustness import alternative_factors

    ranges, _ = plausible_box(scenario)
    names = sorted(ranges)
    switches = [f.name for f in alternative_factors([space.base], Path(scenario).stem)]
    unit = qmc.LatinHypercube(d=len(names) + len(switches), seed=seed).random(n)
    points = []
    for i, row in enumerate(unit):
        params = tuple((name, float(ranges[name][0] + u * (ranges[name][1] - ranges[name][0])))
                       for name, u in zip(names, row[: len(names)], strict=True))  # fmt: skip
        on = tuple(a for a, u in zip(switches, row[len(names) :], strict=True) if u >= 0.5)
        points.append(Point(first + i, params, on))
    return points


# -- scores --------------------------------------------------------------------------------
@dataclass
class Scores:
    """The runs of a search, held in memory and in the results store: for every design,
    point and replication the values of the indicators the search weighs."""

    space: DesignSpace
    scenario: str
    store: ResultStore
    executor: Executor
    progress: bool = True
    limit: int | None = None
    seed: int = 1  # the root seed of every run's replication seeds
    values: dict[tuple[str, int, int], np.ndarray] = field(default_factory=dict)
    ran: int = 0

    def __post_init__(self) -> None:
        self.indicators = list(dict.fromkeys(
            [o.indicator for o in self.space.objectives]
            + [c.indicator for c in self.space.constraints]))  # fmt: skip
        rows = self.store.read()
        if len(rows) and "error" in rows:
            rows = rows[rows["error"].fillna("") == ""]
        for row in rows.itertuples(index=False):
            self._keep(row._asdict())

    def _keep(self, row: dict) -> None:
        key = (str(row["structure_file"]), int(row["point"]), int(row["replication"]))
        self.values[key] = np.array([float(row.get(i, math.nan)) for i in self.indicators])

    def ensure(self, keys: Sequence[str], points: Sequence[Point], first: int, reps: int) -> None:
        """Run what the store does not hold yet: each design of ``keys`` (and business as
        usual) at each point, replications ``first`` to ``first + reps - 1``."""
        keys = list(dict.fromkeys([BASE, *keys]))
        wanted = [(p.index, r) for p in points for r in range(first, first + reps)]
        missing = [k for k in keys if any((k, *w) not in self.values for w in wanted)]
        if not missing:
            return
        options = [DesignOption(self.space.source, self.space.from_key(k), k) for k in missing]
        paired = PairedRuns(self.scenario, options, reps, seeds=[self.seed], points=points,
                            keys=True, first_replication=first)  # fmt: skip
        tasks = [t for t in paired.tasks() if _task_key(t) not in self.values]
        if self.limit is not None and self.ran + len(tasks) > self.limit:
            self._run(tasks[: max(self.limit - self.ran, 0)])
            raise Stopped(f"stopped after {self.ran} runs (the limit); run the same command "
                          "again to go on")  # fmt: skip
        self._run(tasks)

    def _run(self, tasks: list) -> None:
        buffer: list[dict] = []
        last = time.perf_counter()
        batches = track(self.executor.run(tasks), len(tasks),
                        enabled=self.progress and bool(tasks))  # fmt: skip
        try:
            for batch in batches:
                for _, output in batch:
                    if output.error:
                        raise SpecError(self.scenario, "",
                                        f"a run failed ({output.row.get('structure_file')}): "
                                        f"{output.error}")  # fmt: skip
                    row = output.row | {"error": "", "elapsed_s": output.seconds,
                                        "sim_version": __version__}  # fmt: skip
                    buffer.append(row)
                    self._keep(row)
                    self.ran += 1
                if time.perf_counter() - last >= FLUSH_SECONDS or len(buffer) >= FLUSH_ROWS:
                    rows, buffer = buffer, []
                    self.store.append(rows)
                    last = time.perf_counter()
        finally:
            try:
                self.store.append(buffer)  # whatever finished is kept, even on Ctrl-C
            finally:
                batches.close()

    def worse(self, key: str, points: Sequence[Point], first: int, reps: int) -> np.ndarray:
        """Per point (rows) and indicator (columns), the design's mean paired difference from
        business as usual, signed so that positive is worse than today."""
        from sim.model.indicators import BY_NAME

        sign = np.array([1.0 if BY_NAME[i].better == "lower" else -1.0 for i in self.indicators])
        out = np.empty((len(points), len(self.indicators)))
        for j, point in enumerate(points):
            diffs = [self.values[(key, point.index, r)] - self.values[(BASE, point.index, r)]
                     for r in range(first, first + reps)]  # fmt: skip
            with np.errstate(all="ignore"):
                out[j] = sign * np.nanmean(np.array(diffs), axis=0)
        return np.nan_to_num(out, nan=0.0)  # an indicator neither option has: no difference


class Stopped(Exception):
    """The search stopped before its end (a run limit): what was run is kept."""


def _task_key(task) -> tuple[str, int, int]:
    labels = dict(task.labels)
    return (labels["structure_file"], labels["point"], labels["replication"])


# -- the problem for the optimiser -----------------------------------------------------------
def measures(worse: np.ndarray) -> dict[str, np.ndarray]:
    """The robustness measures of one design over points (rows of ``worse``): ``mean``
    (positive: worse than today on average) and ``share`` (of points where it does better)."""
    return {"mean": worse.mean(axis=0), "share": (worse < 0).mean(axis=0)}


def objective_vector(space: DesignSpace, worse: np.ndarray, indicators: list[str]) -> list[float]:
    """What the optimiser minimises for each objective, under the space's measure."""
    m = measures(worse)
    out = []
    for objective in space.objectives:
        j = indicators.index(objective.indicator)
        out.append(float(m["mean"][j]) if space.measure == "mean" else float(1 - m["share"][j]))
    return out


def epsilons(space: DesignSpace) -> list[float]:
    """Each objective's epsilon: the difference the search treats as the same (its declared
    epsilon, else the indicator's smallest difference that matters; one point in ten under
    the share measure)."""
    from sim.model.indicators import BY_NAME

    if space.measure == "share":
        return [0.1] * len(space.objectives)
    return [o.epsilon or BY_NAME[o.indicator].smallest for o in space.objectives]


@dataclass
class Evaluated:
    """One design's in-sample evaluation."""

    key: str
    objectives: list[float]
    constraints: list[float]
    feasible: bool


class DesignProblem:
    """The design space as a Platypus problem, scored in batches by :class:`Scores`."""

    def __init__(self, space: DesignSpace, scores: Scores, points: list[Point], reps: int):
        from platypus import Integer, Problem

        self.space, self.scores, self.points, self.reps = space, scores, points, reps
        nobjs, ncons = len(space.objectives), len(space.constraints) + 1
        self.problem = Problem(len(space.levers), nobjs, ncons, function=self._lookup)
        self.problem.types[:] = [Integer(0, len(lv.values) - 1) for lv in space.levers]
        self.problem.constraints[:] = "<=0"
        self.problem.directions[:] = Problem.MINIMIZE
        self.evaluated: dict[str, Evaluated] = {}

    def design(self, indices: Sequence[int]) -> tuple:
        values = tuple(lv.values[int(i)] for lv, i in zip(self.space.levers, indices, strict=True))
        return self.space.canonical(values)

    def decode(self, solution) -> tuple:
        types = self.problem.types
        return self.design([types[i].decode(v) for i, v in enumerate(solution.variables)])

    def evaluate(self, designs: list[tuple]) -> None:
        """Score every design not scored yet (one batch of runs for them all)."""
        new = {self.space.key(d): d for d in designs}
        todo = [k for k, d in new.items() if k not in self.evaluated and not self.space.excluded(d)]
        self.scores.ensure(todo, self.points, 0, self.reps)
        for key, design in new.items():
            if key in self.evaluated:
                continue
            if self.space.excluded(design):
                n = len(self.space.objectives)
                self.evaluated[key] = Evaluated(key, [0.0] * n,
                                                [0.0] * len(self.space.constraints) + [1.0],
                                                False)  # fmt: skip
                continue
            worse = self.scores.worse(key, self.points, 0, self.reps)
            objs = objective_vector(self.space, worse, self.scores.indicators)
            means = worse.mean(axis=0)
            cons = [float(means[self.scores.indicators.index(c.indicator)] - c.worse_by)
                    for c in self.space.constraints] + [0.0]  # fmt: skip
            self.evaluated[key] = Evaluated(key, objs, cons, all(c <= 0 for c in cons))

    def _lookup(self, variables):
        found = self.evaluated[self.space.key(self.design(variables))]
        return found.objectives, found.constraints


def _evaluator(problem: DesignProblem):
    """A Platypus evaluator that scores a generation's designs in one batch of runs on the
    search's executor, keeping the optimiser's random state untouched by the runs."""
    from platypus.evaluator import Evaluator

    class BatchEvaluator(Evaluator):
        def evaluate_all(self, jobs, **kwargs):
            state = random.getstate()
            try:
                problem.evaluate([problem.decode(job.solution) for job in jobs])
            finally:
                random.setstate(state)
            for job in jobs:
                job.run()
            return jobs

    return BatchEvaluator()


# -- one seed's search ---------------------------------------------------------------------
def search_one_seed(
    problem: DesignProblem, size: SearchSize, seed: int, record: Callable[[dict], None]
) -> list[str]:
    """Epsilon-NSGA-II from ``seed`` for ``size.population`` x ``size.generations``
    evaluations; ``record`` gets the archive after every generation. Returns the archive's
    design keys. Python's global random state (Platypus draws from it) is seeded here and put
    back afterwards."""
    from platypus import EpsNSGAII

    saved = random.getstate()
    random.seed(seed)
    try:
        algorithm = EpsNSGAII(problem.problem, epsilons(problem.space),
                              population_size=size.population,
                              evaluator=_evaluator(problem))  # fmt: skip
        budget = size.population * size.generations
        generation = 0
        while algorithm.nfe < budget:
            algorithm.step()
            generation += 1
            record({"seed": seed, "generation": generation, "evaluations": algorithm.nfe,
                    "improvements": algorithm.archive.improvements,
                    "archive": archive_keys(problem, algorithm.archive)})  # fmt: skip
        return archive_keys(problem, algorithm.archive)
    finally:
        random.setstate(saved)


def archive_keys(problem: DesignProblem, archive) -> list[str]:
    return sorted({problem.space.key(problem.decode(s)) for s in archive if s.feasible})


def merge(problem: DesignProblem, keys: Sequence[str]) -> list[str]:
    """The seeds' archives merged by epsilon-dominance (Platypus' epsilon-box archive)."""
    from platypus import EpsilonBoxArchive, Solution

    archive = EpsilonBoxArchive(epsilons(problem.space))
    for key in sorted(set(keys)):
        found = problem.evaluated[key]
        solution = Solution(problem.problem)
        solution.objectives[:] = found.objectives
        solution.constraints[:] = found.constraints
        solution.constraint_violation = sum(max(c, 0.0) for c in found.constraints)
        solution.feasible = found.feasible
        solution.evaluated = True
        solution.key = key
        archive.add(solution)
    return sorted(s.key for s in archive)


# -- hypervolume -------------------------------------------------------------------------------
def hypervolume(fronts: Sequence[np.ndarray], samples: int = 20_000) -> list[float]:
    """The hypervolume of each front (rows: designs; columns: objectives, minimised), all with
    one normalisation: from the best value any front reaches on each objective to a reference
    point a tenth of the range beyond the worst. A Monte Carlo estimate from a fixed sample
    (the same points for every front, so the trace moves only when the front does); as a
    share of the box, within about 0.01 (1/sqrt(samples) x 1.4)."""
    rows = [f for f in fronts if len(f)]
    if not rows:
        return [0.0] * len(fronts)
    every = np.vstack(rows)
    low, high = every.min(axis=0), every.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    ref = high + 0.1 * span
    sample = np.random.default_rng(0).uniform(low, ref, size=(samples, every.shape[1]))
    out = []
    for front in fronts:
        if not len(front):
            out.append(0.0)
            continue
        dominated = np.zeros(samples, dtype=bool)
        for design in front:
            dominated |= np.all(sample >= design, axis=1)
        out.append(float(dominated.mean()))
    return out


# -- the whole search ----------------------------------------------------------------------------
@dataclass
class SearchResult:
    """What a search found: the merged set and its evaluation tables."""

    space: DesignSpace
    scenario: str
    size_name: str
    designs: pd.DataFrame  # every design evaluated in sample: key, measures per objective
    front: list[str]  # the merged set's keys
    checked: pd.DataFrame  # the set's out-of-sample check, per design and objective
    trace: pd.DataFrame  # per seed and generation: evaluations, improvements, hypervolume
    runs: int  # runs made this time
    stored: int  # runs the store holds
    seconds: float
    points_from: str
    out: Path
    size: SearchSize
    today: dict[str, float]  # business as usual's mean of each indicator in the check's runs


def check_objectives(space: DesignSpace) -> None:
    """Every objective and constraint names an indicator with a better direction (a
    one-line error naming the file and field otherwise): checked before any run."""
    from sim.model.indicators import BY_NAME

    for i, objective in enumerate(space.objectives):
        indicator = BY_NAME.get(objective.indicator)
        if indicator is None:
            raise SpecError(space.source, f"objectives[{i}].indicator", f"unknown indicator "
                            f"'{objective.indicator}' (docs/indicators.md)")  # fmt: skip
        if indicator.better not in ("higher", "lower"):
            raise SpecError(space.source, f"objectives[{i}].indicator", f"'{objective.indicator}' "
                            "has no better direction to search for")  # fmt: skip
    for i, constraint in enumerate(space.constraints):
        indicator = BY_NAME.get(constraint.indicator)
        if indicator is None or indicator.better not in ("higher", "lower"):
            raise SpecError(space.source, f"constraints[{i}].indicator",
                            f"'{constraint.indicator}' is not an indicator with a better "
                            "direction")  # fmt: skip


def digest(space: DesignSpace, scenario: str, size: SearchSize) -> str:
    """What a results folder of a search is bound to: the space, the scenario and the sizes
    that decide which runs a key stands for (points and their numbers)."""
    import hashlib

    text = json.dumps([space.digest(), Path(scenario).stem, size.points, size.check_points],
                      sort_keys=True)  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_search(
    space: DesignSpace,
    out: Path,
    scenario: str | None = None,
    size_name: str = "ci",
    settings: RunSettings | None = None,
    size: SearchSize | None = None,
) -> SearchResult:
    """Search the space on ``scenario`` (default: the space's) at the size ``size_name`` of
    the file (or ``size`` given), into the results folder ``out``. Resumes what is there."""
    settings = settings or RunSettings()
    check_objectives(space)
    size = size or space.sizes[size_name]
    scenario_file = str(resolve("scenario", scenario or space.scenario).resolve())
    start = time.perf_counter()
    store = ResultStore(inside(out, "store"))
    points = assumption_points(space, scenario_file, size.points, seed=size.seeds[0])
    fresh = assumption_points(space, scenario_file, size.check_points,
                              seed=size.seeds[0] + 7919, first=CHECK_POINTS_FROM)  # fmt: skip
    _, points_from = plausible_box(scenario_file)
    with settings.make(None) as pool, store.lock():
        record = {"space": space.source, "scenario": scenario_file, "size": size_name}
        store.claim(f"search {space.name}", digest(space, scenario_file, size), 0, record)
        scores = Scores(space, scenario_file, store, pool, settings.progress, settings.limit,
                        seed=size.seeds[0])  # fmt: skip
        problem = DesignProblem(space, scores, points, size.replications)
        records: list[dict] = []
        archives: list[str] = []
        trace_folder = ensure_folder(inside(out, "search"))
        for seed in size.seeds:
            mine: list[dict] = []

            def record(entry: dict, mine: list = mine) -> None:
                mine.append(entry)
                _write_json(inside(trace_folder, f"seed-{entry['seed']}.json"), mine)

            archives += search_one_seed(problem, size, seed, record)
            records += mine
        front = merge(problem, archives)
        scores.ensure(front, fresh, CHECK_REPLICATIONS_FROM, size.check_replications)
        checked = out_of_sample(problem, front, fresh, size.check_replications)
    designs = design_table(problem)
    trace = trace_table(problem, records)
    check_reps = range(CHECK_REPLICATIONS_FROM, CHECK_REPLICATIONS_FROM + size.check_replications)
    base_runs = np.array([scores.values[(BASE, p.index, r)] for p in fresh for r in check_reps])
    with np.errstate(all="ignore"):
        today = dict(zip(scores.indicators, np.nanmean(base_runs, axis=0).tolist(), strict=True))
    result = SearchResult(space, scenario_file, size_name, designs, front, checked, trace,
                          scores.ran, len(scores.values), time.perf_counter() - start,
                          points_from, out, size, today)  # fmt: skip
    write_tables(result, points, fresh)
    return result


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    with naming(path):
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, path)


def design_table(problem: DesignProblem) -> pd.DataFrame:
    """Every design evaluated in sample (business as usual first): its lever values, and for
    each objective the mean paired difference, the share of points where it does better and
    its regret (in the indicator's units, in the better direction: positive is better)."""
    from sim.model.indicators import BY_NAME

    space, scores = problem.space, problem.scores
    keys = [BASE, *sorted(k for k, e in problem.evaluated.items() if k != BASE
                          and not space.excluded(space.from_key(k)))]  # fmt: skip
    worse = {k: scores.worse(k, problem.points, 0, problem.reps) for k in keys}
    best = np.min(np.stack(list(worse.values())), axis=0)  # per point and indicator
    rows = []
    for key in keys:
        design = space.from_key(key)
        row = {"design": key, **{lv.id: v for lv, v in zip(space.levers, design, strict=True)}}
        found = problem.evaluated.get(key)
        row["feasible"] = found.feasible if found else True
        m = measures(worse[key])
        regret = (worse[key] - best).max(axis=0)
        for objective in space.objectives:
            j = scores.indicators.index(objective.indicator)
            sign = 1.0 if BY_NAME[objective.indicator].better == "higher" else -1.0
            name = objective.indicator
            row[f"{name}:better_by"] = float(-m["mean"][j])
            row[f"{name}:difference"] = float(-sign * m["mean"][j])
            row[f"{name}:share_better"] = float(m["share"][j])
            row[f"{name}:regret"] = float(regret[j])
        for constraint in space.constraints:
            j = scores.indicators.index(constraint.indicator)
            row[f"constraint:{constraint.indicator}"] = float(m["mean"][j])
        rows.append(row)
    return pd.DataFrame(rows)


def out_of_sample(
    problem: DesignProblem, front: Sequence[str], fresh: list[Point], reps: int
) -> pd.DataFrame:
    """The set at fresh points with fresh seeds: per design and objective, the in-sample
    claim, the fresh mean paired difference (better-by, positive is better) with its 95%
    interval over the points, the one-sided p-value, the Holm-adjusted p-value across every
    claim, and whether the claim holds."""
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    space, scores = problem.space, problem.scores
    eps = {o.indicator: o.epsilon or _smallest(o.indicator) for o in space.objectives}
    rows = []
    for key in front:
        in_sample = measures(scores.worse(key, problem.points, 0, problem.reps))["mean"]
        worse = scores.worse(key, fresh, CHECK_REPLICATIONS_FROM, reps)
        for objective in space.objectives:
            j = scores.indicators.index(objective.indicator)
            better = -worse[:, j]
            n = len(better)
            mean = float(better.mean())
            sd = float(better.std(ddof=1)) if n > 1 else math.nan
            half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
            if sd > 0:
                p = float(stats.t.sf(mean / (sd / math.sqrt(n)), n - 1))
            else:
                p = 0.0 if mean > 0 else 1.0
            claimed = bool(-in_sample[j] >= eps[objective.indicator])
            rows.append({"design": key, "indicator": objective.indicator,
                         "in_sample_better_by": float(-in_sample[j]), "claimed": claimed,
                         "check_better_by": mean, "check_low": mean - half,
                         "check_high": mean + half, "check_points": n, "p_value": p})  # fmt: skip
    table = pd.DataFrame(rows)
    table["p_adjusted"] = math.nan
    table["holds"] = False
    claims = table["claimed"]
    if claims.any():
        adjusted = multipletests(table.loc[claims, "p_value"], method="holm")[1]
        table.loc[claims, "p_adjusted"] = adjusted
        table.loc[claims, "holds"] = adjusted < HOLDS_P
    return table


def _smallest(indicator: str) -> float:
    from sim.model.indicators import BY_NAME

    return BY_NAME[indicator].smallest


def status(checked: pd.DataFrame, key: str) -> str:
    """A design's out-of-sample standing: ``confirmed`` (every claimed advantage holds),
    ``partly confirmed``, ``not confirmed`` (none holds: not a finding) or ``no advantage``
    (it claims none: on the set for being no worse)."""
    mine = checked[(checked["design"] == key) & checked["claimed"]]
    if mine.empty:
        return "no advantage"
    if mine["holds"].all():
        return "confirmed"
    return "partly confirmed" if mine["holds"].any() else "not confirmed"


MERGED = -1  # the trace's "seed" of the seeds' archives merged, generation by generation


def trace_table(problem: DesignProblem, records: list[dict]) -> pd.DataFrame:
    """Per seed and generation: evaluations, epsilon progress, archive size and hypervolume
    (one normalisation for every record); and, as seed :data:`MERGED`, the seeds' archives
    at each generation merged by epsilon-dominance (the set a board would read had the
    search stopped there), with the evaluations of all seeds so far."""
    seeds = sorted({r["seed"] for r in records})
    last = max((r["generation"] for r in records), default=0)
    for generation in range(1, last + 1):
        at = [max((r for r in records if r["seed"] == seed and r["generation"] <= generation),
                  key=lambda r: r["generation"]) for seed in seeds]  # fmt: skip
        keys = [k for r in at for k in r["archive"]]
        records = [*records, {"seed": MERGED, "generation": generation,
                              "evaluations": sum(r["evaluations"] for r in at),
                              "improvements": sum(r["improvements"] for r in at),
                              "archive": merge(problem, keys)}]  # fmt: skip
    fronts = [np.array([problem.evaluated[k].objectives for k in r["archive"]])
              for r in records]  # fmt: skip
    volumes = hypervolume(fronts)
    return pd.DataFrame([{"seed": r["seed"], "generation": r["generation"],
                          "evaluations": r["evaluations"], "improvements": r["improvements"],
                          "archive": len(r["archive"]), "hypervolume": v}
                         for r, v in zip(records, volumes, strict=True)])  # fmt: skip


def write_tables(result: SearchResult, points: list[Point], fresh: list[Point]) -> None:
    """The search's tables into its folder: designs.csv (every design evaluated), set.csv
    (the merged set with its out-of-sample standing), check.csv, trace.csv, points.csv."""
    out = result.out
    result.designs.to_csv(inside(out, "designs.csv"), index=False)
    result.checked.to_csv(inside(out, "check.csv"), index=False)
    result.trace.to_csv(inside(out, "trace.csv"), index=False)
    rows = [{"point": p.index, "set": "search" if p.index < CHECK_POINTS_FROM else "check",
             **dict(p.parameters), **{a: True for a in p.alternatives}}
            for p in [*points, *fresh]]  # fmt: skip
    pd.DataFrame(rows).to_csv(inside(out, "points.csv"), index=False)
    front = result.designs[result.designs["design"].isin(result.front)].copy()
    front["status"] = [status(result.checked, k) for k in front["design"]]
    front.to_csv(inside(out, "set.csv"), index=False)
