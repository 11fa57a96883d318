"""Paired replications: replication i of every structure runs with the same seed (common random
numbers), so differences between structures are paired.

`sim compare` and the notebooks run them through :func:`run_paired`; the runs are ordinary
:class:`~sim.experiment.tasks.RunTask` on any executor, and the tables come back in task
order whatever order the runs finish in, so serial and parallel execution give identical
tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.experiment.executors import run_tasks
from sim.experiment.seeds import replication_seeds
from sim.experiment.tasks import Files, RunOutput, RunTask, cached_structure


def paired_tasks(
    scenario: str,
    structures: Sequence[str],
    replications: int,
    root_seed: int,
    parameters: dict[str, float] | None = None,
    tables: Sequence[str] = ("summary",),
) -> list[RunTask]:
    """Replication by replication, every structure with the replication's seed. Each run's
    rows are led by the structure's name, the replication and the seed; every run is
    evaluated (the indicators travel with its summary)."""
    params = tuple(sorted((parameters or {}).items()))
    extra = tuple(name for name in tables if name != "summary")
    names = {name: cached_structure(name).name for name in structures}
    return [
        RunTask(
            Files(scenario, name),
            seed,
            rep,
            params,
            labels=(("structure", names[name]), ("replication", rep), ("seed", seed)),
            evaluate=True,
            tables=extra,
        )
        for rep, seed in enumerate(replication_seeds(root_seed, replications))
        for name in structures
    ]


def stack(outputs: Sequence[RunOutput], tables: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The runs' tables one under another: ``summary`` from their rows, the rest as sent."""
    out = {}
    for name in tables:
        if name == "summary":
            out[name] = pd.DataFrame([o.row for o in outputs])
        else:
            out[name] = pd.concat([o.tables[name] for o in outputs], ignore_index=True)
    return out


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
    """Paired replications of ``scenario`` under ``structures``: the ``tables`` asked for
    (``summary``, with every indicator, and any of the run tables), stacked in task order."""
    tasks = paired_tasks(scenario, structures, replications, root_seed, parameters, tables)
    return stack(run_tasks(tasks, workers=workers, progress=progress), tables)
