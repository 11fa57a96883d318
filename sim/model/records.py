"""Typed records of a run: a meeting as it happened, and a partnership fund as it stands.

A :class:`MeetingRecord` is opened when a body meets and filled in as the meeting goes on;
the run's ``meetings`` table is built from these records, one row each, in field order.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(slots=True)
class MeetingRecord:
    """One meeting: who came, whether it could decide, what it heard and did (a row of the
    ``meetings`` table; the columns are these fields, in this order)."""

    meeting_id: int
    body: str
    scope: str
    time: float
    kind: str
    seats: int
    voting_seats: int
    in_person: int
    substitutes: int
    voting_present: int
    with_mandate: int
    quorum: int
    quorate: bool
    open_meeting: bool
    voluntary_present: int
    business_present: int
    county_wide_present: int
    items_heard: int = 0
    items_deferred: int = 0
    decided: int = 0
    pledged: float = 0.0
    reports_heard: str = ""
    stalls_caught: int = 0
    replacements: int = 0
    member_hours: float = 0.0

    def row(self) -> dict[str, object]:
        """The record as a row of the ``meetings`` table."""
        return {name: getattr(self, name) for name in MEETING_COLUMNS}


MEETING_COLUMNS = tuple(f.name for f in fields(MeetingRecord))


@dataclass(eq=False, slots=True)
class Fund:
    """A partnership fund for one scope, held by an accountable partner (FE-ACCOUNTABLE).

    ``left`` is what remains of this year's amount; several funds on one scope form a
    pooled budget, each drawn in turn."""

    scope: str
    partner: str
    per_year: float
    left: float

    @property
    def key(self) -> str:
        """How its pledges are recorded on an issue."""
        return f"fund:{self.scope}:{self.partner}"
