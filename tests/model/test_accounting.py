"""Outcome accounting: a declared effect counts exactly once for its district, whatever the
pathway (fan-out to districts, send-backs, re-decisions, follow-ups), and no outcome indicator
ever leaves the envelope of baseline, trend, shocks and declared effects."""

from __future__ import annotations

import pytest
from conftest import run_model, shipped

from sim.model.invariants import declared_effects, indicator_violations
from sim.spec import load_scenario
from sim.spec.loading import SCENARIO_DIR
from sim.spec.scenario import scenario_from_dict

STRUCTURES = ("five_element", "pilot", "county_scs_chapters")
DISTRICTS = ("cheltenham", "gloucester", "forest_of_dean")
CERTAIN_DECISIONS = {"consensus_probability": 1.0, "setback_probability": 0.0,
                     "attendance_base": 1.0}  # fmt: skip


def fan_out(outcome: float, evaluation: bool = False) -> dict:
    """One county programme, decided by ABG, delivered by three districts at once, each with
    an effect of +100 on its own district (fully resourced: it needs no resources)."""
    pathway = [{"function": "decision", "at": "abg"},
               {"function": "delivery", "at": list(DISTRICTS)}]  # fmt: skip
    if evaluation:
        pathway.append({"function": "evaluation", "at": "cseb"})
    return {
        "name": "fan-out",
        "duration_weeks": 400,
        "parameters": {**CERTAIN_DECISIONS, "outcome_probability": outcome},
        "indicators": [{"name": "jobs", "baseline": dict.fromkeys(DISTRICTS, 0.0)}],
        "issues": [{
            "id": "programme", "at_week": 1, "scope": "county", "kind": "strategic",
            "resources": 0, "effort_weeks": 8, "target_weeks": 300, "pathway": pathway,
            "effects": [{"indicator": "jobs", "district": d, "change": 100} for d in DISTRICTS],
        }],
    }  # fmt: skip


def final_values(result) -> dict[str, float]:
    table = result.indicators
    last = table[table["week"] == table["week"].max()]
    return dict(zip(last["district"], last["value"], strict=True))


@pytest.mark.parametrize("structure", STRUCTURES)
def test_a_fanned_out_effect_counts_once_per_district(structure):
    """SC-COHESION, SC-EMPLOYER: delivery split across districts. Each district's strand
    delivers its own +100 and achieves it; the parent adds nothing more (it used to add the
    whole effect again, ending at +200)."""
    _, result = run_model(shipped(structure), scenario_from_dict(fan_out(outcome=1.0)))
    issues = result.issues.set_index("issue_id")
    assert issues.loc["programme", "stage"] == "closed"
    assert final_values(result) == pytest.approx(dict.fromkeys(DISTRICTS, 100.0))


@pytest.mark.parametrize("structure", STRUCTURES)
def test_send_backs_and_rework_never_count_an_effect_twice(structure):
    """EV-SCRUTINY: an evaluation that finds no outcome sends delivery back, and delivery
    fans out again. Delivered but never achieved, each district keeps half its effect: +50,
    however many times the work was redone."""
    spec = scenario_from_dict(fan_out(outcome=0.0, evaluation=True))
    _, result = run_model(shipped(structure), spec)
    history = result.history
    assert (history["action"] == "sent back").sum() >= 1  # the pathway did loop
    assert final_values(result) == pytest.approx(dict.fromkeys(DISTRICTS, 50.0))


def test_declared_effects_include_follow_ups():
    spec = load_scenario(SCENARIO_DIR / "employer_closure.yaml")
    effects = declared_effects(spec)
    assert effects and all(low <= 0 <= high for low, high in effects.values())


SCENARIOS = ("employer_closure", "truancy", "environment_strategy", "community_cohesion",
             "budget_squeeze", "scs_delivery", "smoke")  # fmt: skip


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("structure", STRUCTURES)
def test_no_indicator_moves_beyond_what_the_scenario_declares(scenario, structure):
    """The model invariant, over every shipped scenario and structure and 8 seeds: every week's
    value of every outcome indicator lies within baseline + trend + shocks + declared effects."""
    spec = load_scenario(SCENARIO_DIR / f"{scenario}.yaml")
    for seed in range(1, 9):
        _, result = run_model(shipped(structure), spec, seed=seed)
        assert indicator_violations(spec, result.indicators) == [], (scenario, structure, seed)


def test_the_invariant_catches_a_value_beyond_the_envelope():
    spec = scenario_from_dict(fan_out(outcome=1.0))
    _, result = run_model(shipped("pilot"), spec)
    table = result.indicators.copy()
    assert indicator_violations(spec, table) == []
    table.loc[table.index[-1], "value"] = 200.0  # the old double count
    assert len(indicator_violations(spec, table)) == 1
