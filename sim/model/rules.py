"""The partnership's rules as plain functions: values in, a verdict out.

Each rule is what the source documents say a body or a partner does, and names its rule
id: who attends a meeting, whether it is quorate, the order of its agenda, whether work
outside the focus is referred out, the vote, how a shortfall is split among the partners
asked and what a fund gives, the response to stalled delivery, the evaluation verdict, the
replacement of absent members and the review of idle groups. A meeting
(:class:`sim.model.meeting.Meeting`) gathers the values, draws the random numbers from its
body's own stream and applies the verdicts; the model moves the issues.

Randomness stays with the caller. A rule that always needs luck takes uniform numbers on
[0, 1) as arguments (``u_...``); a rule that needs a number only in some cases (a vote
carried by consensus takes no ballots) takes ``uniforms``, an iterator of them, and reads
only as many as it needs, so the caller's stream is drawn exactly as far as the rule goes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import NamedTuple

from sim.model.issue import Issue
from sim.spec.structure import Function

EPS = 1e-9  # resources within this of a target count as reaching it
MAX_EVALUATION_SEND_BACKS = 2  # send-backs after which an evaluation closes the issue
LOAD_FLOOR = 0.2  # however loaded, a partner keeps this share of its attendance


# -- attendance (PI-SUBSTITUTE, PI-ATTEND, EV-COMMIT) ------------------------------------
class Presence(NamedTuple):
    """Who came for one seat: the member in person, a substitute, or nobody; and whether
    whoever came may commit the organisation."""

    in_person: bool
    substitute: bool
    has_mandate: bool


def load_factor(recent: int, capacity: float, capacity_meetings: float, penalty: float) -> float:
    """EV-COMMIT: meetings crowd each other out. A partner that attended more than
    ``capacity_meetings`` x ``capacity`` meetings in the last weeks attends less, by
    ``penalty`` per meeting over, never below :data:`LOAD_FLOOR` (1 when unstrained)."""
    excess = recent - capacity_meetings * capacity
    return max(LOAD_FLOOR, 1.0 - penalty * max(0.0, excess))


def attendance(
    u_attend: float,
    u_substitute: float,
    u_mandate: float,
    *,
    base: float,
    commitment: float,
    load: float,
    substitutes: bool,
    substitute_probability: float,
    mandate: float,
    substitute_mandate: float,
) -> Presence:
    """PI-SUBSTITUTE: the member comes with probability ``base`` x its commitment x its
    organisation's load factor; if not, and the body allows substitutes, a substitute comes
    with ``substitute_probability``. Whoever came can commit the organisation with the
    seat's ``mandate`` (in person) or ``substitute_mandate`` (a substitute).

    Args:
        u_attend: uniform number deciding the member's attendance.
        u_substitute: uniform number deciding the substitute's.
        u_mandate: uniform number deciding the mandate.
    """
    in_person = u_attend < base * commitment * load
    substitute = not in_person and substitutes and u_substitute < substitute_probability
    chance = mandate if in_person else substitute_mandate
    return Presence(in_person, substitute, (in_person or substitute) and u_mandate < chance)


def commitment_after(
    commitment: float,
    organisation: float,
    in_person: bool,
    reengagement: float,
    disengagement: float,
) -> float:
    """EV-COMMIT: a representative who attends in person moves ``reengagement`` of the way
    back to the organisation's own commitment; one who does not loses ``disengagement`` of
    theirs."""
    if in_person:
        return commitment + reengagement * max(0.0, organisation - commitment)
    return commitment * (1.0 - disengagement)


def absences_after(absences: int, presence: Presence) -> int:
    """PI-ATTEND: meetings in a row at which nobody came for the seat (a substitute counts
    as someone)."""
    return 0 if presence.in_person or presence.substitute else absences + 1


def replaced(absences: int, limit: int | None) -> bool:
    """PI-ATTEND: a member absent from ``limit`` meetings in a row is replaced (the
    organisation is asked for a new representative); never, where the body sets no limit."""
    return limit is not None and absences >= limit


def quorate(present: int, voting_present: int, quorum: int) -> bool:
    """FE-EXEC-QUORUM: a meeting can decide only with someone present and at least
    ``quorum`` voting members present (the Executive's 5 of 15)."""
    return present > 0 and voting_present >= quorum


# -- reports and scrutiny (FE-PAG-REPORT, EV-SCRUTINY) ------------------------------------
class Reports(NamedTuple):
    """The bodies heard at one meeting: those reporting in writing (in rotation), then those
    raising issues verbally; and where the rotation stands for the next meeting."""

    formal: tuple[str, ...]
    heard: tuple[str, ...]
    rotation: int


def reports(
    sources: Sequence[str],
    per_meeting: int | None,
    rotation: int,
    uniforms: Iterator[float],
    verbal_probability: float,
) -> Reports:
    """FE-PAG-REPORT: the bodies that report to this one (``sources``, those operating)
    report in writing, all of them or ``per_meeting`` of them in rotation; each body out of
    rotation raises its issues verbally with ``verbal_probability`` (one number each)."""
    if per_meeting is None or not sources:
        formal, others, rotation_after = tuple(sources), (), rotation
    else:
        n = min(per_meeting, len(sources))
        start = rotation % len(sources)
        formal = tuple(sources[(start + k) % len(sources)] for k in range(n))
        others = tuple(s for s in sources if s not in formal)
        rotation_after = start + n
    verbal = tuple(s for s in others if next(uniforms) < verbal_probability)
    return Reports(formal, formal + verbal, rotation_after)


class StallResponse(StrEnum):
    """What a reviewing body does with stalled delivery it hears about."""

    SEND_BACK = "send back"
    CHALLENGE = "challenge"


def stall_response(funded_share: float, has_decision_step: bool) -> StallResponse:
    """EV-SCRUTINY, FE-PAG-REPORT: stalled delivery short of resources goes back to the
    decision step it came through, for resources; otherwise (fully funded, or never
    decided) the delivery body is challenged and carries on."""
    if funded_share < 1.0 - EPS and has_decision_step:
        return StallResponse.SEND_BACK
    return StallResponse.CHALLENGE


# -- the agenda (PI-AGENDA, PI-FOCUS) ------------------------------------------------------
def off_focus(issue: Issue, focus: Mapping[str, Sequence[str]]) -> bool:
    """PI-FOCUS: operational work whose theme is outside the few priorities its scope has
    narrowed to (``focus``: themes by scope). Strategic work, and work in a scope with no
    declared focus, is never off focus."""
    themes = focus.get(issue.scope)
    return bool(themes) and issue.kind == "operational" and issue.theme not in themes


def agenda(policy: str, queue: Sequence[Issue], focus: Mapping[str, Sequence[str]]) -> list[Issue]:
    """PI-AGENDA, PI-FOCUS: the order items are taken in. ``fifo`` keeps the queue's order;
    ``urgent_first`` puts urgent items first; ``focus_first`` (a programme team developing
    the agenda) puts urgent items first, then those inside the focus. Otherwise the queue's
    order is kept."""
    if policy == "urgent_first":
        return sorted(queue, key=lambda i: not i.urgent)
    if policy == "focus_first":
        return sorted(queue, key=lambda i: (not i.urgent, off_focus(i, focus)))
    return list(queue)


def referred_out(
    issue: Issue,
    focus: Mapping[str, Sequence[str]],
    uniforms: Iterator[float],
    probability: float,
) -> bool:
    """PI-FOCUS: deliberation refers work off the focus out of the partnership with
    ``probability`` (one number, taken only for work off the focus)."""
    return off_focus(issue, focus) and next(uniforms) < probability


# -- decision (FE-EXEC-DECIDE, FE-ACCOUNTABLE) ---------------------------------------------
class Vote(NamedTuple):
    """Whether an item passed, and how (the note of its record)."""

    passed: bool
    how: str


def vote(
    rule: str,
    n_voters: int,
    uniforms: Iterator[float],
    consensus_probability: float,
    support_probability: float,
    n_eligible: int | None = None,
) -> Vote:
    """FE-EXEC-DECIDE: decisions by consensus (under ``consensus_else_majority``, reached
    with ``consensus_probability``: one number); failing consensus, and always under
    ``majority``, a simple majority of the ``n_voters`` eligible voting members present,
    each supporting with ``support_probability`` (one number each). With ``n_eligible``
    (the body's ``majority_of: members`` reading) the majority is of all that many eligible
    voting members, present or not. A tie, or nobody to vote, does not pass."""
    if rule == "consensus_else_majority" and next(uniforms) < consensus_probability:
        return Vote(True, "by consensus")
    yes = sum(next(uniforms) < support_probability for _ in range(n_voters))
    of = n_voters if n_eligible is None else n_eligible
    return Vote(
        2 * yes > of, f"vote {yes} of {n_voters}" + (f" ({of} members)" if n_eligible else "")
    )


def rescoped(decided_before: bool, pledged_now: float, funded_share: float) -> bool:
    """FE-EXEC-DECIDE (the model's reading): work decided again that raises nothing more
    while partly funded is cut to the resources pledged, since nothing more is to be had."""
    return decided_before and pledged_now <= EPS and 0 < funded_share < 1


class Ask(NamedTuple):
    """The partners asked to pledge towards a shortfall, and each one's equal share."""

    partners: tuple[str, ...]
    share: float


def pledge_ask(
    shortfall: float,
    required: Sequence[str],
    pledged: Collection[str],
    mandated: Sequence[str],
) -> Ask:
    """FE-EXEC-DECIDE: a shortfall is split equally among the partners asked: the issue's
    required partners that have not pledged yet (all of them, if all have), or, for an issue
    that requires no one, every partner present with a mandate. No shortfall, no ask.

    Args:
        shortfall: resources needed minus resources pledged.
        required: the partners the issue requires.
        pledged: who has pledged to it so far.
        mandated: the partners present with a mandate to commit their organisation.
    """
    if shortfall <= EPS:
        return Ask((), 0.0)
    if required:
        asked = tuple(p for p in required if p not in pledged) or tuple(required)
    else:
        asked = tuple(mandated)
    return Ask(asked, shortfall / len(asked) if asked else 0.0)


def pooled_at_delivery(decided: bool, funded_share: float) -> bool:
    """PI-TIERS: work that reaches delivery without any decision and is not fully funded is
    resourced by the delivery body's own members (operational groups pool resources)."""
    return not decided and funded_share < 1.0 - EPS


def fund_draw(shortfall: float, left: float, holder_present: bool) -> float | None:
    """FE-ACCOUNTABLE: a partnership fund covers what remains of a shortfall, up to what it
    has left this year, when its accountable holder is present with a mandate. ``None`` when
    it is not drawn on at all (no shortfall left, or its holder not there to commit it)."""
    if shortfall <= EPS or not holder_present:
        return None
    return max(0.0, min(shortfall, left))


def answers_request(u: float, commitment: float, mandate: float) -> bool:
    """EV-COMMIT: a required partner asked to pledge away from the table does so with
    probability equal to its commitment, if it gives its representatives any mandate."""
    return u < commitment and mandate > 0


# -- evaluation (PI-PERF, FE-PROOF) --------------------------------------------------------
class Evaluation(NamedTuple):
    """An evaluation's verdict: what is reported, and where the work goes.

    ``send_back_to`` is the function of the earlier step the work returns to (``None``: it
    moves on); ``sent_back`` is the note of that return. ``evaluated`` is the note when the
    work moves on, including when there is no earlier step to send it back to."""

    met: bool
    send_back_to: Function | None
    sent_back: str
    evaluated: str


def evaluation(
    basis: str, funded_share: float, outcome_achieved: bool | None, send_backs: int
) -> Evaluation:
    """PI-PERF: judged on ``inputs`` (traffic lights), fully funded work is green whatever its
    outcome and under-funded work is red and goes back to its decision for resources; judged
    on ``outcomes``, the outcome is reported as found and work that missed it goes back to
    delivery for rework. After :data:`MAX_EVALUATION_SEND_BACKS` send-backs the work moves on
    whatever the result."""
    if basis == "inputs":
        if funded_share >= 1.0 - EPS:
            return Evaluation(True, None, "", "green on inputs")
        if send_backs >= MAX_EVALUATION_SEND_BACKS:
            return Evaluation(False, None, "", "")
        red = "red: under-resourced"
        return Evaluation(False, Function.DECISION, red, red)
    if outcome_achieved:
        return Evaluation(True, None, "", "outcome achieved")
    closed = "closed without outcome"
    if send_backs >= MAX_EVALUATION_SEND_BACKS:
        return Evaluation(False, None, "", closed)
    return Evaluation(False, Function.DELIVERY, "outcome not achieved", closed)


# -- the life of groups (FE-PAG-LIFE) ------------------------------------------------------
def stands_down(
    delivers: bool, catch_all: bool, has_work: bool, idle_weeks: float, idle_limit: float
) -> bool:
    """FE-PAG-LIFE: a group exists as long as the body it reports to judges it necessary. A
    delivery group with nothing queued or in delivery, idle for ``idle_limit`` weeks, is
    stood down, unless a routing rule falls back on it for any work (a catch-all)."""
    return delivers and not catch_all and not has_work and idle_weeks >= idle_limit
