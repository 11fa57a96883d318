"""The design search's workload, for section 8 of benchmarks/run.py (issue 22).

The runs are the ones `sim search` sends its executor: design runs of the shipped space
(scenarios/design/gloucester.yaml) on the employer closure, built with PairedRuns and
DesignOption exactly as :meth:`sim.experiment.search.Scores.ensure` builds them (every design
and business as usual at the same assumption points, replication by replication with paired
seeds, keyed for the results store). The batch is fixed: distinct designs drawn from a seeded
generator, business as usual among them, at the full size's points and replications.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SPACE = "gloucester"
SCENARIO = "employer_closure"
DESIGNS = 20  # distinct designs besides business as usual
POINTS, REPLICATIONS = 8, 3  # the full size's in-sample points and replications


def space_and_scenario():
    from sim.spec.design import load_design_space
    from sim.spec.loading import resolve

    space = load_design_space(SPACE, check=False)  # checked by its own tests and CLI
    return space, str(resolve("scenario", SCENARIO).resolve())


def distinct_designs(space, n: int, seed: int = 1) -> list[tuple]:
    """``n`` distinct designs other than business as usual, none excluded, in the canonical
    form the search evaluates."""
    rng = np.random.default_rng(seed)
    found: dict[str, tuple] = {}
    while len(found) < n:
        design = space.canonical(tuple(lv.values[rng.integers(len(lv.values))]
                                       for lv in space.levers))  # fmt: skip
        key = space.key(design)
        if key != "base" and not space.excluded(design):
            found.setdefault(key, design)
    return list(found.values())


def design_tasks(runs: int) -> tuple[list, float]:
    """About ``runs`` runs (a whole number of designs): business as usual and distinct designs
    at :data:`POINTS` points x :data:`REPLICATIONS` replications, as the search builds them;
    and the time the parent took to build them (each design compiled and checked against the
    scenario: the search's serial part per new design)."""
    from sim.experiment.paired import DesignOption, PairedRuns
    from sim.experiment.search import BASE, assumption_points

    space, scenario = space_and_scenario()
    per_design = POINTS * REPLICATIONS
    designs = distinct_designs(space, max(round(runs / per_design) - 1, 1))
    points = assumption_points(space, scenario, POINTS, seed=1)
    start = time.perf_counter()
    options = [DesignOption(space.source, space.base_design, BASE)]
    options += [DesignOption(space.source, d, space.key(d)) for d in designs]
    paired = PairedRuns(scenario, options, REPLICATIONS, seeds=[1], points=points, keys=True)
    tasks = paired.tasks()
    return tasks, time.perf_counter() - start


def measure_design_runs(kind: str, runs: int, workers: int) -> dict:
    """The batch on one executor in this process: the executor's start (its pool or local
    cluster), the runs' wall time, the mean time of one run as the workers timed it, and the
    parent's time to build the tasks per design."""
    from sim.experiment.executors import DaskExecutor, ProcessExecutor, SerialExecutor

    tasks, built = design_tasks(runs)
    designs = len({t.model.values for t in tasks})
    start = time.perf_counter()
    if kind == "serial":
        executor = SerialExecutor()
    elif kind == "processes":
        executor = ProcessExecutor(workers)
    else:
        executor = DaskExecutor(workers, None)
    started = time.perf_counter() - start
    try:
        start = time.perf_counter()
        outputs = [o for batch in executor.run(tasks) for _, o in batch]
        seconds = time.perf_counter() - start
    finally:
        executor.close()
    errors = [o.error for o in outputs if o.error]
    assert not errors and len(outputs) == len(tasks), errors[:1]
    return {"runs": len(outputs), "seconds": seconds, "start_s": started, "designs": designs,
            "run_s": sum(o.seconds for o in outputs) / len(outputs),
            "build_s_per_design": built / designs}  # fmt: skip


def measure_single_design_runs(runs: int, workers: int) -> dict:
    """The single-run time: the batch's runs one after another here, after one run of each
    design they hold (a process compiles a design once: that cost, small, is counted in the
    executors' overhead, not in the run)."""
    from sim.experiment.tasks import run_task

    tasks, _ = design_tasks(runs)
    seen: set = set()
    for task in tasks:
        if task.model not in seen:
            seen.add(task.model)
            run_task(task)
    start = time.perf_counter()
    for task in tasks:
        run_task(task)
    return {"runs": len(tasks), "seconds": time.perf_counter() - start}


def parent_side(space_name: str, size_name: str, out: str) -> dict:
    """The parent's side of a search over ``out``'s store, as :func:`run_search` does it but
    timed piece by piece, with no run made (a run limit of 0): the store read (and the
    assumption points), each generation (optimiser, scoring), and, when the store holds the
    whole search, the tail (merge, out-of-sample scoring, tables). A store that holds only
    part of the search is replayed up to the first run it lacks."""
    from sim.experiment.executors import SerialExecutor
    from sim.experiment.search import (
        CHECK_POINTS_FROM,
        CHECK_REPLICATIONS_FROM,
        DesignProblem,
        Scores,
        Stopped,
        assumption_points,
        design_table,
        merge,
        out_of_sample,
        search_one_seed,
        trace_table,  # fmt: skip
    )
    from sim.experiment.store import ResultStore
    from sim.spec.design import load_design_space
    from sim.spec.loading import resolve

    space = load_design_space(space_name, check=False)
    size = space.sizes[size_name]
    scenario = str(resolve("scenario", space.scenario).resolve())
    start = time.perf_counter()
    points = assumption_points(space, scenario, size.points, seed=size.seeds[0])
    fresh = assumption_points(space, scenario, size.check_points, seed=size.seeds[0] + 7919,
                              first=CHECK_POINTS_FROM)  # fmt: skip
    scores = Scores(space, scenario, ResultStore(Path(out) / "store"), SerialExecutor(),
                    progress=False, limit=0, seed=size.seeds[0])  # fmt: skip
    read_s = time.perf_counter() - start
    problem = DesignProblem(space, scores, points, size.replications)
    generations: list[float] = []
    records: list[dict] = []
    archives: list[str] = []
    finished, tail_s = True, 0.0
    mark = [time.perf_counter()]

    def record(entry: dict) -> None:
        records.append(entry)
        generations.append(time.perf_counter() - mark[0])
        mark[0] = time.perf_counter()

    try:
        for seed in size.seeds:
            mark[0] = time.perf_counter()
            archives += search_one_seed(problem, size, seed, record)
        start = time.perf_counter()
        front = merge(problem, archives)
        scores.ensure(front, fresh, CHECK_REPLICATIONS_FROM, size.check_replications)
        out_of_sample(problem, front, fresh, size.check_replications)
        design_table(problem)
        trace_table(problem, records)
        tail_s = time.perf_counter() - start
    except Stopped:
        finished = False
    assert scores.ran == 0
    return {"read_s": read_s, "rows": len(scores.values), "generation_s": generations,
            "tail_s": tail_s, "finished": finished,
            "evaluations": size.population * len(generations)}  # fmt: skip


def bookkeeping(out: str) -> dict:
    """The parent's work per finished run (:meth:`Scores._run`: the run kept in memory, written
    to the results store about once a second): ``out``'s stored runs fed back as workers'
    outputs into a fresh store, one a batch. Returns seconds per run."""
    import tempfile

    from sim.experiment.executors import Executor
    from sim.experiment.search import Scores
    from sim.experiment.store import ResultStore
    from sim.experiment.tasks import RunOutput

    rows = ResultStore(Path(out) / "store").read()
    kept = [{k: v for k, v in row.items() if k not in ("error", "elapsed_s", "sim_version")}
            for row in rows.to_dict("records")]  # fmt: skip

    class Replay(Executor):
        def run(self, tasks):
            for index, row in enumerate(kept):
                yield [(index, RunOutput(row, {}, "", 0.05))]

    space, scenario = space_and_scenario()
    with tempfile.TemporaryDirectory() as folder:
        store = ResultStore(Path(folder) / "store")
        store.claim("bookkeeping", "0" * 16, 0)
        scores = Scores(space, scenario, store, Replay(), progress=False)
        start = time.perf_counter()
        scores._run(list(range(len(kept))))
        seconds = time.perf_counter() - start
    return {"runs": len(kept), "seconds": seconds}


def store_counts(folder: Path) -> dict:
    """What a search's results store holds: runs in sample and in the out-of-sample check,
    distinct designs (business as usual left out), and whether the search finished (its
    set.csv written)."""
    import pandas as pd
    import pyarrow.parquet as pq

    from sim.experiment.search import BASE, CHECK_POINTS_FROM

    files = sorted((folder / "store").rglob("*.parquet"))
    columns = ["structure_file", "point"]
    rows = pd.concat([pq.read_table(f, columns=columns).to_pandas() for f in files]
                     or [pd.DataFrame(columns=columns)], ignore_index=True)  # fmt: skip
    inside = rows[rows["point"] < CHECK_POINTS_FROM]
    designs = set(inside["structure_file"]) - {BASE}
    return {
        "runs": len(rows),
        "in_sample": len(inside),
        "check": len(rows) - len(inside),
        "designs": len(designs),
        "finished": (folder / "set.csv").is_file(),
    }
