"""Declared sweeps: an experiment's runs as tasks, run on any executor into the store.

Seeds come from the experiment's root seed by :func:`sim.experiment.seeds.run_seed` and
depend only on the replication: every scenario, structure and parameter point of a
replication shares its seed (common random numbers), and replication r is the same run as
replication r of a `sim compare` with that root seed. Workers return one plain row per run;
this process writes the rows to the store as runs finish.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sim import __version__
from sim.experiment.design import design_points
from sim.experiment.paired import RunSettings
from sim.experiment.seeds import run_seed
from sim.experiment.store import KEY, ResultStore
from sim.experiment.tasks import Files, RunTask, cached_scenario, cached_structure
from sim.progress import track
from sim.spec.experiment import ExperimentSpec
from sim.spec.scenario import check_scenario_against

FLUSH_SECONDS = 1.0
FLUSH_ROWS = 200


@cache
def spec_hash(kind: str, name: str) -> str:
    """A short hash of a loaded structure (``kind`` "structure") or scenario file."""
    spec = cached_structure(name) if kind == "structure" else cached_scenario(name)
    return hashlib.sha256(spec.model_dump_json().encode()).hexdigest()[:12]


def build_tasks(spec: ExperimentSpec) -> list[RunTask]:
    """Every run of the experiment, in a fixed order. Each row is led by the run's key (the
    scenario as declared, the structure, the point, the replication), its seed, the varied
    parameters as ``p_NAME``, the package version and the hashes of the loaded specs."""
    points = design_points(spec)
    varied = [c for c in points.columns if c != "point"]
    tasks = []
    for declared, path in zip(spec.scenarios, spec.scenario_paths(), strict=True):
        resolved = str(path.resolve())
        for row in points.itertuples(index=False):
            values = dict(spec.fixed)
            values.update({name: float(getattr(row, name)) for name in varied})
            params = tuple(sorted(values.items()))
            shown = tuple((f"p_{name}", value) for name, value in params if name in varied)
            for rep in range(spec.replications):
                seed = run_seed(spec.seed, rep)
                for name in spec.structures:
                    labels = (
                        ("experiment", spec.name),
                        ("scenario_file", declared),
                        ("structure_file", name),
                        ("point", int(row.point)),
                        ("replication", rep),
                        ("seed", seed),
                        *shown,
                        ("sim_version", __version__),
                        ("structure_hash", spec_hash("structure", name)),
                        ("scenario_hash", spec_hash("scenario", resolved)),
                    )
                    tasks.append(RunTask(Files(resolved, name), seed, rep, params, labels,
                                         evaluate=spec.evaluate))  # fmt: skip
    return tasks


def task_key(task: RunTask) -> tuple:
    """The store's key of a task's run: (scenario_file, structure_file, point, replication)."""
    labels = dict(task.labels)
    return tuple(labels[name] for name in KEY)


@dataclass
class SweepReport:
    """What one call of :func:`sweep` did."""

    total: int
    already: int
    ran: int
    failed: int
    seconds: float


def sweep(spec: ExperimentSpec, out: Path, settings: RunSettings | None = None) -> SweepReport:
    """Run the experiment's missing runs into the store at ``out``, where ``settings`` say
    (default: processes on every core, with a progress bar); ``settings.limit`` caps how many
    run this time (the rest wait for the next call, as after an interruption). A run that
    raises is stored with its error and the sweep goes on."""
    for path in spec.scenario_paths():  # bad names fail here, with one clear line
        for name in spec.structures:
            check_scenario_against(cached_scenario(str(path.resolve())), cached_structure(name))
    tasks = build_tasks(spec)
    record = spec.model_dump(mode="json") | {
        "scenario_paths": [str(p.resolve()) for p in spec.scenario_paths()]
    }
    return run_into_store(tasks, out, spec.name, spec.digest(), record, settings)


def run_into_store(
    tasks: list[RunTask],
    out: Path,
    name: str,
    digest: str,
    record: dict,
    settings: RunSettings | None = None,
) -> SweepReport:
    """Run the tasks whose keys the store at ``out`` does not hold yet, where ``settings`` say
    (at most ``settings.limit`` of them), writing rows as runs finish; the folder is bound to
    ``name`` and ``digest`` (another set of tasks is refused) and locked while it runs. What
    `sim sweep` and every phase of `sim robustness` run on."""
    settings = settings or RunSettings()
    limit, progress = settings.limit, settings.progress
    store = ResultStore(out)
    with settings.make(len(tasks)) as pool, store.lock():
        store.claim(name, digest, len(tasks), record)
        done = store.done_keys()
        todo = [t for t in tasks if task_key(t) not in done]
        already = len(tasks) - len(todo)
        if limit is not None:
            todo = todo[:limit]
        batches = track(pool.run(todo), len(todo), enabled=progress and bool(todo))
        buffer: list[dict] = []
        failed = ran = 0
        start = last_flush = time.perf_counter()
        try:
            for batch in batches:
                for _, output in batch:
                    buffer.append(output.row | {"error": output.error,
                                                "elapsed_s": output.seconds})  # fmt: skip
                    ran += 1
                    failed += bool(output.error)
                now = time.perf_counter()
                if len(buffer) >= FLUSH_ROWS or now - last_flush >= FLUSH_SECONDS:
                    rows, buffer = buffer, []  # a failed write is not tried twice
                    store.append(rows)
                    last_flush = now
        finally:
            try:
                store.append(buffer)  # whatever finished is kept, even on Ctrl-C
            finally:
                batches.close()
    return SweepReport(len(tasks), already, ran, failed, time.perf_counter() - start)
