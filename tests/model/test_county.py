"""The CO-* rules (docs/sources.md): the county bodies of the Gloucestershire Conference, acting."""

from __future__ import annotations

import pytest
from conftest import run_model, shipped
from test_five_element import scenario

THEMATIC = {
    "children": "cypsp",
    "safety": "safer_stronger",
    "economy": "gloucestershire_first",
    "health": "health_wellbeing",
    "environment": "environment_partnership",
}
LSPS = ["cheltenham", "cotswold", "forest_of_dean", "gloucester", "stroud", "tewkesbury"]


@pytest.mark.parametrize("structure", ["five_element", "pilot"])
def test_co_split_deliberation_decision_implementation(structure):
    """CO-SPLIT: at county level GSP deliberates, ABG decides, CSEB implements and monitors."""
    issue = {"id": "county-strategy", "at_week": 1, "scope": "county", "kind": "strategic",
             "theme": "general"}  # fmt: skip
    _, result = run_model(shipped(structure), scenario([issue]), seed=1)
    h = result.history.query("issue_id == 'county-strategy'")
    acts = dict(zip(h["action"], h["body"], strict=False))
    assert acts["deliberated"] == "gsp"
    assert acts["decided"] == "abg"
    assert acts["commissioned"] == "cseb"
    assert acts["evaluated"] == "gsp"


def test_co_gsp_partnership_of_partnerships():
    """CO-GSP: one member per district LSP, one per thematic partnership, the VCS Assembly
    Board, chaired by a leading county councillor."""
    spec = shipped("five_element")
    gsp = spec.body("gsp")
    roles = [s.role for s in gsp.members]
    assert len(gsp.members) == 1 + 6 + 5 + 1
    districts = {spec.partner(s.partner).district for s in gsp.members}
    assert set(LSPS) <= districts
    assert sum("Partnership" in r or "Gloucestershire First" in r for r in roles) >= 5
    chair = next(s for s in gsp.members if s.chair)
    assert chair.partner == "gloucestershire_county_council"
    assert "deliberation" in [f.value for f in gsp.functions]


@pytest.mark.parametrize("structure", ["five_element", "pilot"])
def test_co_abg_special_meeting_signs_off_urgent_action(structure):
    """CO-ABG: the ABG commits resources and may hold a special meeting: urgent action is
    signed off two weeks after it arises, not at the next regular meeting."""
    from sim.model import PartnershipModel
    from sim.spec.scenario import scenario_from_dict

    probe = PartnershipModel(shipped(structure), scenario_from_dict(scenario()), rng=1)
    first = probe.bodies["abg"].next_regular_meeting()
    arrives = first + 0.5
    urgent = {
        "id": "plan",
        "at_week": arrives,
        "scope": "county",
        "urgent": True,
        "requires": ["gloucestershire_county_council"],
        "pathway": [{"function": "decision", "special": True}, {"function": "delivery"}],
    }
    _, result = run_model(shipped(structure), scenario([urgent], weeks=40), seed=1)
    h = result.history.query("issue_id == 'plan' and action == 'decided'")
    assert h["body"].iloc[0] == "abg"
    assert h["time"].iloc[0] == pytest.approx(arrives + 2.0)  # special_meeting_notice_weeks
    abg = result.meetings[result.meetings["body"] == "abg"].set_index("time")
    assert abg.loc[h["time"].iloc[0], "kind"] == "special"
    assert abg["pledged"].sum() > 0


def test_co_cseb_substitutes_and_monitoring(smoke_run):
    """CO-CSEB: executive-director substitutes are accepted; CSEB monitors delivery by the
    thematic partnerships at every meeting and catches stalls."""
    caught = 0
    for seed in (1, 2, 3):
        _, result = smoke_run("five_element", seed)
        cseb = result.meetings[result.meetings["body"] == "cseb"]
        assert cseb["substitutes"].sum() > 0
        for heard in cseb["reports_heard"]:
            assert set(heard.split(";")) == set(THEMATIC.values())
        caught += cseb["stalls_caught"].sum()
    assert caught > 0


def test_co_thematic_partnerships_deliver_county_themes(smoke_run):
    """CO-THEMATIC: county work on a theme is delivered by that thematic partnership."""
    _, result = smoke_run("pilot", 2)
    h = result.history[result.history["action"] == "commissioned"]
    county = result.issues[result.issues["source"] == "county-routine"].set_index("issue_id")
    rows = h[h["issue_id"].isin(county.index)]
    assert len(rows) > 3
    for row in rows.itertuples():
        assert row.body == THEMATIC[county.loc[row.issue_id, "theme"]]


@pytest.mark.parametrize("structure", ["five_element", "pilot"])
def test_co_lsps_district_work_stays_with_the_district(structure, smoke_run):
    """CO-LSPS: six district LSPs; district issues are handled by their own LSP; Gloucester's
    LSP is the Gloucester structure itself."""
    model, result = smoke_run(structure, 1)
    assert set(LSPS) <= set(model.structure_spec.routing)
    assert "gloucester_lsp" not in model.bodies
    chelt = result.issues[result.issues["scope"] == "cheltenham"]["issue_id"]
    h = result.history[result.history["issue_id"].isin(chelt) & (result.history["body"] != "")]
    assert len(h) > 0 and set(h["body"]) == {"cheltenham_lsp"}


def test_co_ways_decide_without_everyone_present(smoke_run):
    """CO-WAYS: consensus without impeding progress: the ABG decides with whoever is
    present, by consensus or else a majority."""
    _, result = smoke_run("five_element", 1)
    abg = result.meetings[(result.meetings["body"] == "abg") & (result.meetings["decided"] > 0)]
    assert (abg["voting_present"] < abg["voting_seats"]).any()
    notes = result.history.query("body == 'abg' and action == 'decided'")["note"]
    assert notes.str.startswith(("by consensus", "vote")).all()
