"""The partnership model: bodies meet (Mesa events), issues flow through the cycle.

Nothing steps every agent every week. Meetings are recurring Mesa events;
special and on-demand meetings, issue arrivals, delivery milestones and budget
renewals are one-off or recurring events; the weekly ``step`` only records one
row of the time series. A run's cost grows with the events that happen.

What a body does at a meeting is :class:`sim.model.meeting.Meeting`'s, by the rules of
:mod:`sim.model.rules`. The model sets the run up, moves issues between bodies (raise,
hand on, fan out, advance, go back, drop), runs deliveries and pledge requests, and keeps
the run's books.
"""

from __future__ import annotations

import zlib
from collections import Counter
from typing import Any

import mesa
import numpy as np
from mesa.time import Schedule

from sim.model import rules
from sim.model.agents import Body, Partner
from sim.model.garbage_can import GarbageCan
from sim.model.issue import OPEN_STAGES, Action, EffectShare, Issue, Stage, Step
from sim.model.records import Fund, MeetingRecord
from sim.model.routing import Router
from sim.model.rules import EPS
from sim.spec.parameters import Parameters
from sim.spec.scenario import (
    IssueSpec,
    Range,
    ScenarioFundSpec,
    ScenarioSpec,
    ShockSpec,
    StreamSpec,
    check_scenario_against,
)
from sim.spec.structure import Function, StructureSpec


class Arrival:
    """Issues arriving in the same week, in order: its bound ``arrive`` is the Mesa event."""

    def __init__(self, model: PartnershipModel, issues: list[Issue]) -> None:
        self.model = model
        self.issues = issues

    def arrive(self) -> None:
        for issue in self.issues:
            self.model.raise_issue(issue)


class Delivery:
    """Delivery of one issue: milestones are Mesa events; progress follows pledged resources."""

    def __init__(self, model: PartnershipModel, issue: Issue, rng: np.random.Generator) -> None:
        self.model = model
        self.issue = issue
        self.rng = rng

    def schedule_milestone(self) -> None:
        self.model.schedule_event(self.milestone, after=self.model.params.milestone_interval_weeks)

    def milestone(self) -> None:
        """Progress in proportion to the funded share, with noise and occasional setbacks."""
        issue, params = self.issue, self.model.params
        if not issue.delivering:
            return
        planned = params.milestone_interval_weeks / issue.effort_weeks
        setback = self.rng.random() < params.setback_probability
        noise = self.rng.gamma(params.delivery_noise_shape, 1.0 / params.delivery_noise_shape)
        gain = 0.0 if setback else planned * issue.funded_share * float(noise)
        issue.progress = min(1.0, issue.progress + gain)
        if gain < params.stall_ratio * planned:
            if issue.stalled_since is None:
                issue.stalled_since = self.model.time
        else:
            issue.stalled_since = None
        if issue.progress >= 1.0 - EPS:
            achieved = self.rng.random() < params.outcome_probability * issue.ambition_share
            self.model.complete_delivery(issue, bool(achieved))
        else:
            self.schedule_milestone()


class Shock:
    """A scenario shock: its bound ``apply`` is the (possibly recurring) Mesa event."""

    def __init__(self, model: PartnershipModel, spec: ShockSpec) -> None:
        self.model = model
        self.spec = spec

    def apply(self) -> None:
        self.model.apply_shock(self.spec)


class FundOpening:
    """A fund a scenario adds (extra money after a disaster, say), opening at a given week."""

    def __init__(self, model: PartnershipModel, spec: ScenarioFundSpec) -> None:
        self.model = model
        self.spec = spec

    def open(self) -> None:
        fund = self.model.add_fund(self.spec.scope, self.spec.partner, 0.0)
        fund.per_year += self.spec.per_year
        fund.left += self.spec.per_year


class PledgeRequest:
    """A required partner not at the table is asked to pledge; it answers after a delay."""

    def __init__(
        self, model: PartnershipModel, issue: Issue, partner: Partner, amount: float
    ) -> None:
        self.model = model
        self.issue = issue
        self.partner = partner
        self.amount = amount

    def answer(self) -> None:
        self.model.answer_pledge_request(self)


class PartnershipModel(mesa.Model):
    """A structure (with its county layer) running a scenario's stream of issues.

    Args:
        structure: a validated, flattened structure (``sim.spec.load_structure``).
        scenario: a validated scenario (``sim.spec.load_scenario``).
        rng: the seed; every random number in a run derives from it.
        parameters: overrides of the named assumptions, on top of the scenario's.
        check: check the scenario's names against the structure (skip only if done already).
    """

    def __init__(
        self,
        structure: StructureSpec,
        scenario: ScenarioSpec,
        rng: int | None = None,
        parameters: dict[str, float] | None = None,
        check: bool = True,
    ) -> None:
        super().__init__(rng=rng)
        if check:  # callers running one pair many times check it once themselves
            check_scenario_against(scenario, structure)
        self.structure_spec = structure
        self.scenario_spec = scenario
        self.params = Parameters(**{**scenario.parameters, **(parameters or {})})
        # Common random numbers for paired comparisons: issues arrive from their own stream,
        # and every body, issue and pledge request draws from a stream keyed by its name, so
        # a body or issue present under two structures sees the same luck under both.
        self.rng_arrivals, keyed_root = self.rng.spawn(2)
        self._entropy = int(keyed_root.integers(2**62))

        self.attachment: GarbageCan | None = None
        self._default_steps: dict[str, tuple[Step, ...]] = {}
        self.partners: dict[str, Partner] = {
            spec.id: Partner(self, spec) for spec in [*structure.partners, *scenario.partners]
        }
        self.bodies: dict[str, Body] = {
            spec.id: Body(self, spec, self.partners)
            for spec in [*structure.bodies, *scenario.bodies]
        }
        self.router = Router(structure, self.bodies)
        self.reporting_groups: dict[str, list[Body]] = {}  # by the body they report to
        for body in self.bodies.values():
            if body.spec.reports_to is not None:
                self.reporting_groups.setdefault(body.spec.reports_to, []).append(body)
        # several funds on one scope are a pooled budget, drawn in the order declared
        self.funds: dict[str, list[Fund]] = {}
        for fund in structure.funds:
            self.add_fund(fund.scope, fund.partner, fund.per_year)
        self._fund_openings = [FundOpening(self, spec) for spec in scenario.funds]
        for opening in self._fund_openings:
            self.schedule_event(opening.open, at=opening.spec.from_week)

        self.issues: list[Issue] = []
        self.meetings: list[MeetingRecord] = []
        self.series: list[dict[str, Any]] = []
        self.body_events: list[dict[str, Any]] = []
        self.stage_counts: Counter[Stage] = Counter()
        self.decided_count = 0
        self.delivered_count = 0
        self.member_hours = 0.0
        self.inquorate = 0
        self.delivering: dict[str, dict[str, Issue]] = {b: {} for b in self.bodies}
        self._deliveries: dict[str, Delivery] = {}
        self._requests: list[PledgeRequest] = []
        self.indicator_specs = {spec.name: spec for spec in scenario.indicators}
        self.indicator_offsets = {
            (spec.name, d): 0.0 for spec in scenario.indicators for d in spec.baseline
        }
        self._effects: dict[tuple[str, str], list[EffectShare]] = {
            key: [] for key in self.indicator_offsets
        }
        self.indicator_rows: list[tuple[float, str, str, float]] = []

        if structure.attachment == "garbage_can":
            self.attachment = GarbageCan(self)
        entry = self.keyed_rng("entry") if scenario.shuffle_entry else None
        if entry is not None:
            self._shuffle_starts(entry)
        for body in self.bodies.values():
            body.start_calendar(phase=float(body.stream.random()) if not self.attachment else 0)
        issues = self._draw_issues()
        if entry is not None:
            issues = self._shuffle_arrivals(issues, entry)
        self._arrivals: list[Arrival] = []
        for issue in issues:  # one event per arrival week
            if self._arrivals and self._arrivals[-1].issues[0].raised_at == issue.raised_at:
                self._arrivals[-1].issues.append(issue)
            else:
                self._arrivals.append(Arrival(self, [issue]))
        for arrival in self._arrivals:
            self.schedule_event(arrival.arrive, at=arrival.issues[0].raised_at)
        if self.attachment is None:  # nothing is pledged under garbage-can attachment
            weeks = self.params.budget_renewal_weeks
            self.schedule_recurring(self.renew_budgets, Schedule(interval=weeks, start=weeks))
        self._shocks = [Shock(self, spec) for spec in scenario.shocks]
        for shock in self._shocks:
            spec = shock.spec
            if spec.times > 1 and spec.every_weeks:
                schedule = Schedule(interval=spec.every_weeks, start=spec.at_week, count=spec.times)
                self.schedule_recurring(shock.apply, schedule)
            else:
                self.schedule_event(shock.apply, at=spec.at_week)

    # -- set-up --------------------------------------------------------------------------
    def _draw_issues(self) -> list[Issue]:
        """Named issues, then each stream's Poisson arrivals, all drawn from the arrival stream."""
        issues = [self._issue_from_spec(spec) for spec in self.scenario_spec.issues]
        end = self.scenario_spec.duration_weeks
        for stream in self.scenario_spec.streams:
            issues += self._draw_stream(stream, end)
        issues.sort(key=lambda i: i.raised_at)
        return issues

    def _issue_from_spec(self, spec: IssueSpec) -> Issue:
        if spec.pathway:
            pathway = tuple(
                Step(s.function, s.at, s.special, list(s.joint_with)) for s in spec.pathway
            )
        else:  # a pathway never changes once made: issues of a kind share the default one
            pathway = self._default_steps.get(spec.kind)
            if pathway is None:
                pathway = tuple(Step(f) for f in self.structure_spec.pathway(spec.kind))
                self._default_steps[spec.kind] = pathway
        return Issue(
            id=spec.id,
            title=spec.title or spec.id,
            scope=spec.scope,
            theme=spec.theme,
            kind=spec.kind,
            urgent=spec.urgent,
            resources=spec.resources,
            effort_weeks=spec.effort_weeks,
            target_weeks=spec.target_weeks,
            pathway=pathway,
            requires=tuple(spec.requires),
            raised_at=spec.at_week,
            effects=tuple(spec.effects),
            follow_ups=tuple(spec.follow_ups),
            energy=spec.energy,
        )

    def _shuffle_starts(self, rng: np.random.Generator) -> None:
        """Deal the start weeks of the bodies that start after week 0 out among them."""
        later = [b for b in self.bodies.values() if b.starts_week > 0]
        weeks = [b.starts_week for b in later]
        for body, k in zip(later, rng.permutation(len(later)).tolist(), strict=True):
            body.starts_week = weeks[k]

    def _shuffle_arrivals(self, issues: list[Issue], rng: np.random.Generator) -> list[Issue]:
        """Deal the named issues' arrival weeks out among them (streams keep their own)."""
        named = [i for i in issues if i.source == "named"]
        weeks = [i.raised_at for i in named]
        for issue, k in zip(named, rng.permutation(len(named)).tolist(), strict=True):
            issue.raised_at = weeks[k]
        return sorted(issues, key=lambda i: i.raised_at)

    def _draw_stream(self, stream: StreamSpec, end: float) -> list[Issue]:
        rng = self.rng_arrivals
        stop = min(end, stream.end_week if stream.end_week is not None else end)
        t, n, out = stream.start_week, 0, []
        while True:
            t += float(rng.exponential(52.0 / stream.per_year))
            if t >= stop:
                return out
            n += 1
            theme = stream.themes[int(rng.integers(len(stream.themes)))]
            spec = IssueSpec(
                id=f"{stream.name}-{n:03d}",
                title=f"{stream.name} issue {n} ({theme})",
                at_week=t,
                scope=stream.scope,
                theme=theme,
                kind=stream.kind,
                urgent=bool(rng.random() < stream.urgent_share),
                resources=float(rng.uniform(stream.resources.low, stream.resources.high)),
                effort_weeks=max(1.0, float(rng.uniform(*_bounds(stream.effort_weeks)))),
                target_weeks=stream.target_weeks,
                requires=list(stream.requires),
            )
            issue = self._issue_from_spec(spec)
            issue.source = stream.name
            out.append(issue)

    def renew_budgets(self) -> None:
        """A new financial year for every partner and every partnership fund."""
        for partner in self.partners.values():
            partner.renew_budget()
        for funds in self.funds.values():
            for fund in funds:
                fund.left = fund.per_year

    def add_fund(self, scope: str, partner: str, per_year: float) -> Fund:
        """A fund for ``scope`` held by ``partner``, full for the year; or the existing one."""
        funds = self.funds.setdefault(scope, [])
        fund = next((f for f in funds if f.partner == partner), None)
        if fund is None:
            fund = Fund(scope, partner, per_year, per_year)
            funds.append(fund)
        return fund

    def apply_shock(self, spec: ShockSpec) -> None:
        """Move an outcome indicator, add a grant to a fund, cut budgets, sap commitment,
        shrink funds: whatever the shock declares."""
        if spec.indicator is not None:
            self.indicator_offsets[(spec.indicator, spec.district)] += spec.change
        if spec.grant is not None:  # money for this year only, into the fund (made if none)
            self.add_fund(spec.grant.scope, spec.grant.partner, 0.0).left += spec.grant.amount
        hit = [
            p
            for p in self.partners.values()
            if (spec.partners is not None and p.id in spec.partners)
            or (spec.partners is None and (spec.sectors is None or p.sector in spec.sectors))
        ]
        hit_ids = {p.id for p in hit}
        for partner in hit:
            partner.budget *= spec.budget_factor
            partner.budget_left *= spec.budget_factor
            partner.commitment = min(1.0, partner.commitment * spec.commitment_factor)
        for body in self.bodies.values():
            for seat in body.seats:
                if seat.partner.id in hit_ids:
                    seat.commitment = min(1.0, seat.commitment * spec.commitment_factor)
        for funds in self.funds.values():
            for fund in funds:
                fund.per_year *= spec.funds_factor
                fund.left *= spec.funds_factor

    def indicator_value(self, name: str, district: str) -> float:
        """Baseline + trend + the effects of delivered work (by progress) + shocks."""
        spec = self.indicator_specs[name]
        value = spec.baseline[district] + spec.trend_per_year.get(district, 0.0) * self.time / 52
        value += self.indicator_offsets[(name, district)]
        return value + sum(share.value() for share in self._effects[(name, district)])

    # -- the weekly record ----------------------------------------------------------------
    def step(self) -> None:
        """Record one row of the weekly series (no agent is stepped)."""
        if self.attachment is not None:
            self.series.append(self.attachment.series_row(self.time))
            return
        seats = [s.commitment for b in self.bodies.values() if b.active for s in b.seats]
        row = {
            "week": self.time,
            "raised": len(self.issues),
            **{f"open_{s.value}": self.stage_counts[s] for s in OPEN_STAGES},
            "closed": self.stage_counts[Stage.CLOSED],
            "dropped": self.stage_counts[Stage.DROPPED],
            "decided": self.decided_count,
            "delivered": self.delivered_count,
            "stalled": sum(
                1 for held in self.delivering.values() for i in held.values() if i.stalled_since
            ),
            "meetings": len(self.meetings),
            "inquorate_meetings": self.inquorate,
            "member_hours": self.member_hours,
            "mean_commitment": sum(seats) / len(seats) if seats else 0.0,
            "budget_left": sum(p.budget_left for p in self.partners.values()),
        }
        self.series.append(row)
        for name, spec in self.indicator_specs.items():
            for district in spec.baseline:
                value = self.indicator_value(name, district)
                self.indicator_rows.append((self.time, name, district, value))

    # -- issue flow -----------------------------------------------------------------------
    def set_stage(self, issue: Issue, stage: Stage) -> None:
        """Move the issue to ``stage``, keeping the counts of issues by stage."""
        self.stage_counts[issue.stage] -= 1
        issue.stage = stage
        self.stage_counts[stage] += 1

    def raise_issue(self, issue: Issue) -> None:
        """An issue arrives and goes to the body that performs its first step."""
        issue.stage = Stage.of(issue.step.function)
        self.stage_counts[issue.stage] += 1
        self.issues.append(issue)
        if issue.parent is None:  # a strand delivers its parent's effects, never new ones
            for effect in issue.effects:
                share = EffectShare(effect.indicator, effect.district, effect.change, issue)
                self._effects[(effect.indicator, effect.district)].append(share)
                issue.effect_shares += (share,)
        note = f"{issue.kind} issue, theme {issue.theme}"
        if issue.parent is not None:
            note = f"asked by {issue.parent.holder or 'the scenario'} ({issue.parent.id})"
        issue.record(self.time, "", Action.RAISED, note)
        self.hand_to(issue, None)
        issue.history[0].to_body = issue.holder

    def hand_to(self, issue: Issue, current: Body | None) -> None:
        """Pass the issue to the body that takes its current step; it waits for that meeting.

        A step asked of several scopes or bodies at once becomes one strand (a child issue)
        for each; the issue waits, held by the body that asked, until every strand is done."""
        if self.attachment is not None:
            self.attachment.wait(issue)  # it finds a body itself, every week
            return
        step = issue.step
        if step.fans_out:
            self.fan_out(issue, step, current)
            return
        body, escalation = self.router.next_holder(issue, step, current)
        issue.in_transit = escalation
        issue.escalations += escalation
        issue.holder = body.id
        body.receive(issue, special=step.special, joint=bool(step.joint_with) and not escalation)

    def fan_out(self, issue: Issue, step: Step, current: Body | None) -> None:
        """One strand per scope or body the step asks; the issue waits for them all."""
        issue.holder = current.id if current is not None else None
        issue.in_transit = False
        issue.fan_outs += 1
        suffix = "" if issue.fan_outs == 1 else f"#{issue.fan_outs}"  # ids stay unique
        strands = []
        for target in step.at:
            scope = target if target in self.router.rules else self.bodies[target].scope
            strand = Issue(
                id=f"{issue.id}/{target}{suffix}",
                title=f"{issue.title} ({target})",
                scope=scope,
                theme=issue.theme,
                kind=issue.kind,
                urgent=issue.urgent,
                resources=issue.resources / len(step.at),
                effort_weeks=issue.effort_weeks,
                target_weeks=issue.target_weeks,
                pathway=(Step(step.function, target, step.special),),
                source="strand",
                raised_at=self.time,
                parent=issue,
            )
            if step.function is Function.DELIVERY:  # each district's effects go with its strand
                for share in issue.effect_shares:
                    if share.district == scope:
                        share.owner = strand
                        strand.effect_shares += (share,)
            issue.waiting |= {strand.id}
            strands.append(strand)
        issue.record(
            self.time, issue.holder or "", Action.ASKED, ", ".join(str(t) for t in step.at)
        )
        for strand in strands:
            self.raise_issue(strand)

    def strand_done(self, strand: Issue, body: Body) -> None:
        """A strand closed (or was dropped): when all are back, the issue moves on from the
        body that asked (or, if the scenario asked, from the body that answered last)."""
        parent = strand.parent
        parent.waiting -= {strand.id}
        if parent.waiting or not parent.is_open:
            return
        asked_by = self.bodies[parent.holder] if parent.holder else None
        n = len(parent.step.at)
        if parent.step.function is Function.DELIVERY:  # delivered by its strands
            done = [i for i in self.issues if i.parent is parent and i.delivered_at is not None]
            achieved = sum(bool(i.outcome_achieved) for i in done)
            parent.progress = len(done) / n
            parent.outcome_achieved = 2 * achieved >= n
            if parent.delivered_at is None and done:
                parent.delivered_at = self.time
                self.delivered_count += 1
        note = f"all {n} responded"
        self.advance(parent, asked_by or body, Action.PULLED_TOGETHER, note, route=bool(asked_by))

    def advance(
        self, issue: Issue, body: Body, action: Action, note: str = "", route: bool = True
    ) -> None:
        """The step is done: on to the next step's body, or closed after the last one.

        With ``route=False`` the next hand-off is made as if fresh (no channel from ``body``)."""
        done = issue.step_index + 1
        for follow in issue.follow_ups:
            if follow.after_step == done and issue.step_index == issue.furthest:  # first time
                spec = follow.issue.model_copy(update={"at_week": self.time + follow.delay_weeks})
                arrival = Arrival(self, [self._issue_from_spec(spec)])
                arrival.issues[0].source = f"follow-up of {issue.id}"
                self._arrivals.append(arrival)
                self.schedule_event(arrival.arrive, at=spec.at_week)
        issue.furthest = max(issue.furthest, done)
        if issue.step_index + 1 >= len(issue.pathway):
            self.set_stage(issue, Stage.CLOSED)
            issue.closed_at = self.time
            issue.holder = None
        else:
            issue.step_index += 1
            self.set_stage(issue, Stage.of(issue.step.function))
            self.hand_to(issue, body if route else None)
        issue.record(self.time, body.id, action, note)
        if issue.parent is not None and not issue.is_open:
            self.strand_done(issue, body)

    def go_back(
        self, issue: Issue, body: Body, function: Function, action: Action, note: str
    ) -> bool:
        """Return the issue to its latest earlier step of ``function`` (False if none)."""
        earlier = [i for i in range(issue.step_index) if issue.pathway[i].function == function]
        if not earlier:
            return False
        issue.step_index = earlier[-1]
        self.set_stage(issue, Stage.of(function))
        self.hand_to(issue, body)
        issue.record(self.time, body.id, action, note)
        return True

    def drop(self, issue: Issue, body: Body, action: Action, note: str) -> None:
        """The issue ends here, dropped (rejected too often, or referred out)."""
        self.set_stage(issue, Stage.DROPPED)
        issue.dropped_at = self.time
        issue.holder = None
        issue.record(self.time, body.id, action, note)
        if issue.parent is not None:
            self.strand_done(issue, body)

    def request_pledge(self, issue: Issue, partner_id: str, amount: float) -> None:
        """Ask a required partner that was not at the table (once per issue and partner)."""
        if partner_id in issue.requested:
            return
        issue.requested |= {partner_id}
        request = PledgeRequest(self, issue, self.partners[partner_id], amount)
        self._requests.append(request)
        self.schedule_event(request.answer, after=self.params.pledge_response_weeks)

    def answer_pledge_request(self, request: PledgeRequest) -> None:
        """The organisation pledges with probability equal to its commitment (EV-COMMIT)."""
        issue, partner = request.issue, request.partner
        self._requests.remove(request)
        if not issue.is_open or partner.id not in issue.pending:
            return
        issue.pending -= {partner.id}
        draw = self.keyed_rng("pledge", issue.id, partner.id).random()
        if rules.answers_request(draw, partner.commitment, partner.mandate):
            amount = partner.pledge(request.amount)
            issue.add_pledge(partner.id, amount, partner.sector)
            issue.record(self.time, partner.id, Action.PLEDGED, f"{amount:.1f} by request")
        else:
            issue.record(self.time, partner.id, Action.DECLINED, "asked to pledge")

    # -- delivery -------------------------------------------------------------------------
    def start_delivery(self, issue: Issue, body: Body) -> None:
        """The delivery body has taken the work on; milestones follow as events."""
        issue.delivering = True
        issue.stalled_since = None
        if issue.commissioned_at is None:
            issue.commissioned_at = self.time
        self.delivering[body.id][issue.id] = issue
        delivery = self._deliveries.get(issue.id)
        if delivery is None:
            delivery = Delivery(self, issue, self.keyed_rng("delivery", issue.id))
            self._deliveries[issue.id] = delivery
        delivery.schedule_milestone()
        issue.record(self.time, body.id, Action.COMMISSIONED, f"funded {issue.funded_share:.0%}")

    def complete_delivery(self, issue: Issue, achieved: bool) -> None:
        """Delivery is complete, its outcome achieved or not: on to the next step."""
        body = self.bodies[issue.holder]
        issue.delivering = False
        issue.stalled_since = None
        issue.outcome_achieved = achieved
        self.delivering[body.id].pop(issue.id, None)
        body.last_work_at = self.time
        if issue.delivered_at is None:
            issue.delivered_at = self.time
            self.delivered_count += 1
        self.advance(issue, body, Action.DELIVERED, "outcome achieved" if achieved else "")

    def keyed_rng(self, *key: str) -> np.random.Generator:
        """A stream of the run's randomness keyed by name: the same under every structure."""
        return np.random.default_rng([self._entropy, *(zlib.crc32(k.encode()) for k in key)])

    def stop_delivery(self, issue: Issue) -> None:
        """Delivery stops where it is (the issue is sent back for resources)."""
        issue.delivering = False
        self.delivering[issue.holder].pop(issue.id, None)

    # -- records --------------------------------------------------------------------------
    def file_meeting(self, record: MeetingRecord) -> None:
        """A meeting has opened: its record joins the run's, and the running totals."""
        self.meetings.append(record)
        self.member_hours += record.member_hours
        self.inquorate += not record.quorate

    def note_decided(self, issue: Issue) -> None:
        """The issue has been decided: the first decision counts."""
        if issue.decided_at is None:
            issue.decided_at = self.time
            self.decided_count += 1

    def note_body_event(self, body: Body, event: str) -> None:
        """A body started, stood down or (garbage can) was decided: for the bodies table."""
        self.body_events.append({"time": self.time, "body": body.id, "event": event})


def _bounds(r: Range) -> tuple[float, float]:
    return (min(r.low, r.high), max(r.low, r.high))
