"""The one paired comparison: a scenario under several options, replication by replication
with shared seeds (common random numbers), at one or more assumption points.

:class:`PairedRuns` is what every command that compares options builds: `sim compare` and
`sim demo`, the app, the notebooks, `sim robustness` and `sim search`. It checks its inputs
once (every option can run the scenario; names are distinct; sizes are in range), gives the
runs as :class:`~sim.experiment.tasks.RunTask` for any executor, and collects the workers'
outputs into plain tables in task order, so serial, process-pool and Dask runs give
identical tables. :class:`RunSettings` carries where the runs go (executor, workers, Dask
scheduler, progress bar, a cap on runs this time) as one object.

Replication ``r`` under root seed ``S`` has seed :func:`~sim.experiment.seeds.run_seed`
``(S, r)`` at every option and every point: each option's run is paired with every other's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.errors import SpecError
from sim.experiment.executors import Executor, Kind, make_executor, run_tasks
from sim.experiment.seeds import run_seed
from sim.experiment.tasks import Design, Files, RunOutput, RunTask, Specs, cached_scenario
from sim.spec.limits import MAX_REPLICATIONS, MAX_RUNS
from sim.spec.scenario import ScenarioSpec, check_scenario_against
from sim.spec.structure import StructureSpec


@dataclass(frozen=True)
class RunSettings:
    """Where runs go: ``executor`` (serial, processes or dask) on ``workers`` cores (default:
    all), a Dask ``scheduler`` address for an existing cluster, a ``progress`` bar, and
    ``limit``, the most runs to make this time (the rest wait for the next call)."""

    executor: Kind = "processes"
    workers: int | None = None
    scheduler: str | None = None
    progress: bool = True
    limit: int | None = None

    def make(self, runs: int | None = None) -> Executor:
        """An executor for ``runs`` runs (a small job runs in this process)."""
        return make_executor(self.executor, self.workers, self.scheduler, runs)


@dataclass(frozen=True)
class Point:
    """An assumption point: named assumptions set to values and structural alternatives
    (ids of the shipped ``alternatives``) switched on. Point 0 with nothing set is the
    defaults."""

    index: int = 0
    parameters: tuple[tuple[str, float], ...] = ()
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class DesignOption:
    """A design of a design space as an option: the space's file, the design's lever values,
    and its name (what labels its runs)."""

    space: str
    values: tuple
    name: str


Option = str | StructureSpec | DesignOption
"""A structure option: a shipped structure's name or a file, a structure held in memory (the
app's, changed by its knobs), or a design of a design space."""

Labels = Callable[..., tuple[tuple[str, Any], ...]]
"""Makes a run's leading columns (its key and provenance) from keyword arguments: ``option``
(as given), ``name`` (the option's name), ``point`` (a :class:`Point`), ``replication``,
``seed`` and ``root_seed``."""


class PairedRuns:
    """Paired replications of ``scenario`` (a file, or a spec held in memory) under
    ``options``, from each root seed of ``seeds``, at each of ``points``.

    Every run's rows are led by ``structure`` (the option's name), ``point``, ``replication``,
    ``seed`` and ``root_seed``; with ``keys`` also by ``scenario_file`` and ``structure_file``
    (the results store's key). ``tables`` names what each run sends back: ``summary`` (with
    every evaluation indicator) and any run table (``issues``, ``indicators``, ...).

    ``alternatives`` is the file the points' structural alternatives are read from (the
    shipped ``alternatives`` unless a path is given). ``labels``, when given, makes each run's
    leading columns instead (:data:`Labels`): what `sim robustness` writes to its stores."""

    def __init__(
        self,
        scenario: str | ScenarioSpec,
        options: Sequence[Option],
        replications: int,
        seeds: Sequence[int] = (1,),
        parameters: dict[str, float] | None = None,
        points: Sequence[Point] = (Point(),),
        tables: Sequence[str] = ("summary",),
        keys: bool = False,
        first_replication: int = 0,
        alternatives: str = "alternatives",
        labels: Labels | None = None,
    ) -> None:
        if not 1 <= replications <= MAX_REPLICATIONS:
            raise SpecError("--replications", str(replications),
                            f"give 1 to {MAX_REPLICATIONS:,}")  # fmt: skip
        if not seeds or not points:
            raise SpecError("--seed", "", "give at least one root seed and one point")
        runs = replications * len(options) * len(seeds) * len(points)
        if runs > MAX_RUNS:
            raise SpecError("--replications", str(replications),
                            f"{runs:,} runs; at most {MAX_RUNS:,}")  # fmt: skip
        if isinstance(scenario, ScenarioSpec):
            self.scenario, self.scenario_file = scenario, ""
        else:
            self.scenario, self.scenario_file = cached_scenario(scenario), scenario
        self.options = list(options)
        self.replications = replications
        self.seeds = list(seeds)
        self.parameters = dict(parameters or {})
        self.points = list(points)
        self.tables = tuple(tables)
        self.keys = keys
        self.first_replication = first_replication
        self.alternatives = alternatives
        self.labels = labels
        self.specs = [self._spec(option) for option in self.options]
        taken: dict[str, str] = {}
        for option, spec in zip(self.options, self.specs, strict=True):
            name = self.name(option, spec)
            if name in taken:
                raise SpecError(self.origin(option), "name", f"'{name}' is also the name of "
                                f"{taken[name]}; give each option its own name")  # fmt: skip
            taken[name] = self.origin(option)
            check_scenario_against(self.scenario, spec)
        self.names = list(taken)

    # -- options -------------------------------------------------------------------------
    @staticmethod
    def origin(option: Option) -> str:
        if isinstance(option, StructureSpec):
            return option.sources.get("structure", option.name)
        if isinstance(option, DesignOption):
            return option.space
        return option

    @staticmethod
    def name(option: Option, spec: StructureSpec) -> str:
        return option.name if isinstance(option, DesignOption) else spec.name

    @staticmethod
    def _spec(option: Option) -> StructureSpec:
        from sim.experiment.tasks import cached_structure, design_space

        if isinstance(option, StructureSpec):
            return option
        if isinstance(option, DesignOption):
            return design_space(option.space).compile(option.values)
        return cached_structure(option)

    def _model(self, option: Option, spec: StructureSpec, point: Point):
        if isinstance(option, DesignOption):
            return Design(option.space, tuple(option.values), self.scenario_file,
                          point.alternatives)  # fmt: skip
        if not self.scenario_file:
            if point.alternatives:
                raise SpecError("alternatives", ",".join(point.alternatives),
                                "a scenario held in memory runs at its defaults only")  # fmt: skip
            return Specs(self.scenario, spec)
        if isinstance(option, StructureSpec):
            return Specs(self.scenario, spec)
        return Files(self.scenario_file, option, point.alternatives, self.alternatives)

    # -- tasks and tables ----------------------------------------------------------------
    def __len__(self) -> int:
        return self.replications * len(self.options) * len(self.seeds) * len(self.points)

    def tasks(self) -> list[RunTask]:
        """Root seed by root seed, point by point, replication by replication, every option
        with the replication's seed."""
        out = []
        for root in self.seeds:
            for point in self.points:
                params = tuple(sorted((self.parameters | dict(point.parameters)).items()))
                for rep in range(self.first_replication,
                                 self.first_replication + self.replications):  # fmt: skip
                    seed = run_seed(root, rep)
                    for option, spec, name in zip(self.options, self.specs, self.names,
                                                  strict=True):  # fmt: skip
                        labels = (("structure", name), ("point", point.index),
                                  ("replication", rep), ("seed", seed),
                                  ("root_seed", root))  # fmt: skip
                        if self.labels is not None:
                            labels = self.labels(option=option, name=name, point=point,
                                                 replication=rep, seed=seed,
                                                 root_seed=root)  # fmt: skip
                        elif self.keys:
                            labels = (("scenario_file", self.scenario_file or self.scenario.name),
                                      ("structure_file", name), *labels)  # fmt: skip
                        out.append(RunTask(self._model(option, spec, point), seed, rep, params,
                                           labels, evaluate=True,
                                           tables=tuple(t for t in self.tables
                                                        if t != "summary")))  # fmt: skip
        return out

    def collect(self, outputs: Sequence[RunOutput]) -> dict[str, pd.DataFrame]:
        """The runs' tables one under another, in task order: ``summary`` from their rows,
        the rest as the workers sent them."""
        out = {}
        for name in self.tables:
            if name == "summary":
                out[name] = pd.DataFrame([o.row for o in outputs])
            else:
                out[name] = pd.concat([o.tables[name] for o in outputs], ignore_index=True)
        return out

    def run(
        self, settings: RunSettings | None = None, executor: Executor | None = None
    ) -> dict[str, pd.DataFrame]:
        """Make every run (on ``executor``, or one made from ``settings``) and collect the
        tables. A failed run raises :class:`~sim.experiment.executors.RunFailed`: a comparison
        with a run missing is not paired."""
        settings = settings or RunSettings()
        tasks = self.tasks()
        own = executor is None
        executor = executor or settings.make(len(tasks))
        try:
            outputs = run_tasks(tasks, executor, progress=settings.progress)
        finally:
            if own:
                executor.close()
        return self.collect(outputs)
