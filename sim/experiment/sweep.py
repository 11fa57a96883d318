"""Declared sweeps: tasks from an experiment, executors (serial, processes, Dask), the store.

Workers receive a small task (file names, parameters, a seed), build the model there and
return one plain row; the main process writes rows to the store as runs finish. Seeds come
from the experiment's root seed by :func:`sim.experiment.seeds.run_seed` and depend only on
the replication: every scenario, structure and parameter point of a replication shares its
seed (common random numbers), and replication r is the same run as replication r of a
`sim compare` with that root seed.
"""

from __future__ import annotations

import hashlib
import os
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from pathlib import Path

from sim import __version__
from sim.experiment.design import design_points
from sim.experiment.runner import Progress, _scenario, _structure
from sim.experiment.seeds import run_seed
from sim.experiment.store import KEY, ResultStore
from sim.model import run_once
from sim.spec.experiment import ExperimentSpec
from sim.spec.scenario import check_scenario_against
from sim.spec.structure import load_structure

FLUSH_SECONDS = 1.0
FLUSH_ROWS = 200


@dataclass(frozen=True)
class SweepTask:
    """One run of a sweep: everything a worker needs, nothing it must not have."""

    experiment: str
    scenario_file: str  # as declared in the experiment: the store's key
    scenario_path: str  # resolved, for loading
    structure_file: str
    point: int
    replication: int
    seed: int
    parameters: tuple[tuple[str, float], ...]
    varied: tuple[str, ...]
    evaluate: bool = False

    @property
    def key(self) -> tuple:
        return (self.scenario_file, self.structure_file, self.point, self.replication)


def build_tasks(spec: ExperimentSpec) -> list[SweepTask]:
    """Every run of the experiment, in a fixed order."""
    points = design_points(spec)
    varied = tuple(c for c in points.columns if c != "point")
    tasks = []
    paths = spec.scenario_paths()
    for declared, scenario in zip(spec.scenarios, paths, strict=True):
        for row in points.itertuples(index=False):
            values = dict(spec.fixed)
            values.update({name: float(getattr(row, name)) for name in varied})
            params = tuple(sorted(values.items()))
            for rep in range(spec.replications):
                seed = run_seed(spec.seed, rep)
                for structure in spec.structures:
                    tasks.append(
                        SweepTask(
                            spec.name,
                            declared,
                            str(scenario.resolve()),
                            structure,
                            int(row.point),
                            rep,
                            seed,
                            params,
                            varied,
                            spec.evaluate,
                        )
                    )
    return tasks


@cache
def _spec_hash(kind: str, name: str) -> str:
    spec = _structure(name) if kind == "structure" else _scenario(name)
    return hashlib.sha256(spec.model_dump_json().encode()).hexdigest()[:12]


def run_sweep_task(task: SweepTask) -> dict:
    """One run in this process; an exception becomes a row with its error, never a crash."""
    row: dict = {
        "experiment": task.experiment,
        "scenario_file": task.scenario_file,
        "structure_file": task.structure_file,
        "point": task.point,
        "replication": task.replication,
        "seed": task.seed,
        **{f"p_{name}": value for name, value in task.parameters if name in task.varied},
        "sim_version": __version__,
    }
    start = time.perf_counter()
    try:
        row["structure_hash"] = _spec_hash("structure", task.structure_file)
        row["scenario_hash"] = _spec_hash("scenario", task.scenario_path)
        result = run_once(
            _structure(task.structure_file), _scenario(task.scenario_path), task.seed,
            dict(task.parameters),
        )  # fmt: skip
        summary = result.summary.iloc[0].to_dict()
        if task.evaluate:
            from sim.analysis.indicators import evaluate_result  # worker-side; no plotting

            summary |= evaluate_result(result)
        row |= {k: v for k, v in summary.items() if k not in row}
        row["error"] = ""
    except Exception as exc:
        last = traceback.extract_tb(exc.__traceback__)[-1]
        row["error"] = f"{type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})"
    row["elapsed_s"] = time.perf_counter() - start
    return row


def _serial(tasks: list[SweepTask]) -> Iterator[dict]:
    for task in tasks:
        yield run_sweep_task(task)


def _processes(tasks: list[SweepTask], workers: int) -> Iterator[dict]:
    """A bounded window of tasks in flight keeps memory flat however long the sweep."""
    context = worker_context()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending = iter(tasks)
        running = set()
        try:
            for task in pending:
                running.add(pool.submit(run_sweep_task, task))
                if len(running) >= 4 * workers:
                    break
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
                    nxt = next(pending, None)
                    if nxt is not None:
                        running.add(pool.submit(run_sweep_task, nxt))
        finally:
            for future in running:
                future.cancel()


def worker_context():
    """Workers forked from a server that has already imported the model (fast start-up);
    a fresh interpreter per worker where fork servers do not exist (Windows)."""
    try:
        context = get_context("forkserver")
    except ValueError:
        return get_context("spawn")
    context.set_forkserver_preload(["sim.experiment.sweep"])
    return context


def _dask(tasks: list[SweepTask], workers: int, scheduler: str | None) -> Iterator[dict]:
    """A local Dask cluster, or an existing one at ``scheduler`` (tcp://host:8786)."""
    import logging

    from dask.distributed import Client, LocalCluster, as_completed

    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)  # fmt: skip
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        window = 8 * max(workers, len(client.scheduler_info()["workers"]) or 1)
        pending = iter(tasks)
        first = [client.submit(run_sweep_task, t, pure=False) for t in _take(pending, window)]
        stream = as_completed(first)
        for future in stream:
            yield future.result()
            future.release()
            nxt = next(pending, None)
            if nxt is not None:
                stream.add(client.submit(run_sweep_task, nxt, pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _take(iterator: Iterator, n: int) -> list:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) >= n:
            break
    return out


@dataclass
class SweepReport:
    total: int
    already: int
    ran: int
    failed: int
    seconds: float


def sweep(
    spec: ExperimentSpec,
    out: Path,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    limit: int | None = None,
) -> SweepReport:
    """Run the experiment's missing runs into the store at ``out``; ``limit`` caps how many
    run this time (the rest wait for the next call, as after an interruption)."""
    for scenario in spec.scenario_paths():  # bad names fail here, with one clear line
        for structure in spec.structures:
            check_scenario_against(_scenario(str(scenario)), load_structure(structure))
    tasks = build_tasks(spec)
    store = ResultStore(out)
    record = spec.model_dump(mode="json") | {
        "scenario_paths": [str(p.resolve()) for p in spec.scenario_paths()]
    }
    store.claim(spec.name, spec.digest(), len(tasks), record)
    done = store.done_keys()
    todo = [t for t in tasks if t.key not in done]
    already = len(tasks) - len(todo)
    if limit is not None:
        todo = todo[:limit]
    workers = workers or os.cpu_count() or 1
    if executor == "dask":
        rows = _dask(todo, workers, scheduler)
    elif executor == "processes" and workers > 1 and len(todo) > 1:
        rows = _processes(todo, workers)
    else:
        rows = _serial(todo)
    bar = Progress(len(todo), enabled=progress and bool(todo))
    buffer: list[dict] = []
    failed = ran = 0
    start = last_flush = time.perf_counter()
    try:
        for row in rows:
            buffer.append(row)
            ran += 1
            failed += bool(row["error"])
            bar.update()
            now = time.perf_counter()
            if len(buffer) >= FLUSH_ROWS or now - last_flush >= FLUSH_SECONDS:
                store.append(buffer)
                buffer, last_flush = [], now
    finally:
        store.append(buffer)  # whatever finished is kept, even on Ctrl-C
        if hasattr(rows, "close"):
            rows.close()
    return SweepReport(len(tasks), already, ran, failed, time.perf_counter() - start)


__all__ = ["KEY", "SweepReport", "SweepTask", "build_tasks", "run_sweep_task", "sweep"]
