"""The Mesa model: agents, meetings as events, the decision rules as plain functions
(:mod:`sim.model.rules`), the flow of issues, one run's tables."""

from sim.model.agents import Body, Partner
from sim.model.issue import Action, Issue, Stage
from sim.model.model import PartnershipModel
from sim.model.results import TABLES, RunResult, collect
from sim.model.run import run_once

__all__ = [
    "TABLES",
    "Action",
    "Body",
    "Issue",
    "Partner",
    "PartnershipModel",
    "RunResult",
    "Stage",
    "collect",
    "run_once",
]
