"""Paired replications on one machine, serially or on a pool of processes.

Workers receive file paths, parameters and a seed, build the model themselves and return
plain tables (pandas DataFrames), never model objects. Replication i of every structure gets
the same seed (common random numbers), so differences between structures are paired.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from sim.experiment.seeds import replication_seeds
from sim.model import run_once
from sim.spec import load_scenario, load_structure
from sim.spec.scenario import ScenarioSpec
from sim.spec.structure import StructureSpec


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to make one run: names, paths, parameters, the seed."""

    structure: str
    scenario: str
    seed: int
    replication: int
    parameters: tuple[tuple[str, float], ...] = ()
    tables: tuple[str, ...] = ("summary",)
    labels: tuple[tuple[str, object], ...] = field(default=())


@cache
def _structure(name: str) -> StructureSpec:
    return load_structure(name)


@cache
def _scenario(path: str) -> ScenarioSpec:
    return load_scenario(path)


def run_task(task: RunTask) -> dict[str, pd.DataFrame]:
    """One run in this process; each table gets the task's keys as leading columns."""
    result = run_once(
        _structure(task.structure), _scenario(task.scenario), task.seed, dict(task.parameters)
    )
    keys = {
        "structure": _structure(task.structure).name,
        "replication": task.replication,
        "seed": task.seed,
        **dict(task.labels),
    }
    from sim.analysis.indicators import evaluate_result  # worker-side; no plotting imported

    result.summary = result.summary.assign(**evaluate_result(result))
    out = {}
    for name in task.tables:
        table = getattr(result, name).copy()
        for i, (key, value) in enumerate(keys.items()):
            if key in table.columns:
                table = table.drop(columns=key)
            table.insert(i, key, value)
        out[name] = table
    return out


class Progress:
    """A progress bar on standard error: runs done, runs per second, time left."""

    def __init__(self, total: int, enabled: bool = True) -> None:
        self.total = total
        self.done = 0
        self.start = time.perf_counter()
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self._last_decile = -1

    def update(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 30
        filled = int(width * self.done / self.total)
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} runs, "
            f"{rate:.1f} runs/s, {left:.0f}s left"
        )
        decile = 10 * self.done // self.total
        if self.tty:
            print(f"\r{line}", end="" if self.done < self.total else "\n", file=sys.stderr)
        elif decile != self._last_decile:
            self._last_decile = decile
            print(line, file=sys.stderr)


def run_tasks(
    tasks: list[RunTask], workers: int | None = None, progress: bool = True
) -> dict[str, pd.DataFrame]:
    """Run every task (on ``workers`` processes; 1 = in this process) and stack the tables.

    Rows come back in task order whatever order the runs finish in, so serial and parallel
    execution give identical tables."""
    workers = workers or os.cpu_count() or 1
    bar = Progress(len(tasks), enabled=progress)
    results: list[dict[str, pd.DataFrame] | None] = [None] * len(tasks)
    if workers <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            results[i] = run_task(task)
            bar.update()
    else:
        from sim.experiment.sweep import worker_context

        with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context()) as pool:
            futures = {pool.submit(run_task, task): i for i, task in enumerate(tasks)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update()
    names = tasks[0].tables if tasks else ()
    return {name: pd.concat([r[name] for r in results], ignore_index=True) for name in names}


def run_paired(
    scenario: str,
    structures: list[str],
    replications: int,
    root_seed: int,
    parameters: dict[str, float] | None = None,
    tables: tuple[str, ...] = ("summary",),
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, pd.DataFrame]:
    """Replication i of every structure runs with the same seed (common random numbers)."""
    seeds = replication_seeds(root_seed, replications)
    params = tuple(sorted((parameters or {}).items()))
    tasks = [
        RunTask(structure, scenario, seed, rep, params, tables)
        for rep, seed in enumerate(seeds)
        for structure in structures
    ]
    return run_tasks(tasks, workers=workers, progress=progress)
