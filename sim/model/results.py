"""One run's tidy tables: issues, meetings, series, summary, history, bodies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.model import PartnershipModel

TABLES = ("issues", "meetings", "series", "summary", "history", "bodies", "indicators")


@dataclass
class RunResult:
    """Plain tables from one run (no model objects), ready for pandas, Parquet and DuckDB."""

    issues: pd.DataFrame
    meetings: pd.DataFrame
    series: pd.DataFrame
    summary: pd.DataFrame
    history: pd.DataFrame
    bodies: pd.DataFrame
    indicators: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in TABLES}

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


def _weeks(end: float | None, start: float) -> float:
    return np.nan if end is None else end - start


def collect(model: PartnershipModel) -> RunResult:
    """Build the tables from a finished model."""
    issue_rows, history_rows = [], []
    for issue in model.issues:
        bodies = [h.body for h in issue.history if h.body]
        catch = issue.catch_weeks
        achieved = bool(issue.outcome_achieved) and issue.closed_at is not None
        issue_rows.append(
            {
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
                "bodies_touched": len(set(bodies)),
                "resources": issue.original_resources,
                "rescoped": issue.rescoped,
                "pledged": issue.pledged,
                "funded_share": issue.funded_share,
                "partners_pledging": sum(1 for v in issue.pledges.values() if v > 0),
                "pending_partners": ";".join(sorted(issue.pending)),
                "progress": issue.progress,
                "stalls_caught": len(catch),
                "weeks_to_catch_stall": float(np.mean(catch)) if catch else np.nan,
                "outcome_achieved": achieved,
                "reported_met": bool(issue.reported_met),
                "target_weeks": issue.target_weeks,
                "target_met": achieved and issue.closed_at - issue.raised_at <= issue.target_weeks,
            }
        )
        for n, h in enumerate(issue.history):
            history_rows.append(
                {
                    "issue_id": issue.id,
                    "seq": n,
                    "time": h.time,
                    "body": h.body,
                    "action": h.action.value,
                    "stage": h.stage.value,
                    "to_body": h.to_body or "",
                    "note": h.note,
                }
            )
    issues = pd.DataFrame(issue_rows, columns=_ISSUE_COLUMNS)
    meetings = pd.DataFrame(model.meetings)
    history = pd.DataFrame(history_rows, columns=_HISTORY_COLUMNS)
    series = pd.DataFrame(model.series)
    bodies = _bodies_table(model, meetings)
    indicators = pd.DataFrame(
        model.indicator_rows, columns=["week", "indicator", "district", "value"]
    )
    summary = pd.DataFrame([_summary(model, issues, meetings, indicators)])
    return RunResult(issues, meetings, series, summary, history, bodies, indicators)


def _bodies_table(model: PartnershipModel, meetings: pd.DataFrame) -> pd.DataFrame:
    held = meetings.groupby("body").size() if len(meetings) else pd.Series(dtype=int)
    inquorate = meetings[~meetings["quorate"]].groupby("body").size() if len(meetings) else held
    events = {(e["body"], e["event"]): e["time"] for e in model.body_events}
    rows = []
    for body in model.bodies.values():
        rows.append(
            {
                "body": body.id,
                "name": body.spec.name,
                "scope": body.scope,
                "functions": ";".join(f.value for f in body.spec.functions),
                "seats": len(body.seats),
                "voting_seats": sum(s.voting for s in body.seats),
                "meetings": int(held.get(body.id, 0)),
                "inquorate_meetings": int(inquorate.get(body.id, 0)),
                "replacements": sum(s.representative - 1 for s in body.seats),
                "active_at_end": body.active,
                "activated_at": events.get((body.id, "activated"), np.nan),
                "stood_down_at": events.get((body.id, "stood down"), np.nan),
            }
        )
    return pd.DataFrame(rows)


def _summary(
    model: PartnershipModel,
    issues: pd.DataFrame,
    meetings: pd.DataFrame,
    indicators: pd.DataFrame,
) -> dict:
    """Headline indicators. Issue counts are of issues proper, not of their strands."""
    issues = issues[issues["parent"] == ""]
    named = issues[issues["source"] == "named"]
    end = model.scenario_spec.duration_weeks
    n_meet = len(meetings)
    attendance = (
        (meetings["in_person"] + meetings["substitutes"]).sum() / meetings["seats"].sum()
        if n_meet
        else np.nan
    )
    return {
        "structure": model.structure_spec.name,
        "scenario": model.scenario_spec.name,
        "weeks": model.scenario_spec.duration_weeks,
        "issues_raised": len(issues),
        "issues_decided": int(issues["decided_at"].notna().sum()),
        "issues_delivered": int(issues["delivered_at"].notna().sum()),
        "issues_closed": int((issues["stage"] == "closed").sum()),
        "issues_dropped": int((issues["stage"] == "dropped").sum()),
        "median_weeks_to_decision": float(issues["weeks_to_decision"].median()),
        "median_weeks_to_delivery": float(issues["weeks_to_delivery"].median()),
        "targets_met": int(issues["target_met"].sum()),
        "meetings_held": n_meet,
        "special_meetings": int((meetings["kind"] == "special").sum()) if n_meet else 0,
        "on_demand_meetings": int((meetings["kind"] == "on_demand").sum()) if n_meet else 0,
        "inquorate_meetings": int((~meetings["quorate"]).sum()) if n_meet else 0,
        "member_hours": float(meetings["member_hours"].sum()) if n_meet else 0.0,
        "attendance_rate": float(attendance),
        "replacements": int(meetings["replacements"].sum()) if n_meet else 0,
        "deferrals": int(issues["deferrals"].sum()),
        "send_backs": int(issues["send_backs"].sum()),
        "stalls_caught": int(issues["stalls_caught"].sum()),
        "resources_pledged": float(issues["pledged"].sum()),
        "named_issues": len(named),
        "named_weeks_to_decision": _censored_mean(named, "weeks_to_decision", end),
        "named_weeks_to_delivery": _censored_mean(named, "weeks_to_delivery", end),
        "named_targets_met_share": float(named["target_met"].mean()) if len(named) else np.nan,
        **_outcomes(model, indicators),
    }


def _censored_mean(issues: pd.DataFrame, column: str, end: float) -> float:
    """Mean weeks, counting an issue not there yet as taking until the end of the run."""
    if not len(issues):
        return np.nan
    return float(issues[column].fillna(end - issues["raised_at"]).mean())


def _outcomes(model: PartnershipModel, indicators: pd.DataFrame) -> dict[str, float]:
    """Each outcome indicator, summed or averaged over districts: at the end of the run, and
    averaged over the run's weeks (which rewards getting there sooner)."""
    out = {}
    for name, spec in model.indicator_specs.items():
        rows = indicators[indicators["indicator"] == name].groupby("week")["value"]
        weekly = rows.sum() if spec.aggregate == "sum" else rows.mean()
        out[f"outcome_{name}"] = float(weekly.iloc[-1]) if len(weekly) else np.nan
        out[f"outcome_{name}_average"] = float(weekly.mean()) if len(weekly) else np.nan
    return out


_ISSUE_COLUMNS = [
    "issue_id", "title", "source", "parent", "scope", "theme", "kind", "urgent", "raised_at",
    "stage", "holder", "first_body", "decided_at", "commissioned_at", "delivered_at", "closed_at",
    "dropped_at", "weeks_to_decision", "weeks_to_delivery", "weeks_to_close", "deferrals",
    "rejections", "send_backs", "challenges", "escalations", "handoffs", "bodies_touched",
    "resources", "rescoped", "pledged", "funded_share", "partners_pledging", "pending_partners",
    "progress",
    "stalls_caught", "weeks_to_catch_stall", "outcome_achieved", "reported_met", "target_weeks",
    "target_met",
]  # fmt: skip
_HISTORY_COLUMNS = ["issue_id", "seq", "time", "body", "action", "stage", "to_body", "note"]
