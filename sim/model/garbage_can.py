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
sums cannot decide a tie. The Garbage Can's own state is the policy's, not the bodies' and
partners': per body (in structure order) the energy spent on it and needed by its issues,
whether issues were ever attached, how and when its choice was made; per member, the body
it works on this week. Everything else (arrivals, openings, closing issues, histories,
tables) is the partnership engine's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mesa.time import Priority, Schedule

from sim.model.issue import Action, Issue
from sim.spec.structure import Function

if TYPE_CHECKING:
    from sim.model.agents import Body, Partner
    from sim.model.model import PartnershipModel

EPS = 1e-9
NOWHERE = -1  # no open body to go to
UNSET = -2  # not chosen yet this period
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
    """The weekly attachment of issues and members to bodies, energy decisions, and the
    state they need (lists indexed like ``bodies`` and like ``members``)."""

    def __init__(self, model: PartnershipModel) -> None:
        self.model = model
        self.coefficient = model.params.solution_coefficient
        self.bodies: list[Body] = list(model.bodies.values())
        self.ids = [body.id for body in self.bodies]
        self.index = {body_id: i for i, body_id in enumerate(self.ids)}
        n = len(self.bodies)
        self.spent = [0.0] * n  # effective energy spent on each body so far
        self.needed = [0.0] * n  # energy its attached issues need, as of the last period
        self.had_issues = [False] * n  # whether issues were ever attached to it
        self.decided_by: list[str | None] = [None] * n  # how its choice was made
        self.decided_at: list[float | None] = [None] * n
        # Who may go where: each distinct access (the bodies open to an issue, or on which a
        # member sits) is numbered once, so that a period chooses once for each.
        self._accesses: list[frozenset[int]] = []
        self._numbers: dict[frozenset[int], int] = {}
        seats: dict[str, list[int]] = {}
        for i, body in enumerate(self.bodies):
            for seat in body.seats:
                seats.setdefault(seat.partner.id, []).append(i)
        self.members: list[Partner] = [model.partners[pid] for pid in seats]
        self._member_access = [self._number(where) for where in seats.values()]
        self._member_energy = [member.energy for member in self.members]
        self.attending: list[int | None] = [None] * len(self.members)  # body it works on
        self._waiting: list[Issue] = []  # active unsolved issues, in arrival order
        self._waiting_access: list[int] = []  # the access number of each
        self.counts = dict.fromkeys(COUNTS, 0)
        self.energy_spent = 0.0
        self.energy_solved = 0.0
        self.energy_reserve = 0.0
        model.schedule_recurring(self.period, Schedule(interval=1, start=1), Priority.LOW)

    def _number(self, bodies: list[int]) -> int:
        """The number of an access: the set of body indices it lets in."""
        access = frozenset(bodies)
        number = self._numbers.get(access)
        if number is None:
            number = self._numbers[access] = len(self._accesses)
            self._accesses.append(access)
        return number

    def wait(self, issue: Issue) -> None:
        """An issue has arrived: it joins the issues looking for a body, with its access."""
        bodies = self.model.router.matching(issue, Function.DECISION, issue.scope)
        issue.holder = None
        self._waiting.append(issue)
        self._waiting_access.append(self._number([self.index[b.id] for b in bodies]))

    def period(self) -> None:
        """One week of the Garbage Can: attach issues, attach members, spend, decide."""
        now = self.model.time
        bodies, ids, spent, coefficient = self.bodies, self.ids, self.spent, self.coefficient
        n = len(bodies)
        opened = [i for i in range(n) if bodies[i].active]
        deficit = [0.0] * n  # of the open bodies
        needed_before = self.needed
        for i in opened:
            deficit[i] = round(needed_before[i] - spent[i], 9)
        # the open bodies from the smallest deficit, the first listed first among equals
        order = sorted(opened, key=deficit.__getitem__)
        accesses = self._accesses
        best_of = [UNSET] * len(accesses)  # the same access, the same choice
        attached: list[list[Issue]] = [[] for _ in range(n)]
        self.needed = needed = [0.0] * n
        latency = moves = 0
        for issue, number in zip(self._waiting, self._waiting_access, strict=True):
            best = best_of[number]
            if best == UNSET:
                best = best_of[number] = _nearest(order, accesses[number])
            if best == NOWHERE:
                latency += 1
                continue
            body_id = ids[best]
            if issue.holder != body_id:
                moves += issue.holder is not None
                issue.holder = body_id
                issue.record(now, body_id, Action.ATTACHED, f"deficit {deficit[best]:.2f}")
            attached[best].append(issue)
            needed[best] += issue.energy
        activity = len(self._waiting) - latency
        given = [0.0] * n
        attending, energy = self.attending, self._member_energy
        shifts = present = 0
        reserve = self.energy_reserve
        for k, number in enumerate(self._member_access):
            best = best_of[number]
            if best == UNSET:
                best = best_of[number] = _nearest(order, accesses[number])
            if best == NOWHERE:
                attending[k] = None
                reserve += coefficient * energy[k]
                continue
            before = attending[k]
            shifts += before is not None and before != best
            present += 1
            attending[k] = best
            given[best] += energy[k]
        self.energy_reserve = reserve
        undecided = tracked = 0
        solved = False
        had_issues, total = self.had_issues, self.energy_spent
        for i in opened:
            issues = attached[i]
            if given[i] > 0:  # issues and members in the same place (they track each other)
                tracked += len(issues)
            effective = coefficient * given[i]
            spent[i] += effective
            total += effective
            if spent[i] >= needed[i] - EPS:
                self.decide(i, issues, now)
                solved = solved or bool(issues)
            else:
                undecided += 1
                had_issues[i] = had_issues[i] or bool(issues)
        self.energy_spent = total
        if solved:
            still = [k for k, issue in enumerate(self._waiting) if issue.is_open]
            self._waiting = [self._waiting[k] for k in still]
            self._waiting_access = [self._waiting_access[k] for k in still]
        counts = self.counts
        counts["problem_activity"] += activity
        counts["problem_latency"] += latency
        counts["problem_moves"] += moves
        counts["dm_activity"] += shifts
        counts["dm_attached"] += present
        counts["decision_difficulty"] += undecided
        counts["problems_tracked"] += tracked

    def decide(self, i: int, issues: list[Issue], now: float) -> None:
        """The choice of body ``i`` is made: its attached issues are solved; the body closes."""
        style = "resolution" if issues else ("flight" if self.had_issues[i] else "oversight")
        self.decided_by[i], self.decided_at[i] = style, now
        body, model = self.bodies[i], self.model
        body.active = False
        for issue in issues:
            model.note_decided(issue)
            self.energy_solved += issue.energy
            model.advance(issue, body, Action.DECIDED, f"by {style}")
        model.note_body_event(body, f"decided by {style}")

    # -- what a run shows ----------------------------------------------------------------
    def series_row(self, week: float) -> dict[str, Any]:
        """The weekly series under garbage-can attachment (recorded before the week's period)."""
        return {
            "week": week,
            "raised": len(self.model.issues),
            "waiting": len(self._waiting),
            "open_bodies": [body.active for body in self.bodies].count(True),
            "decided_bodies": len(self.decided_by) - self.decided_by.count(None),
            "decided": self.model.decided_count,
            "energy_spent": self.energy_spent,
        }

    def summary(self) -> dict[str, Any]:
        """The Garbage Can's statistics of the run so far (one row of ``sim gcm``)."""
        decided = self.decided_by
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
                "made": self.decided_by[i] is not None,
                "style": self.decided_by[i] or "",
                "made_at": self.decided_at[i],
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


def _nearest(order: list[int], access: frozenset[int]) -> int:
    """The first body in ``order`` (the open bodies, nearest a decision first) that
    ``access`` lets in, or none."""
    for i in order:
        if i in access:
            return i
    return NOWHERE
