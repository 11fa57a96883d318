"""The cycle is real: attendance, quorum, agenda, decision rule, mandate, resources, scrutiny."""

from __future__ import annotations

import pandas as pd
from conftest import run_model, town, town_scenario

STEADY = {"setback_probability": 0.0, "delivery_noise_shape": 1e6}


def decided_times(result) -> list[float]:
    h = result.history
    return sorted(h[h["action"] == "decided"]["time"].tolist())


def test_quorum_four_of_fifteen_decides_nothing():
    """FE-EXEC-QUORUM: with 4 of 15 voting members present the Executive cannot decide."""
    _, result = run_model(town(committed=4), town_scenario())
    board = result.meetings[result.meetings["body"] == "board"]
    assert (board["voting_present"] == 4).all()
    assert not board["quorate"].any()
    assert board["decided"].sum() == 0
    assert result.issues["decided_at"].isna().all()
    assert (result.issues["stage"] == "decision").all()
    assert result.issues["deferrals"].min() >= len(board)


def test_quorum_five_of_fifteen_decides():
    """FE-EXEC-QUORUM: five voting members present is enough."""
    _, result = run_model(town(committed=5), town_scenario())
    board = result.meetings[result.meetings["body"] == "board"]
    assert board["quorate"].all()
    assert decided_times(result) == [13.0, 13.0, 13.0]


def test_hand_off_waits_for_the_receiving_bodys_next_meeting():
    """Deliberated at week 1, the issue waits for the board's first meeting at week 13."""
    _, result = run_model(town(), town_scenario(n=1))
    row = result.issues.iloc[0]
    assert row["weeks_to_decision"] == 13.0 - 0.5
    h = result.history
    assert h[h["action"] == "commissioned"]["time"].iloc[0] == 14.0  # team meets week 14


def test_special_meeting_brings_an_urgent_decision_forward():
    """A body allowed special meetings meets early for urgent business (CO-ABG, PI-EXEC-CADENCE)."""
    _, result = run_model(town(board={"special_meetings": True}), town_scenario(n=1, urgent=True))
    assert decided_times(result) == [3.0]  # deliberated at week 1 + 2 weeks' notice
    meetings = result.meetings
    assert (meetings[meetings["body"] == "board"]["kind"] == "special").sum() == 1
    _, normal = run_model(town(board={"special_meetings": True}), town_scenario(n=1))
    assert decided_times(normal) == [13.0]


def test_agenda_capacity_defers_items():
    """Items beyond the agenda capacity wait for the next meeting."""
    _, result = run_model(town(board={"agenda_capacity": 2}), town_scenario(n=5, weeks=45))
    assert decided_times(result) == [13.0, 13.0, 26.0, 26.0, 39.0]
    assert result.meetings[result.meetings["body"] == "board"]["items_deferred"].tolist() == [
        3,
        1,
        0,
    ]


def test_consensus_else_majority():
    """FE-EXEC-DECIDE: no consensus and no majority rejects; a majority of those present passes."""
    params = {"consensus_probability": 0.0, "support_probability": 0.0}
    _, rejected = run_model(town(), town_scenario(n=1), parameters=params)
    actions = rejected.history["action"].tolist()
    assert actions.count("rejected") == 2  # sent back once, then dropped (max_rejections 1)
    assert rejected.issues["stage"].iloc[0] == "dropped"

    params = {"consensus_probability": 0.0, "support_probability": 1.0}
    _, passed = run_model(town(committed=7), town_scenario(n=1), parameters=params)
    note = passed.history.query("action == 'decided'")["note"].iloc[0]
    assert note.startswith("vote 7 of 7")  # eligible voting members present, not all 15

    _, by_consensus = run_model(town(), town_scenario(n=1), parameters={"consensus_probability": 1})
    assert "by consensus" in by_consensus.history.query("action == 'decided'")["note"].iloc[0]


def test_member_without_mandate_cannot_commit_resources():
    """FE-EXEC-DECIDE: members need their organisation's mandate to commit it."""
    _, with_mandate = run_model(town(), town_scenario(n=1), parameters=STEADY)
    assert with_mandate.issues["pledged"].iloc[0] == 4.0
    _, without = run_model(town(mandate=0.0), town_scenario(n=1), parameters=STEADY)
    assert without.issues["decided_at"].notna().all()
    assert without.issues["pledged"].iloc[0] == 0.0
    assert without.issues["delivered_at"].isna().all()


def test_delivery_progresses_with_pledged_resources():
    """Half the resources pledged: delivery takes twice as long."""
    scenario = town_scenario(n=1, requires=["p00", "p01"], effort_weeks=7.9)
    full, half = town(committed=15), town(committed=15)
    half["partners"][1]["mandate"] = 0.0  # p01 attends but cannot commit, and declines later
    _, r_full = run_model(full, scenario, parameters=STEADY)
    _, r_half = run_model(half, scenario, parameters=STEADY)
    assert r_full.issues["funded_share"].iloc[0] == 1.0
    assert r_half.issues["funded_share"].iloc[0] == 0.5
    assert r_half.issues["pending_partners"].iloc[0] == ""  # asked, answered: declined
    assert "declined" in r_half.history["action"].tolist()
    t_full = r_full.issues["delivered_at"].iloc[0] - r_full.issues["commissioned_at"].iloc[0]
    t_half = r_half.issues["delivered_at"].iloc[0] - r_half.issues["commissioned_at"].iloc[0]
    assert t_full == 8.0 and t_half == 16.0


def test_required_partner_absent_is_asked_and_pledges_later():
    """A required partner not at the table is asked; a committed one pledges after a delay."""
    scenario = town_scenario(n=1, requires=["p00", "extra"])
    scenario["partners"] = [{"id": "extra", "sector": "business", "commitment": 1.0}]
    _, result = run_model(town(), scenario, parameters=STEADY)
    h = result.history
    pledge = h[h["action"] == "pledged"]
    assert pledge["body"].tolist() == ["extra"]
    assert pledge["time"].iloc[0] == 13.0 + 6.0  # pledge_response_weeks
    assert result.issues["funded_share"].iloc[0] == 1.0


def test_stalled_delivery_is_caught_and_sent_back():
    """A reviewing body catches stalled delivery and sends it back for resources."""
    board = {"hears_reports": {"from": ["team"]}}
    params = {**STEADY, "pledge_response_weeks": 100}
    scenario = town_scenario(n=1, requires=["p00", "p01"], weeks=80)
    structure = town(board=board, mandate=0.0)
    _, watched = run_model(structure, scenario, parameters=params)
    h = watched.history
    sent = h[h["action"] == "sent back"]
    assert len(sent) >= 1 and set(sent["body"]) == {"board"}
    assert sent["to_body"].iloc[0] == "board"
    assert watched.issues["stalls_caught"].iloc[0] >= 1
    assert watched.meetings.query("body == 'board'")["reports_heard"].str.contains("team").all()

    structure_unwatched = town(mandate=0.0)
    _, unwatched = run_model(structure_unwatched, scenario, parameters=params)
    assert "sent back" not in unwatched.history["action"].tolist()


def test_stall_is_defined_by_the_funded_milestone():
    """With nothing pledged, every milestone stalls; the weekly series counts the stall."""
    structure = town(mandate=0.0)
    _, result = run_model(structure, town_scenario(n=1), parameters=STEADY)
    assert result.series["stalled"].max() == 1
    assert result.issues["progress"].iloc[0] == 0.0


def test_every_issue_in_exactly_one_stage_at_every_time(smoke_run):
    """At every week the issues by stage add up to the issues raised; histories are ordered."""
    for structure in ("five_element", "pilot"):
        model, result = smoke_run(structure, 1)
        s = result.series
        stages = [c for c in s.columns if c.startswith("open_")] + ["closed", "dropped"]
        assert (s[stages].sum(axis=1) == s["raised"]).all()
        assert (s[stages] >= 0).all().all()
        for issue in model.issues:
            times = [h.time for h in issue.history]
            assert times == sorted(times)
            ends = [
                n for n, h in enumerate(issue.history) if h.stage.value in ("closed", "dropped")
            ]
            assert ends in ([], [len(issue.history) - 1])
            assert issue.history[-1].stage == issue.stage


def test_same_seed_identical_tables(smoke_run):
    from sim.model import run_once

    _, first = smoke_run("five_element", 7)
    again = run_once(first_structure(), smoke_scenario(), seed=7)
    for name, table in first.tables().items():
        pd.testing.assert_frame_equal(table, again.tables()[name], obj=name)


def test_different_seeds_differ(smoke_run):
    _, a = smoke_run("five_element", 7)
    _, b = smoke_run("five_element", 8)
    assert not a.meetings.equals(b.meetings)
    assert not a.issues.equals(b.issues)


def test_paired_structures_share_the_issue_stream(smoke_run):
    """Common random numbers: the same seed raises the same issues under every structure."""
    _, fe = smoke_run("five_element", 3)
    _, pi = smoke_run("pilot", 3)
    cols = ["issue_id", "raised_at", "theme", "resources", "urgent"]
    pd.testing.assert_frame_equal(fe.issues[cols], pi.issues[cols])


def first_structure():
    from conftest import shipped

    return shipped("five_element")


def smoke_scenario():
    from conftest import smoke

    return smoke()
