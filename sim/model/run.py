"""One run, from specs and a seed to tables."""

from __future__ import annotations

from sim.model.model import PartnershipModel
from sim.model.results import RunResult, collect
from sim.spec.scenario import ScenarioSpec
from sim.spec.structure import StructureSpec


def run_once(
    structure: StructureSpec,
    scenario: ScenarioSpec,
    seed: int,
    parameters: dict[str, float] | None = None,
) -> RunResult:
    """Build a model with ``rng=seed``, run it for the scenario's duration, return its tables."""
    model = PartnershipModel(structure, scenario, rng=seed, parameters=parameters)
    model.run_until(scenario.duration_weeks)
    return collect(model)
