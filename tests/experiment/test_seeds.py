"""One seed derivation for every command: replication r under root seed S is the same run
whether `sim compare`, a sweep or the Garbage Can runner makes it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from sim.experiment.gcm import run_gcm
from sim.experiment.paired import RunSettings
from sim.experiment.runner import run_paired
from sim.experiment.seeds import replication_seeds, run_seed
from sim.experiment.store import ResultStore
from sim.experiment.sweep import sweep
from sim.spec.experiment import load_experiment
from sim.spec.loading import SCENARIO_DIR

SERIAL = RunSettings(executor="serial", progress=False)

SMOKE = str(SCENARIO_DIR / "smoke.yaml")


def test_run_seed_is_the_replications_child_of_the_root():
    children = np.random.SeedSequence(7).spawn(4)
    expected = [int(c.generate_state(1, dtype=np.uint64)[0] >> 1) for c in children]
    assert replication_seeds(7, 4) == expected == [run_seed(7, r) for r in range(4)]
    assert len(set(replication_seeds(7, 50))) == 50
    assert replication_seeds(8, 4) != expected


def test_a_compare_replication_is_the_matching_sweep_run(tmp_path):
    compared = run_paired(SMOKE, ["five_element", "pilot"], 3, 7, workers=1,
                          progress=False)["summary"]  # fmt: skip
    path = tmp_path / "same.yaml"
    path.write_text(yaml.safe_dump({
        "name": "same", "scenarios": [SMOKE, str(SCENARIO_DIR / "truancy.yaml")],
        "structures": ["five_element", "pilot"], "replications": 3, "seed": 7,
    }))  # fmt: skip
    sweep(load_experiment(path), tmp_path / "store", settings=SERIAL)
    swept = ResultStore(tmp_path / "store").read()
    swept = swept[swept["scenario_file"] == SMOKE]
    for structure in ("five_element", "pilot"):
        a = compared[compared["structure"] == structure].sort_values("replication")
        b = swept[swept["structure_file"] == structure].sort_values("replication")
        assert a["seed"].tolist() == b["seed"].tolist() == replication_seeds(7, 3)
        for column in ("issues_decided", "meetings_held", "member_hours", "targets_met"):
            pd.testing.assert_series_equal(
                a[column].reset_index(drop=True), b[column].reset_index(drop=True),
                check_names=False, check_dtype=False,
            )  # fmt: skip


def test_every_scenario_of_a_sweep_replication_shares_its_seed(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump({
        "name": "two", "scenarios": [SMOKE, str(SCENARIO_DIR / "truancy.yaml")],
        "structures": ["pilot"], "replications": 2, "seed": 3,
    }))  # fmt: skip
    sweep(load_experiment(path), tmp_path / "store", settings=SERIAL)
    seeds = ResultStore(tmp_path / "store").read().groupby("replication")["seed"].unique()
    assert [list(s) for s in seeds] == [[run_seed(3, 0)], [run_seed(3, 1)]]


def test_the_garbage_can_runner_uses_the_same_derivation():
    result = run_gcm(
        replications=2, random_entry=True, seed=5, settings=RunSettings(workers=1, progress=False)
    )
    assert sorted(result.runs["seed"].unique()) == sorted(replication_seeds(5, 2))
