"""The run summary measures what it says: members' attendance apart from substitutes, and
times to decision with censoring allowed for (issue 10, items 9 and 12)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import run_model, town, town_scenario
from scipy import stats

from sim.model.survival import km_curve, km_median, restricted_mean


def test_pi_substitute_member_attendance_does_not_count_substitutes():
    """PI-SUBSTITUTE: 3 of 15 board members always come, the other 12 always send a
    substitute. Members attend 3/15 of the board's seats; substitutes fill 12/15. A single
    'attendance' used to count both, so substitutes looked like better attendance."""
    params = {"substitute_probability": 1.0}
    _, result = run_model(town(committed=3, board={"substitutes": True}), town_scenario(n=1),
                          parameters=params)  # fmt: skip
    meetings = result.meetings
    seats = meetings["seats"].sum()
    summary = result.summary.iloc[0]
    assert summary["member_attendance_rate"] == pytest.approx(meetings["in_person"].sum() / seats)
    assert summary["substitute_share"] == pytest.approx(meetings["substitutes"].sum() / seats)
    assert summary["seats_filled_rate"] == pytest.approx(
        summary["member_attendance_rate"] + summary["substitute_share"]
    )
    board = meetings[meetings["body"] == "board"]
    assert (board["in_person"] == 3).all() and (board["substitutes"] == 12).all()
    assert "attendance_rate" not in result.summary


def test_median_weeks_to_decision_allows_for_issues_still_undecided():
    """Item 9: ten issues, the board decides only six items a meeting (agenda 6) every 13
    weeks and the run ends after the first meeting: six decided at once, four censored. The
    median among the decided would be the decided ones' time; Kaplan-Meier says the same
    here, and says n/a once fewer than half are decided."""
    structure = town(board={"agenda_capacity": 6})
    _, result = run_model(structure, town_scenario(n=10, weeks=20))
    summary = result.summary.iloc[0]
    assert summary["issues_decided"] == 6
    assert summary["decision_censored_share"] == pytest.approx(0.4)
    assert summary["median_weeks_to_decision"] == pytest.approx(12.5)
    structure = town(board={"agenda_capacity": 4})
    _, result = run_model(structure, town_scenario(n=10, weeks=20))
    summary = result.summary.iloc[0]
    assert summary["issues_decided"] == 4 and summary["decision_censored_share"] == 0.6
    assert math.isnan(summary["median_weeks_to_decision"])  # not the median of the four


@pytest.mark.parametrize("seed", range(40))
def test_kaplan_meier_agrees_with_scipy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    times = rng.integers(1, 25, n).astype(float)
    seen = rng.random(n) < 0.6
    seen[0] = True
    sf = stats.ecdf(stats.CensoredData(uncensored=times[seen], right=times[~seen])).sf
    event_times, survival = km_curve(times, seen)
    at = np.searchsorted(sf.quantiles, event_times)
    assert survival == pytest.approx(sf.probabilities[at])
    below = np.nonzero(sf.probabilities <= 0.5 + 1e-12)[0]
    expected = sf.quantiles[below[0]] if len(below) else math.nan
    assert km_median(times, seen) == pytest.approx(expected, nan_ok=True)
    horizon = 20.0
    grid = np.linspace(0, horizon, 20001)
    curve = sf.evaluate(grid)
    assert restricted_mean(times, seen, horizon) == pytest.approx(
        np.sum(curve[:-1] * np.diff(grid)), abs=0.01
    )
