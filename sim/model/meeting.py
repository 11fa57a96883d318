"""One meeting of a body, read in one place, in the order of ODD section 3: attendance, the
record, replacement of absent members, quorum, reports, the agenda, each item by its stage,
the review of groups.

What is decided is the rules' (:mod:`sim.model.rules`). A meeting gathers their inputs, draws
the random numbers they need from its body's own stream, in the order they are needed, and
applies their verdicts. Moving issues on, back or out, and the run's bookkeeping, are the
model's (:class:`sim.model.model.PartnershipModel`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model import rules
from sim.model.issue import Action, Issue, Stage
from sim.model.records import MeetingRecord
from sim.spec.structure import Function

if TYPE_CHECKING:
    from sim.model.agents import Body, Partner, Seat


@dataclass(slots=True)
class Attendance:
    """Who came to one meeting for a seat, and whether they could commit their organisation."""

    seat: Seat
    in_person: bool
    substitute: bool
    has_mandate: bool

    @property
    def present(self) -> bool:
        """Somebody came for the seat: the member or a substitute."""
        return self.in_person or self.substitute


def uniforms(rng: np.random.Generator) -> Iterator[float]:
    """A stream's uniform numbers, one at a time, each drawn only when a rule asks for it."""
    while True:
        yield rng.random()


class Meeting:
    """One meeting of a body: its members and guests (delegates at a joint meeting)."""

    record: MeetingRecord  # opened once attendance is taken

    def __init__(self, body: Body, kind: str, guests: list[Seat]) -> None:
        self.body = body
        self.model = body.model
        self.params = body.model.params
        self.kind = kind
        self.seats = body.seats + guests
        self.uniforms = uniforms(body.stream)
        self.present: list[Attendance] = []

    def hold(self) -> None:
        """Attendance, the record, replacements, quorum, reports, the agenda in order, the
        review of groups; then whatever extra meeting the business still waiting needs."""
        body, model = self.body, self.model
        attendance = self.take_attendance()
        self.present = present = [a for a in attendance if a.present]
        voting_present = sum(a.seat.voting for a in present)
        quorate = rules.quorate(len(present), voting_present, body.spec.quorum)
        self.record = record = self.open_record(attendance, voting_present, quorate)
        record.replacements = self.replace_absentees()
        if not quorate:
            for issue in body.queue:  # FE-EXEC-QUORUM: an inquorate meeting decides nothing
                issue.deferrals += 1
                issue.record(model.time, body.id, Action.DEFERRED, "meeting inquorate")
            record.items_deferred = len(body.queue)
            # a lost meeting is rearranged where the rules allow; else the next regular one
            body.arrange_meeting(urgent=any(i.urgent or i.step.special for i in body.queue))
            return
        if body.spec.hears_reports is not None:
            self.hear_reports()
        joint = self.kind == "joint"
        waiting = [i for i in body.queue if i.step.joint_with and not i.in_transit and not joint]
        agenda = rules.agenda(
            body.spec.agenda_policy,
            [i for i in body.queue if i not in waiting],
            model.structure_spec.focus,
        )
        taken, deferred = agenda[: body.agenda_capacity], agenda[body.agenda_capacity :]
        body.queue = waiting + deferred  # joint business waits for its joint meeting
        for issue in deferred:  # agenda capacity defers items to the next meeting
            issue.deferrals += 1
            issue.record(model.time, body.id, Action.DEFERRED, "agenda full")
        record.items_deferred = len(deferred)
        for issue in taken:
            record.items_heard += 1
            self.take_up(issue)
            if (
                body.spec.same_meeting_decision  # PI-AGENDA: discussion, then decision section
                and issue.holder == body.id
                and issue in body.queue
                and issue.stage in (Stage.DECISION, Stage.EVALUATION)
            ):
                body.queue.remove(issue)
                self.take_up(issue)
        if body.spec.reviews_groups:
            self.review_groups()
        body.arrange_meeting(urgent=False)  # joint or on-demand business still waiting

    # -- who came ------------------------------------------------------------------------
    def take_attendance(self) -> list[Attendance]:
        """Members attend or not (commitment, load); absent ones may send substitutes; the
        representatives' commitment and absences move with it (three numbers a seat)."""
        params, now = self.params, self.model.time
        base, substitutes = params.attendance_base, self.body.spec.substitutes
        substitute_p = params.substitute_probability
        substitute_mandate = params.substitute_mandate_probability
        draws = self.body.stream.random((len(self.seats), 3))  # attend, substitute, mandate
        load: dict[str, float] = {}
        out = []
        for seat, (u_attend, u_sub, u_mandate) in zip(self.seats, draws.tolist(), strict=True):
            partner = seat.partner
            if partner.id not in load:
                load[partner.id] = partner.load_factor(now)
            presence = rules.attendance(
                u_attend,
                u_sub,
                u_mandate,
                base=base,
                commitment=seat.commitment,
                load=load[partner.id],
                substitutes=substitutes,
                substitute_probability=substitute_p,
                mandate=seat.mandate,
                substitute_mandate=substitute_mandate,
            )
            if presence.in_person or presence.substitute:
                partner.attended(now)
            seat.commitment = rules.commitment_after(
                seat.commitment,
                partner.commitment,
                presence.in_person,
                params.reengagement_rate,
                params.disengagement_rate,
            )
            seat.absences = rules.absences_after(seat.absences, presence)
            out.append(Attendance(seat, *presence))
        return out

    def replace_absentees(self) -> int:
        """PI-ATTEND: a seat nobody came for in N meetings in a row gets a new representative,
        who starts with the organisation's own commitment. Returns how many were replaced."""
        limit = self.body.spec.replace_after_absences
        if limit is None:  # a body that replaces nobody
            return 0
        replaced = 0
        for seat in self.body.seats:
            if rules.replaced(seat.absences, limit):
                seat.representative += 1
                seat.absences = 0
                seat.commitment = seat.partner.commitment
                replaced += 1
        return replaced

    def open_record(
        self, attendance: list[Attendance], voting_present: int, quorate: bool
    ) -> MeetingRecord:
        """The meeting's record, counted from its attendance; the model files it."""
        body, model = self.body, self.model
        hours = body.spec.meeting_hours or self.params.meeting_hours
        in_person = substitutes = with_mandate = voluntary = business = voting = county_wide = 0
        local = body.scope != "county"
        for a in attendance:
            in_person += a.in_person
            substitutes += a.substitute
            with_mandate += a.has_mandate
            voting += a.seat.voting
            if a.in_person or a.substitute:
                sector = a.seat.partner.sector
                voluntary += sector == "voluntary"
                business += sector == "business"
                county_wide += local and a.seat.partner.district == "county"
        record = MeetingRecord(
            meeting_id=len(model.meetings) + 1,
            body=body.id,
            scope=body.scope,
            time=model.time,
            kind=self.kind,
            seats=len(attendance),
            voting_seats=voting,
            in_person=in_person,
            substitutes=substitutes,
            voting_present=voting_present,
            with_mandate=with_mandate,
            quorum=body.spec.quorum,
            quorate=quorate,
            open_meeting=body.spec.open_meeting,
            voluntary_present=voluntary,
            business_present=business,
            county_wide_present=county_wide,
            member_hours=hours * (in_person + substitutes),
        )
        model.file_meeting(record)
        return record

    # -- reports and scrutiny ------------------------------------------------------------
    def hear_reports(self) -> None:
        """FE-PAG-REPORT: the bodies reporting here report (all, or N in rotation, the rest
        verbally by chance); stalled delivery at a body heard is caught."""
        body, model = self.body, self.model
        spec = body.spec.hears_reports
        heard = rules.reports(
            [b for b in spec.from_bodies if model.bodies[b].active],
            spec.per_meeting,
            body.rotation,
            self.uniforms,
            self.params.verbal_report_probability,
        )
        body.rotation = heard.rotation
        self.record.reports_heard = ";".join(heard.formal)
        for source in heard.heard:
            for issue in list(model.delivering[source].values()):
                if issue.stalled_since is not None:
                    self.catch_stall(issue)

    def catch_stall(self, issue: Issue) -> None:
        """EV-SCRUTINY: stalled delivery is caught; short of resources it goes back to the
        decision body, otherwise the delivery body is challenged."""
        body, model = self.body, self.model
        weeks = model.time - issue.stalled_since
        issue.catch_weeks += (weeks,)
        self.record.stalls_caught += 1
        decided = any(s.function is Function.DECISION for s in issue.pathway[: issue.step_index])
        if rules.stall_response(issue.funded_share, decided) is rules.StallResponse.SEND_BACK:
            model.stop_delivery(issue)
            issue.send_backs += 1
            note = f"stalled {weeks:.0f} weeks, {issue.funded_share:.0%} funded"
            model.go_back(issue, body, Function.DECISION, Action.SENT_BACK, note)
            return
        issue.challenges += 1
        issue.stalled_since = None
        issue.record(model.time, body.id, Action.CHALLENGED, f"stalled {weeks:.0f} weeks")

    def review_groups(self) -> None:
        """FE-PAG-LIFE: stand down the idle delivery groups reporting here that no routing
        rule falls back on."""
        model = self.model
        for group in model.reporting_groups.get(self.body.id, ()):
            if group.active and rules.stands_down(
                delivers=Function.DELIVERY in group.functions,
                catch_all=group.id in model.router.catch_all,
                has_work=bool(group.queue) or bool(model.delivering[group.id]),
                idle_weeks=model.time - group.last_work_at,
                idle_limit=self.params.idle_weeks_before_review,
            ):
                group.stand_down()

    # -- the agenda ----------------------------------------------------------------------
    def take_up(self, issue: Issue) -> None:
        """One agenda item: what the body's functions and the issue's stage ask."""
        body, model = self.body, self.model
        if issue.in_transit:  # only passing through on its way up a reporting line
            target = model.router.target(issue, issue.step)
            model.hand_to(issue, body)
            issue.record(model.time, body.id, Action.REFERRED, f"on towards {target.id}")
            return
        stage = issue.stage
        lacks = Function(stage.value) not in body.functions
        if lacks and (stage is Stage.DELIBERATION or Function.SUPPORT not in body.functions):
            # FE-SUPPORT: a support body develops a proposal between meetings; a body asked
            # by name for work outside its functions prepares it for the next step
            model.advance(issue, body, Action.PREPARED, f"prepared ({stage.value})")
            return
        if stage is Stage.DELIBERATION:
            if rules.referred_out(
                issue,
                model.structure_spec.focus,
                self.uniforms,
                self.params.off_focus_referral_probability,
            ):
                model.drop(issue, body, Action.REFERRED_OUT, "outside the partnership's focus")
            else:
                model.advance(issue, body, Action.DELIBERATED)
        elif stage is Stage.SUPPORT:
            model.advance(issue, body, Action.PREPARED, "proposal developed for decision")
        elif stage is Stage.DECISION:
            self.decide(issue)
        elif stage is Stage.DELIVERY:
            self.commission(issue)
        elif stage is Stage.EVALUATION:
            self.evaluate(issue)

    def decide(self, issue: Issue) -> None:
        """FE-EXEC-DECIDE: the vote; a rejected item goes back to deliberation (dropped after
        ``max_rejections``); a passed one gathers pledges and moves on."""
        body, model, params = self.body, self.model, self.params
        verdict = rules.vote(
            body.spec.decision_rule,
            sum(a.seat.voting for a in self.present),
            self.uniforms,
            params.consensus_probability,
            params.support_probability,
            sum(s.voting for s in body.seats) if body.spec.majority_of == "members" else None,
        )
        how = verdict.how
        if not verdict.passed:
            issue.rejections += 1
            if issue.rejections > params.max_rejections or not model.go_back(
                issue, body, Function.DELIBERATION, Action.REJECTED, how
            ):
                model.drop(issue, body, Action.REJECTED, f"{how}; dropped")
            return
        pledged = self.gather_pledges(issue)
        if rules.rescoped(issue.decided_at is not None, pledged, issue.funded_share):
            issue.resources = issue.pledged
            issue.rescoped = True
            how += "; re-scoped to the resources pledged"
        self.record.decided += 1
        self.record.pledged += pledged
        model.note_decided(issue)
        model.advance(issue, body, Action.DECIDED, f"{how}; pledged {pledged:.1f}")

    def gather_pledges(self, issue: Issue) -> float:
        """Members present with a mandate commit their organisations' resources; required
        partners not at the table are asked; the scope's funds cover what remains
        (FE-EXEC-DECIDE, FE-ACCOUNTABLE). Returns what was pledged at this meeting."""
        model = self.model
        mandated: dict[str, Partner] = {}
        for a in self.present:
            if a.has_mandate:
                mandated.setdefault(a.seat.partner.id, a.seat.partner)
        ask = rules.pledge_ask(
            issue.resources - issue.pledged, issue.requires, issue.pledges, list(mandated)
        )
        given = 0.0
        for pid in ask.partners:
            partner = mandated.get(pid)
            if partner is None:
                issue.pending |= {pid}
                model.request_pledge(issue, pid, ask.share)
                continue
            amount = partner.pledge(ask.share)
            issue.add_pledge(pid, amount, partner.sector)
            issue.pending -= {pid}
            given += amount
        for fund in model.funds.get(self.body.scope, ()):  # FE-ACCOUNTABLE, each in turn
            shortfall = issue.resources - issue.pledged
            amount = rules.fund_draw(shortfall, fund.left, fund.partner in mandated)
            if amount is None:
                continue
            fund.left -= amount
            issue.add_pledge(fund.key, amount, model.partners[fund.partner].sector)
            given += amount
        return given

    def commission(self, issue: Issue) -> None:
        """The delivery body takes the work on, resourcing undecided work itself (PI-TIERS)."""
        if rules.pooled_at_delivery(issue.decided_at is not None, issue.funded_share):
            self.gather_pledges(issue)
        self.model.start_delivery(issue, self.body)

    def evaluate(self, issue: Issue) -> None:
        """PI-PERF, FE-PROOF: report on the work and send it back or let it move on."""
        body, model = self.body, self.model
        verdict = rules.evaluation(
            body.spec.evaluation_basis, issue.funded_share, issue.outcome_achieved, issue.send_backs
        )
        issue.reported_met = verdict.met
        if verdict.send_back_to is not None:
            issue.send_backs += 1
            if verdict.send_back_to is Function.DELIVERY:  # rework, short of the end
                issue.progress = 1.0 - self.params.rework_share
                issue.outcome_achieved = None
            back = verdict.send_back_to
            if model.go_back(issue, body, back, Action.SENT_BACK, verdict.sent_back):
                return
        model.advance(issue, body, Action.EVALUATED, verdict.evaluated)
