"""Paired replications: shared seeds, common random numbers, serial = parallel."""

from __future__ import annotations

import pandas as pd

from sim.experiment.runner import run_paired
from sim.experiment.seeds import replication_seeds
from sim.spec.loading import SCENARIO_DIR

SMOKE = str(SCENARIO_DIR / "smoke.yaml")


def test_replication_seeds_are_reproducible_and_distinct():
    seeds = replication_seeds(1, 50)
    assert seeds == replication_seeds(1, 50)
    assert len(set(seeds)) == 50
    assert seeds[:5] == replication_seeds(1, 5)
    assert replication_seeds(2, 5) != seeds[:5]


def test_paired_replications_share_seeds_and_issues():
    tables = run_paired(SMOKE, ["five_element", "pilot"], 3, 11, tables=("summary", "issues"),
                        workers=1, progress=False)  # fmt: skip
    summary = tables["summary"]
    by_rep = summary.groupby("replication")["seed"].nunique()
    assert (by_rep == 1).all() and summary["seed"].nunique() == 3
    issues = tables["issues"]
    cols = ["replication", "issue_id", "raised_at", "resources", "theme"]
    fe = issues[issues["structure"] == "five_element"][cols].reset_index(drop=True)
    pi = issues[issues["structure"] == "pilot"][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(fe, pi)


def test_serial_and_parallel_runs_agree():
    args = (SMOKE, ["five_element", "pilot"], 4, 5)
    serial = run_paired(*args, tables=("summary", "meetings"), workers=1, progress=False)
    parallel = run_paired(*args, tables=("summary", "meetings"), workers=2, progress=False)
    for name in ("summary", "meetings"):
        pd.testing.assert_frame_equal(serial[name], parallel[name])
