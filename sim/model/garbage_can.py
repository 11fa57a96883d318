"""Garbage-can attachment: the Garbage Can Model of organisational choice as a policy.

Under ``attachment: garbage_can`` (Cohen, March and Olsen 1972) a structure's bodies are
choice opportunities, its partners decision makers with ``energy`` to give each week, and
a scenario's issues problems whose decision needs ``energy``. Nothing is routed and no
body keeps a calendar. Instead, once a week (a period, after that week's arrivals and
openings):

1. every active unsolved issue goes to the open body its routing rules give it access to
   that has the smallest energy deficit as of the end of the previous week (ties: the body
   listed first in the structure);
2. every member goes, by the same rule, to an open body it holds a seat on;
3. each body adds its members' energy, deflated by ``solution_coefficient``, to what has
   been spent on it so far;
4. every open body whose spent energy covers the energy its attached issues need is
   decided: by *resolution* if issues are attached (they are solved), by *flight* if
   issues were attached earlier but have left, by *oversight* if none ever was.

The deficit of a body is the energy its attached issues need minus the effective energy
spent on it; it is compared rounded to nine decimals so that the order of floating-point
sums cannot decide a tie. Everything else (arrivals, openings, closing issues, histories,
tables) is the partnership engine's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mesa.time import Priority, Schedule

from sim.model.issue import Action, Issue
from sim.spec.structure import Function

if TYPE_CHECKING:
    from sim.model.agents import Body
    from sim.model.model import PartnershipModel

EPS = 1e-9
CLOSED = float("inf")
STYLES = ("resolution", "oversight", "flight")
COUNTS = (
    "problem_activity",
    "problem_latency",
    "problem_moves",
    "dm_activity",
    "dm_attached",
    "decision_difficulty",
    "problems_tracked",
)


class GarbageCan:
    """The weekly attachment of issues and members to bodies, and energy decisions."""

    def __init__(self, model: PartnershipModel) -> None:
        self.model = model
        self.coefficient = model.params.solution_coefficient
        self.bodies: list[Body] = list(model.bodies.values())
        index = {body.id: i for i, body in enumerate(self.bodies)}
        seats: dict[str, list[int]] = {}
        for i, body in enumerate(self.bodies):
            for seat in body.seats:
                seats.setdefault(seat.partner.id, []).append(i)
        self.members = [
            (model.partners[pid], tuple(sorted(set(where)))) for pid, where in seats.items()
        ]
        self._index = index
        self._access: dict[str, tuple[int, ...]] = {}
        self.waiting: list[Issue] = []  # active, unsolved issues in arrival order
        self.counts = dict.fromkeys(COUNTS, 0)
        self.energy_spent = 0.0
        self.energy_solved = 0.0
        self.energy_reserve = 0.0
        model.schedule_recurring(self.period, Schedule(interval=1, start=1), Priority.LOW)

    def wait(self, issue: Issue) -> None:
        """An issue has arrived: it joins the issues looking for a body."""
        bodies = self.model.router.matching(issue, Function.DECISION, issue.scope)
        self._access[issue.id] = tuple(sorted({self._index[b.id] for b in bodies}))
        issue.holder = None
        self.waiting.append(issue)

    def period(self) -> None:
        """One week of the Garbage Can: attach issues, attach members, spend, decide."""
        now = self.model.time
        bodies, counts = self.bodies, self.counts
        deficit = [
            round(b.energy_needed - b.energy_spent, 9) if b.active else CLOSED for b in bodies
        ]
        key = deficit.__getitem__
        best_of: dict[tuple[int, ...], int | None] = {}  # the same access, the same choice

        def nearest(access: tuple[int, ...]) -> int | None:
            best = min(access, key=key) if access else None
            best_of[access] = best = None if best is None or deficit[best] == CLOSED else best
            return best

        attached: list[list[Issue]] = [[] for _ in bodies]
        needed = [0.0] * len(bodies)
        activity = latency = moves = 0
        for issue in self.waiting:
            access = self._access[issue.id]
            best = best_of[access] if access in best_of else nearest(access)
            if best is None:
                latency += 1
                continue
            activity += 1
            body = bodies[best]
            if issue.holder != body.id:
                moves += issue.holder is not None
                issue.holder = body.id
                issue.record(now, body.id, Action.ATTACHED, f"deficit {deficit[best]:.2f}")
            attached[best].append(issue)
            needed[best] += issue.energy
        given = [0.0] * len(bodies)
        shifts = present = 0
        for member, access in self.members:
            best = best_of[access] if access in best_of else nearest(access)
            if best is None:
                member.attending = None
                self.energy_reserve += self.coefficient * member.energy
                continue
            body = bodies[best]
            shifts += member.attending is not None and member.attending is not body
            present += 1
            member.attending = body
            given[best] += member.energy
        undecided = tracked = 0
        solved = False
        for i, body in enumerate(bodies):
            if not body.active:
                continue
            if given[i] > 0:  # issues and members in the same place (they track each other)
                tracked += len(attached[i])
            spent = self.coefficient * given[i]
            body.energy_spent += spent
            self.energy_spent += spent
            body.queue = attached[i]
            body.energy_needed = needed[i]
            if body.energy_spent >= needed[i] - EPS:
                self.decide(body, attached[i], now)
                solved = solved or bool(attached[i])
            else:
                undecided += 1
                body.had_issues = body.had_issues or bool(attached[i])
        if solved:
            self.waiting = [issue for issue in self.waiting if issue.is_open]
        counts["problem_activity"] += activity
        counts["problem_latency"] += latency
        counts["problem_moves"] += moves
        counts["dm_activity"] += shifts
        counts["dm_attached"] += present
        counts["decision_difficulty"] += undecided
        counts["problems_tracked"] += tracked

    def decide(self, body: Body, issues: list[Issue], now: float) -> None:
        """The choice is made: attached issues are solved; the body closes."""
        style = "resolution" if issues else ("flight" if body.had_issues else "oversight")
        body.decided_by, body.decided_at, body.active = style, now, False
        body.queue = []
        model = self.model
        for issue in issues:
            issue.decided_at = now
            model.decided_count += 1
            self.energy_solved += issue.energy
            model.advance(issue, body, Action.DECIDED, f"by {style}")
        model.note_body_event(body, f"decided by {style}")

    # -- what a run shows ----------------------------------------------------------------
    def series_row(self, week: float) -> dict[str, Any]:
        """The weekly series under garbage-can attachment (recorded before the week's period)."""
        return {
            "week": week,
            "raised": len(self.model.issues),
            "waiting": len(self.waiting),
            "open_bodies": sum(b.active for b in self.bodies),
            "decided_bodies": sum(b.decided_by is not None for b in self.bodies),
            "decided": self.model.decided_count,
            "energy_spent": self.energy_spent,
        }

    def summary(self) -> dict[str, Any]:
        """The Garbage Can's statistics of the run so far (one row of ``sim gcm``)."""
        decided = [b.decided_by for b in self.bodies]
        issues = [i for i in self.model.issues if i.parent is None]
        solved = sum(i.decided_at is not None for i in issues)
        return {
            **{
                f"{style}s" if style != "flight" else "flights": decided.count(style)
                for style in STYLES
            },
            "choices_made": sum(d is not None for d in decided),
            "choices_unmade": sum(d is None for d in decided),
            "problems_solved": solved,
            "problems_unsolved": len(self.model.scenario_spec.issues) - solved,
            **self.counts,
            "energy_spent": self.energy_spent,
            "energy_wasted": self.energy_spent - self.energy_solved,
            "energy_reserve": self.energy_reserve,
        }

    def choices(self) -> list[dict[str, Any]]:
        """Each body: when it opened, whether and how it was decided, and when."""
        return [
            {
                "choice": body.id,
                "order": i + 1,
                "opened_at": body.starts_week,
                "made": body.decided_by is not None,
                "style": body.decided_by or "",
                "made_at": body.decided_at,
            }
            for i, body in enumerate(self.bodies)
        ]

    def problems(self) -> list[dict[str, Any]]:
        """Each named issue: when it arrived, whether and when it was solved."""
        by_id = {issue.id: issue for issue in self.model.issues}
        rows = []
        for order, spec in enumerate(self.model.scenario_spec.issues, start=1):
            issue = by_id.get(spec.id)
            rows.append(
                {
                    "problem": spec.id,
                    "order": order,
                    "arrived_at": issue.raised_at if issue else None,
                    "solved": bool(issue and issue.decided_at is not None),
                    "solved_at": issue.decided_at if issue else None,
                }
            )
        return rows
