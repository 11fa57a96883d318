"""The structural alternatives (scenarios/robustness/alternatives.yaml) against the rules they
read: switching each on changes the built structure, scenario or parameters as its other
reading says, and nothing else (issue 20, item 5); each says both readings as clauses that
complete "... if ..." (issue 20, item 3)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sim.model import PartnershipModel, collect
from sim.spec import load_scenario, load_structure
from sim.spec.alternatives import Alternative, apply, load_alternatives
from sim.spec.loading import SCENARIO_DIR
from sim.spec.scenario import ScenarioSpec, scenario_from_dict
from sim.spec.structure import StructureSpec

ALTERNATIVES = load_alternatives().by_id()
SHIPPED = ["five_element", "pilot", "county_scs_chapters", "county"]
DISTRICTS = ["cheltenham", "cotswold", "forest_of_dean", "gloucester", "stroud", "tewkesbury"]


def scenario(name: str = "employer_closure"):
    return load_scenario(SCENARIO_DIR / f"{name}.yaml")


def switched(alternative: str, structure: str, scenario_name: str = "employer_closure"):
    """The structure, scenario and parameters with one alternative on, and the shipped ones."""
    base, plain = load_structure(structure), scenario(scenario_name)
    changed, changed_scenario, parameters = apply([ALTERNATIVES[alternative]], base, plain)
    return changed, changed_scenario, parameters, base, plain


def changed_fields(before: StructureSpec, after: StructureSpec) -> dict[str, set[str]]:
    """Per body whose spec differs, the fields that differ."""
    out = {}
    for old, new in zip(before.bodies, after.bodies, strict=True):
        a, b = old.model_dump(), new.model_dump()
        fields = {k for k in a if a[k] != b[k]}
        if fields:
            out[old.id] = fields
    return out


def first_rule(spec: StructureSpec, scope: str, function: str, kind: str, urgent: bool) -> str:
    """The body the scope's routing gives an issue of this kind and urgency (first match)."""
    for rule in spec.routing[scope]:
        if (rule.function == function and rule.kind in (None, kind) and rule.theme is None
                and rule.urgent in (None, urgent)):  # fmt: skip
            return rule.body
    raise AssertionError(f"no rule for {function} in {scope}")


def run(structure: StructureSpec, scenario_spec, parameters: dict, weeks: float, seed: int = 1):
    model = PartnershipModel(structure, scenario_spec, rng=seed, parameters=parameters)
    model.run_until(weeks)
    return collect(model).tables()


# -- each alternative acting ----------------------------------------------------------------
def urgent_decisions() -> ScenarioSpec:
    """Two urgent Gloucester decisions six and a half weeks apart: at least one of them
    arrives more than the special-meeting notice before the next quarterly meeting."""
    issue = {"scope": "gloucester", "theme": "health", "urgent": True, "resources": 2,
             "effort_weeks": 13, "pathway": [{"function": "decision"}]}  # fmt: skip
    return scenario_from_dict(
        {
            "name": "urgent-decisions",
            "duration_weeks": 20,
            "issues": [
                {**issue, "id": "first", "at_week": 1},
                {**issue, "id": "second", "at_week": 7.5},
            ],
        }
    )


def executive_meetings(structure: StructureSpec, seed: int) -> set[str]:
    """The kinds of meeting the Executive holds on the two urgent decisions."""
    meetings = run(structure, urgent_decisions(), {}, 20, seed)["meetings"]
    return set(meetings.loc[meetings["body"] == "executive", "kind"])


def test_fe_exec_cadence_alternative_lets_the_executive_be_called_early():
    """FE-EXEC-CADENCE, "at least once every three months": under the other reading the
    five-element Executive may hold a special meeting for urgent business, and nothing else
    changes; in the shipped reading it never holds one."""
    changed, _, parameters, base, _ = switched("fe_executive_called_early", "five_element")
    assert not base.body("executive").special_meetings
    assert changed.body("executive").special_meetings
    assert changed_fields(base, changed) == {"executive": {"special_meetings"}}
    assert changed.routing == base.routing and not parameters
    for seed in (1, 2, 3):
        assert "special" in executive_meetings(changed, seed)
        assert "special" not in executive_meetings(base, seed)
    assert not ALTERNATIVES["fe_executive_called_early"].applies_to(load_structure("pilot"))


def test_fe_support_alternative_starts_urgent_strategy_at_a_support_group_that_may_meet():
    """FE-SUPPORT: the Executive Support Group "will develop proposals ... between meetings"
    and meets "as and when partners determine": under the other reading urgent strategic
    business starts there and the group may call a special meeting for it (the issue's
    finding: it could not); non-urgent strategic business still goes to the Conference."""
    changed, _, parameters, base, plain = switched("fe_urgent_strategy_via_support_group",
                                                   "five_element")  # fmt: skip
    args = ("gloucester", "deliberation", "strategic")
    assert first_rule(base, *args, urgent=True) == "conference"
    assert first_rule(changed, *args, urgent=True) == "executive_support_group"
    assert first_rule(changed, *args, urgent=False) == "conference"
    assert first_rule(changed, "gloucester", "deliberation", "operational", True) == (
        first_rule(base, "gloucester", "deliberation", "operational", True))  # fmt: skip
    assert changed.body("executive_support_group").special_meetings
    assert changed_fields(base, changed) == {"executive_support_group": {"special_meetings"}}
    assert not parameters
    # Employco (urgent, strategic) arrives in week 6: in the shipped reading Gloucester's
    # part waits for the Conference; switched on, the group meets specially two weeks later
    tables = run(changed, plain, parameters, 40)
    meetings, history = tables["meetings"], tables["history"]
    support = meetings[meetings["body"] == "executive_support_group"]
    assert 8.0 in set(support.loc[support["kind"] == "special", "time"])
    strand = history[history["issue_id"] == "employco-closure/gloucester"]
    assert strand[strand["action"] != "raised"].iloc[0][["time", "body", "action"]].tolist() == [
        8.0, "executive_support_group", "prepared"]  # fmt: skip
    shipped = run(base, plain, {}, 40)["history"]
    shipped = shipped[(shipped["issue_id"] == "employco-closure/gloucester")
                      & (shipped["action"] != "raised")]  # fmt: skip
    assert shipped.iloc[0]["body"] == "conference" and shipped.iloc[0]["time"] > 20


def test_pi_focus_alternative_refers_nothing_out_and_keeps_focus_first():
    """PI-FOCUS: the other reading puts off-focus work last without referring any out: the
    referral probability is 0, and the programme team's agenda (PI-AGENDA) is unchanged."""
    changed, _, parameters, base, _ = switched("pi_focus_deprioritised", "pilot")
    assert parameters == {"off_focus_referral_probability": 0.0}
    assert changed_fields(base, changed) == {} and changed.routing == base.routing
    assert changed.body("executive").agenda_policy == "focus_first"


@pytest.mark.parametrize("structure", ["pilot", "county_scs_chapters"])
def test_pi_perf_alternative_every_gloucester_evaluator_judges_on_inputs(structure):
    """PI-PERF: under the other reading the pilot still judges on input-driven traffic
    lights, in the pilot and in the county-chapters option built on it (which the alternative
    used to leave out): every body the Gloucester routing asks to evaluate judges on inputs."""
    changed, _, _, base, _ = switched("pi_judged_on_inputs", structure)
    evaluators = {r.body for r in changed.routing["gloucester"] if r.function == "evaluation"}
    assert evaluators == {"strategic_group", "executive"}
    for body in evaluators:
        assert base.body(body).evaluation_basis == "outcomes"
        assert changed.body(body).evaluation_basis == "inputs"
    assert changed_fields(base, changed) == {b: {"evaluation_basis"} for b in evaluators}


def test_fe_proof_alternative_the_only_five_element_evaluator_judges_on_outcomes():
    """FE-PROOF: proofing against sustainability, equalities, cohesion and engagement judges
    what the work achieved; the Proofing and Reference Group is the only body the Gloucester
    routing asks to evaluate."""
    changed, _, _, base, _ = switched("fe_proofing_on_outcomes", "five_element")
    evaluators = {r.body for r in changed.routing["gloucester"] if r.function == "evaluation"}
    assert evaluators == {"proofing_reference_group"}
    assert base.body("proofing_reference_group").evaluation_basis == "inputs"
    assert changed.body("proofing_reference_group").evaluation_basis == "outcomes"
    assert changed_fields(base, changed) == {"proofing_reference_group": {"evaluation_basis"}}


@pytest.mark.parametrize("structure", ["five_element", "pilot", "county_scs_chapters"])
def test_fe_exec_decide_alternative_majority_of_all_the_executives_voting_members(structure):
    """FE-EXEC-DECIDE, "a simple majority vote of eligible voting members": the other reading
    counts every voting member of the Executive, present or not (the pilot's Executive decides
    by the same rule)."""
    changed, _, _, base, _ = switched("majority_of_members", structure)
    assert base.body("executive").majority_of == "present"
    assert changed.body("executive").majority_of == "members"
    assert changed_fields(base, changed) == {"executive": {"majority_of"}}


@pytest.mark.parametrize("structure", ["pilot", "county_scs_chapters"])
def test_pi_theme_rep_alternative_thematic_chairs_sit_without_a_vote(structure):
    """PI-THEME-REP, "should be represented at the Executive board": the seven thematic
    chairs keep their seats without a vote; the other eleven members still vote."""
    changed, _, _, base, _ = switched("pi_theme_chairs_not_voting", structure)
    before, after = base.body("executive").members, changed.body("executive").members
    chairs = [s for s in after if s.role.startswith("chair, ")]
    assert len(chairs) == 7 and not any(s.voting for s in chairs)
    assert all(s.voting for s in before)
    assert sum(s.voting for s in after) == 11 and len(after) == len(before)
    assert changed_fields(base, changed) == {"executive": {"members"}}


@pytest.mark.parametrize("structure", SHIPPED)
def test_co_abg_alternative_no_county_body_may_hold_a_special_meeting(structure):
    """CO-ABG: the Prospectus's description gives the ABG no special meetings; under the
    other reading no county body may call one."""
    changed, _, _, base, _ = switched("co_abg_no_special_meetings", structure)
    assert base.body("abg").special_meetings and not changed.body("abg").special_meetings
    assert not any(b.special_meetings for b in changed.bodies if b.scope == "county")
    assert changed_fields(base, changed) == {"abg": {"special_meetings"}}


def test_co_abg_alternative_the_employco_plan_waits_for_a_regular_abg():
    """CO-ABG, acting: the Employco action plan is signed off at a special ABG meeting in the
    shipped reading, and at a regular one under the other."""
    changed, _, _, base, plain = switched("co_abg_no_special_meetings", "pilot")
    for spec, kind in ((base, "special"), (changed, "regular")):
        tables = run(spec, plain, {}, 60)
        history, meetings = tables["history"], tables["meetings"]
        decided = history[(history["issue_id"] == "employco-closure")
                          & (history["action"] == "decided")]  # fmt: skip
        assert decided.iloc[0]["body"] == "abg"
        at = meetings[(meetings["body"] == "abg") & (meetings["time"] == decided.iloc[0]["time"])]
        assert at["kind"].tolist() == [kind]


def test_sc_cohesion_alternative_the_cseb_delivers_and_each_lsp_reviews_its_area():
    """SC-COHESION, "a continuing role for LSPs in reviewing the position in their areas": the
    CSEB delivers the approved programme, every district reviews its own area, then the CSEB
    evaluates as before; the structure is not touched, nor any other scenario."""
    _, changed, parameters, _, plain = switched("sc_cohesion_lsps_review", "pilot",
                                                "community_cohesion")  # fmt: skip
    steps = lambda s: [(p.function.value, p.at) for p in s.issues[0].pathway]  # noqa: E731
    assert steps(plain)[4:] == [("decision", "abg"), ("delivery", DISTRICTS),
                                ("evaluation", "cseb")]  # fmt: skip
    assert steps(changed)[:5] == steps(plain)[:5]
    assert steps(changed)[5:] == [("delivery", "cseb"), ("evaluation", DISTRICTS),
                                  ("evaluation", "cseb")]  # fmt: skip
    assert not parameters
    structure, other, _, _, employco = switched("sc_cohesion_lsps_review", "pilot")
    assert other == employco and structure.model_dump() == load_structure("pilot").model_dump()


@pytest.mark.parametrize("alternative", sorted(ALTERNATIVES))
def test_every_alternative_changes_something_where_it_applies(alternative):
    """Switched on for each shipped structure it applies to, an alternative changes a body, a
    routing rule, a parameter or a scenario step (never nothing)."""
    a = ALTERNATIVES[alternative]
    scenario_name = a.steps[0].scenario if a.steps else "employer_closure"
    changes = 0
    for structure in SHIPPED:
        if a.structures and structure not in a.structures:
            continue
        changed, changed_scenario, parameters, base, plain = switched(alternative, structure,
                                                                      scenario_name)  # fmt: skip
        changes += bool(changed_fields(base, changed) or changed.routing != base.routing
                        or parameters or changed_scenario != plain)  # fmt: skip
    assert changes


# -- the two readings in plain words --------------------------------------------------------
def test_every_alternative_says_both_readings_as_if_clauses():
    """Item 3: "holds at 96% of the points if <if_default>; at 12% if <if_alternative>"."""
    for a in ALTERNATIVES.values():
        for clause in (a.if_default, a.if_alternative):
            assert clause and clause == clause.strip() and not clause.lower().startswith("if ")
            assert not clause.endswith(".") and len(clause) <= 160
        assert a.if_default != a.if_alternative
    support = ALTERNATIVES["fe_urgent_strategy_via_support_group"]
    assert "Conference" in support.if_default
    assert "Executive Support Group" in support.if_alternative


BASE = {"id": "x", "rule": "FE-SUPPORT", "question": "q", "default": "d", "alternative": "a",
        "if_default": "urgent business starts at the Conference",
        "if_alternative": "urgent business starts at the Executive Support Group"}  # fmt: skip


@pytest.mark.parametrize(("change", "says"), [
    ({"if_default": None}, "if_default"),
    ({"if_alternative": None}, "if_alternative"),
    ({"if_default": "  "}, "completes '... if ...'"),
    ({"if_default": "if urgent business starts at the Conference"}, "leave out the 'if'"),
    ({"if_alternative": "urgent business starts at the group."}, "no full stop"),
    ({"if_alternative": "two\nlines"}, "one short clause"),
    ({"if_alternative": "x" * 161}, "at most 160"),
    ({"if_alternative": "Urgent business starts at the Conference"}, "say the same"),
])  # fmt: skip
def test_the_if_clauses_are_required_and_read_inside_a_sentence(change, says):
    data = {k: v for k, v in (BASE | change).items() if v is not None}
    with pytest.raises(ValidationError) as caught:
        Alternative.model_validate(data)
    assert says in str(caught.value)
    assert Alternative.model_validate(BASE).if_default == BASE["if_default"]
