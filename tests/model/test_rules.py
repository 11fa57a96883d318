"""The decision rules of sim/model/rules.py, each by its rule id (docs/sources.md): values in,
a verdict out, no model run. Edge cases included: no voters, ties, no shortfall, an empty
agenda, everyone absent."""

from __future__ import annotations

import pytest

from sim.model import rules
from sim.model.issue import Issue
from sim.spec.structure import Function


def issue(id: str = "i", scope: str = "town", theme: str = "health", **kw) -> Issue:
    fields = {"kind": "operational", "urgent": False, "resources": 1.0, "effort_weeks": 1.0,
              "target_weeks": 52.0, "pathway": ()} | kw  # fmt: skip
    return Issue(id=id, title=id, scope=scope, theme=theme, **fields)


def drawn(numbers: list[float]):
    """An iterator of uniform numbers, and how many of them a rule read."""
    it = iter(numbers)
    return it, lambda: len(numbers) - len(list(it))


# -- FE-EXEC-DECIDE: consensus, else a simple majority of voting members present ------------
def test_fe_exec_decide_consensus_takes_one_number_and_no_ballots():
    uniforms, used = drawn([0.69, 0.99, 0.99])
    verdict = rules.vote("consensus_else_majority", 3, uniforms, 0.7, 0.65)
    assert verdict == rules.Vote(True, "by consensus")
    assert used() == 1


def test_fe_exec_decide_failing_consensus_a_simple_majority_of_those_voting_passes():
    uniforms, used = drawn([0.7, 0.1, 0.64, 0.9])  # consensus missed; 2 of 3 support
    assert rules.vote("consensus_else_majority", 3, uniforms, 0.7, 0.65) == rules.Vote(
        True, "vote 2 of 3"
    )
    assert used() == 4


def test_fe_exec_decide_majority_rule_seeks_no_consensus_and_a_tie_fails():
    uniforms, used = drawn([0.1, 0.1, 0.9, 0.9])
    assert rules.vote("majority", 4, uniforms, 1.0, 0.5) == rules.Vote(False, "vote 2 of 4")
    assert used() == 4


def test_fe_exec_decide_with_no_voters_nothing_passes_but_consensus():
    uniforms, used = drawn([])
    assert rules.vote("majority", 0, uniforms, 0.7, 0.65) == rules.Vote(False, "vote 0 of 0")
    assert used() == 0
    uniforms, _ = drawn([0.0])
    assert rules.vote("consensus_else_majority", 0, uniforms, 0.7, 0.65).passed


def test_fe_exec_decide_a_re_decision_raising_nothing_rescopes_partly_funded_work():
    assert rules.rescoped(True, 0.0, 0.5)
    assert not rules.rescoped(False, 0.0, 0.5)  # a first decision never re-scopes
    assert not rules.rescoped(True, 1.0, 0.5)  # something more was raised
    assert not rules.rescoped(True, 0.0, 0.0)  # nothing pledged at all: nothing to cut to
    assert not rules.rescoped(True, 0.0, 1.0)  # fully funded


def test_fe_exec_decide_a_shortfall_is_split_equally_among_the_partners_asked():
    ask = rules.pledge_ask(6.0, [], {}, ["a", "b", "c"])  # no one required: those mandated
    assert ask == rules.Ask(("a", "b", "c"), 2.0)
    ask = rules.pledge_ask(6.0, ["a", "b", "c"], {"a": 1.0}, ["a"])  # required, not yet pledged
    assert ask == rules.Ask(("b", "c"), 3.0)
    ask = rules.pledge_ask(6.0, ["a", "b"], {"a": 1.0, "b": 1.0}, [])  # all have: all again
    assert ask == rules.Ask(("a", "b"), 3.0)


def test_fe_exec_decide_no_shortfall_or_no_one_to_ask_asks_nothing():
    assert rules.pledge_ask(0.0, ["a"], {}, ["a"]) == rules.Ask((), 0.0)
    assert rules.pledge_ask(rules.EPS / 2, [], {}, ["a"]) == rules.Ask((), 0.0)
    assert rules.pledge_ask(-1.0, [], {}, ["a"]) == rules.Ask((), 0.0)  # over-pledged
    assert rules.pledge_ask(5.0, [], {}, []) == rules.Ask((), 0.0)  # nobody with a mandate


# -- FE-ACCOUNTABLE: the accountable body's fund covers what remains, drawn in turn ---------
def test_fe_accountable_a_fund_covers_the_shortfall_up_to_what_it_has_left():
    assert rules.fund_draw(3.0, 10.0, holder_present=True) == 3.0
    assert rules.fund_draw(3.0, 1.0, holder_present=True) == 1.0
    assert rules.fund_draw(3.0, 0.0, holder_present=True) == 0.0  # drawn on, but empty


def test_fe_accountable_no_draw_without_its_holder_or_without_a_shortfall():
    assert rules.fund_draw(3.0, 10.0, holder_present=False) is None
    assert rules.fund_draw(0.0, 10.0, holder_present=True) is None
    assert rules.fund_draw(rules.EPS, 10.0, holder_present=True) is None


# -- FE-EXEC-QUORUM: 5 of the 15 voting members ----------------------------------------------
def test_fe_exec_quorum_five_of_fifteen_voting_members():
    assert rules.quorate(present=5, voting_present=5, quorum=5)
    assert not rules.quorate(present=9, voting_present=4, quorum=5)  # non-voting do not count


def test_fe_exec_quorum_a_meeting_nobody_attends_is_inquorate_even_without_a_quorum():
    assert not rules.quorate(present=0, voting_present=0, quorum=0)
    assert rules.quorate(present=1, voting_present=0, quorum=0)


# -- PI-SUBSTITUTE and EV-COMMIT: attendance, substitutes, mandates, commitment, load --------
ATTEND = {"base": 0.8, "commitment": 0.5, "load": 1.0, "substitutes": True,
          "substitute_probability": 0.6, "mandate": 0.9, "substitute_mandate": 0.5}  # fmt: skip


def test_pi_substitute_the_member_attends_with_base_times_commitment_times_load():
    assert rules.attendance(0.39, 0.0, 0.0, **ATTEND) == rules.Presence(True, False, True)
    assert not rules.attendance(0.4, 0.99, 0.0, **ATTEND).in_person  # 0.8 x 0.5 = 0.4
    assert not rules.attendance(0.3, 0.99, 0.0, **ATTEND | {"load": 0.5}).in_person
    assert not rules.attendance(0.0, 0.99, 0.0, **ATTEND | {"commitment": 0.0}).in_person


def test_pi_substitute_an_absent_member_sends_a_substitute_where_the_body_allows():
    assert rules.attendance(0.9, 0.59, 0.99, **ATTEND) == rules.Presence(False, True, False)
    assert rules.attendance(0.9, 0.59, 0.49, **ATTEND) == rules.Presence(False, True, True)
    no_subs = ATTEND | {"substitutes": False}
    assert rules.attendance(0.9, 0.0, 0.0, **no_subs) == rules.Presence(False, False, False)


def test_pi_substitute_the_mandate_is_the_seats_in_person_and_the_substitutes_otherwise():
    assert rules.attendance(0.0, 0.0, 0.89, **ATTEND).has_mandate  # seat mandate 0.9
    assert not rules.attendance(0.9, 0.0, 0.5, **ATTEND).has_mandate  # substitute's 0.5
    assert not rules.attendance(0.9, 0.9, 0.0, **ATTEND).has_mandate  # nobody came


def test_ev_commit_load_lowers_attendance_down_to_a_floor():
    assert rules.load_factor(3, 1.0, 3.0, 0.1) == 1.0  # at capacity: unstrained
    assert rules.load_factor(5, 1.0, 3.0, 0.1) == pytest.approx(0.8)
    assert rules.load_factor(100, 1.0, 3.0, 0.1) == rules.LOAD_FLOOR


def test_ev_commit_attending_restores_commitment_and_absence_saps_it():
    assert rules.commitment_after(0.5, 0.9, True, 0.25, 0.1) == pytest.approx(0.6)
    assert rules.commitment_after(0.95, 0.9, True, 0.25, 0.1) == 0.95  # never pushed down
    assert rules.commitment_after(0.5, 0.9, False, 0.25, 0.1) == pytest.approx(0.45)


def test_ev_commit_an_organisation_asked_away_from_the_table_pledges_by_its_commitment():
    assert rules.answers_request(0.59, commitment=0.6, mandate=1.0)
    assert not rules.answers_request(0.6, commitment=0.6, mandate=1.0)
    assert not rules.answers_request(0.0, commitment=0.6, mandate=0.0)  # no mandate to give


# -- PI-ATTEND: replaced after N absences -----------------------------------------------------
def test_pi_attend_absences_count_meetings_nobody_came_to_in_a_row():
    assert rules.absences_after(2, rules.Presence(False, False, False)) == 3
    assert rules.absences_after(2, rules.Presence(False, True, False)) == 0  # a substitute
    assert rules.absences_after(2, rules.Presence(True, False, False)) == 0


def test_pi_attend_a_member_absent_from_three_meetings_is_replaced():
    assert not rules.replaced(2, 3)
    assert rules.replaced(3, 3)
    assert not rules.replaced(50, None)  # a body that replaces nobody


# -- FE-PAG-REPORT: two PAGs per meeting in rotation, the others verbally by chance ----------
def test_fe_pag_report_all_report_when_no_rotation_is_set_and_no_number_is_drawn():
    uniforms, used = drawn([])
    heard = rules.reports(["a", "b", "c"], None, 7, uniforms, 0.3)
    assert heard == rules.Reports(("a", "b", "c"), ("a", "b", "c"), 7)
    assert used() == 0


def test_fe_pag_report_two_per_meeting_in_rotation_wrapping_round():
    sources = ["a", "b", "c", "d", "e"]
    uniforms, used = drawn([0.9, 0.1, 0.9])  # c, d, e out of rotation: d speaks up
    heard = rules.reports(sources, 2, 0, uniforms, 0.3)
    assert heard == rules.Reports(("a", "b"), ("a", "b", "d"), 2)
    assert used() == 3
    uniforms, _ = drawn([0.9] * 3)
    heard = rules.reports(sources, 2, 9, uniforms, 0.3)  # 9 mod 5 = 4: e, then a
    assert heard.formal == ("e", "a") and heard.heard == ("e", "a") and heard.rotation == 6


def test_fe_pag_report_nobody_to_hear():
    uniforms, used = drawn([])
    assert rules.reports([], 2, 3, uniforms, 0.3) == rules.Reports((), (), 3)
    assert used() == 0


# -- EV-SCRUTINY: stalled delivery sent back for resources, or challenged -------------------
def test_ev_scrutiny_under_resourced_stalled_work_goes_back_to_its_decision():
    assert rules.stall_response(0.5, True) is rules.StallResponse.SEND_BACK
    assert rules.stall_response(0.5, False) is rules.StallResponse.CHALLENGE  # never decided
    assert rules.stall_response(1.0, True) is rules.StallResponse.CHALLENGE  # fully funded
    assert rules.stall_response(1.0 - rules.EPS / 2, True) is rules.StallResponse.CHALLENGE


# -- PI-AGENDA and PI-FOCUS: the agenda order, and work outside the focus --------------------
FOCUS = {"town": ["children", "health"]}


def test_pi_agenda_fifo_urgent_first_and_focus_first():
    plain, off, urgent = issue("plain"), issue("off", theme="housing"), issue("u", urgent=True)
    queue = [off, plain, urgent]
    assert rules.agenda("fifo", queue, FOCUS) == [off, plain, urgent]
    assert rules.agenda("urgent_first", queue, FOCUS) == [urgent, off, plain]  # stable
    assert rules.agenda("focus_first", queue, FOCUS) == [urgent, plain, off]
    assert queue == [off, plain, urgent]  # the queue itself is left alone


def test_pi_agenda_an_empty_agenda():
    for policy in ("fifo", "urgent_first", "focus_first"):
        assert rules.agenda(policy, [], FOCUS) == []


def test_pi_focus_only_operational_work_outside_a_declared_focus_is_off_focus():
    assert rules.off_focus(issue(theme="housing"), FOCUS)
    assert not rules.off_focus(issue(theme="health"), FOCUS)
    assert not rules.off_focus(issue(theme="housing", kind="strategic"), FOCUS)
    assert not rules.off_focus(issue(theme="housing", scope="county"), FOCUS)  # no focus there


def test_pi_focus_off_focus_work_is_referred_out_by_chance_and_only_it_draws():
    uniforms, used = drawn([0.49])
    assert rules.referred_out(issue(theme="housing"), FOCUS, uniforms, 0.5)
    assert used() == 1
    uniforms, used = drawn([0.0])
    assert not rules.referred_out(issue(theme="health"), FOCUS, uniforms, 0.5)
    assert used() == 0


# -- PI-PERF: judged on inputs (traffic lights) or on outcomes -------------------------------
def test_pi_perf_traffic_lights_report_funded_work_green_whatever_its_outcome():
    verdict = rules.evaluation("inputs", 1.0, False, 0)
    assert verdict == rules.Evaluation(True, None, "", "green on inputs")
    red = rules.evaluation("inputs", 0.5, True, 0)
    assert not red.met and red.send_back_to is Function.DECISION
    assert red.sent_back == red.evaluated == "red: under-resourced"


def test_pi_perf_on_outcomes_missed_work_goes_back_to_delivery():
    assert rules.evaluation("outcomes", 0.5, True, 0) == rules.Evaluation(
        True, None, "", "outcome achieved"
    )
    missed = rules.evaluation("outcomes", 1.0, False, 0)
    assert not missed.met and missed.send_back_to is Function.DELIVERY
    assert missed.sent_back == "outcome not achieved"
    assert missed.evaluated == "closed without outcome"  # if there is no delivery to go back to
    assert not rules.evaluation("outcomes", 1.0, None, 0).met  # not delivered yet


def test_pi_perf_after_two_send_backs_the_work_moves_on_whatever_the_result():
    limit = rules.MAX_EVALUATION_SEND_BACKS
    assert rules.evaluation("inputs", 0.5, None, limit) == rules.Evaluation(False, None, "", "")
    assert rules.evaluation("outcomes", 1.0, False, limit) == rules.Evaluation(
        False, None, "", "closed without outcome"
    )


# -- PI-TIERS: operational groups pool resources for undecided work -------------------------
def test_pi_tiers_undecided_work_short_of_resources_is_pooled_at_delivery():
    assert rules.pooled_at_delivery(decided=False, funded_share=0.5)
    assert not rules.pooled_at_delivery(decided=True, funded_share=0.5)
    assert not rules.pooled_at_delivery(decided=False, funded_share=1.0)


# -- FE-PAG-LIFE: a group exists as long as it is judged necessary ---------------------------
def test_fe_pag_life_an_idle_delivery_group_is_stood_down():
    idle = {"delivers": True, "catch_all": False, "has_work": False, "idle_weeks": 52.0,
            "idle_limit": 52.0}  # fmt: skip
    assert rules.stands_down(**idle)
    assert not rules.stands_down(**idle | {"idle_weeks": 51.9})
    assert not rules.stands_down(**idle | {"has_work": True})
    assert not rules.stands_down(**idle | {"catch_all": True})  # routing falls back on it
    assert not rules.stands_down(**idle | {"delivers": False})
