"""An issue's pathway read from a run's tables: who held it from when to when, from its
arrival to the end of its pathway (or of the run), and which of its steps were taken at a
special meeting.

Read by the report's pathway figure (:func:`draw_timeline`), by `sim trace` and by the app's
pathway table (:func:`meeting_kinds`). An issue asked of several bodies at once waits, held
by nobody, for their replies; each reply is a strand of the issue held by the body asked, and
is drawn in that body's row, hatched.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pandas as pd

NOBODY = "nobody holds it (waiting)"
SPECIAL = "special"
ENDED = ("closed", "dropped")


@dataclass(frozen=True)
class Holding:
    """A body (``""``: nobody) holding the issue, or one of its strands, from start to end."""

    start: float
    end: float
    holder: str
    strand: bool = False


@dataclass(frozen=True)
class Event:
    """An action on the issue (or a strand): by whom, when, and the kind of meeting it was
    taken at (``""`` where no meeting of that body was held then, e.g. a partner's pledge)."""

    time: float
    body: str
    action: str
    meeting: str = ""
    strand: bool = False


@dataclass
class Timeline:
    """One issue's pathway in one run, from its arrival to the end of its pathway."""

    issue_id: str
    title: str
    arrival: float
    end: float
    stage: str
    holdings: list[Holding] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def specials(self) -> list[Event]:
        return [e for e in self.events if e.meeting == SPECIAL]


def meeting_kinds(result) -> dict[tuple[str, float], str]:
    """Each meeting's kind (regular, special, joint, on_demand) by its body and time; an action
    recorded by a body at a time its meeting was held was taken at that meeting. Where a body
    held two meetings at one time, a special one is the one named."""
    kinds: dict[tuple[str, float], str] = {}
    meetings = result.meetings
    if meetings.empty:  # a run with no meetings (the Garbage Can) has no columns either
        return kinds
    for body, time, kind in zip(meetings["body"], meetings["time"], meetings["kind"], strict=True):
        key = (str(body), float(time))
        if kinds.get(key) != SPECIAL:
            kinds[key] = str(kind)
    return kinds


def _strands(issues: pd.DataFrame, issue_id: str) -> list[str]:
    """The issue's strands, and theirs, depth first."""
    out = []
    for strand in issues.loc[issues["parent"] == issue_id, "issue_id"]:
        out += [strand, *_strands(issues, strand)]
    return out


def _own(result, issue_id: str, run_end: float, kinds: dict, strand: bool):
    """One issue's holdings and events (not its strands'), and where its pathway ends."""
    history = result.history[result.history["issue_id"] == issue_id].sort_values(["time", "seq"])
    row = result.issues[result.issues["issue_id"] == issue_id].iloc[0]
    times = [float(t) for t in history["time"]]
    end = times[-1] if (row["stage"] in ENDED and times) else run_end
    holdings, events = [], []
    for i, h in enumerate(history.itertuples()):
        until = times[i + 1] if i + 1 < len(times) else end
        if until > h.time and (h.to_body or not strand):
            holdings.append(Holding(float(h.time), float(until), h.to_body or "", strand))
        if h.body:
            kind = kinds.get((h.body, float(h.time)), "")
            events.append(Event(float(h.time), h.body, h.action, kind, strand))
    return holdings, events, end


def timeline(result, issue_id: str) -> Timeline:
    """The issue's pathway in a run: arrival, holdings (its own and its strands'), actions with
    the kind of meeting each was taken at, and its end: when it and every strand closed or
    were dropped, else the end of the run."""
    issues = result.issues
    row = issues[issues["issue_id"] == issue_id].iloc[0]
    run_end = float(result.context["weeks"])
    kinds = meeting_kinds(result)
    holdings, events, end = _own(result, issue_id, run_end, kinds, strand=False)
    for strand in _strands(issues, issue_id):
        more, acts, strand_end = _own(result, strand, run_end, kinds, strand=True)
        holdings += more
        events += acts
        end = max(end, strand_end)
    merged: list[Holding] = []  # one bar for consecutive holdings by the same holder
    for h in holdings:
        last = merged[-1] if merged else None
        if last and not h.strand and not last.strand and last.holder == h.holder \
                and last.end == h.start:  # fmt: skip
            merged[-1] = Holding(last.start, h.end, h.holder)
        else:
            merged.append(h)
    return Timeline(issue_id, str(row["title"]), float(row["raised_at"]), end,
                    str(row["stage"]), merged, events)  # fmt: skip


def rows(timeline: Timeline) -> list[str]:
    """The rows of the figure: each holder in the order it first held the issue (``""``, the
    waiting row, where it first waited)."""
    return list(dict.fromkeys(h.holder for h in sorted(timeline.holdings, key=lambda h: h.start)))


def _label(holder: str, names: dict[str, str]) -> str:
    return NOBODY if holder == "" else names.get(holder, holder)


def draw_timeline(ax, timeline: Timeline, names: dict[str, str], colour: str,
                  xlim: tuple[float, float], n_rows: int | None = None) -> None:  # fmt: skip
    """Draw the pathway on ``ax``: a bar per holding body (labelled by its title), the waiting
    with nobody holding it as a grey row saying so, strands hatched, each action a dot on the
    row of the body that took it, an action at a special meeting a star with the words
    "special meeting"; the issue's arrival a line. ``xlim`` is shared by every option."""
    order = rows(timeline)
    y = {h: i for i, h in enumerate(order)}
    for h in timeline.holdings:
        if h.holder == "":
            ax.broken_barh([(h.start, h.end - h.start)], (y[""] - 0.3, 0.6), color="#BBBBBB")
        elif h.strand:
            ax.broken_barh([(h.start, h.end - h.start)], (y[h.holder] - 0.3, 0.6),
                           facecolor="white", edgecolor=colour, hatch="////",
                           linewidth=0.8)  # fmt: skip
        else:
            ax.broken_barh([(h.start, h.end - h.start)], (y[h.holder] - 0.3, 0.6), color=colour,
                           alpha=0.85)  # fmt: skip
        span = h.end - h.start
        if span >= 0.06 * (xlim[1] - xlim[0]):  # long enough to say how long
            ax.text(h.start + span / 2, y[h.holder], f"{span:.0f} wk", ha="center",
                    va="center", fontsize=6.5,
                    color="black" if h.strand or h.holder == "" else "white")  # fmt: skip
    holder_at = sorted((h.start, h.holder) for h in timeline.holdings if not h.strand)
    for e in timeline.events:
        row = y.get(e.body)
        if row is None:  # a partner's pledge: on the row of the body holding the issue then
            held = [holder for start, holder in holder_at if start <= e.time]
            row = y.get(held[-1] if held else "", 0)
        if e.meeting == SPECIAL:
            ax.scatter([e.time], [row], marker="*", s=110, color="black", zorder=4)
            ax.annotate("special meeting", (e.time, row), xytext=(0, 7),
                        textcoords="offset points", ha="center", fontsize=6.5,
                        fontweight="bold", zorder=5)  # fmt: skip
        else:
            ax.scatter([e.time], [row], marker="o", s=12, color="black", zorder=3)
    ax.axvline(timeline.arrival, color="#555555", linestyle=":", linewidth=1)
    ax.annotate(f"arrives (week {timeline.arrival:g})", (timeline.arrival, 1.0),
                xycoords=("data", "axes fraction"), xytext=(2, 2), textcoords="offset points",
                fontsize=6.5, color="#555555")  # fmt: skip
    labels = [textwrap.fill(_label(h, names), 30) for h in order]
    ax.set_yticks(range(len(order)), labels, fontsize=7)
    ax.set_ylim((n_rows or len(order)) - 0.5, -0.7)
    ax.set_xlim(*xlim)
    ax.set_xlabel("weeks since the run began", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
    ax.set_axisbelow(True)


def legend(ax, colour: str) -> None:
    """What the marks mean, below the axes."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    star = {"marker": "*", "color": "black", "linestyle": "", "markersize": 9}
    handles = [
        Patch(color=colour, alpha=0.85, label="holds the issue"),
        Patch(facecolor="white", edgecolor=colour, hatch="////", label="asked to reply"),
        Patch(color="#BBBBBB", label="nobody holds it"),
        Line2D([], [], marker="o", color="black", linestyle="", markersize=4, label="an action"),
        Line2D([], [], label="at a special meeting", **star),
    ]
    ax.legend(handles=handles, fontsize=6.5, ncol=3, loc="upper center",
              bbox_to_anchor=(0.5, -0.22), frameon=False)  # fmt: skip


def shared_xlim(timelines: list[Timeline]) -> tuple[float, float]:
    """One time axis for every option: from the earliest arrival to the latest end."""
    start = min(t.arrival for t in timelines)
    end = max(max(t.end for t in timelines), start + 1.0)
    return start - 0.02 * (end - start), end + 0.02 * (end - start)
