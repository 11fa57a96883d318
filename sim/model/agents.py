"""The agents: partner organisations and the bodies (forums) their representatives sit on."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np
from mesa.time import Event, EventGenerator, Schedule

from sim.model import rules
from sim.model.issue import Issue, Step
from sim.model.meeting import Meeting
from sim.spec.structure import BodySpec, PartnerSpec

if TYPE_CHECKING:
    from sim.model.model import PartnershipModel

LOAD_WINDOW_WEEKS = 4.0


class Partner(mesa.Agent):
    """A partner organisation: sector, district, capacity, budget, commitment, mandate."""

    model: PartnershipModel

    def __init__(self, model: PartnershipModel, spec: PartnerSpec) -> None:
        super().__init__(model)
        self.id = spec.id
        self.spec = spec
        self.sector = spec.sector
        self.district = spec.district
        self.capacity = spec.capacity
        self.budget = spec.budget
        self.budget_left = spec.budget
        self.commitment = spec.commitment
        self.mandate = spec.mandate
        self.energy = spec.energy
        self._recent: deque[float] = deque()

    def load_factor(self, now: float) -> float:
        """How much its meetings of the last weeks lower its attendance (EV-COMMIT)."""
        while self._recent and self._recent[0] <= now - LOAD_WINDOW_WEEKS:
            self._recent.popleft()
        params = self.model.params
        return rules.load_factor(
            len(self._recent), self.capacity, params.load_capacity_meetings, params.load_penalty
        )

    def attended(self, now: float) -> None:
        """One of its representatives (or a substitute) sat in a meeting at ``now``."""
        self._recent.append(now)

    def renew_budget(self) -> None:
        """A new financial year: the year's budget is available again."""
        self.budget_left = self.budget

    def pledge(self, amount: float) -> float:
        """Commit up to ``amount`` of this year's budget; returns what was committed."""
        given = max(0.0, min(amount, self.budget_left))
        self.budget_left -= given
        return given


@dataclass(eq=False, slots=True)
class Seat:
    """A place on a body and the representative who currently holds it."""

    partner: Partner
    voting: bool
    chair: bool
    mandate: float
    commitment: float
    absences: int = 0
    representative: int = 1


class Body(mesa.Agent):
    """A forum: functions, members, cadence, quorum, decision rule, agenda capacity."""

    model: PartnershipModel

    def __init__(
        self, model: PartnershipModel, spec: BodySpec, partners: dict[str, Partner]
    ) -> None:
        super().__init__(model)
        self.id = spec.id
        self.spec = spec
        self.scope = spec.scope
        self._stream: np.random.Generator | None = None
        self.functions = set(spec.functions)
        self.seats: list[Seat] = []
        for seat in spec.members:
            partner = partners[seat.partner]
            mandate = partner.mandate if seat.mandate is None else seat.mandate
            self.seats.append(Seat(partner, seat.voting, seat.chair, mandate, partner.commitment))
        self.queue: list[Issue] = []
        self.starts_week = spec.starts_week  # scenarios may deal start weeks out at random
        self.active = spec.starts_week <= 0
        self.last_work_at = spec.starts_week
        self.rotation = 0  # where the rotation of reports stands (FE-PAG-REPORT)
        self._generator: EventGenerator | None = None  # its regular meetings
        self._pending_meeting: Event | None = None  # an extra meeting called
        capacity = max(1, round(spec.agenda_capacity * model.params.agenda_capacity_scale))
        if spec.admin_support == "support_team":  # FE-PAG-LIFE: only limited help
            capacity = min(capacity, int(model.params.limited_support_agenda_capacity))
        self.agenda_capacity = capacity

    @property
    def stream(self) -> np.random.Generator:
        """Its own luck, whatever else meets (keyed by its id; made on first use)."""
        if self._stream is None:
            self._stream = self.model.keyed_rng("body", self.id)
        return self._stream

    # -- the calendar ------------------------------------------------------------------
    def start_calendar(self, phase: float) -> None:
        """Schedule regular meetings (Mesa recurring events) from the first meeting week."""
        if not self.active:
            self.model.schedule_event(self.activate, at=self.starts_week)
            return
        if self.model.attachment is not None:
            return  # garbage-can attachment: every open body sits in the weekly period
        if self.spec.cadence_weeks is not None:
            first = self.spec.first_meeting_week
            if first is None:
                first = self.model.time + phase * self.spec.cadence_weeks
            self._generator = self.model.schedule_recurring(
                self.hold_meeting, Schedule(interval=self.spec.cadence_weeks, start=max(first, 0.0))
            )

    def activate(self) -> None:
        """A body in development starts operating (FE-PAG-LIST)."""
        self.active = True
        self.last_work_at = self.model.time
        self.start_calendar(phase=1.0)
        self.model.note_body_event(self, "activated")
        self.arrange_meeting(urgent=any(i.urgent or i.step.special for i in self.queue))

    def stand_down(self) -> None:
        """The reviewing body judges this group no longer necessary (FE-PAG-LIFE)."""
        self.active = False
        if self._generator is not None:
            self._generator.stop()
        self.model.note_body_event(self, "stood down")

    def next_regular_meeting(self) -> float | None:
        """When its next regular meeting falls (None: it holds none)."""
        if self._generator is None or not self._generator.is_active:
            return None
        return self._generator.next_scheduled_time

    def receive(self, issue: Issue, special: bool, joint: bool = False) -> None:
        """An issue joins the agenda queue; call an extra meeting where the rules allow.

        A joint step is always arranged as a meeting of its own, after the special-meeting
        notice, with a delegate from each body named in the step's ``joint_with``."""
        self.queue.append(issue)
        self.last_work_at = self.model.time
        if joint:
            if self._pending_meeting is not None:
                self._pending_meeting.cancel()
                self._pending_meeting = None
            self.arrange_meeting(urgent=False)
            return
        self.arrange_meeting(urgent=special or issue.urgent)

    def arrange_meeting(self, urgent: bool) -> None:
        """Arrange the extra meeting the body's rules allow for business waiting on it.

        Joint business gets a joint meeting after the special-meeting notice; an on-demand
        group meets after its notice; urgent business at a body that may hold special
        meetings gets one when the next regular meeting is further off than the notice.
        Otherwise the business waits for the next regular meeting. Nothing is arranged while
        another extra meeting is pending."""
        if self._pending_meeting is not None or not self.active or not self.queue:
            return
        model, params = self.model, self.model.params
        if any(i.step.joint_with and not i.in_transit for i in self.queue):
            self._pending_meeting = model.schedule_event(
                self.hold_joint_meeting, after=params.special_meeting_notice_weeks
            )
        elif self.spec.on_demand:
            self._pending_meeting = model.schedule_event(
                self.hold_on_demand_meeting, after=params.on_demand_notice_weeks
            )
        elif self.spec.special_meetings and urgent:
            nxt = self.next_regular_meeting()
            when = model.time + params.special_meeting_notice_weeks
            if nxt is None or nxt > when:
                self._pending_meeting = model.schedule_event(self.hold_special_meeting, at=when)

    # -- meetings ----------------------------------------------------------------------
    def hold_special_meeting(self) -> None:
        self._pending_meeting = None
        self.hold_meeting(kind="special")

    def hold_on_demand_meeting(self) -> None:
        self._pending_meeting = None
        self.hold_meeting(kind="on_demand")

    def hold_joint_meeting(self) -> None:
        self._pending_meeting = None
        guests: list[Seat] = []
        for issue in self.queue:
            for other in issue.step.joint_with:
                body = self.model.router.target(issue, Step(issue.step.function, other))
                seat = next((s for s in body.seats if s.chair), body.seats[0])
                if body is not self and seat not in guests:
                    guests.append(seat)
        self.hold_meeting(kind="joint", guests=guests)

    def hold_meeting(self, kind: str = "regular", guests: list[Seat] | None = None) -> None:
        """A meeting (:class:`sim.model.meeting.Meeting`), if the body is operating."""
        if self.active:
            Meeting(self, kind, guests or []).hold()
