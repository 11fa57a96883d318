"""Lost meetings are rearranged: no issue sits forever because one meeting failed its quorum
or its agenda was full (FE-EXEC-QUORUM, PI-OPS-CADENCE, CO-ABG special meetings, joint
meetings of SC-EMPLOYER)."""

from __future__ import annotations

import pytest
from conftest import run_model, town, town_scenario

from sim.model.agents import Body
from sim.model.meeting import Attendance, Meeting


@pytest.fixture
def lose_meetings(monkeypatch):
    """Make the first ``n`` meetings of a kind inquorate: nobody comes."""
    lost: dict[str, int] = {}  # meetings held of each kind that were made inquorate

    def install(target: str, n: int = 1) -> dict[str, int]:
        original_hold, original_attend = Body.hold_meeting, Meeting.take_attendance

        def hold(self, kind="regular", guests=None):
            self._lose = kind == target and lost.get(kind, 0) < n
            if self._lose:
                lost[kind] = lost.get(kind, 0) + 1
            return original_hold(self, kind, guests)

        def attend(self):
            if getattr(self.body, "_lose", False):
                return [Attendance(seat, False, False, False) for seat in self.seats]
            return original_attend(self)

        monkeypatch.setattr(Meeting, "take_attendance", attend)
        monkeypatch.setattr(Body, "hold_meeting", hold)
        return lost

    return install


def joint_issue() -> dict:
    scenario = town_scenario(n=1, weeks=60)
    scenario["issues"][0]["pathway"] = [
        {"function": "deliberation", "at": "board", "joint_with": ["review"]},
        {"function": "decision"},
    ]
    return scenario


def test_an_inquorate_joint_meeting_is_rearranged(lose_meetings):
    """SC-EMPLOYER's joint meeting fails its quorum: it is rearranged after the special-meeting
    notice (it used to be lost for good, the issue censored until the run ended)."""
    lost = lose_meetings("joint")
    model, result = run_model(town(), joint_issue())
    assert lost == {"joint": 1}
    joint = result.meetings[result.meetings["kind"] == "joint"]
    assert list(joint["quorate"]) == [False, True]
    notice = model.params.special_meeting_notice_weeks
    assert joint["time"].tolist() == pytest.approx([0.5 + notice, 0.5 + 2 * notice])
    issue = result.issues.set_index("issue_id").loc["i0"]
    assert issue["decided_at"] == issue["decided_at"]  # decided, not censored
    history = result.history
    deferred = history[(history["action"] == "deferred") & (history["note"] == "meeting inquorate")]
    assert len(deferred) == 1


def test_an_inquorate_on_demand_meeting_is_rearranged(lose_meetings):
    """PI-OPS-CADENCE: an operational group meets when work arrives; when that meeting is lost
    it meets again after its notice, though no new work arrives."""
    lost = lose_meetings("on_demand")
    structure = town(team={"on_demand": True, "cadence_weeks": None, "first_meeting_week": None,
                           "quorum": 1})  # fmt: skip
    model, result = run_model(structure, town_scenario(n=1, weeks=80))
    assert lost == {"on_demand": 1}
    team = result.meetings[result.meetings["body"] == "team"]
    assert team["quorate"].tolist()[:2] == [False, True]
    gap = team["time"].iloc[1] - team["time"].iloc[0]
    assert gap == pytest.approx(model.params.on_demand_notice_weeks)
    assert result.issues["commissioned_at"].notna().all()


def test_an_on_demand_group_with_a_full_agenda_meets_again():
    """PI-OPS-CADENCE with an agenda of one: three items arriving together need three meetings,
    not one meeting and a wait for work that never comes."""
    structure = town(team={"on_demand": True, "cadence_weeks": None, "first_meeting_week": None,
                           "agenda_capacity": 1})  # fmt: skip
    _, result = run_model(structure, town_scenario(n=3, weeks=80))
    assert result.issues["commissioned_at"].notna().all()


def test_an_inquorate_special_meeting_is_rearranged_before_a_distant_regular_one(lose_meetings):
    """CO-ABG: a body that may hold special meetings rearranges a lost special meeting for
    urgent business when its next regular meeting is further off than the notice."""
    lost = lose_meetings("special")
    structure = town(board={"special_meetings": True, "cadence_weeks": 52,
                            "first_meeting_week": 40})  # fmt: skip
    _, result = run_model(structure, town_scenario(n=1, weeks=60, urgent=True))
    assert lost == {"special": 1}
    board = result.meetings[result.meetings["body"] == "board"]
    special = board[board["kind"] == "special"]
    assert special["quorate"].tolist()[:2] == [False, True]
    assert special["time"].iloc[1] < 40  # before the regular meeting
