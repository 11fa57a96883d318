"""The PI-* rules (docs/sources.md): the strategic / executive / operational pilot, each rule
acting."""

from __future__ import annotations

import numpy as np
from conftest import run_model, shipped, smoke, town, town_scenario

from sim.model import rules

GROUPS = [
    "children_young_people_group",
    "health_group",
    "community_safety_group",
    "stronger_communities_group",
    "economy_group",
    "environment_group",
    "housing_regeneration_group",
]


def test_pi_tiers_strategic_executive_operational(smoke_run):
    """PI-TIERS: the Strategic Group deliberates strategy, the Executive decides and
    commissions, an operational group delivers."""
    _, result = smoke_run("pilot", 1)
    h = result.history.query("issue_id == 'city-regeneration-plan'")
    by_action = dict(zip(h["action"], h["body"], strict=False))
    assert by_action["deliberated"] == "strategic_group"
    assert by_action["decided"] == "executive"
    assert by_action["commissioned"] == "housing_regeneration_group"
    functions = {b: [f.value for f in shipped("pilot").body(b).functions] for b in GROUPS}
    assert set(map(tuple, functions.values())) == {("delivery",)}


def test_pi_strat_cadence_twice_a_year_top_decision_makers(smoke_run):
    """PI-STRAT-CADENCE: the Strategic Group meets twice a year; its members are top
    decision-makers who carry their organisations' mandate."""
    _, result = smoke_run("pilot", 1)
    sg = result.meetings[result.meetings["body"] == "strategic_group"]
    assert len(sg) == 4 and np.allclose(np.diff(sg["time"]), 26.0)
    assert all(s.mandate == 1.0 for s in shipped("pilot").body("strategic_group").members)
    assert (sg["with_mandate"] >= sg["in_person"]).all()  # everyone there in person can commit


def test_pi_strat_duties_scrutiny_and_county_link(smoke_run):
    """PI-STRAT-DUTIES: the Strategic Group evaluates strategic work, monitors the
    Executive, and links to the Gloucestershire Conference."""
    _, result = smoke_run("pilot", 1)
    h = result.history.query("issue_id == 'city-regeneration-plan' and action == 'evaluated'")
    assert h["body"].tolist() == ["strategic_group"]
    sg = result.meetings[result.meetings["body"] == "strategic_group"]
    assert (sg["reports_heard"] == "executive").all()
    assert ("strategic_group", "gsp") in {(k.from_body, k.to) for k in shipped("pilot").links}


def test_pi_exec_cadence_quarterly_unless_urgently_needed(smoke_run):
    """PI-EXEC-CADENCE: the pilot Executive meets quarterly but may be called early for
    urgent business; the five-element Executive cannot."""
    _, pilot = smoke_run("pilot", 1)
    exe = pilot.meetings[pilot.meetings["body"] == "executive"]
    regular = exe[exe["kind"] == "regular"]
    assert np.allclose(np.diff(regular["time"]), 13.0)
    assert (exe["kind"] == "special").sum() >= 1
    _, five = smoke_run("five_element", 1)
    assert set(five.meetings.query("body == 'executive'")["kind"]) == {"regular"}


def test_pi_exec_duties_reports_up_commissions_down(smoke_run):
    """PI-EXEC-DUTIES: the Executive reports to the Strategic Group, commissions the thematic
    groups and monitors them all at every meeting."""
    model, result = smoke_run("pilot", 1)
    assert shipped("pilot").body("executive").reports_to == "strategic_group"
    h = result.history
    to = set(h[(h["body"] == "executive") & (h["action"] == "decided")]["to_body"])
    gloucester = {b for b, body in model.bodies.items() if body.scope == "gloucester"}
    assert to & gloucester <= set(GROUPS) and len(to & set(GROUPS)) >= 4
    for heard in result.meetings.query("body == 'executive'")["reports_heard"]:
        assert set(heard.split(";")) <= set(GROUPS) and len(heard.split(";")) >= 5


def test_pi_ops_cadence_operational_groups_meet_on_demand(smoke_run):
    """PI-OPS-CADENCE: operational groups meet as required: a week after work arrives,
    and not at all without work."""
    model, result = smoke_run("pilot", 1)
    ops = result.meetings[result.meetings["body"].isin(GROUPS)]
    assert len(ops) > 0 and set(ops["kind"]) == {"on_demand"}
    h = result.history
    for row in ops.itertuples():
        arrivals = h[(h["to_body"] == row.body) & (h["time"] <= row.time) & (h["body"] != row.body)]
        assert (np.isclose(row.time - arrivals["time"], 1.0)).any()
    assert all(model.bodies[g].spec.cadence_weeks is None for g in GROUPS)


def test_pi_theme_rep_thematic_chairs_sit_on_the_executive():
    """PI-THEME-REP: the chair of each thematic group is represented on the Executive."""
    pilot = shipped("pilot")
    exec_partners = [s.partner for s in pilot.body("executive").members]
    for group in GROUPS:
        chair = next(s.partner for s in pilot.body(group).members if s.chair)
        assert chair in exec_partners
    roles = [s.role for s in pilot.body("executive").members]
    assert sum(r.startswith("chair,") for r in roles) == len(GROUPS)


def test_pi_attend_three_absences_and_a_new_member_is_asked_for():
    """PI-ATTEND: an organisation absent from three meetings is asked for a new member."""
    structure = town(committed=14, board={"replace_after_absences": 3})
    model, result = run_model(structure, town_scenario(n=1, weeks=13 * 9))
    board = result.meetings[result.meetings["body"] == "board"]
    assert board["replacements"].tolist() == [0, 0, 1, 0, 0, 1, 0, 0, 1]
    absent_seat = model.bodies["board"].seats[14]
    assert absent_seat.representative == 4
    _no_rule, r2 = run_model(town(committed=14), town_scenario(n=1, weeks=13 * 9))
    assert r2.meetings["replacements"].sum() == 0


def test_pi_attend_replacement_restores_commitment():
    """PI-ATTEND: the new representative starts with the organisation's commitment."""
    structure = town(board={"replace_after_absences": 3})
    params = {"attendance_base": 0.0}
    model, _ = run_model(structure, town_scenario(n=1, weeks=13 * 3), parameters=params)
    seat = model.bodies["board"].seats[0]
    assert seat.representative == 2 and seat.commitment == 1.0


def test_pi_substitute_absent_members_send_substitutes():
    """PI-SUBSTITUTE: an absent member sends a well-briefed substitute; the meeting is
    quorate where it would not otherwise be."""
    params = {"substitute_probability": 1.0}
    _, without = run_model(town(committed=3), town_scenario(n=1), parameters=params)
    _, subs = run_model(
        town(committed=3, board={"substitutes": True}), town_scenario(n=1), parameters=params
    )
    board = subs.meetings[subs.meetings["body"] == "board"]
    assert (board["substitutes"] == 12).all() and board["quorate"].all()
    assert not without.meetings.query("body == 'board'")["quorate"].any()
    assert subs.issues["decided_at"].notna().all()


def test_pi_agenda_discussion_then_decision_in_one_meeting(smoke_run):
    """PI-AGENDA: the pilot Executive discusses and then decides an item at one meeting;
    the programme team puts urgent and focus items first."""
    _, result = smoke_run("pilot", 1)
    h = result.history[result.history["body"] == "executive"]
    both = h.groupby("issue_id").filter(
        lambda g: (
            {"deliberated", "decided"} <= set(g["action"])
            and g.query("action == 'deliberated'")["time"].iloc[0]
            == g.query("action == 'decided'")["time"].iloc[0]
        )
    )
    assert both["issue_id"].nunique() >= 3
    model, _ = smoke_run("pilot", 1)
    policy = model.bodies["executive"].spec.agenda_policy
    plain = [i for i in model.issues if i.scope == "gloucester" and not i.urgent]
    off = next(i for i in plain if i.kind == "operational" and i.theme == "housing")
    on = next(i for i in plain if i.kind == "operational" and i.theme == "children")
    assert rules.agenda(policy, [off, on], model.structure_spec.focus) == [on, off]


def test_pi_focus_off_focus_work_is_referred_out():
    """PI-FOCUS: with a narrowed focus, operational work outside it is referred out;
    strategic issues and focus themes are not."""
    params = {"off_focus_referral_probability": 1.0}
    _model, result = run_model(shipped("pilot"), smoke(), seed=1, parameters=params)
    assert shipped("pilot").focus["gloucester"] == ["children", "health", "cohesion"]
    out = result.history[result.history["action"] == "referred out"]
    issues = result.issues.set_index("issue_id").loc[out["issue_id"]]
    assert len(out) > 0
    assert set(issues["theme"]).isdisjoint({"children", "health", "cohesion"})
    assert set(issues["kind"]) == {"operational"} and set(issues["scope"]) == {"gloucester"}
    _, five = run_model(shipped("five_element"), smoke(), seed=1, parameters=params)
    assert "referred out" not in set(five.history["action"])


def test_pi_perf_traffic_lights_report_inputs_not_outcomes():
    """PI-PERF: evaluation on traffic-light inputs reports work green that missed its outcome;
    the pilot's evaluation on outcomes sends such work back."""
    params = {"outcome_probability": 0.5}
    _, five = run_model(shipped("five_element"), smoke(), seed=4, parameters=params)
    _, pilot = run_model(shipped("pilot"), smoke(), seed=4, parameters=params)
    prg = five.history.query("body == 'proofing_reference_group' and action == 'evaluated'")
    closed = five.issues.set_index("issue_id").loc[prg["issue_id"].unique()]
    assert (closed["reported_met"] & ~closed["outcome_achieved"]).any()
    h = pilot.history
    by_pilot = h[(h["body"].isin(["executive", "strategic_group"])) & (h["action"] == "evaluated")]
    judged = pilot.issues.set_index("issue_id").loc[by_pilot["issue_id"].unique()]
    assert (judged["reported_met"] == judged["outcome_achieved"]).all()
    assert "outcome not achieved" in set(h[h["action"] == "sent back"]["note"])


def test_pi_county_scs_one_county_strategy_with_district_chapters():
    """PI-COUNTY-SCS: one county strategy with a chapter per district: every district's
    strategic debate happens once, at the GSP, and the county organisations no longer sit on
    each district's body (less duplication)."""
    from test_scenarios import scenario as shipped_scenario

    county_wide = {"gloucestershire_county_council", "primary_care_trust",
                   "gloucestershire_constabulary"}  # fmt: skip
    others = ["cheltenham", "cotswold", "forest_of_dean", "stroud", "tewkesbury"]
    results = {}
    for name in ("pilot", "county_scs_chapters"):
        model, result = run_model(shipped(name), shipped_scenario("environment_strategy"), seed=2)
        results[name] = (model, result)
    model, chapters = results["county_scs_chapters"]
    _, pilot = results["pilot"]

    def first_bodies(result):
        strands = result.issues[result.issues["parent"] == "climate-threats"].set_index("scope")
        return strands.loc[[*others, "gloucester"], "first_body"]

    assert set(first_bodies(chapters)) == {"gsp"}
    assert set(first_bodies(pilot)) == {f"{d}_lsp" for d in others} | {"strategic_group"}
    duplicated = sum(
        s.partner.id in county_wide
        for b in model.bodies.values() if b.scope in others for s in b.seats
    )  # fmt: skip
    assert duplicated == 0
    pilot_model = results["pilot"][0]
    assert sum(s.partner.id in county_wide for b in pilot_model.bodies.values()
               if b.scope in others for s in b.seats) == 15  # fmt: skip

    def district_hours(result):
        m = result.meetings
        return m[m["scope"].isin(others)]["member_hours"].sum()

    assert district_hours(chapters) < 0.7 * district_hours(pilot)
