"""The FE-* rules (docs/sources.md): the five-element structure (source document 000),
each rule acting in a run."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from conftest import run_model, shipped, town, town_scenario

PAGS = [
    "healthy_city_partnership",
    "crime_and_disorder_reduction_partnership",
    "children_and_young_people_action_group",
    "stronger_communities_pag",
    "westgate_pag",
    "economic_development_pag",
    "natural_and_built_environment_pag",
]


def gloucester_bodies(model) -> set[str]:
    return {b.id for b in model.bodies.values() if b.scope == "gloucester"}


def actors(result, model, action: str) -> set[str]:
    h = result.history
    h = h[(h["action"] == action) & h["body"].isin(gloucester_bodies(model))]
    return set(h["body"])


def scenario(issues=(), streams=(), weeks=104, **params) -> dict:
    return {
        "name": "t",
        "duration_weeks": weeks,
        "parameters": params,
        "issues": list(issues),
        "streams": list(streams),
    }


def test_fe_roles_each_element_performs_its_one_role(smoke_run):
    """FE-ROLES: Conference deliberates, Executive decides, PAGs deliver, the Proofing and
    Reference Group evaluates, the Executive Support Group supports."""
    spec = shipped("five_element")
    roles = {
        "conference": ["deliberation"],
        "executive": ["decision"],
        "proofing_reference_group": ["evaluation"],
        "executive_support_group": ["support"],
        **{pag: ["delivery"] for pag in PAGS},
    }
    for body, functions in roles.items():
        assert [f.value for f in spec.body(body).functions] == functions
    model, result = smoke_run("five_element", 1)
    assert actors(result, model, "decided") == {"executive"}
    assert actors(result, model, "evaluated") == {"proofing_reference_group"}
    assert actors(result, model, "deliberated") == {"conference"}
    assert actors(result, model, "prepared") == {"executive_support_group"}
    assert actors(result, model, "commissioned") <= {*PAGS, "executive_support_group"}


def test_fe_accountable_city_council_holds_the_partnership_fund(smoke_run):
    """FE-ACCOUNTABLE: Gloucester City Council, the accountable body, holds the fund the
    Executive draws on when partners' pledges fall short."""
    spec = shipped("five_element")
    assert [(f.scope, f.partner) for f in spec.funds] == [("gloucester", "gloucester_city_council")]
    model, _ = smoke_run("five_element", 1)
    assert any("fund:gloucester:gloucester_city_council" in issue.pledges for issue in model.issues)
    no_fund = spec.model_copy(update={"funds": []})
    from conftest import smoke

    bare, _ = run_model(no_fund, smoke(), seed=1)
    assert not any("fund:gloucester" in issue.pledges for issue in bare.issues)


def test_fe_conf_cadence_conference_meets_twice_a_year(smoke_run):
    """FE-CONF-CADENCE: the Conference meets once or twice a year, open, chaired from the
    Executive (the City Council's Leader)."""
    _, result = smoke_run("five_element", 1)
    conf = result.meetings[result.meetings["body"] == "conference"]
    assert len(conf) == 4  # 104 weeks
    assert np.allclose(np.diff(conf["time"]), 26.0)
    assert conf["open_meeting"].all()
    chair = [s for s in shipped("five_element").body("conference").members if s.chair]
    assert [s.partner for s in chair] == ["gloucester_city_council"]


def test_fe_conf_powers_conference_hears_the_executive_and_every_pag(smoke_run):
    """FE-CONF-POWERS: the Conference receives reports from the Executive and all PAGs."""
    _, result = smoke_run("five_element", 1)
    conf = result.meetings[result.meetings["body"] == "conference"]
    bodies = result.bodies.set_index("body")
    for row in conf.itertuples():
        active = {
            pag
            for pag in PAGS
            if not bodies.loc[pag, "activated_at"] > row.time
            and not bodies.loc[pag, "stood_down_at"] <= row.time
        }
        assert set(row.reports_heard.split(";")) == {"executive", *active}


def test_fe_proof_proofing_group_evaluates_on_inputs(smoke_run):
    """FE-PROOF: the VCS Forum, as Proofing and Reference Group, evaluates the work."""
    spec = shipped("five_element").body("proofing_reference_group")
    assert {s.partner for s in spec.members} <= {"gloucester_vcs_forum", "community_counts"}
    _model, result = smoke_run("five_element", 1)
    h = result.history
    evaluated = h[(h["action"] == "evaluated") & (h["body"] == "proofing_reference_group")]
    assert len(evaluated) > 0
    assert set(result.issues[result.issues["scope"] == "gloucester"].query("stage == 'closed'")[
        "issue_id"]) == set(evaluated["issue_id"])  # fmt: skip


def test_fe_exec_members_fifteen_voting_places_and_pag_representatives():
    """FE-EXEC-MEMBERS: 15 voting places by sector, one non-voting place per PAG."""
    spec = shipped("five_element")
    exe = spec.body("executive")
    voting = [s for s in exe.members if s.voting]
    sectors = Counter(spec.partner(s.partner).sector for s in voting)
    assert sectors == {
        "public": 4, "business": 1, "regeneration": 1, "voluntary": 2, "post16": 2,
        "health": 1, "housing": 1, "police": 2, "neighbourhood": 1,
    }  # fmt: skip
    assert sum(not s.voting for s in exe.members) == len(PAGS)


def test_fe_exec_decide_votes_count_eligible_voting_members_present():
    """FE-EXEC-DECIDE: failing consensus, a simple majority of the eligible voting members
    present decides; the vote's size matches the meeting's voting attendance."""
    from conftest import smoke

    _model, result = run_model(
        shipped("five_element"), smoke(), seed=2, parameters={"consensus_probability": 0.0}
    )
    h = result.history
    votes = h[(h["body"] == "executive") & h["action"].isin(["decided", "rejected"])]
    meetings = result.meetings[result.meetings["body"] == "executive"].set_index("time")
    assert len(votes) > 0
    for row in votes.itertuples():
        yes, of = (int(x) for x in row.note.split(";")[0].removeprefix("vote ").split(" of "))
        assert of == meetings.loc[row.time, "voting_present"]
        assert (2 * yes > of) == (row.action == "decided")


def test_fe_exec_decide_mandate_needed_to_commit_resources():
    """FE-EXEC-DECIDE: members need a mandate from their own organisation to commit it."""
    _, result = run_model(town(mandate=0.0), town_scenario(n=2))
    assert (result.meetings.query("body == 'board'")["with_mandate"] == 0).all()
    assert result.issues["pledged"].sum() == 0.0


def test_fe_exec_quorum_inquorate_executive_decides_nothing():
    """FE-EXEC-QUORUM: below 5 of 15 voting members the Executive cannot decide."""
    from conftest import smoke

    frames = []
    for seed in (1, 2, 3, 4):
        _, result = run_model(
            shipped("five_element"), smoke(), seed=seed, parameters={"attendance_base": 0.45}
        )
        frames.append(result.meetings[result.meetings["body"] == "executive"])
    exe = pd.concat(frames)
    assert (~exe["quorate"]).any() and exe["quorate"].any()
    assert (exe[exe["voting_present"] < 5]["decided"] == 0).all()
    assert not exe[exe["voting_present"] < 5]["quorate"].any()
    assert exe[exe["voting_present"] >= 5]["quorate"].all()


def test_fe_exec_cadence_executive_meets_every_three_months(smoke_run):
    """FE-EXEC-CADENCE: at least once every three months (13 weeks), led by the Leader."""
    _, result = smoke_run("five_element", 1)
    exe = result.meetings[result.meetings["body"] == "executive"]
    assert np.allclose(np.diff(exe["time"]), 13.0)
    assert set(exe["kind"]) == {"regular"}
    chair = [s for s in shipped("five_element").body("executive").members if s.chair]
    assert chair[0].partner == "gloucester_city_council" and "Leader" in chair[0].role


def test_fe_exec_duties_commissions_pags_and_meets_in_the_open(smoke_run):
    """FE-EXEC-DUTIES: the Executive commissions PAGs (delegating detailed work), and meets
    as an open meeting."""
    model, result = smoke_run("five_element", 1)
    h = result.history
    commissioned_to = set(h[(h["body"] == "executive") & (h["action"] == "decided")]["to_body"])
    gloucester = gloucester_bodies(model)
    assert commissioned_to & gloucester <= {*PAGS, "executive_support_group"}
    assert len(commissioned_to & set(PAGS)) >= 4
    assert result.meetings.query("body == 'executive'")["open_meeting"].all()


def test_fe_pag_report_two_pags_per_meeting_in_rotation():
    """FE-PAG-REPORT: the Executive hears two PAGs per meeting, in rotation."""
    from conftest import smoke

    sc = smoke().model_copy(update={"duration_weeks": 156.0})
    keep = {"idle_weeks_before_review": 1000.0}  # no PAG stood down here
    _, result = run_model(shipped("five_element"), sc, seed=1, parameters=keep)
    exe = result.meetings[result.meetings["body"] == "executive"]
    heard = [r.split(";") for r in exe["reports_heard"]]
    assert all(len(pair) == 2 and pair[0] != pair[1] for pair in heard)
    late = [pair for t, pair in zip(exe["time"], heard, strict=True) if t > 39]
    for k in range(len(late) - 3):  # all seven active: four meetings cover every PAG
        assert {p for pair in late[k : k + 4] for p in pair} == set(PAGS)


def test_fe_pag_report_verbal_reports_out_of_rotation():
    """FE-PAG-REPORT: a PAG representative may raise a stall verbally at any meeting."""
    structure = town(mandate=0.0, board={"hears_reports": {"from": ["team", "team2"],
                                                           "per_meeting": 1}})  # fmt: skip
    team2 = {**structure["bodies"][2], "id": "team2", "first_meeting_week": 3}
    structure["bodies"].append(team2)
    structure["routing"]["town"].insert(2, {"function": "delivery", "theme": "b", "body": "team2"})
    sc = town_scenario(n=2, weeks=100, requires=["p00"])
    sc["issues"][1]["theme"] = "b"
    params = {"pledge_response_weeks": 500.0, "max_rejections": 5}
    _, quiet = run_model(structure, sc, parameters={**params, "verbal_report_probability": 0})
    _, vocal = run_model(structure, sc, parameters={**params, "verbal_report_probability": 1})
    rotation = quiet.meetings.query("body == 'board'")["reports_heard"].tolist()
    assert rotation[:4] == ["team", "team2", "team", "team2"]
    assert vocal.issues["stalls_caught"].sum() > quiet.issues["stalls_caught"].sum()


def test_fe_pag_life_idle_pag_stood_down_and_limited_support():
    """FE-PAG-LIFE: a PAG exists while the Executive judges it necessary; one without a
    partner's admin support gets only limited help (a smaller agenda)."""
    stream = {"name": "safety", "per_year": 8, "themes": ["safety"]}
    late_health = {"id": "late-health", "at_week": 100, "theme": "health"}
    model, result = run_model(
        shipped("five_element"), scenario([late_health], [stream], weeks=150), seed=1
    )
    bodies = result.bodies.set_index("body")
    stood = bodies.loc["healthy_city_partnership", "stood_down_at"]
    assert 52 <= stood <= 52 + 13
    assert np.isnan(bodies.loc["crime_and_disorder_reduction_partnership", "stood_down_at"])
    h = result.history.query("issue_id == 'late-health' and action == 'decided'")
    if len(h):
        assert h["to_body"].iloc[0] == "executive_support_group"
    assert model.bodies["economic_development_pag"].agenda_capacity == 2
    assert model.bodies["westgate_pag"].agenda_capacity == 4


def test_fe_pag_list_seven_pags_two_in_development():
    """FE-PAG-LIST: five PAGs functioning, two still in development; economy work goes to
    the Executive Support Group until the Economic Development PAG is up."""
    early = {"id": "early-economy", "at_week": 1, "theme": "economy"}
    later = {"id": "later-economy", "at_week": 30, "theme": "economy"}
    _model, result = run_model(shipped("five_element"), scenario([early, later]), seed=1)
    bodies = result.bodies.set_index("body")
    assert bodies.loc["economic_development_pag", "activated_at"] == 26.0
    assert bodies.loc["natural_and_built_environment_pag", "activated_at"] == 39.0
    assert np.isnan(bodies.loc["westgate_pag", "activated_at"])  # active from the start
    h = result.history.query("action == 'commissioned'").set_index("issue_id")
    assert h.loc["early-economy", "body"] == "executive_support_group"
    assert h.loc["later-economy", "body"] == "economic_development_pag"


def test_fe_support_group_prepares_proposals_six_times_a_year(smoke_run):
    """FE-SUPPORT: the Executive Support Group meets at least six times a year and develops
    proposals for the Executive between its meetings."""
    _, result = smoke_run("five_element", 1)
    esg = result.meetings[result.meetings["body"] == "executive_support_group"]
    assert len(esg) >= 12 and np.allclose(np.diff(esg["time"]), 8.0)
    h = result.history
    prepared = h[(h["body"] == "executive_support_group") & (h["action"] == "prepared")]
    assert len(prepared) > 0 and set(prepared["to_body"]) == {"executive"}
    assert shipped("five_element").body("executive_support_group").reports_to == "executive"


def county_decision_issue(theme: str = "children") -> dict:
    return {
        "id": "needs-abg",
        "at_week": 1,
        "theme": theme,
        "pathway": [
            {"function": "deliberation"},
            {"function": "decision", "at": "county"},
            {"function": "delivery"},
            {"function": "evaluation"},
        ],
    }


def test_fe_county_links_route_gloucester_business_to_the_county():
    """FE-COUNTY-LINKS: Gloucester reaches the ABG through the Executive (the Leader's
    seat); the pilot's Executive has no county link and goes through its Strategic Group."""
    five = shipped("five_element")
    links = {(k.from_body, k.to) for k in five.links}
    assert {("economic_development_pag", "gloucestershire_first"), ("executive", "abg"),
            ("children_and_young_people_action_group", "cypsp")} <= links  # fmt: skip
    _, fe = run_model(five, scenario([county_decision_issue()]), seed=1)
    _, pi = run_model(shipped("pilot"), scenario([county_decision_issue()]), seed=1)
    for result, via in ((fe, "executive"), (pi, "strategic_group")):
        h = result.history.query("issue_id == 'needs-abg'")
        referred = h[h["action"] == "referred"]
        assert referred["body"].tolist()[:1] == [via]
        assert referred["to_body"].tolist()[:1] == ["abg"]
        assert "abg" in set(h.query("action == 'decided'")["body"])


def test_fe_county_links_linked_pag_hands_over_directly():
    """FE-COUNTY-LINKS: a PAG with a county link hands work to the county directly; one
    without climbs to the Executive first."""

    def evaluated_at_county(theme: str, at_week: float) -> dict:
        return {
            "id": f"{theme}-to-county",
            "at_week": at_week,
            "theme": theme,
            "pathway": [
                {"function": "decision"},
                {"function": "delivery"},
                {"function": "evaluation", "at": "county"},
            ],
        }

    issues = [evaluated_at_county("economy", 30), evaluated_at_county("housing", 30)]
    _, result = run_model(shipped("five_element"), scenario(issues), seed=1)
    h = result.history
    econ = h.query("issue_id == 'economy-to-county'")
    house = h.query("issue_id == 'housing-to-county'")
    assert "referred" not in set(econ["action"])
    delivered = econ.query("action == 'delivered'")
    assert set(delivered["to_body"]) == {"cseb"}
    assert set(house.query("action == 'delivered'")["to_body"]) == {"executive"}
    assert set(house.query("action == 'referred'")["to_body"]) == {"cseb"}
