"""One run's tidy tables: issues, meetings, series, summary, history, bodies, indicators.

The summary is computed at once from the run's plain records; the other tables are built
as pandas DataFrames only when first asked for, so a sweep that keeps only the summary
does not pay for them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.issue import Issue
from sim.model.model import PartnershipModel
from sim.model.records import MeetingRecord
from sim.model.survival import km_median

TABLES = ("issues", "meetings", "series", "summary", "history", "bodies", "indicators")

_HISTORY_COLUMNS = ["issue_id", "seq", "time", "body", "action", "stage", "to_body", "note"]
_INDICATOR_COLUMNS = ["week", "indicator", "district", "value"]


class RunResult:
    """Plain tables from one run (no model objects), ready for pandas, Parquet and DuckDB."""

    def __init__(self, model: PartnershipModel) -> None:
        self._issues = model.issues
        self._issue_rows = [_issue_row(issue) for issue in model.issues]
        self._meetings = model.meetings
        self._series_rows = model.series
        self._indicator_rows = model.indicator_rows
        self._body_rows = _body_rows(model)
        self.summary = pd.DataFrame([_summary(model, self._issue_rows, model.meetings)])
        named = {i.theme for i in model.scenario_spec.issues}
        focus = {t for themes in model.structure_spec.focus.values() for t in themes}
        self.context = {
            "weeks": model.scenario_spec.duration_weeks,
            "priorities": named | focus,
            "targets": {
                spec.name: (spec.target, spec.aggregate, spec.good)
                for spec in model.scenario_spec.indicators
                if spec.target is not None
            },
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in TABLES}

    @cached_property
    def issues(self) -> pd.DataFrame:
        return pd.DataFrame(self._issue_rows, columns=_ISSUE_COLUMNS)

    @cached_property
    def meetings(self) -> pd.DataFrame:
        return pd.DataFrame([record.row() for record in self._meetings])

    @cached_property
    def series(self) -> pd.DataFrame:
        return pd.DataFrame(self._series_rows)

    @cached_property
    def history(self) -> pd.DataFrame:
        return pd.DataFrame(self._history_rows, columns=_HISTORY_COLUMNS)

    @cached_property
    def _history_rows(self) -> list[tuple]:
        return [
            (issue.id, n, h.time, h.body, h.action.value, h.stage.value, h.to_body or "", h.note)
            for issue in self._issues
            for n, h in enumerate(issue.history)
        ]

    @cached_property
    def bodies(self) -> pd.DataFrame:
        return pd.DataFrame(self._body_rows)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        return pd.DataFrame(self._indicator_rows, columns=_INDICATOR_COLUMNS)

    def column(self, table: str, name: str) -> list:
        """One column of a table as a plain list, read from the run's records without building
        the table: the values ``getattr(self, table)[name].tolist()`` gives, except that a
        time not reached may be None where the table has NaN."""
        if table == "issues":
            return [row[name] for row in self._issue_rows]
        if table == "meetings":
            return [getattr(record, name) for record in self._meetings]
        if table == "history":
            i = _HISTORY_COLUMNS.index(name)
            return [row[i] for row in self._history_rows]
        if table == "bodies":
            return [row[name] for row in self._body_rows]
        if table == "series":
            return [row[name] for row in self._series_rows]
        if table == "indicators":
            i = _INDICATOR_COLUMNS.index(name)
            return [row[i] for row in self._indicator_rows]
        raise KeyError(table)

    def write(self, out: Path, fmt: str = "csv") -> list[Path]:
        """Write every table to ``out`` as CSV or Parquet; returns the paths written."""
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, table in self.tables().items():
            path = out / f"{name}.{fmt}"
            if fmt == "parquet":
                table.to_parquet(path, index=False)
            else:
                table.to_csv(path, index=False)
            paths.append(path)
        return paths


def collect(model: PartnershipModel) -> RunResult:
    """The tables of a finished model."""
    return RunResult(model)


def _weeks(end: float | None, start: float) -> float:
    return math.nan if end is None else end - start


def _issue_row(issue: Issue) -> dict:
    bodies = {h.body for h in issue.history if h.body}
    catch = issue.catch_weeks
    achieved = bool(issue.outcome_achieved) and issue.closed_at is not None
    return {
        "issue_id": issue.id,
        "title": issue.title,
        "source": issue.source,
        "parent": issue.parent.id if issue.parent is not None else "",
        "scope": issue.scope,
        "theme": issue.theme,
        "kind": issue.kind,
        "urgent": issue.urgent,
        "raised_at": issue.raised_at,
        "stage": issue.stage.value,
        "holder": issue.holder or "",
        "first_body": next((h.to_body for h in issue.history if h.to_body), ""),
        "decided_at": issue.decided_at,
        "commissioned_at": issue.commissioned_at,
        "delivered_at": issue.delivered_at,
        "closed_at": issue.closed_at,
        "dropped_at": issue.dropped_at,
        "weeks_to_decision": _weeks(issue.decided_at, issue.raised_at),
        "weeks_to_delivery": _weeks(issue.delivered_at, issue.raised_at),
        "weeks_to_close": _weeks(issue.closed_at, issue.raised_at),
        "deferrals": issue.deferrals,
        "rejections": issue.rejections,
        "send_backs": issue.send_backs,
        "challenges": issue.challenges,
        "escalations": issue.escalations,
        "handoffs": sum(1 for h in issue.history if h.to_body and h.to_body != h.body),
        "bodies_touched": len(bodies),
        "resources": issue.original_resources,
        "rescoped": issue.rescoped,
        "pledged": issue.pledged,
        "funded_share": issue.funded_share,
        "partners_pledging": sum(1 for v in issue.pledges.values() if v > 0),
        "pledging_sectors": len(issue.pledging_sectors),
        "delivery_body": next(
            (h.body for h in issue.history if h.action.value == "commissioned"), ""
        ),
        "pending_partners": ";".join(sorted(issue.pending)),
        "progress": issue.progress,
        "stalls_caught": len(catch),
        "weeks_to_catch_stall": sum(catch) / len(catch) if catch else math.nan,
        "outcome_achieved": achieved,
        "reported_met": bool(issue.reported_met),
        "target_weeks": issue.target_weeks,
        "target_met": achieved and issue.closed_at - issue.raised_at <= issue.target_weeks,
    }


_ISSUE_COLUMNS = [
    "issue_id", "title", "source", "parent", "scope", "theme", "kind", "urgent", "raised_at",
    "stage", "holder", "first_body", "decided_at", "commissioned_at", "delivered_at",
    "closed_at", "dropped_at", "weeks_to_decision", "weeks_to_delivery", "weeks_to_close",
    "deferrals", "rejections", "send_backs", "challenges", "escalations", "handoffs",
    "bodies_touched", "resources", "rescoped", "pledged", "funded_share", "partners_pledging",
    "pledging_sectors", "delivery_body", "pending_partners", "progress", "stalls_caught",
    "weeks_to_catch_stall", "outcome_achieved", "reported_met", "target_weeks", "target_met",
]  # fmt: skip


def _body_rows(model: PartnershipModel) -> list[dict]:
    held: dict[str, int] = defaultdict(int)
    inquorate: dict[str, int] = defaultdict(int)
    for m in model.meetings:
        held[m.body] += 1
        inquorate[m.body] += not m.quorate
    events = {(e["body"], e["event"]): e["time"] for e in model.body_events}
    heard_by: dict[str, list[str]] = defaultdict(list)
    for body in model.bodies.values():
        if body.spec.hears_reports is not None:
            for source in body.spec.hears_reports.from_bodies:
                heard_by[source].append(body.id)
    return [
        {
            "body": body.id,
            "name": body.spec.name,
            "scope": body.scope,
            "functions": ";".join(f.value for f in body.spec.functions),
            "seats": len(body.seats),
            "voting_seats": sum(s.voting for s in body.seats),
            "meetings": held[body.id],
            "inquorate_meetings": inquorate[body.id],
            "replacements": sum(s.representative - 1 for s in body.seats),
            "reports_to": body.spec.reports_to or "",
            "heard_by": ";".join(heard_by[body.id]),
            "open_meeting": body.spec.open_meeting,
            "active_at_end": body.active,
            "activated_at": events.get((body.id, "activated"), math.nan),
            "stood_down_at": events.get((body.id, "stood down"), math.nan),
        }
        for body in model.bodies.values()
    ]


def _times(rows: list[dict], column: str, end: float) -> tuple[list[float], list[bool]]:
    """Weeks to an event per issue and whether it was seen: an issue still open at the end of
    the run is censored there, a dropped one when it was dropped."""
    times, seen = [], []
    for r in rows:
        weeks = r[column]
        if not math.isnan(weeks):
            times.append(weeks)
            seen.append(True)
        else:
            stop = r["dropped_at"] if r["dropped_at"] is not None else end
            times.append(stop - r["raised_at"])
            seen.append(False)
    return times, seen


def _km_median(rows: list[dict], column: str, end: float) -> float:
    """Kaplan-Meier median weeks to the event (censoring allowed for)."""
    return km_median(*_times(rows, column, end)) if rows else math.nan


def _open_without(rows: list[dict], column: str) -> float:
    """Share of issues still open at the end without the event: their times are censored."""
    if not rows:
        return math.nan
    return sum(math.isnan(r[column]) and r["dropped_at"] is None for r in rows) / len(rows)


def _censored_mean(rows: list[dict], column: str, end: float) -> float:
    """Mean weeks restricted to the end of the run: an issue not there yet counts the weeks
    it has waited (dropped issues the weeks until the end too)."""
    if not rows:
        return math.nan
    values = [end - r["raised_at"] if math.isnan(r[column]) else r[column] for r in rows]
    return sum(values) / len(values)


def _summary(
    model: PartnershipModel, issue_rows: list[dict], meetings: list[MeetingRecord]
) -> dict:
    """Headline indicators. Issue counts are of issues proper, not of their strands."""
    issues = [r for r in issue_rows if r["parent"] == ""]
    named = [r for r in issues if r["source"] == "named"]
    end = model.scenario_spec.duration_weeks
    seats = sum(m.seats for m in meetings)
    in_person = sum(m.in_person for m in meetings)
    substitutes = sum(m.substitutes for m in meetings)
    return {
        "structure": model.structure_spec.name,
        "scenario": model.scenario_spec.name,
        "weeks": end,
        "issues_raised": len(issues),
        "issues_decided": sum(r["decided_at"] is not None for r in issues),
        "issues_delivered": sum(r["delivered_at"] is not None for r in issues),
        "issues_closed": sum(r["stage"] == "closed" for r in issues),
        "issues_dropped": sum(r["stage"] == "dropped" for r in issues),
        "median_weeks_to_decision": _km_median(issues, "weeks_to_decision", end),
        "median_weeks_to_delivery": _km_median(issues, "weeks_to_delivery", end),
        "decision_censored_share": _open_without(issues, "weeks_to_decision"),
        "delivery_censored_share": _open_without(issues, "weeks_to_delivery"),
        "targets_met": sum(r["target_met"] for r in issues),
        "meetings_held": len(meetings),
        "special_meetings": sum(m.kind == "special" for m in meetings),
        "on_demand_meetings": sum(m.kind == "on_demand" for m in meetings),
        "inquorate_meetings": sum(not m.quorate for m in meetings),
        "member_hours": float(sum(m.member_hours for m in meetings)),
        "member_attendance_rate": in_person / seats if seats else math.nan,
        "substitute_share": substitutes / seats if seats else math.nan,
        "seats_filled_rate": (in_person + substitutes) / seats if seats else math.nan,
        "replacements": sum(m.replacements for m in meetings),
        "deferrals": sum(r["deferrals"] for r in issues),
        "send_backs": sum(r["send_backs"] for r in issues),
        "stalls_caught": sum(r["stalls_caught"] for r in issues),
        "resources_pledged": float(sum(r["pledged"] for r in issues)),
        "named_issues": len(named),
        "named_weeks_to_decision": _censored_mean(named, "weeks_to_decision", end),
        "named_weeks_to_delivery": _censored_mean(named, "weeks_to_delivery", end),
        "named_decision_censored_share": _open_without(named, "weeks_to_decision"),
        "named_delivery_censored_share": _open_without(named, "weeks_to_delivery"),
        "named_targets_met_share": (
            sum(r["target_met"] for r in named) / len(named) if named else math.nan
        ),
        "green_without_outcome_share": _green_without_outcome(model),
        **_outcomes(model),
    }


def _green_without_outcome(model: PartnershipModel) -> float:
    """PI-PERF: of the issues evaluated, the share reported as met ("green") whose outcome
    was not achieved: what judging on inputs misses (0 when every body judges outcomes)."""
    judged = [i for i in model.issues if i.parent is None and i.reported_met is not None]
    if not judged:
        return math.nan
    return sum(bool(i.reported_met) and not i.outcome_achieved for i in judged) / len(judged)


def _outcomes(model: PartnershipModel) -> dict[str, float]:
    """Each outcome indicator, summed or averaged over districts: at the end of the run, and
    averaged over the run's weeks (which rewards getting there sooner)."""
    out = {}
    for name, spec in model.indicator_specs.items():
        weekly: dict[float, list[float]] = defaultdict(list)
        for week, indicator, _, value in model.indicator_rows:
            if indicator == name:
                weekly[week].append(value)
        totals = [sum(v) if spec.aggregate == "sum" else sum(v) / len(v) for v in weekly.values()]
        out[f"outcome_{name}"] = totals[-1] if totals else math.nan
        out[f"outcome_{name}_average"] = float(np.mean(totals)) if totals else math.nan
    return out
