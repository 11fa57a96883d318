"""Issues: what travels through the partnership, and the record of every hand-off."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sim.spec.scenario import EffectSpec, FollowUpSpec
from sim.spec.structure import Function


class Stage(StrEnum):
    """Where an issue is: the function of its current step, or one of two ends."""

    DELIBERATION = "deliberation"
    SUPPORT = "support"
    DECISION = "decision"
    DELIVERY = "delivery"
    EVALUATION = "evaluation"
    CLOSED = "closed"
    DROPPED = "dropped"

    @staticmethod
    def of(function: Function) -> Stage:
        """The stage of an issue whose current step performs ``function``."""
        return _STAGE_OF[function]


_STAGE_OF = {function: Stage(function.value) for function in Function}
OPEN_STAGES = (Stage.DELIBERATION, Stage.SUPPORT, Stage.DECISION, Stage.DELIVERY, Stage.EVALUATION)


class Action(StrEnum):
    """What a body did with an issue; the words of a trace."""

    RAISED = "raised"
    DELIBERATED = "deliberated"
    PREPARED = "prepared"
    REFERRED = "referred"
    REFERRED_OUT = "referred out"
    DECIDED = "decided"
    REJECTED = "rejected"
    PLEDGED = "pledged"
    DECLINED = "declined"
    COMMISSIONED = "commissioned"
    DELIVERED = "delivered"
    EVALUATED = "evaluated"
    SENT_BACK = "sent back"
    CHALLENGED = "challenged"
    DEFERRED = "deferred"
    DROPPED = "dropped"
    ASKED = "asked"
    PULLED_TOGETHER = "pulled together"
    ATTACHED = "attached"


@dataclass(slots=True)
class Step:
    """One step of a pathway: a function; where (a scope or body id, or a list of them taken
    in parallel); a joint meeting with delegates of other bodies; a special meeting wanted."""

    function: Function
    at: str | list[str] | None = None
    special: bool = False
    joint_with: list[str] = field(default_factory=list)

    @property
    def fans_out(self) -> bool:
        return isinstance(self.at, list)


@dataclass(eq=False, slots=True)
class EffectShare:
    """One declared effect of an issue on an outcome indicator in one district.

    It counts once, whatever the pathway: the issue that owns it delivers it (the issue
    itself, or the strand that delivers in that district when delivery fans out); what has
    been realised is never undone by rework, send-backs or re-decisions. Half the change
    accrues with delivery, the other half once the outcome is achieved."""

    indicator: str
    district: str
    change: float
    owner: Issue
    realised: float = 0.0
    achieved: bool = False

    def value(self) -> float:
        """The change this effect has made so far (updated from its owner's progress)."""
        owner = self.owner
        if owner.progress > 0:
            self.realised = max(self.realised, owner.progress * owner.ambition_share)
            self.achieved = self.achieved or bool(owner.outcome_achieved)
        return self.change * self.realised * (0.5 + 0.5 * self.achieved)


@dataclass(slots=True)
class HandOff:
    """One entry of an issue's history."""

    time: float
    body: str
    action: Action
    stage: Stage
    to_body: str | None
    note: str = ""


@dataclass(eq=False, slots=True)
class Issue:
    """An issue (a plant closure, rising truancy, a routine target) and its whole history.

    What it is (its pathway, the partners it requires, its declared effects and follow-ups)
    is fixed when it is raised; where it is and what has happened to it changes. What most
    issues never gain (pending partners, stalls caught, strands, ...) is held in frozensets
    and tuples that are replaced when they grow, so that an issue that needs none costs
    none."""

    id: str
    title: str
    scope: str
    theme: str
    kind: str
    urgent: bool
    resources: float
    effort_weeks: float
    target_weeks: float
    pathway: tuple[Step, ...]
    requires: tuple[str, ...] = ()
    source: str = "named"
    raised_at: float = 0.0
    step_index: int = 0
    stage: Stage = Stage.DELIBERATION
    holder: str | None = None
    in_transit: bool = False
    delivering: bool = False
    history: list[HandOff] = field(default_factory=list)
    decided_at: float | None = None
    commissioned_at: float | None = None
    delivered_at: float | None = None
    closed_at: float | None = None
    dropped_at: float | None = None
    deferrals: int = 0
    rejections: int = 0
    send_backs: int = 0
    challenges: int = 0
    escalations: int = 0
    pledges: dict[str, float] = field(default_factory=dict)
    pending: frozenset[str] = frozenset()  # required partners asked, not yet answered
    requested: frozenset[str] = frozenset()  # partners ever asked away from the table
    rescoped: bool = False
    progress: float = 0.0
    stalled_since: float | None = None
    catch_weeks: tuple[float, ...] = ()  # weeks each caught stall had lasted
    outcome_achieved: bool | None = None
    reported_met: bool | None = None
    original_resources: float = -1.0
    parent: Issue | None = None
    furthest: int = 0
    fan_outs: int = 0
    pledging_sectors: frozenset[str] = frozenset()
    waiting: frozenset[str] = frozenset()  # its strands not yet back
    effects: tuple[EffectSpec, ...] = ()
    effect_shares: tuple[EffectShare, ...] = ()
    follow_ups: tuple[FollowUpSpec, ...] = ()
    energy: float = 0.0

    def __post_init__(self) -> None:
        if self.original_resources < 0:
            self.original_resources = self.resources

    @property
    def step(self) -> Step:
        return self.pathway[self.step_index]

    @property
    def pledged(self) -> float:
        return sum(self.pledges.values())

    @property
    def funded_share(self) -> float:
        """Share of the (possibly re-scoped) resources pledged: drives delivery progress."""
        return 1.0 if self.resources <= 0 else min(1.0, self.pledged / self.resources)

    @property
    def ambition_share(self) -> float:
        """Share of the originally needed resources pledged: drives the chance of outcome."""
        if self.original_resources <= 0:
            return 1.0
        return min(1.0, self.pledged / self.original_resources)

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    def add_pledge(self, by: str, amount: float, sector: str) -> None:
        """``amount`` more pledged by a partner (or a fund, by its key) of ``sector``."""
        self.pledges[by] = self.pledges.get(by, 0.0) + amount
        if amount > 0:
            self.pledging_sectors |= {sector}

    def record(self, time: float, body: str, action: Action, note: str = "") -> None:
        self.history.append(HandOff(time, body, action, self.stage, self.holder, note))
