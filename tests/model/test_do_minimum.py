"""The do-minimum option (scenarios/structures/do_minimum.yaml): the five-element structure
with the stricter terms of reference of source document 003 (PI-ATTEND, PI-SUBSTITUTE,
PI-AGENDA) and none of the restructure. Each rule acts in a run of the shipped file, and the
file differs from the five-element one in those rules only."""

from __future__ import annotations

from conftest import shipped

TERMS = {"substitutes", "replace_after_absences", "agenda_policy"}


def test_the_do_minimum_is_the_five_element_structure_with_the_stricter_rules_only():
    """FE-ROLES kept: the same bodies, functions, cadences, members, routing, links and
    funds; only the terms of reference differ (and the option's name, title and role)."""
    five, do_min = shipped("five_element"), shipped("do_minimum")
    assert [b.id for b in five.bodies] == [b.id for b in do_min.bodies]
    for old, new in zip(five.bodies, do_min.bodies, strict=True):
        changed = {k for k in type(old).model_fields if getattr(old, k) != getattr(new, k)}
        assert changed <= TERMS, (old.id, changed - TERMS)
    gloucester = [b for b in do_min.bodies if b.scope == "gloucester"]
    assert all(b.substitutes and b.replace_after_absences == 3 for b in gloucester)
    assert do_min.body("executive").agenda_policy == "focus_first"
    assert not do_min.body("executive").same_meeting_decision  # PI-AGENDA iv: not adopted
    for part in ("routing", "links", "funds", "focus", "partners"):
        assert getattr(five, part) == getattr(do_min, part), part
    assert (five.appraisal, do_min.appraisal, shipped("pilot").appraisal) == (
        "business_as_usual", "do_minimum", "preferred")  # fmt: skip


def test_pi_attend_and_pi_substitute_act_in_the_do_minimum(smoke_run):
    """PI-ATTEND: organisations absent three times are asked for new members; PI-SUBSTITUTE:
    absent members send substitutes. Under the five-element structure neither happens on the
    Gloucester bodies, under the do-minimum both do, on the same seeds."""
    model, do_min = smoke_run("do_minimum", 1)
    _, five = smoke_run("five_element", 1)
    gloucester = {b for b, body in model.bodies.items() if body.scope == "gloucester"}
    mine = do_min.meetings[do_min.meetings["body"].isin(gloucester)]
    theirs = five.meetings[five.meetings["body"].isin(gloucester)]
    assert mine["substitutes"].sum() > 0 and theirs["substitutes"].sum() == 0
    assert mine["replacements"].sum() > 0 and theirs["replacements"].sum() == 0


def test_pi_agenda_a_programme_team_takes_urgent_items_first_in_the_do_minimum():
    """PI-AGENDA: the do-minimum's Executive takes urgent items first (a programme team sets
    its agenda; with no declared focus, focus_first is urgent first); the five-element
    Executive takes them in the order they came."""
    from sim.model import rules
    from sim.model.issue import Issue

    def item(n: int, urgent: bool) -> Issue:
        return Issue(id=f"i{n}", title="", scope="gloucester", theme="health", kind="operational",
                     urgent=urgent, resources=1.0, effort_weeks=1.0, target_weeks=10.0,
                     pathway=())  # fmt: skip

    queue = [item(1, False), item(2, False), item(3, True)]
    focus = shipped("do_minimum").focus
    do_min = rules.agenda(shipped("do_minimum").body("executive").agenda_policy, queue, focus)
    five = rules.agenda(shipped("five_element").body("executive").agenda_policy, queue, focus)
    assert [i.id for i in do_min] == ["i3", "i1", "i2"]
    assert [i.id for i in five] == ["i1", "i2", "i3"]
