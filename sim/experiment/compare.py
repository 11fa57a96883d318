"""The runs of a comparison (`sim compare`, `sim demo`): which paired runs, and which tables
each sends back. ``comparison_runs(...).run(settings)`` makes them; the comparison itself
(means, paired differences, verdicts, the text) is made from their tables by
:func:`sim.analysis.compare.comparison_of`."""

from __future__ import annotations

from collections.abc import Sequence

from sim.experiment.paired import Option, PairedRuns
from sim.experiment.tasks import cached_scenario
from sim.spec.scenario import ScenarioSpec


def comparison_runs(
    scenario: str | ScenarioSpec,
    options: Sequence[Option],
    replications: int,
    seeds: Sequence[int] = (1,),
    parameters: dict[str, float] | None = None,
) -> PairedRuns:
    """Paired replications of ``scenario`` under ``options`` from each root seed, checked now
    (before any run): every run sends back its summary and issues, and its outcome indicators
    week by week where the scenario declares any."""
    spec = scenario if isinstance(scenario, ScenarioSpec) else cached_scenario(scenario)
    tables = ("summary", "issues", "indicators") if spec.indicators else ("summary", "issues")
    return PairedRuns(scenario, options, replications, seeds, parameters, tables=tables)
