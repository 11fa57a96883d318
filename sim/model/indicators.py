"""Evaluation indicators: what a partnership review measures, computed from one run's tables.

The frame is source document 004's "what makes a strong partnership" (the EV-* rules) and
the Tavistock cycle behind the Gloucestershire structures (deliberation, authorisation,
implementation, evaluation). Every indicator is a plain function of the run's tables
(``issues``, ``meetings``, ``history``, ``bodies``, ``series``, ``indicators``), so it can
be checked on a hand-built table, and is listed in :data:`INDICATORS` with its criterion and
definition (docs/indicators.md is generated from that list).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

QUICK_WIN_WEEKS = 26.0
HANDLING = {"deliberated", "prepared", "decided", "rejected", "commissioned", "evaluated",
            "sent back", "referred out", "challenged"}  # fmt: skip
FUNCTION_OF_ACTION = {"deliberated": "deliberation", "decided": "decision",
                      "rejected": "decision", "commissioned": "delivery",
                      "evaluated": "evaluation"}  # fmt: skip


@dataclass(frozen=True)
class Indicator:
    """One measure of a run: what it is, which way is better, the smallest difference between
    structures that matters (in its own unit) and why that much, and what it cannot show."""

    name: str
    criterion: str
    label: str
    definition: str
    better: str = ""  # "higher", "lower", or "" where neither is better in itself
    unit: str = ""
    smallest: float = 0.0
    limits: str = ""
    why: str = ""  # why ``smallest`` is the difference that matters, in the domain's terms


# The run summary's headline measures (sim.model.results), shown first by `sim compare`.
HEADLINE_INDICATORS: list[Indicator] = [
    Indicator(
        "named_weeks_to_decision",
        "EV-LEAD",
        "named issues: weeks to decision",
        "Mean weeks from a scenario's named issue arising to its first decision; an issue "
        "still undecided at the end counts the weeks it waited (a mean restricted to the "
        "run's end).",
        "lower",
        "weeks",
        1.0,
        "Right-censored: a run that ends before the decision caps the count, so it "
        "understates long waits; read it with the censored share and the Kaplan-Meier "
        "median. Says nothing about the decision's quality.",
        why="A week: the unit every calendar in the model is set in (meetings every 8 to 26 "
        "weeks, one to four weeks' notice); a decision a week sooner or later is the least a "
        "partner waiting on it would notice.",
    ),
    Indicator(
        "named_decision_censored_share",
        "EV-LEAD",
        "named issues: undecided at the end",
        "Share of named issues with no decision when the run ends (their times to "
        "decision are censored).",
        "lower",
        "share",
        0.1,
        "An issue dropped before a decision is not counted as undecided here.",
        why="With one named issue a run scores 0 or 1, so 0.1 is the issue left undecided in one "
        "more run in ten; with the Community Strategy's 27 targets it is between two and three of "
        "them.",
    ),
    Indicator(
        "named_weeks_to_delivery",
        "EV-DELIVER",
        "named issues: weeks to delivery",
        "Mean weeks from a named issue arising to the end of its delivery; an issue not "
        "delivered by the end counts the weeks it waited (restricted mean).",
        "lower",
        "weeks",
        2.0,
        "Right-censored like weeks to decision; delivery that ends without its outcome "
        "counts as delivered.",
        why="Half the interval between delivery milestones (4 weeks at the default): a delivery "
        "is seen to end only at a milestone, so a smaller difference is where the same delivery "
        "can land by the milestones' timing alone.",
    ),
    Indicator(
        "named_targets_met_share",
        "EV-DELIVER",
        "named issues: share on target",
        "Share of named issues closed with their outcome achieved within their target weeks.",
        "higher",
        "share",
        0.1,
        "With one named issue a run scores 0 or 1, so the mean over replications is the "
        "chance of meeting the target, not a degree of success.",
        why="With one named issue a run scores 0 or 1, so 0.1 is the target met in one more run "
        "in ten; with the Community Strategy's 27 targets it is between two and three of them.",
    ),
    Indicator(
        "issues_decided",
        "CYCLE",
        "issues decided",
        "Issues (strands not counted) that reached a decision.",
        "",
        "issues",
        1.0,
        "Neither direction is better in itself: throughput, not value; a structure that "
        "refers work out of the partnership decides less of it.",
        why="One issue: a partnership counts its business in whole issues, and a two-year run "
        "raises about 50, so one is about 2% of it.",
    ),
    Indicator(
        "issues_delivered",
        "EV-DELIVER",
        "issues delivered",
        "Issues whose delivery was completed.",
        "higher",
        "issues",
        1.0,
        "Counts completion, with or without the outcome; routine and strategic issues "
        "weigh the same.",
        why="One piece of work completed, about 2% of the 50 or so issues a two-year run raises.",
    ),
    Indicator(
        "issues_closed",
        "CYCLE",
        "issues closed (full cycle)",
        "Issues that completed every step of their pathway.",
        "higher",
        "issues",
        1.0,
        "A closed issue may have closed without its outcome.",
        why="One issue through the whole cycle, about 2% of the 50 or so issues a two-year run "
        "raises.",
    ),
    Indicator(
        "issues_dropped",
        "CYCLE",
        "issues dropped",
        "Issues dropped: rejected too often, or referred out as outside a declared focus "
        "(PI-FOCUS).",
        "",
        "issues",
        1.0,
        "Neither direction is better in itself: referring work out may be the point of "
        "a narrower focus; whether it is done elsewhere is not modelled.",
        why="One piece of the partnership's business dropped or sent elsewhere, about 2% of the "
        "50 or so issues a two-year run raises.",
    ),
    Indicator(
        "median_weeks_to_decision",
        "CYCLE",
        "median weeks to decision (Kaplan-Meier)",
        "Kaplan-Meier median of weeks from arising to decision over a run's issues; an "
        "issue undecided at the end is censored there, a dropped one when dropped.",
        "lower",
        "weeks",
        1.0,
        "Undefined (n/a) when fewer than half the issues are ever decided; treating "
        "dropped issues as censored assumes they would have fared like the rest.",
        why="A week: the unit every calendar in the model is set in (meetings every 8 to 26 "
        "weeks, one to four weeks' notice).",
    ),
    Indicator(
        "decision_censored_share",
        "CYCLE",
        "issues undecided at the end",
        "Share of issues still open and undecided when the run ends (their times to "
        "decision are censored).",
        "lower",
        "share",
        0.02,
        "Issues that arrive near the end are undecided through no fault of a structure.",
        why="One issue in fifty: about one of the 50 to 80 issues a run raises left undecided at "
        "the end.",
    ),
    Indicator(
        "median_weeks_to_delivery",
        "CYCLE",
        "median weeks to delivery (Kaplan-Meier)",
        "Kaplan-Meier median of weeks from arising to delivery, censored as for decisions.",
        "lower",
        "weeks",
        2.0,
        "Undefined (n/a) when fewer than half the issues are ever delivered.",
        why="Half the interval between delivery milestones (4 weeks at the default), at which "
        "alone a delivery is seen to end.",
    ),
    Indicator(
        "delivery_censored_share",
        "CYCLE",
        "issues undelivered at the end",
        "Share of issues still open and undelivered when the run ends.",
        "lower",
        "share",
        0.02,
        "As for decisions: late arrivals weigh on it.",
        why="One issue in fifty: about one of the 50 to 80 issues a run raises left undelivered "
        "at the end.",
    ),
    Indicator(
        "targets_met",
        "EV-DELIVER",
        "targets met",
        "Issues closed with their outcome achieved within their target weeks.",
        "higher",
        "targets",
        1.0,
        "Every target weighs the same; a target referred out of the partnership counts "
        "as unmet even if someone else meets it.",
        why="One target: the unit the Partnership reports its delivery in (15 of 27 Community "
        "Strategy targets achieved by July 2007).",
    ),
    Indicator(
        "meetings_held",
        "CYCLE",
        "meetings held",
        "Meetings of every body, regular, special, joint and on demand.",
        "lower",
        "meetings",
        4.0,
        "A cost, not a benefit; fewer meetings can also mean less scrutiny.",
        why="A year of one quarterly body's meetings (the Executive's cadence): a board notices a "
        "body meeting more or less through a year, not one meeting among the 170 to 250 a "
        "two-year run holds.",
    ),
    Indicator(
        "inquorate_meetings",
        "EV-COMMIT",
        "inquorate meetings",
        "Meetings below their quorum, which decide nothing (FE-EXEC-QUORUM).",
        "lower",
        "meetings",
        1.0,
        "Depends on the quorums assumed for bodies the sources give none.",
        why="One meeting that cannot decide: for a quarterly Executive, a quarter of its year's "
        "decisions put off by three months.",
    ),
    Indicator(
        "member_hours",
        "CYCLE",
        "member-hours",
        "Hours of meetings, preparation and travel, summed over everyone present.",
        "lower",
        "hours",
        100.0,
        "Counts the time of substitutes and guests as well as members; officers' time "
        "outside meetings is not modelled.",
        why="About three working weeks of one officer (37 hours a week), or one and a half "
        "meetings of the full five-element Executive (22 seats, about 3 hours each); some 2 to 3% "
        "of the 3,000 to 5,300 hours a run costs.",
    ),
    Indicator(
        "member_attendance_rate",
        "EV-COMMIT",
        "members attending in person",
        "Seats filled by the member in person, as a share of seats, all meetings.",
        "higher",
        "share",
        0.02,
        "A member replaced after repeated absence (PI-ATTEND) starts afresh, so a "
        "replacement rule raises it without any member changing behaviour.",
        why="One seat in fifty: one member of a 15-member board missing at every third meeting, "
        "the difference one habitual absentee makes.",
    ),
    Indicator(
        "substitute_share",
        "EV-COMMIT",
        "seats filled by substitutes",
        "Seats filled by a substitute, as a share of seats (PI-SUBSTITUTE).",
        "",
        "share",
        0.02,
        "Neither direction is better in itself: a substitute fills a seat but carries a "
        "mandate only sometimes. Add it to member attendance for seats filled.",
        why="One seat in fifty: a substitute at every third meeting of a 15-member board.",
    ),
    Indicator(
        "stalls_caught",
        "EV-SCRUTINY",
        "stalled deliveries caught",
        "Times a body hearing reports caught a stalled delivery.",
        "",
        "stalls",
        1.0,
        "More can mean closer scrutiny or more stalls; read with weeks to catch a stall.",
        why="One stalled delivery caught, the unit of scrutiny, against about 20 caught in a "
        "two-year run.",
    ),
]

INDICATORS: list[Indicator] = [
    Indicator("lead_weeks_to_direction", "EV-LEAD", "weeks to an adopted direction",
              "Mean weeks from a strategic issue arising to its first decision (issues not "
              "decided count until the end of the run).", "lower", "weeks", 1.0,
              "Right-censored at the end of the run; says nothing about whether the direction "
              "was a good one or was followed.",
              why="A week: the unit every calendar in the model is set in (meetings every 8 to 26 "
              "weeks, one to four weeks' notice)."),
    Indicator("lead_priority_share", "EV-LEAD", "share of work on declared priorities",
              "Share of agenda actions spent on issues whose theme is a declared priority "
              "(the structure's focus themes and the scenario's named issues' themes).",
              "higher", "share", 0.02,
              "A structure that declares more focus themes scores higher by definition; the "
              "quality of the vision is not measured.",
              why="One agenda action in fifty: four to seven of the 200 to 360 items a run "
              "handles moved onto or off the declared priorities."),
    Indicator("account_owner_share", "EV-ACCOUNT", "decisions with an owner that reports",
              "Share of commissioned issues whose delivery body later reports on its work at "
              "a meeting of a body that hears its reports.", "higher", "share", 0.02,
              "Reporting is taken as a proxy for clear responsibility; what is reported and "
              "whether anyone acts on it is not.",
              why="One commissioned issue in fifty: about one of the 35 to 70 pieces of "
              "commissioned work a run has, with an owner reporting on it or not."),
    Indicator("account_orphan_weeks", "EV-ACCOUNT", "weeks issues wait with no body holding them",
              "Weeks issues spend with no body holding them (a step asked of several bodies "
              "by nobody in particular, until the answers are pulled together).", "lower",
              "weeks", 1.0, "Only steps a scenario asks of several bodies at once can orphan.",
              why="A week with nobody holding the work: the unit every calendar in the model is "
              "set in."),
    Indicator("open_decisions_share", "EV-OPEN", "decisions in open meetings",
              "Share of decisions taken at meetings open to observers.", "higher", "share",
              0.02, "Whether a body meets in the open is declared, not simulated; no observer "
              "is modelled.",
              why="One decision in fifty: about one of the 40 to 95 decisions a run takes, moved "
              "into or out of an open meeting."),
    Indicator("open_communicated_share", "EV-OPEN", "decisions communicated",
              "Share of decisions taken by a body that meets in the open or reports to a "
              "wider body that hears its reports.", "higher", "share", 0.02,
              "Structural: it reads the bodies' declared links, not what was communicated.",
              why="One decision in fifty: about one of the 40 to 95 decisions a run takes, taken "
              "where the wider partnership hears of it or not."),
    Indicator("open_voluntary_presence", "EV-OPEN", "voluntary sector present at decisions",
              "Mean number of voluntary and community sector members present at meetings "
              "that decide something.", "higher", "members", 0.2,
              "Presence, not influence.",
              why="One more voluntary sector member at one decision-taking meeting in five (about "
              "one a year at a quarterly board), against 1.3 to 1.5 present on average."),
    Indicator("open_business_presence", "EV-OPEN", "business present at decisions",
              "Mean number of business members present at meetings that decide something.",
              "higher", "members", 0.2, "Presence, not influence.",
              why="One more business member at one decision-taking meeting in five (about one a "
              "year at a quarterly board), against 0.5 to 1.1 present on average."),
    Indicator("deliver_targets_met", "EV-DELIVER", "targets met",
              "Issues closed with their outcome achieved within their target weeks.", "higher",
              "targets", 1.0, "Every target weighs the same.",
              why="One target: the unit the Partnership reports its delivery in (15 of 27 "
              "Community Strategy targets achieved by July 2007)."),
    Indicator("deliver_targets_share", "EV-DELIVER", "share of targets met",
              "Targets met as a share of the issues raised.", "higher", "share", 0.02,
              "Issues referred out count in the denominator.",
              why="One issue in fifty: about one more target met of the 50 to 80 issues a run "
              "raises."),
    Indicator("deliver_outcome_week", "EV-DELIVER", "week the outcome target is reached",
              "First week the scenario's outcome indicator reaches its target (the end of the "
              "run if never); averaged over the scenario's indicators with a target.", "lower",
              "weeks", 2.0,
              "Censored at the end of the run; n/a for scenarios without an outcome target.",
              why="Half the interval between delivery milestones (4 weeks at the default): an "
              "outcome moves with delivery progress, which is taken only at milestones."),
    Indicator("commit_member_attendance", "EV-COMMIT", "members attending in person",
              "Seats filled by the member in person as a share of seats, all meetings.",
              "higher", "share", 0.02,
              "Substitutes are not counted (see the next); replacement of absent members "
              "raises it by rule.",
              why="One seat in fifty: one member of a 15-member board missing at every third "
              "meeting, the difference one habitual absentee makes."),
    Indicator("commit_substitute_share", "EV-COMMIT", "seats filled by substitutes",
              "Seats filled by a substitute as a share of seats, all meetings.", "", "share",
              0.02, "Neither direction is better in itself.",
              why="One seat in fifty: a substitute at every third meeting of a 15-member board."),
    Indicator("commit_member_attendance_last_year", "EV-COMMIT",
              "members attending in person in the last year",
              "The same as members attending, for meetings in the run's last 52 weeks.",
              "higher", "share", 0.02, "Shows drift over a run, not beyond it.",
              why="One seat in fifty, as for attendance over the whole run: one member of a "
              "15-member board missing at every third meeting."),
    Indicator("commit_replacements", "EV-COMMIT", "members replaced",
              "Representatives replaced after repeated absence.", "", "members", 1.0,
              "Only where a body has a replacement rule (PI-ATTEND).",
              why="One representative replaced: an organisation asked for a new member "
              "(PI-ATTEND) is an event a board notices, and runs see none to a few."),
    Indicator("commit_pledged_per_year", "EV-COMMIT", "resources pledged a year",
              "Resource units pledged by partners and funds, per year.", "higher",
              "units a year", 1.0,
              "Units are the model's own; more work raised means more to pledge for.",
              why="A sixth of the Gloucester partnership fund a year (6 units, FE-ACCOUNTABLE), "
              "about 1% of the 90 to 115 units pledged a year."),
    Indicator("commit_commitment_end", "EV-COMMIT", "commitment at the end",
              "Mean commitment of the representatives sitting at the end of the run.",
              "higher", "share", 0.02,
              "A model state (0 to 1), not an observable; replacement resets it by rule.",
              why="Two thirds of what one missed meeting costs a representative's commitment "
              "(0.03 at the default disengagement rate): less than a single absence moves it."),
    Indicator("scrutiny_challenges_per_year", "EV-SCRUTINY", "challenges and send-backs a year",
              "Stalled deliveries challenged or sent back, and evaluations sent back, per "
              "year.", "higher", "a year", 0.5,
              "More challenges can mean closer scrutiny or more failing work.",
              why="One challenge in a two-year run, against 10 to 20 a year."),
    Indicator("scrutiny_weeks_to_catch", "EV-SCRUTINY", "weeks for a stall to be caught",
              "Mean weeks from a delivery stalling to a body catching it.", "lower", "weeks",
              1.0, "Only stalls that are caught count; an uncaught stall is not in the mean.",
              why="A week: the unit every calendar in the model is set in; a stall is caught only "
              "at a meeting that hears the group's report."),
    Indicator("silos_pooled_share", "EV-SILOS", "deliveries pooling two or more sectors",
              "Share of commissioned issues resourced by partners of two or more sectors.",
              "higher", "share", 0.02, "Pooling, not whether 2 + 2 made 5.",
              why="One commissioned issue in fifty: about one of the 35 to 70 pieces of "
              "commissioned work a run has, resourced across sectors or not."),
    Indicator("silos_joint_commissioning_share", "EV-SILOS", "joint commissioning",
              "Share of commissioned issues resourced by two or more partners.", "higher",
              "share", 0.02, "Several funds of a pooled budget count as several partners.",
              why="One commissioned issue in fifty: about one of the 35 to 70 pieces of "
              "commissioned work a run has, resourced jointly or not."),
    Indicator("silos_duplicated_hours", "EV-SILOS", "duplicated effort (member-hours)",
              "Member-hours county-wide organisations spend in district and city bodies, "
              "engaging each district separately (PI-COUNTY-SCS).", "lower", "hours", 20.0,
              "A modelling choice: every hour of a county-wide organisation in a district body "
              "counts as duplication, useful or not.",
              why="About half a working week of one county officer, or six or seven three-hour "
              "district meetings; some 2 to 3% of the 650 to 1,050 hours a run counts."),
    Indicator("ripple_quick_wins", "EV-RIPPLE", "quick wins",
              f"Issues closed with their outcome achieved within {QUICK_WIN_WEEKS:g} weeks of "
              "arising.", "higher", "issues", 1.0,
              "Speed, not the size of the ripple: the model has no spill-over between issues.",
              why="One issue: a quick win is a whole piece of work delivered with its outcome "
              "within six months."),
    Indicator("ripple_outcome_per_1000_hours", "EV-RIPPLE", "targets met per 1,000 member-hours",
              "Targets met per 1,000 member-hours of meetings.", "higher", "targets", 0.2,
              "A ratio: it rises when meetings are cut, even if fewer targets are met.",
              why="About one target (the smallest difference of targets met) over the 3,000 to "
              "5,300 member-hours of a run: 0.2 per 1,000 hours is 0.6 to 1 target."),
    Indicator("cycle_complete_share", "CYCLE", "issues completing all four functions",
              "Share of issues whose history has deliberation (or a prepared proposal), a "
              "decision, a delivery and an evaluation.", "higher", "share", 0.02,
              "Issues still open at the end count as incomplete.",
              why="One issue in fifty: about one of the 50 to 80 issues a run raises completing "
              "the cycle or not."),
    Indicator("cycle_function_match_share", "CYCLE", "actions by the body whose function it is",
              "Share of deliberations, decisions, commissionings and evaluations done by a body "
              "declared to perform that function.", "higher", "share", 0.02,
              "Structural: a body declared with more functions matches more by definition.",
              why="One action in fifty done by a body not declared to perform it: three to five "
              "of the 150 to 250 such actions of a run."),
    Indicator("cycle_handoffs_per_issue", "CYCLE", "hand-offs per issue",
              "Mean number of times an issue passes from one body to another.", "lower",
              "hand-offs", 0.2, "Fewer hand-offs can also mean fewer checks.",
              why="One more hand-off for one issue in five: each hand-off waits for another "
              "body's meeting, weeks to months, so ten more over a run's 50 issues is a cost a "
              "partner notices."),
    Indicator("cycle_member_hours_per_year", "CYCLE", "member-hours a year",
              "Member-hours of meetings per year: the cost of the structure.", "lower",
              "hours", 50.0, "Meeting time only.",
              why="Member-hours' 100 over a two-year run, per year: about three quarters of a "
              "meeting of the full five-element Executive (22 seats, about 3 hours) a year; some "
              "3% of the 1,450 to 1,800 hours a year."),
    Indicator("cycle_meetings_per_year", "CYCLE", "meetings a year",
              "Meetings held per year.", "lower", "meetings", 2.0, "A cost, not a benefit.",
              why="Meetings held's four over a two-year run, per year: one body meeting twice a "
              "year (as the Conference and the Strategic Group do) more or less."),
]  # fmt: skip

BY_NAME = {i.name: i for i in [*HEADLINE_INDICATORS, *INDICATORS]}
CRITERIA = list(dict.fromkeys(i.criterion for i in INDICATORS))


def _mean(values) -> float:
    values = [v for v in values if not (isinstance(v, float) and math.isnan(v))]
    return float(np.mean(values)) if values else math.nan


def _share(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def _total(values) -> float:
    """The sum of a column, missing values skipped (as pandas sums it, pairwise)."""
    return float(np.nansum(np.array(values, dtype=float))) if len(values) else 0.0


def _known(value) -> bool:
    """A value that is there: neither None nor NaN."""
    return value is not None and value == value


def _rows(table: dict[str, list], keep: list[bool]) -> dict[str, list]:
    """The rows of a table of plain lists where ``keep`` is true."""
    return {name: [v for v, k in zip(column, keep, strict=True) if k]
            for name, column in table.items()}  # fmt: skip


# The columns the indicators read, by table.
COLUMNS = {
    "issues": ("issue_id", "parent", "kind", "theme", "raised_at", "weeks_to_decision",
               "commissioned_at", "delivery_body", "target_met", "pledged", "challenges",
               "send_backs", "weeks_to_catch_stall", "pledging_sectors", "partners_pledging",
               "outcome_achieved", "weeks_to_close", "handoffs"),
    "meetings": ("time", "body", "decided", "open_meeting", "voluntary_present",
                 "business_present", "seats", "in_person", "substitutes", "replacements",
                 "member_hours", "reports_heard", "county_wide_present"),
    "history": ("issue_id", "time", "body", "action"),
    "bodies": ("body", "functions", "open_meeting", "heard_by"),
    "series": ("mean_commitment",),
    "indicators": ("week", "indicator", "value"),
}  # fmt: skip


def _lists(frame: pd.DataFrame, names: tuple[str, ...]) -> dict[str, list]:
    """A table's columns as plain lists (a table with no rows may lack them)."""
    return {n: frame[n].tolist() if n in frame or len(frame) else [] for n in names}


def evaluate_run(
    tables: dict[str, pd.DataFrame],
    weeks: float,
    priorities: set[str] | None = None,
    targets: dict[str, tuple[float, str, str]] | None = None,
) -> dict[str, float]:
    """All indicators of one run.

    Args:
        tables: the run's tables (``RunResult.tables()`` or hand-built ones).
        weeks: the run's length.
        priorities: the declared priority themes.
        targets: per outcome indicator, (target, aggregate "sum"|"mean", good "higher"|"lower").
    """
    columns = {
        name: _lists(tables[name], names)
        for name, names in COLUMNS.items()
        if name != "indicators" or tables.get(name) is not None
    }
    return evaluate_columns(columns, weeks, priorities, targets)


def evaluate_columns(
    tables: dict[str, dict[str, list]],
    weeks: float,
    priorities: set[str] | None = None,
    targets: dict[str, tuple[float, str, str]] | None = None,
) -> dict[str, float]:
    """All indicators of one run, from the columns of its tables that :data:`COLUMNS` names,
    each a plain list (what ``table[name].tolist()`` gives; a time not reached may be None
    instead of NaN); the ``indicators`` table may be left out. The one computation behind
    :func:`evaluate_run` and :func:`evaluate_result`."""
    issues, meetings = tables["issues"], tables["meetings"]
    history, bodies = tables["history"], tables["bodies"]
    top = _rows(issues, [p == "" for p in issues["parent"]])
    n_top, n_meetings = len(top["parent"]), len(meetings["time"])
    years = weeks / 52.0
    hours = _total(meetings["member_hours"])
    functions = {b: set(f.split(";")) for b, f in zip(bodies["body"], bodies["functions"],
                                                      strict=True)}  # fmt: skip
    decided_meetings = _rows(meetings, [d > 0 for d in meetings["decided"]])
    n_decisions = _total(meetings["decided"])
    communicative = {b for b, o, h in zip(bodies["body"], bodies["open_meeting"],
                                          bodies["heard_by"], strict=True) if o or h}  # fmt: skip
    commissioned = _rows(top, [_known(t) for t in top["commissioned_at"]])
    n_commissioned = len(commissioned["commissioned_at"])
    decided = meetings["decided"]
    out = {
        "lead_weeks_to_direction": _lead_weeks(top, weeks),
        "lead_priority_share": _priority_share(history, issues, priorities or set()),
        "account_owner_share": _owner_share(commissioned, meetings),
        "account_orphan_weeks": _orphan_weeks(history, weeks),
        "open_decisions_share": _share(
            _total([d for d, o in zip(decided, meetings["open_meeting"], strict=True) if o]),
            n_decisions,
        ),
        "open_communicated_share": _share(
            _total([d for d, b in zip(decided, meetings["body"], strict=True)
                    if b in communicative]),
            n_decisions,
        ),
        "open_voluntary_presence": _mean(decided_meetings["voluntary_present"]),
        "open_business_presence": _mean(decided_meetings["business_present"]),
        "deliver_targets_met": _total(top["target_met"]),
        "deliver_targets_share": _share(_total(top["target_met"]), n_top),
        "deliver_outcome_week": _outcome_week(tables.get("indicators"), targets or {}, weeks),
        "commit_member_attendance": _attendance(meetings, "in_person"),
        "commit_substitute_share": _attendance(meetings, "substitutes"),
        "commit_member_attendance_last_year": _attendance(
            _rows(meetings, [t > weeks - 52 for t in meetings["time"]]), "in_person"
        ),
        "commit_replacements": _total(meetings["replacements"]),
        "commit_pledged_per_year": _total(top["pledged"]) / years,
        "commit_commitment_end": (
            float(tables["series"]["mean_commitment"][-1]) if tables["series"]["mean_commitment"]
            else math.nan
        ),
        "scrutiny_challenges_per_year": (_total(top["challenges"]) + _total(top["send_backs"]))
        / years,
        "scrutiny_weeks_to_catch": _mean(issues["weeks_to_catch_stall"]),
        "silos_pooled_share": _share(float(sum(s >= 2 for s in commissioned["pledging_sectors"])),
                                     n_commissioned),
        "silos_joint_commissioning_share": _share(
            float(sum(p >= 2 for p in commissioned["partners_pledging"])), n_commissioned
        ),
        "silos_duplicated_hours": _duplicated_hours(meetings),
        "ripple_quick_wins": float(sum(
            bool(a and w <= QUICK_WIN_WEEKS)
            for a, w in zip(top["outcome_achieved"], top["weeks_to_close"], strict=True)
        )),
        "ripple_outcome_per_1000_hours": _share(1000.0 * _total(top["target_met"]), hours),
        "cycle_complete_share": _complete_share(history, top),
        "cycle_function_match_share": _function_match(history, functions),
        "cycle_handoffs_per_issue": _mean(top["handoffs"]),
        "cycle_member_hours_per_year": hours / years,
        "cycle_meetings_per_year": n_meetings / years,
    }  # fmt: skip
    return out


def _lead_weeks(top: dict[str, list], weeks: float) -> float:
    waited = [
        w if _known(w) else weeks - r
        for k, w, r in zip(top["kind"], top["weeks_to_decision"], top["raised_at"], strict=True)
        if k == "strategic"
    ]
    if not waited:
        return math.nan
    values = np.array(waited, dtype=float)
    counted = np.count_nonzero(~np.isnan(values))
    return float(np.nansum(values) / counted) if counted else math.nan


def _priority_share(
    history: dict[str, list], issues: dict[str, list], priorities: set[str]
) -> float:
    acts = [i for i, a in zip(history["issue_id"], history["action"], strict=True) if a in HANDLING]
    if not acts or not priorities:
        return math.nan
    theme = dict(zip(issues["issue_id"], issues["theme"], strict=True))
    return float(np.mean([theme.get(i) in priorities for i in acts]))


def _owner_share(commissioned: dict[str, list], meetings: dict[str, list]) -> float:
    if not commissioned["commissioned_at"]:
        return math.nan
    last_heard: dict[str, float] = {}
    for time, heard in zip(meetings["time"], meetings["reports_heard"], strict=True):
        for body in filter(None, heard.split(";") if isinstance(heard, str) else ()):
            last_heard[body] = max(time, last_heard.get(body, -math.inf))
    owned = sum(
        last_heard.get(body, -math.inf) > at
        for body, at in zip(commissioned["delivery_body"], commissioned["commissioned_at"],
                            strict=True)
    )  # fmt: skip
    return owned / len(commissioned["commissioned_at"])


def _orphan_weeks(history: dict[str, list], weeks: float) -> float:
    total, since = 0.0, {}
    marks = zip(history["issue_id"], history["action"], history["body"], history["time"],
                strict=True)  # fmt: skip
    for issue_id, action, body, time in marks:
        if action == "asked" and body == "":
            since[issue_id] = time
        elif action == "pulled together" and issue_id in since:
            total += time - since.pop(issue_id)
    return float(total + sum(weeks - t for t in since.values()))


def _outcome_week(
    indicators: dict[str, list] | None, targets: dict[str, tuple[float, str, str]], weeks: float
) -> float:
    if indicators is None or not indicators["indicator"] or not targets:
        return math.nan
    reached = []
    for name, (target, aggregate, good) in targets.items():
        picked = [i for i, n in enumerate(indicators["indicator"]) if n == name]
        if not picked:
            reached.append(weeks)
            continue
        values = pd.Series(np.array(indicators["value"])[picked])
        rows = values.groupby(np.array(indicators["week"])[picked])
        series = rows.sum() if aggregate == "sum" else rows.mean()
        hit = series[series >= target] if good == "higher" else series[series <= target]
        reached.append(float(hit.index[0]) if len(hit) else weeks)
    return float(np.mean(reached))


def _attendance(meetings: dict[str, list], who: str) -> float:
    """Seats filled by ``who`` (in_person or substitutes) as a share of seats."""
    if not meetings["seats"]:
        return math.nan
    return _share(_total(meetings[who]), _total(meetings["seats"]))


def _duplicated_hours(meetings: dict[str, list]) -> float:
    if not meetings["time"]:
        return 0.0
    present = np.array(meetings["in_person"]) + np.array(meetings["substitutes"])
    per_head = np.array(meetings["member_hours"], dtype=float) / np.where(
        present > 0, present, np.nan
    )
    per_head[np.isnan(per_head)] = 0.0
    return float(np.nansum(per_head * np.array(meetings["county_wide_present"], dtype=float)))


def _complete_share(history: dict[str, list], top: dict[str, list]) -> float:
    if not top["issue_id"]:
        return math.nan
    ids = set(top["issue_id"])
    acts: dict[str, set[str]] = defaultdict(set)
    for issue_id, action in zip(history["issue_id"], history["action"], strict=True):
        if issue_id in ids:
            acts[issue_id].add(action)
    needed = [{"deliberated", "prepared", "pulled together"}, {"decided"},
              {"delivered", "pulled together"}, {"evaluated"}]  # fmt: skip
    complete = sum(all(a & need for need in needed) for a in acts.values())
    return complete / len(top["issue_id"])


def _function_match(history: dict[str, list], functions: dict[str, set[str]]) -> float:
    match = [FUNCTION_OF_ACTION[a] in functions.get(b, set())
             for a, b in zip(history["action"], history["body"], strict=True)
             if a in FUNCTION_OF_ACTION and b != ""]  # fmt: skip
    if not match:
        return math.nan
    return float(np.mean(match))


def evaluate_result(result) -> dict[str, float]:
    """All indicators of a ``RunResult``, with the context the run recorded, read from its
    records without building its tables."""
    ctx = result.context
    columns = {
        table: {name: result.column(table, name) for name in names}
        for table, names in COLUMNS.items()
    }
    return evaluate_columns(columns, ctx["weeks"], ctx["priorities"], ctx["targets"])


def indicators_markdown() -> str:
    """The indicator catalogue, as committed in docs/indicators.md: every indicator with its
    smallest difference that matters and why that much, and the shipped scenarios' outcome
    indicators with theirs."""
    lines = ["# Indicators: what each measures, and what it cannot show", "",
             "Every run is measured twice over. The **headline measures** come with every run's",
             "summary (`sim.model.results`); the **evaluation indicators** are computed from a",
             "run's tables by `sim.model.indicators.evaluate_run`, grouped by the criteria",
             "of a strong partnership listed in source document 004 (the September 2010",
             "induction event report: EV-LEAD leadership and vision, EV-ACCOUNT accountability,",
             "EV-OPEN openness, EV-DELIVER delivery against targets, EV-COMMIT commitment,",
             "EV-SCRUTINY challenge and scrutiny, EV-SILOS breaking out of silos, EV-RIPPLE",
             "ripple effect and quick wins) and the Tavistock cycle (CYCLE).", "",
             "*Smallest difference* is the smallest difference between two structures, in the",
             "indicator's own unit, that the comparison treats as mattering: a difference whose",
             "95% interval lies inside plus or minus that amount is reported as *no practical",
             "difference*. *Why that much* says what that amount is in the partnership's terms",
             "(a week of a calendar set in weeks, one seat in fifty, a year of a quarterly",
             "body's meetings), with the scale of the indicator in the shipped scenarios' runs",
             "where that helps. *Better* is the direction that is better in itself (`-`:",
             "neither). Generated by `sim indicators`; a test keeps this page identical to the",
             "code.", ""]  # fmt: skip
    for title, catalogue in (("Headline measures", HEADLINE_INDICATORS),
                             ("Evaluation indicators", INDICATORS)):  # fmt: skip
        lines += [f"## {title}", "",
                  "| indicator | criterion | what it measures | better | smallest difference "
                  "| why that much | what it cannot show |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        for i in catalogue:
            lines.append(f"| `{i.name}` | {i.criterion} | {i.definition} | {i.better or '-'} "
                         f"| {i.smallest:g} {i.unit} | {i.why} | {i.limits} |")  # fmt: skip
        lines.append("")
    lines += ["## Outcome indicators of the scenarios", "",
              "A scenario's outcome indicators (`indicators:` in its file) are measured at the",
              "end of the run and averaged over its weeks; each declares its own smallest",
              "difference (`smallest_difference`, default 1% of its scale) and why that much",
              "(`smallest_why`). Those of the shipped scenarios:", "",
              "| scenario | indicator | what it measures | better | smallest difference "
              "| why that much |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for scenario, spec, smallest in shipped_outcome_indicators():
        lines.append(f"| `{scenario}` | `outcome_{spec.name}` | {spec.description} "
                     f"| {spec.good} | {smallest:g} {spec.unit} "
                     f"| {spec.smallest_reason()} |")  # fmt: skip
    lines.append("")
    return "\n".join(lines)


def shipped_outcome_indicators() -> list:
    """Each shipped scenario's outcome indicators: (scenario name, its spec, its smallest
    difference that matters), in file order."""
    from sim.spec.loading import SCENARIO_DIR
    from sim.spec.scenario import load_scenario

    out = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        scenario = load_scenario(path)
        out += [
            (scenario.name, i, i.smallest(scenario.duration_weeks)) for i in scenario.indicators
        ]
    return out
