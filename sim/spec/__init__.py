"""Parse and validate what a researcher writes: structures, scenarios, parameters."""

from sim.spec.parameters import PARAMETER_NAMES, Parameters
from sim.spec.scenario import IssueSpec, ScenarioSpec, StepSpec, StreamSpec, load_scenario
from sim.spec.structure import (
    CYCLE,
    BodySpec,
    Function,
    PartnerSpec,
    StructureSpec,
    load_structure,
)

__all__ = [
    "CYCLE",
    "PARAMETER_NAMES",
    "BodySpec",
    "Function",
    "IssueSpec",
    "Parameters",
    "PartnerSpec",
    "ScenarioSpec",
    "StepSpec",
    "StreamSpec",
    "StructureSpec",
    "load_scenario",
    "load_structure",
]
