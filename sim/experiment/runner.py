"""Paired replications for the notebooks: replication i of every structure runs with the same
seed (common random numbers), so differences between structures are paired.

:func:`run_paired` is a short way to make a :class:`~sim.experiment.paired.PairedRuns` of
files from one root seed and run it: the same runs, seeds and tables as `sim compare` makes
(serial and parallel execution give identical tables).
"""

from __future__ import annotations

import pandas as pd

from sim.experiment.paired import PairedRuns, RunSettings


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
    """Paired replications of ``scenario`` under ``structures`` from ``root_seed`` (on processes
    on ``workers`` cores; a small job runs in this process): the ``tables`` asked for
    (``summary``, with every indicator, and any of the run tables), in task order, each run's
    rows led by ``structure``, ``point``, ``replication``, ``seed`` and ``root_seed``. As
    ``PairedRuns(scenario, structures, replications, [root_seed], parameters,
    tables=tables).run(RunSettings(workers=workers, progress=progress))``."""
    paired = PairedRuns(scenario, structures, replications, [root_seed], parameters,
                        tables=tables)  # fmt: skip
    return paired.run(RunSettings(workers=workers, progress=progress))
