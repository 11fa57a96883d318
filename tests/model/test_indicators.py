"""Each evaluation indicator on a hand-built run whose answers are known (the EV-* rules of
docs/sources.md, and the Tavistock cycle)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.model.indicators import (
    HEADLINE_INDICATORS,
    INDICATORS,
    evaluate_run,
    indicators_markdown,
    shipped_outcome_indicators,
)
from sim.spec.scenario import IndicatorSpec

NAN = math.nan


def hand_built() -> dict[str, pd.DataFrame]:
    """Two years; strategic issues A (decided week 10) and B (never decided, raised week 50);
    operational issue C; a strand of A."""
    cols = [
        "issue_id",
        "parent",
        "kind",
        "theme",
        "raised_at",
        "weeks_to_decision",
        "commissioned_at",
        "delivery_body",
        "target_met",
        "pledged",
        "challenges",
        "send_backs",
        "weeks_to_catch_stall",
        "pledging_sectors",
        "partners_pledging",
        "outcome_achieved",
        "weeks_to_close",
        "handoffs",
    ]
    # fmt: off
    issues = pd.DataFrame([
        ["A", "", "strategic", "economy", 0, 10, 12, "team", True, 6, 1, 1, 4, 2, 2, True, 20, 4],
        ["B", "", "strategic", "health", 50, NAN, NAN, "", False, 0, 0, 0, NAN, 0, 0, False, NAN,
         1],
        ["C", "", "operational", "economy", 0, 5, 6, "other", True, 2, 0, 1, 2, 1, 1, True, 40, 3],
        ["A/x", "A", "strategic", "economy", 1, NAN, NAN, "", False, 0, 0, 0, NAN, 0, 0, False,
         NAN, 1],
    ], columns=cols)
    # fmt: on
    meetings = pd.DataFrame(
        [
            [3, "board", 2, True, 2, 1, 10, 6, 1, 0, 21, "other", 2],
            [20, "board2", 1, False, 0, 1, 5, 2, 0, 1, 6, "team", 0],
            [60, "forum", 0, True, 3, 0, 5, 5, 0, 0, 15, "", 1],
        ],
        columns=[
            "time",
            "body",
            "decided",
            "open_meeting",
            "voluntary_present",
            "business_present",
            "seats",
            "in_person",
            "substitutes",
            "replacements",
            "member_hours",
            "reports_heard",
            "county_wide_present",
        ],
    )
    history = pd.DataFrame(
        [
            ["A", 0, 0, "", "raised"],
            ["A", 1, 1, "", "asked"],
            ["A", 2, 2, "forum", "deliberated"],
            ["A", 3, 5, "forum", "pulled together"],
            ["A", 4, 10, "board", "decided"],
            ["A", 5, 12, "team", "commissioned"],
            ["A", 6, 18, "team", "delivered"],
            ["A", 7, 20, "review", "evaluated"],
            ["B", 0, 50, "", "raised"],
            ["B", 1, 55, "board", "deliberated"],
            ["B", 2, 60, "", "asked"],
            ["C", 0, 0, "", "raised"],
            ["C", 1, 5, "board", "decided"],
            ["C", 2, 6, "other", "commissioned"],
            ["C", 3, 30, "other", "delivered"],
        ],
        columns=["issue_id", "seq", "time", "body", "action"],
    )
    bodies = pd.DataFrame(
        [
            ["board", "decision", True, ""],
            ["board2", "decision", False, "board"],
            ["forum", "deliberation", True, ""],
            ["team", "delivery", False, "board"],
            ["other", "delivery", False, ""],
            ["review", "evaluation", False, ""],
        ],
        columns=["body", "functions", "open_meeting", "heard_by"],
    )
    series = pd.DataFrame({"mean_commitment": [0.8, 0.7]})
    indicators = pd.DataFrame(
        [
            [1, "jobs", "a", 4],
            [1, "jobs", "b", 3],
            [2, "jobs", "a", 6],
            [2, "jobs", "b", 5],
        ],
        columns=["week", "indicator", "district", "value"],
    )
    return {"issues": issues, "meetings": meetings, "history": history, "bodies": bodies,
            "series": series, "indicators": indicators}  # fmt: skip


@pytest.fixture(scope="module")
def values() -> dict[str, float]:
    return evaluate_run(hand_built(), weeks=104, priorities={"economy"},
                        targets={"jobs": (10.0, "sum", "higher")})  # fmt: skip


def test_every_indicator_is_computed(values):
    assert set(values) == {i.name for i in INDICATORS}


def test_ev_lead(values):
    """EV-LEAD: B, never decided, counts until the end (104 - 50 = 54): mean of 10 and 54."""
    assert values["lead_weeks_to_direction"] == 32
    # seven agenda actions (A: deliberated, decided, commissioned, evaluated; B: deliberated;
    # C: decided, commissioned); six are on the economy, the declared priority
    assert values["lead_priority_share"] == 6 / 7


def test_ev_account(values):
    """EV-ACCOUNT: A's team reports after it was commissioned, C's group only before; A waits
    4 weeks with nobody holding it, B 44 weeks (to the end)."""
    assert values["account_owner_share"] == 0.5
    assert values["account_orphan_weeks"] == 48


def test_ev_open(values):
    """EV-OPEN: two of three decisions in open meetings; all three communicated (board2 reports
    to the board); presence averaged over the two meetings that decided."""
    assert values["open_decisions_share"] == pytest.approx(2 / 3)
    assert values["open_communicated_share"] == 1.0
    assert values["open_voluntary_presence"] == 1.0
    assert values["open_business_presence"] == 1.0


def test_ev_deliver(values):
    """EV-DELIVER: two targets met of three issues; the outcome (sum 7, then 11) reaches its
    target of 10 in week 2."""
    assert values["deliver_targets_met"] == 2
    assert values["deliver_targets_share"] == pytest.approx(2 / 3)
    assert values["deliver_outcome_week"] == 2


def test_ev_commit(values):
    """EV-COMMIT: 13 of 20 seats filled by members in person and 1 by a substitute, counted
    apart; the last year's one meeting was full."""
    assert values["commit_member_attendance"] == 0.65
    assert values["commit_substitute_share"] == 0.05
    assert values["commit_member_attendance_last_year"] == 1.0
    assert values["commit_replacements"] == 1
    assert values["commit_pledged_per_year"] == 4
    assert values["commit_commitment_end"] == 0.7


def test_ev_scrutiny(values):
    """EV-SCRUTINY: one challenge and two send-backs in two years; stalls caught in 4 and 2."""
    assert values["scrutiny_challenges_per_year"] == 1.5
    assert values["scrutiny_weeks_to_catch"] == 3


def test_ev_silos(values):
    """EV-SILOS: of the two commissioned, one pools two sectors and two partners; county-wide
    organisations spend 2 x 3 + 1 x 3 hours in local bodies."""
    assert values["silos_pooled_share"] == 0.5
    assert values["silos_joint_commissioning_share"] == 0.5
    assert values["silos_duplicated_hours"] == 9


def test_ev_ripple(values):
    """EV-RIPPLE: A closes with its outcome in 20 weeks (a quick win), C in 40; two targets
    over 42 member-hours."""
    assert values["ripple_quick_wins"] == 1
    assert values["ripple_outcome_per_1000_hours"] == pytest.approx(2000 / 42)


def test_cycle(values):
    """The Tavistock cycle: only A completes all four functions; B's deliberation by a
    decision body is the one action out of place; cost per year."""
    assert values["cycle_complete_share"] == pytest.approx(1 / 3)
    assert values["cycle_function_match_share"] == pytest.approx(6 / 7)
    assert values["cycle_handoffs_per_issue"] == pytest.approx(8 / 3)
    assert values["cycle_member_hours_per_year"] == 21
    assert values["cycle_meetings_per_year"] == 1.5


def test_indicators_page_is_current(capsys):
    main(["indicators"])
    page = (Path(__file__).resolve().parents[2] / "docs" / "indicators.md").read_text()
    assert capsys.readouterr().out == page == indicators_markdown()


# -- issue 20, item 6: every smallest difference that matters has its reason ----------------
def test_every_indicator_says_why_its_smallest_difference_matters():
    """Each indicator's smallest difference comes with a reason a domain reader can check (a
    week of a calendar set in weeks, one seat in fifty...), not a restatement of the number,
    the definition or the limits; the page shows it."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "indicators.md").read_text()
    for i in [*HEADLINE_INDICATORS, *INDICATORS]:
        why = i.why.strip()
        assert i.smallest > 0 and why, i.name
        assert why.endswith(".") and len(why.split()) >= 6, f"{i.name}: {why!r}"
        assert why not in (i.definition, i.limits, i.label), i.name
        assert why.lower() != f"{i.smallest:g} {i.unit}".lower(), i.name
        assert f"| {i.smallest:g} {i.unit} | {why} |" in page, i.name


def test_every_shipped_outcome_indicator_says_why_its_smallest_difference_matters():
    """Scenario outcome indicators declare their smallest difference and its reason
    (smallest_why); the page lists each shipped one. Without a declared reason the page says
    what the default is made of, never an empty cell."""
    found = shipped_outcome_indicators()
    assert {(s, spec.name) for s, spec, _ in found} == {
        ("employer_closure", "workers_supported"),
        ("community_cohesion", "cohesion"),
        ("truancy", "absence_rate"),
    }
    page = (Path(__file__).resolve().parents[2] / "docs" / "indicators.md").read_text()
    for scenario, spec, smallest in found:
        assert spec.smallest_difference == smallest and spec.smallest_why.strip(), scenario
        assert f"| {smallest:g} {spec.unit} | {spec.smallest_reason()} |" in page
    plain = IndicatorSpec(name="x", baseline={"gloucester": 10.0})
    assert plain.smallest(52) == pytest.approx(0.1)
    assert plain.smallest_reason().startswith("The default, 1% of the indicator's scale")
    declared = IndicatorSpec(name="x", baseline={"gloucester": 10.0}, smallest_difference=2)
    assert declared.smallest_reason() == "Declared without a reason (smallest_why)."
