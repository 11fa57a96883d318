"""`sim gcm`: every variant of a Garbage Can design, run by the partnership engine.

Each run is an ordinary :class:`~sim.model.PartnershipModel` built from a variant's
structure and scenario (``attachment: garbage_can``); its statistics come from the
model's :class:`~sim.model.garbage_can.GarbageCan` policy. With the entry orders the
files give, a run draws no random number, so one replication is the whole story; with
``random_entry`` each replication deals choices' and problems' entry weeks out afresh from
its seed. Replication ``r`` has the same seed under every variant (common random numbers).

Each run is a :class:`~sim.experiment.tasks.RunTask` naming (design file, variant index) and
its seed; workers build the models there and return plain tuples, and this process
assembles three tables: runs, choices and problems.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import pandas as pd

from sim.experiment.executors import run_tasks
from sim.experiment.paired import RunSettings
from sim.experiment.seeds import replication_seeds
from sim.experiment.tasks import GcmVariant, RunOutput, RunTask, gcm_specs, gcm_variants
from sim.model.garbage_can import COUNTS
from sim.paths import ensure_folder, inside, naming, replace_text
from sim.spec.gcm import FACTORS, Variant
from sim.spec.loading import SCENARIO_DIR, resolve

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

    def write(self, out: Path) -> list[str]:
        """Write ``variants.csv`` and the runs, choices and problems as Parquet to ``out``;
        returns the file names."""
        ensure_folder(out)
        replace_text(inside(out, "variants.csv"), self.variants.to_csv(index=False))
        for name, table in (("runs", self.runs), ("choices", self.choices),
                            ("problems", self.problems)):  # fmt: skip
            path = inside(out, f"{name}.parquet")
            tmp = inside(out, f".tmp-{name}.parquet")
            try:
                with naming(path):
                    table.to_parquet(tmp, index=False)
                    os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        return ["variants.csv", "runs.parquet", "choices.parquet", "problems.parquet"]


def run_gcm(
    design: str | Path = DEFAULT_DESIGN,
    replications: int = 1,
    random_entry: bool = False,
    seed: int = 0,
    settings: RunSettings | None = None,
) -> GcmResult:
    """Run every variant of ``design`` ``replications`` times where ``settings`` say (by
    default processes, with no progress bar); serial when ``settings.workers`` is 1 (without
    a number of workers, serial for a design too small to gain from them)."""
    settings = settings or RunSettings(progress=False)
    design = str(resolve("gcm design", design).resolve())
    compiled = gcm_variants(design)  # bad files fail here, in this process, with one line
    seeds = replication_seeds(seed, replications)
    models = [GcmVariant(design, v.index, random_entry) for v in compiled]
    for model in models:  # checked once here; forked workers inherit the checked specs
        gcm_specs(model)
    tasks = [
        RunTask(model, run_seed, replication, tables=("choices", "problems"))
        for model in models
        for replication, run_seed in enumerate(seeds)
    ]
    if settings.workers is None:  # starting workers costs more than a small design takes
        workers = 1 if len(tasks) < SERIAL_BELOW else os.cpu_count() or 1
        settings = replace(settings, workers=workers)
    start = time.perf_counter()
    with settings.make(len(tasks)) as executor:
        outputs = run_tasks(tasks, executor, progress=settings.progress)
    seconds = time.perf_counter() - start
    return _tables(compiled, tasks, outputs, seconds, executor.workers)


def _tables(
    compiled: list[Variant],
    tasks: list[RunTask],
    outputs: list[RunOutput],
    seconds: float,
    workers: int,
) -> GcmResult:
    """Assemble the three tables column by column (a row at a time is slow at this size)."""
    key = ["variant", *FACTORS, "replication"]
    runs: list[list] = []
    columns: dict[str, dict[str, list]] = {"choices": {}, "problems": {}}
    for table, names in (
        ("choices", ["choice", "importance", "opened_at", "style", "made_at"]),
        ("problems", ["problem", "importance", "arrived_at", "solved_at"]),
    ):
        columns[table] = {name: [] for name in [*key, *names]}
    entities = {
        variant.index: {
            "choices": [b.id for b in variant.structure.bodies],
            "problems": [i.id for i in variant.scenario.issues],
        }
        for variant in compiled
    }
    for task, output in zip(tasks, outputs, strict=True):
        variant = compiled[task.model.index]
        keys = [variant.index, *(variant.levels[f] for f in FACTORS), task.replication]
        runs.append([*keys, task.seed, *(output.row[s] for s in STATS)])
        for table, cells in output.tables.items():
            cols, ids = columns[table], entities[variant.index][table]
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
