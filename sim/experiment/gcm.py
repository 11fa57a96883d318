"""`sim gcm`: every variant of a Garbage Can design, run by the partnership engine.

Each run is an ordinary :class:`~sim.model.PartnershipModel` built from a variant's
structure and scenario (``attachment: garbage_can``); its statistics come from the
model's :class:`~sim.model.garbage_can.GarbageCan` policy. With the entry orders the
files give, a run draws no random number, so one replication is the whole story; with
``random_entry`` each replication deals choices' and problems' entry weeks out afresh from
its seed. Replication ``r`` has the same seed under every variant (common random numbers).

Workers receive (design file, variant index, seeds), build the models there and return
plain tuples; the main process assembles three tables: runs, choices and problems.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache, cached_property
from multiprocessing import get_context
from pathlib import Path

import pandas as pd

from sim.experiment.seeds import replication_seeds
from sim.model import PartnershipModel
from sim.model.garbage_can import COUNTS
from sim.spec.gcm import FACTORS, Variant, load_gcm_design, variants
from sim.spec.loading import SCENARIO_DIR, resolve
from sim.spec.scenario import check_scenario_against

DEFAULT_DESIGN = SCENARIO_DIR / "gcm" / "design.yaml"  # shipped: scenarios/gcm/design.yaml
SERIAL_BELOW = 1000  # runs
STATS = (
    "resolutions",
    "oversights",
    "flights",
    "choices_made",
    "choices_unmade",
    "problems_solved",
    "problems_unsolved",
    *COUNTS,  # problem activity, latency and moves, decision makers' moves, difficulty, ...
    "energy_spent",
    "energy_wasted",
    "energy_reserve",
)


@dataclass(frozen=True)
class GcmTask:
    """All replications of one variant: what a worker needs, nothing more."""

    design: str
    variant: int
    seeds: tuple[int, ...]
    random_entry: bool


@dataclass
class GcmResult:
    """The tables of a design's runs, and how long they took."""

    runs: pd.DataFrame
    choices: pd.DataFrame
    problems: pd.DataFrame
    seconds: float
    workers: int

    @cached_property
    def variants(self) -> pd.DataFrame:
        """One row per variant: the mean of each statistic over its replications (computed
        once: the findings read it many times)."""
        keys = ["variant", *FACTORS]
        table = self.runs.groupby(keys, sort=False)[list(STATS)].mean().reset_index()
        table.insert(len(keys), "replications", self.runs.groupby("variant").size().values)
        return table


@cache
def _variants(design: str) -> list[Variant]:
    return variants(load_gcm_design(design))


def run_variant(task: GcmTask) -> list[tuple]:
    """Run every replication of one variant here; returns one plain tuple per run."""
    variant = _variants(task.design)[task.variant]
    scenario = variant.scenario
    if task.random_entry:
        scenario = scenario.model_copy(update={"shuffle_entry": True})
    weeks = scenario.duration_weeks
    check_scenario_against(scenario, variant.structure)
    out = []
    for replication, seed in enumerate(task.seeds):
        model = PartnershipModel(variant.structure, scenario, rng=seed, check=False)
        model.run_until(weeks)
        policy = model.attachment
        summary = policy.summary()
        choices = [(c["opened_at"], c["style"], c["made_at"]) for c in policy.choices()]
        problems = [(p["arrived_at"], p["solved_at"]) for p in policy.problems()]
        out.append((replication, seed, tuple(summary[s] for s in STATS), choices, problems))
    return out


def run_gcm(
    design: str | Path = DEFAULT_DESIGN,
    replications: int = 1,
    random_entry: bool = False,
    seed: int = 0,
    workers: int | None = None,
    on_variant: Callable[[], None] | None = None,
) -> GcmResult:
    """Run every variant of ``design`` ``replications`` times; serial when ``workers`` is 1."""
    design = str(resolve("gcm design", design).resolve())
    compiled = _variants(design)  # bad files fail here, in this process, with one line
    seeds = tuple(replication_seeds(seed, replications))
    tasks = [GcmTask(design, v.index, seeds, random_entry) for v in compiled]
    if workers is None:  # starting workers costs more than a small design takes
        workers = 1 if len(tasks) * replications < SERIAL_BELOW else os.cpu_count() or 1
    workers = max(1, min(workers, len(tasks)))
    start = time.perf_counter()
    if workers == 1:
        results: list[list[tuple]] = []
        for task in tasks:
            results.append(run_variant(task))
            if on_variant:
                on_variant()
    else:
        with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
            with warnings.catch_warnings():  # fork with BLAS threads: see _context
                warnings.filterwarnings("ignore", "This process .* is multi-threaded")
                futures = [pool.submit(run_variant, task) for task in tasks]
            results = []
            for future in futures:
                results.append(future.result())
                if on_variant:
                    on_variant()
    seconds = time.perf_counter() - start
    return _tables(compiled, results, seconds, workers)


def _context():
    """Fork where it is safe and cheap: on Linux, with no Python thread but this one (the
    only other threads are numpy's idle BLAS pool, which re-initialises after a fork),
    workers start in milliseconds with the model already imported. Otherwise the sweep's
    fork server (or spawn), which costs a second or two of imports first."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return get_context("fork")
    from sim.experiment.sweep import worker_context

    return worker_context()


def _tables(compiled: list[Variant], results: list[list[tuple]], seconds: float, workers: int):
    """Assemble the three tables column by column (a row at a time is slow at this size)."""
    key = ["variant", *FACTORS, "replication"]
    runs: list[list] = []
    columns: dict[str, dict[str, list]] = {"choices": {}, "problems": {}}
    for table, names in (
        ("choices", ["choice", "importance", "opened_at", "style", "made_at"]),
        ("problems", ["problem", "importance", "arrived_at", "solved_at"]),
    ):
        columns[table] = {name: [] for name in [*key, *names]}
    for variant, rows in zip(compiled, results, strict=True):
        labels = [variant.levels[f] for f in FACTORS]
        entities = {
            "choices": [b.id for b in variant.structure.bodies],
            "problems": [i.id for i in variant.scenario.issues],
        }
        for replication, seed, stats, choice_rows, problem_rows in rows:
            keys = [variant.index, *labels, replication]
            runs.append([*keys, seed, *stats])
            for table, cells in (("choices", choice_rows), ("problems", problem_rows)):
                cols, ids = columns[table], entities[table]
                for name, value in zip(key, keys, strict=True):
                    cols[name].extend([value] * len(ids))
                names = list(cols)[len(key) :]
                cols[names[0]].extend(ids)
                cols[names[1]].extend(range(1, len(ids) + 1))
                for name, values in zip(names[2:], zip(*cells, strict=True), strict=True):
                    cols[name].extend(values)
    choices = pd.DataFrame(columns["choices"])
    choices.insert(len(key) + 3, "made", choices["style"] != "")
    problems = pd.DataFrame(columns["problems"])
    problems.insert(len(key) + 3, "solved", problems["solved_at"].notna())
    return GcmResult(
        runs=pd.DataFrame(runs, columns=[*key, "seed", *STATS]),
        choices=choices,
        problems=problems,
        seconds=seconds,
        workers=workers,
    )
