"""A robustness analysis whose answer is known, for tests of its folder (written whole, read
back only when it is what a finished run wrote) and of what reads the folder (`sim report
--robustness`).

At 40 points with four replications each: the pilot holds 80 fewer meetings everywhere
(declared as ``fewer_meetings`` and derived from the verdict: "both"); it decides 8 weeks
sooner where the alternative ``fe_urgent_strategy_via_support_group`` is off and 2 weeks
later where it is on ("depends"). Every point reproduces the patterns, or none does.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from sim.analysis import robustness as rb
from sim.analysis.claims import Claim
from sim.analysis.discovery import words_for
from sim.experiment.robustness import DUMMY, Factor, Plan
from sim.spec.alternatives import load_alternatives

POINTS = 40
SWITCH = "a_fe_urgent_strategy_via_support_group"
CLAIMS = [
    Claim("fewer_meetings", "the pilot holds fewer meetings", "meetings_held", "pilot",
          "five_element", "lower", 4.0, "CYCLE", "better", "both"),
    Claim("pilot.named_weeks_to_decision", "named issues: weeks to decision: lower under the "
          "pilot than under the five-element structure", "named_weeks_to_decision", "pilot",
          "five_element", "lower", 1.0, "EV-LEAD", "better"),
]  # fmt: skip


def small_plan(scenario: str = "employer_closure", **files) -> Plan:
    factors = [Factor("attendance_base", 0.65, 0.95, default=0.85),
               Factor("fe_urgent_strategy_via_support_group", 0.0, 1.0, switch=True)]  # fmt: skip
    return Plan(scenario, ["five_element", "pilot"], factors=factors, **files)


@functools.cache
def found(plausible: bool = True, scenario: str = "employer_closure") -> rb.Robustness:
    """What the analysis finds (the module's docstring); with ``plausible`` False no point
    reproduces the patterns."""
    plan = small_plan(scenario)
    points = pd.DataFrame({"point": range(POINTS),
                           "p_attendance_base": np.linspace(0.65, 0.95, POINTS),
                           SWITCH: [0.0, 1.0] * (POINTS // 2)})  # fmt: skip
    diffs = pd.DataFrame([{"point": p, "replication": r, "pilot:meetings_held": -80.0,
                           "pilot:named_weeks_to_decision": (2.0 if p % 2 else -8.0) + r / 10}
                          for p in range(POINTS) for r in range(4)])  # fmt: skip
    patterns = plan.pattern_checks.patterns
    far = 1.0 if plausible else 1e6  # far outside every band: no point is plausible
    values = pd.DataFrame([{"point": p, "replication": r,
                            **{q.indicator: sum(q.between) / 2 * far for q in patterns}}
                           for p in range(POINTS) for r in range(2)])  # fmt: skip
    morris = pd.DataFrame({"factor": ["p_attendance_base", SWITCH, DUMMY.column],
                           "mu_star": [1.0, 8.0, 0.1], "mu_star_conf": [0.1, 0.5, 0.05],
                           "mu": [1.0, 8.0, 0.0], "sigma": [0.2, 1.0, 0.1],
                           "above_noise": [True, True, False]})  # fmt: skip
    result = rb.analyse(plan, CLAIMS, diffs, points, values,
                        {rb.key(c.of, c.indicator): morris for c in CLAIMS},
                        diffs[diffs["point"] < 4], words_for(plan.factors, load_alternatives()),
                        [])  # fmt: skip
    result.defaults = pd.DataFrame({"structure": ["five_element", "pilot"],
                                    "indicator": ["meetings_held"] * 2, "mean": [120.0, 40.0],
                                    "verdict": ["", "better"]})  # fmt: skip
    result.rounds = [{"phase": "lhs", "points": POINTS, "replications": 4}]
    return result


def write_folder(out, plausible: bool = True, scenario: str = "employer_closure"):
    """The analysis written as `sim robustness` writes it; the folder."""
    rb.write_robustness(found(plausible, scenario), out, small_plan(scenario))
    return out
