"""Evaluation indicators: what a partnership review measures, computed from one run's tables.

The frame is seed 004's "what makes a strong partnership" (DOMAIN.md section 5, EV-*) and
the Tavistock cycle behind the Gloucestershire structures (deliberation, authorisation,
implementation, evaluation). Every indicator is a plain function of the run's tables
(``issues``, ``meetings``, ``history``, ``bodies``, ``series``, ``indicators``), so it can
be checked on a hand-built table, and is listed in :data:`INDICATORS` with its criterion and
definition (docs/indicators.md is generated from that list).
"""

from __future__ import annotations

import math
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
    name: str
    criterion: str
    label: str
    definition: str
    better: str = ""  # "higher", "lower", or "" where neither is better in itself


INDICATORS: list[Indicator] = [
    Indicator("lead_weeks_to_direction", "EV-LEAD", "weeks to an adopted direction",
              "Mean weeks from a strategic issue arising to its first decision (issues not "
              "decided count until the end of the run).", "lower"),
    Indicator("lead_priority_share", "EV-LEAD", "share of work on declared priorities",
              "Share of agenda actions spent on issues whose theme is a declared priority "
              "(the structure's focus themes and the scenario's named issues' themes).",
              "higher"),
    Indicator("account_owner_share", "EV-ACCOUNT", "decisions with an owner that reports",
              "Share of commissioned issues whose delivery body later reports on its work at "
              "a meeting of a body that hears its reports.", "higher"),
    Indicator("account_orphan_weeks", "EV-ACCOUNT", "orphan weeks",
              "Weeks issues spend with no body holding them (a step asked of several bodies "
              "by nobody in particular, until the answers are pulled together).", "lower"),
    Indicator("open_decisions_share", "EV-OPEN", "decisions in open meetings",
              "Share of decisions taken at meetings open to observers.", "higher"),
    Indicator("open_communicated_share", "EV-OPEN", "decisions communicated",
              "Share of decisions taken by a body that meets in the open or reports to a "
              "wider body that hears its reports.", "higher"),
    Indicator("open_voluntary_presence", "EV-OPEN", "voluntary sector present at decisions",
              "Mean number of voluntary and community sector members present at meetings "
              "that decide something.", "higher"),
    Indicator("open_business_presence", "EV-OPEN", "business present at decisions",
              "Mean number of business members present at meetings that decide something.",
              "higher"),
    Indicator("deliver_targets_met", "EV-DELIVER", "targets met",
              "Issues closed with their outcome achieved within their target weeks.", "higher"),
    Indicator("deliver_targets_share", "EV-DELIVER", "share of targets met",
              "Targets met as a share of the issues raised.", "higher"),
    Indicator("deliver_outcome_week", "EV-DELIVER", "week the outcome target is reached",
              "First week the scenario's outcome indicator reaches its target (the end of the "
              "run if never); averaged over the scenario's indicators with a target.", "lower"),
    Indicator("commit_attendance", "EV-COMMIT", "attendance",
              "Seats filled (in person or by substitute) as a share of seats, all meetings.",
              "higher"),
    Indicator("commit_attendance_last_year", "EV-COMMIT", "attendance in the last year",
              "The same, for meetings in the run's last 52 weeks.", "higher"),
    Indicator("commit_replacements", "EV-COMMIT", "members replaced",
              "Representatives replaced after repeated absence.", ""),
    Indicator("commit_pledged_per_year", "EV-COMMIT", "resources pledged a year",
              "Resource units pledged by partners and funds, per year.", "higher"),
    Indicator("commit_commitment_end", "EV-COMMIT", "commitment at the end",
              "Mean commitment of the representatives sitting at the end of the run.",
              "higher"),
    Indicator("scrutiny_challenges_per_year", "EV-SCRUTINY", "challenges and send-backs a year",
              "Stalled deliveries challenged or sent back, and evaluations sent back, per "
              "year.", "higher"),
    Indicator("scrutiny_weeks_to_catch", "EV-SCRUTINY", "weeks for a stall to be caught",
              "Mean weeks from a delivery stalling to a body catching it.", "lower"),
    Indicator("silos_pooled_share", "EV-SILOS", "deliveries pooling two or more sectors",
              "Share of commissioned issues resourced by partners of two or more sectors.",
              "higher"),
    Indicator("silos_joint_commissioning_share", "EV-SILOS", "joint commissioning",
              "Share of commissioned issues resourced by two or more partners.", "higher"),
    Indicator("silos_duplicated_hours", "EV-SILOS", "duplicated effort (member-hours)",
              "Member-hours county-wide organisations spend in district and city bodies, "
              "engaging each district separately (PI-COUNTY-SCS).", "lower"),
    Indicator("ripple_quick_wins", "EV-RIPPLE", "quick wins",
              f"Issues closed with their outcome achieved within {QUICK_WIN_WEEKS:g} weeks of "
              "arising.", "higher"),
    Indicator("ripple_outcome_per_1000_hours", "EV-RIPPLE", "targets met per 1,000 member-hours",
              "Targets met per 1,000 member-hours of meetings.", "higher"),
    Indicator("cycle_complete_share", "CYCLE", "issues completing all four functions",
              "Share of issues whose history has deliberation (or a prepared proposal), a "
              "decision, a delivery and an evaluation.", "higher"),
    Indicator("cycle_function_match_share", "CYCLE", "actions by the body whose function it is",
              "Share of deliberations, decisions, commissionings and evaluations done by a body "
              "declared to perform that function.", "higher"),
    Indicator("cycle_handoffs_per_issue", "CYCLE", "hand-offs per issue",
              "Mean number of times an issue passes from one body to another.", "lower"),
    Indicator("cycle_member_hours_per_year", "CYCLE", "member-hours a year",
              "Member-hours of meetings per year: the cost of the structure.", "lower"),
    Indicator("cycle_meetings_per_year", "CYCLE", "meetings a year",
              "Meetings held per year.", "lower"),
]  # fmt: skip

BY_NAME = {i.name: i for i in INDICATORS}
CRITERIA = list(dict.fromkeys(i.criterion for i in INDICATORS))


def _mean(values) -> float:
    values = [v for v in values if not (isinstance(v, float) and math.isnan(v))]
    return float(np.mean(values)) if values else math.nan


def _share(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


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
    issues, meetings = tables["issues"], tables["meetings"]
    history, bodies = tables["history"], tables["bodies"]
    top = issues[issues["parent"] == ""]
    years = weeks / 52.0
    hours = float(meetings["member_hours"].sum()) if len(meetings) else 0.0
    functions = {r.body: set(r.functions.split(";")) for r in bodies.itertuples()}
    decided_meetings = meetings[meetings["decided"] > 0]
    n_decisions = float(meetings["decided"].sum())
    communicative = {r.body for r in bodies.itertuples() if r.open_meeting or r.heard_by}
    commissioned = top[top["commissioned_at"].notna()]
    out = {
        "lead_weeks_to_direction": _lead_weeks(top, weeks),
        "lead_priority_share": _priority_share(history, issues, priorities or set()),
        "account_owner_share": _owner_share(commissioned, meetings),
        "account_orphan_weeks": _orphan_weeks(history, weeks),
        "open_decisions_share": _share(
            float(meetings.loc[meetings["open_meeting"], "decided"].sum()), n_decisions
        ),
        "open_communicated_share": _share(
            float(meetings.loc[meetings["body"].isin(communicative), "decided"].sum()),
            n_decisions,
        ),
        "open_voluntary_presence": _mean(decided_meetings["voluntary_present"]),
        "open_business_presence": _mean(decided_meetings["business_present"]),
        "deliver_targets_met": float(top["target_met"].sum()),
        "deliver_targets_share": _share(float(top["target_met"].sum()), len(top)),
        "deliver_outcome_week": _outcome_week(tables.get("indicators"), targets or {}, weeks),
        "commit_attendance": _attendance(meetings),
        "commit_attendance_last_year": _attendance(meetings[meetings["time"] > weeks - 52]),
        "commit_replacements": float(meetings["replacements"].sum()) if len(meetings) else 0.0,
        "commit_pledged_per_year": float(top["pledged"].sum()) / years,
        "commit_commitment_end": (
            float(tables["series"]["mean_commitment"].iloc[-1]) if len(tables["series"])
            else math.nan
        ),
        "scrutiny_challenges_per_year": float(top["challenges"].sum() + top["send_backs"].sum())
        / years,
        "scrutiny_weeks_to_catch": _mean(issues["weeks_to_catch_stall"]),
        "silos_pooled_share": _share(float((commissioned["pledging_sectors"] >= 2).sum()),
                                     len(commissioned)),
        "silos_joint_commissioning_share": _share(
            float((commissioned["partners_pledging"] >= 2).sum()), len(commissioned)
        ),
        "silos_duplicated_hours": _duplicated_hours(meetings),
        "ripple_quick_wins": float(
            (top["outcome_achieved"] & (top["weeks_to_close"] <= QUICK_WIN_WEEKS)).sum()
        ),
        "ripple_outcome_per_1000_hours": _share(1000.0 * float(top["target_met"].sum()), hours),
        "cycle_complete_share": _complete_share(history, top),
        "cycle_function_match_share": _function_match(history, functions),
        "cycle_handoffs_per_issue": _mean(top["handoffs"]),
        "cycle_member_hours_per_year": hours / years,
        "cycle_meetings_per_year": len(meetings) / years,
    }  # fmt: skip
    return out


def _lead_weeks(top: pd.DataFrame, weeks: float) -> float:
    strategic = top[top["kind"] == "strategic"]
    if strategic.empty:
        return math.nan
    waited = strategic["weeks_to_decision"].fillna(weeks - strategic["raised_at"])
    return float(waited.mean())


def _priority_share(history: pd.DataFrame, issues: pd.DataFrame, priorities: set[str]) -> float:
    acts = history[history["action"].isin(HANDLING)]
    if acts.empty or not priorities:
        return math.nan
    theme = issues.set_index("issue_id")["theme"]
    return float(acts["issue_id"].map(theme).isin(priorities).mean())


def _owner_share(commissioned: pd.DataFrame, meetings: pd.DataFrame) -> float:
    if commissioned.empty:
        return math.nan
    last_heard: dict[str, float] = {}
    for time, heard in zip(meetings["time"], meetings["reports_heard"].fillna(""), strict=True):
        for body in filter(None, heard.split(";")):
            last_heard[body] = max(time, last_heard.get(body, -math.inf))
    owned = sum(
        last_heard.get(body, -math.inf) > at
        for body, at in zip(commissioned["delivery_body"], commissioned["commissioned_at"],
                            strict=True)
    )  # fmt: skip
    return owned / len(commissioned)


def _orphan_weeks(history: pd.DataFrame, weeks: float) -> float:
    total, since = 0.0, {}
    marks = history[history["action"].isin(["asked", "pulled together"])]
    for issue_id, action, body, time in zip(marks["issue_id"], marks["action"], marks["body"],
                                            marks["time"], strict=True):  # fmt: skip
        if action == "asked" and body == "":
            since[issue_id] = time
        elif action == "pulled together" and issue_id in since:
            total += time - since.pop(issue_id)
    return float(total + sum(weeks - t for t in since.values()))


def _outcome_week(indicators, targets: dict[str, tuple[float, str, str]], weeks: float) -> float:
    if indicators is None or indicators.empty or not targets:
        return math.nan
    reached = []
    for name, (target, aggregate, good) in targets.items():
        rows = indicators[indicators["indicator"] == name].groupby("week")["value"]
        series = rows.sum() if aggregate == "sum" else rows.mean()
        hit = series[series >= target] if good == "higher" else series[series <= target]
        reached.append(float(hit.index[0]) if len(hit) else weeks)
    return float(np.mean(reached))


def _attendance(meetings: pd.DataFrame) -> float:
    seats = meetings["seats"].sum() if len(meetings) else 0
    return _share(float((meetings["in_person"] + meetings["substitutes"]).sum()), float(seats))


def _duplicated_hours(meetings: pd.DataFrame) -> float:
    if meetings.empty:
        return 0.0
    present = meetings["in_person"] + meetings["substitutes"]
    per_head = (meetings["member_hours"] / present.where(present > 0)).fillna(0.0)
    return float((per_head * meetings["county_wide_present"]).sum())


def _complete_share(history: pd.DataFrame, top: pd.DataFrame) -> float:
    if top.empty:
        return math.nan
    acts = history[history["issue_id"].isin(top["issue_id"])].groupby("issue_id")["action"]
    needed = [{"deliberated", "prepared", "pulled together"}, {"decided"},
              {"delivered", "pulled together"}, {"evaluated"}]  # fmt: skip
    complete = sum(all(set(a) & need for need in needed) for _, a in acts)
    return complete / len(top)


def _function_match(history: pd.DataFrame, functions: dict[str, set[str]]) -> float:
    acts = history[history["action"].isin(FUNCTION_OF_ACTION) & (history["body"] != "")]
    if acts.empty:
        return math.nan
    match = [FUNCTION_OF_ACTION[a] in functions.get(b, set())
             for a, b in zip(acts["action"], acts["body"], strict=True)]  # fmt: skip
    return float(np.mean(match))


def evaluate_result(result) -> dict[str, float]:
    """All indicators of a ``RunResult``, with the context the run recorded."""
    ctx = result.context
    return evaluate_run(result.tables(), ctx["weeks"], ctx["priorities"], ctx["targets"])


def indicators_markdown() -> str:
    """The indicator catalogue, as committed in docs/indicators.md."""
    lines = ["# Evaluation indicators", "",
             "Computed for every run from its tables by `sim.analysis.indicators.evaluate_run`,",
             "grouped by the criteria of seed 004 (DOMAIN.md section 5) and the Tavistock cycle.",
             "Generated by `sim indicators`; a test keeps this page identical to the code.", "",
             "| indicator | criterion | what it measures | better |",
             "|---|---|---|---|"]  # fmt: skip
    for i in INDICATORS:
        lines.append(f"| `{i.name}` | {i.criterion} | {i.definition} | {i.better or '-'} |")
    return "\n".join(lines) + "\n"
