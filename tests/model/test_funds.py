"""Partnership funds (FE-ACCOUNTABLE): several funds on one scope are a pooled budget, each
drawn in turn; a scenario adds a fund or money to one in its own vocabulary."""

from __future__ import annotations

import pytest
from conftest import run_model, town, town_scenario

from sim.errors import SpecError
from sim.spec.scenario import scenario_from_dict
from sim.spec.structure import structure_from_dict

POOLED = [("p01", 6.0), ("p02", 6.0), ("p03", 5.0), ("p04", 3.0)]  # city, county, PCT, police


def penniless_town(funds=POOLED) -> dict:
    """The town with partners who pledge nothing: every unit comes from a fund."""
    structure = town()
    for partner in structure["partners"]:
        partner["budget"] = 0.0
    structure["funds"] = [{"scope": "town", "partner": p, "per_year": v} for p, v in funds]
    return structure


def pledged_by(result) -> float:
    return float(result.issues["pledged"].sum())


def test_fe_accountable_several_funds_on_one_scope_are_pooled():
    """A pooled budget of 6 + 6 + 5 + 3 funds 20 units of work (it used to fund 3: only the
    last fund listed was kept)."""
    scenario = town_scenario(n=1, resources=20.0)
    model, result = run_model(penniless_town(), scenario)
    assert pledged_by(result) == pytest.approx(20.0)
    pledges = model.issues[0].pledges
    assert {k: v for k, v in pledges.items() if v} == {f"fund:town:{p}": v for p, v in POOLED}


def test_funds_are_drawn_in_the_order_listed():
    model, result = run_model(penniless_town(), town_scenario(n=1, resources=8.0))
    pledges = model.issues[0].pledges
    assert pledges["fund:town:p01"] == 6.0 and pledges["fund:town:p02"] == 2.0
    assert pledged_by(result) == pytest.approx(8.0)


def test_a_fund_whose_holder_is_absent_is_not_drawn():
    structure = penniless_town()
    structure["partners"][1]["commitment"] = 0.0  # p01 never attends
    model, _ = run_model(structure, town_scenario(n=1, resources=20.0))
    assert model.issues[0].pledges.get("fund:town:p01", 0.0) == 0.0
    assert model.issues[0].pledged == pytest.approx(14.0)


def test_one_holder_with_two_funds_on_one_scope_is_an_error():
    structure = penniless_town([("p01", 6.0), ("p01", 2.0)])
    with pytest.raises(SpecError) as err:
        structure_from_dict(structure)
    assert err.value.field == "funds[1]" and "already holds a fund" in err.value.message


def test_a_fund_for_an_unknown_scope_is_an_error():
    structure = penniless_town()
    structure["funds"][0]["scope"] = "elsewhere"
    with pytest.raises(SpecError) as err:
        structure_from_dict(structure)
    assert err.value.field == "funds[0].scope"


def test_a_scenario_adds_a_fund_from_a_given_week():
    """Extra Area Based Grant after a disaster: a fund of 12 a year from week 20."""
    scenario = town_scenario(n=1, resources=12.0, at_week=30)
    scenario["funds"] = [{"scope": "town", "partner": "p05", "per_year": 12, "from_week": 20}]
    model, _ = run_model(penniless_town([]), scenario)
    assert {k: v for k, v in model.issues[0].pledges.items() if v} == {"fund:town:p05": 12.0}
    from sim.model import PartnershipModel

    model = PartnershipModel(structure_from_dict(penniless_town([])),
                             scenario_from_dict(scenario), rng=1)  # fmt: skip
    model.run_until(19)
    assert "town" not in model.funds
    model.run_until(21)
    assert [(f.partner, f.left) for f in model.funds["town"]] == [("p05", 12.0)]


def test_a_grant_shock_adds_money_to_this_years_fund():
    scenario = town_scenario(n=1, resources=10.0, at_week=5)
    scenario["shocks"] = [{"at_week": 1, "note": "flood grant",
                           "grant": {"scope": "town", "partner": "p01", "amount": 4}}]  # fmt: skip
    model, _ = run_model(penniless_town(), scenario)
    assert model.issues[0].pledges["fund:town:p01"] == pytest.approx(10.0)  # 6 + 4


def test_a_scenario_fund_names_known_scopes_and_partners():
    from sim.spec.scenario import check_scenario_against

    structure = structure_from_dict(penniless_town())
    bad = town_scenario(n=1)
    bad["funds"] = [{"scope": "town", "partner": "nobody", "per_year": 1}]
    with pytest.raises(SpecError) as err:
        check_scenario_against(scenario_from_dict(bad), structure)
    assert err.value.field == "funds[0].partner"
    bad["funds"] = []
    bad["shocks"] = [{"at_week": 1, "grant": {"scope": "moon", "partner": "p01", "amount": 1}}]
    with pytest.raises(SpecError) as err:
        check_scenario_against(scenario_from_dict(bad), structure)
    assert err.value.field == "shocks[0].grant.scope"
