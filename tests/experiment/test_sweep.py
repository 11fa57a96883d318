"""Declared sweeps: design sizes, seeds, a store that survives interruption, executors agree,
failures are recorded, checks fail loudly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.experiment.design import design_points
from sim.experiment.paired import RunSettings
from sim.experiment.store import KEY, ResultStore
from sim.experiment.sweep import build_tasks, sweep, task_key
from sim.spec.experiment import ExperimentSpec, expected_size, load_experiment
from sim.spec.loading import SCENARIO_DIR

SERIAL = RunSettings(executor="serial", progress=False)

SMOKE = str(SCENARIO_DIR / "smoke.yaml")


def experiment(tmp_path: Path, **changes) -> Path:
    data = {
        "name": "tiny",
        "scenarios": [SMOKE],
        "structures": ["five_element", "pilot"],
        "replications": 2,
        "seed": 7,
        "design": {"kind": "lhs", "samples": 2},
        "parameters": {"attendance_base": {"low": 0.7, "high": 0.9}},
        "fixed": {"setback_probability": 0.1},
    }
    data.update(changes)
    path = tmp_path / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def stored(out: Path) -> pd.DataFrame:
    return ResultStore(out).read().drop(columns=["elapsed_s"])


@pytest.mark.parametrize(
    ("design", "factors", "size"),
    [
        ({"kind": "none"}, {}, 1),
        ({"kind": "grid", "levels": 3}, {"attendance_base": {"low": 0.6, "high": 0.9},
                                         "quorum_scale": None}, 9),
        ({"kind": "grid"}, {"attendance_base": {"values": [0.6, 0.8]},
                            "consensus_probability": {"values": [0.5, 0.6, 0.7]}}, 6),
        ({"kind": "lhs", "samples": 5}, {"attendance_base": {"low": 0.6, "high": 0.9}}, 5),
        ({"kind": "sobol", "samples": 8}, {"attendance_base": {"low": 0.6, "high": 0.9},
                                           "consensus_probability": {"low": 0.5, "high": 0.9}},
         8 * (2 + 2)),
        ({"kind": "sobol", "samples": 8, "second_order": True},
         {"attendance_base": {"low": 0.6, "high": 0.9},
          "consensus_probability": {"low": 0.5, "high": 0.9}}, 8 * (2 * 2 + 2)),
        ({"kind": "morris", "samples": 4}, {"attendance_base": {"low": 0.6, "high": 0.9},
                                            "consensus_probability": {"low": 0.5, "high": 0.9},
                                            "setback_probability": {"low": 0.0, "high": 0.3}},
         4 * (3 + 1)),
    ],
)  # fmt: skip
def test_designs_have_their_documented_sizes(design, factors, size):
    if "quorum_scale" in factors:  # two factors at three levels each
        factors = {"attendance_base": factors["attendance_base"],
                   "support_probability": {"low": 0.5, "high": 0.8}}  # fmt: skip
    spec = ExperimentSpec(name="d", scenarios=[SMOKE], structures=["pilot"], design=design,
                          parameters=factors)  # fmt: skip
    points = design_points(spec)
    assert len(points) == size == expected_size(spec)
    for name, factor in spec.parameters.items():
        low = min(factor.values) if factor.values else factor.low
        high = max(factor.values) if factor.values else factor.high
        assert points[name].between(low, high).all()
    pd.testing.assert_frame_equal(points, design_points(spec))  # seeded


def test_seeds_shared_by_structures_and_points_not_replications(tmp_path):
    tasks = build_tasks(load_experiment(experiment(tmp_path)))
    assert len(tasks) == 2 * 2 * 2
    seeds = pd.DataFrame([(*task_key(t)[1:], t.seed) for t in tasks],
                         columns=["structure", "point", "replication", "seed"])  # fmt: skip
    assert (seeds.groupby("replication")["seed"].nunique() == 1).all()
    assert seeds["seed"].nunique() == 2


def test_interrupted_and_resumed_equals_uninterrupted(tmp_path):
    spec = load_experiment(experiment(tmp_path))
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    sweep(spec, whole, settings=SERIAL)
    first = sweep(spec, parts, settings=RunSettings(executor="serial", progress=False, limit=3))
    assert first.ran == 3 and len(ResultStore(parts).done_keys()) == 3
    second = sweep(spec, parts, settings=SERIAL)
    assert second.already == 3 and second.ran == 5
    third = sweep(spec, parts, settings=SERIAL)
    assert third.ran == 0
    a, b = stored(whole), stored(parts)
    assert not b.duplicated(list(KEY)).any()
    pd.testing.assert_frame_equal(a, b)


def test_ctrl_c_keeps_finished_runs_and_the_same_command_finishes(tmp_path):
    path = experiment(tmp_path, name="longer", replications=30)  # long enough to interrupt
    out = tmp_path / "out"
    sim = str(Path(sys.executable).parent / "sim")
    cmd = [sim, "sweep", str(path), "--executor", "serial", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not list((out / "runs").glob("part-*.parquet")) and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    kept = len(ResultStore(out).done_keys())
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert 0 < kept < 120
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    whole = tmp_path / "whole"
    sweep(load_experiment(path), whole, settings=SERIAL)
    pd.testing.assert_frame_equal(stored(whole), stored(out))


def test_a_parallel_sweep_survives_a_dead_worker_ctrl_c_and_kill_9(tmp_path):
    """Issue 11, item 11: workers forked from the command keep resume working. A worker
    killed: exit 1 and a message; Ctrl-C to the whole process group, as a terminal sends it:
    exit 130; the command itself killed: its workers end with it. Each time the same command
    finishes the rest, and the store equals an uninterrupted serial sweep's."""
    import os

    import psutil

    path = experiment(tmp_path, name="parallel", replications=100)  # long enough to kill
    out = tmp_path / "out"
    sim = str(Path(sys.executable).parent / "sim")
    cmd = [sim, "sweep", str(path), "--workers", "2", "--out", str(out), "--quiet"]

    def interrupt(how: str) -> tuple[int, str, list[psutil.Process]]:
        before = len(ResultStore(out).done_keys()) if (out / "runs").exists() else 0
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)  # fmt: skip
        deadline = time.time() + 60
        while len(ResultStore(out).done_keys() if (out / "runs").exists() else ()) <= before:
            assert time.time() < deadline
            time.sleep(0.05)
        workers = psutil.Process(proc.pid).children()
        if how == "worker":
            workers[0].kill()
        elif how == "group":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.kill()
        _, err = proc.communicate(timeout=60)
        return proc.returncode, err, workers

    code, err, _ = interrupt("worker")
    assert code == 1 and "a worker process died" in err and "Traceback" not in err
    code, err, _ = interrupt("group")
    assert code == 130 and "interrupted" in err and "Traceback" not in err
    _, _, workers = interrupt("kill")
    assert psutil.wait_procs(workers, timeout=10)[1] == []  # none left running
    assert 0 < len(ResultStore(out).done_keys()) < 400
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    whole = tmp_path / "whole"
    sweep(load_experiment(path), whole, settings=SERIAL)
    pd.testing.assert_frame_equal(stored(whole), stored(out))


def test_serial_processes_and_dask_agree(tmp_path):
    spec = load_experiment(experiment(tmp_path))
    for executor in ("serial", "processes", "dask"):
        sweep(
            spec,
            tmp_path / executor,
            settings=RunSettings(executor=executor, workers=2, progress=False),
        )
    serial = stored(tmp_path / "serial")
    assert len(serial) == 8 and (serial["error"] == "").all()
    pd.testing.assert_frame_equal(serial, stored(tmp_path / "processes"))
    pd.testing.assert_frame_equal(serial, stored(tmp_path / "dask"))


def test_rows_carry_their_provenance(tmp_path):
    spec = load_experiment(experiment(tmp_path))
    sweep(spec, tmp_path / "o", settings=SERIAL)
    rows = stored(tmp_path / "o")
    for column in ("experiment", "scenario_file", "structure_file", "point", "replication",
                   "seed", "p_attendance_base", "structure_hash", "scenario_hash",
                   "sim_version", "error"):  # fmt: skip
        assert column in rows.columns and rows[column].notna().all()
    assert rows.groupby("structure_file")["structure_hash"].nunique().eq(1).all()
    assert rows["structure_hash"].nunique() == 2


def test_a_failing_run_is_recorded_and_the_rest_complete(tmp_path, monkeypatch, capsys):
    import sim.experiment.tasks as module

    real = module.run_once

    def flaky(structure, scenario, seed, parameters):
        if structure.name == "pilot" and parameters["attendance_base"] > 0.8:
            raise RuntimeError("boom")
        return real(structure, scenario, seed, parameters)

    monkeypatch.setattr(module, "run_once", flaky)
    path = experiment(tmp_path)
    code = main(["sweep", str(path), "--executor", "serial", "--out", str(tmp_path / "o"),
                 "--quiet"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    rows = stored(tmp_path / "o")
    failed = rows[rows["error"] != ""]
    assert len(rows) == 8 and 0 < len(failed) < 8
    assert failed["error"].str.startswith("RuntimeError: boom").all()
    assert "failed" in out and "RuntimeError: boom" in out


def test_a_folder_belongs_to_one_experiment(tmp_path, capsys):
    out = str(tmp_path / "o")
    assert main(["sweep", str(experiment(tmp_path)), "--executor", "serial", "--out", out,
                 "--quiet"]) == 0  # fmt: skip
    other = experiment(tmp_path, name="other")
    assert main(["sweep", str(other), "--executor", "serial", "--out", out, "--quiet"]) == 2
    assert "holds results of another experiment" in capsys.readouterr().err


def test_checks_pass_and_fail_with_clear_messages(tmp_path, capsys):
    path = experiment(tmp_path, replications=7)  # 7 pairs a point: enough to be significant
    checks = tmp_path / "checks.yaml"
    checks.write_text(yaml.safe_dump({"checks": [
        {"name": "fewer meetings", "scenario": SMOKE, "indicator": "meetings_held",
         "difference": {"of": "pilot", "minus": "five_element", "sign": "negative",
                        "significant": True}},
        {"name": "impossible band", "scenario": SMOKE, "structure": "pilot",
         "indicator": "member_attendance_rate", "between": [0.0, 0.1]},
    ]}))  # fmt: skip
    out = str(tmp_path / "o")
    code = main(["sweep", str(path), "--executor", "serial", "--out", out, "--quiet",
                 "--check", str(checks)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "ok   fewer meetings" in captured.out
    assert "FAIL impossible band: held at 0 of 2 design points" in captured.out
    assert "mean member_attendance_rate of pilot per point" in captured.out
    assert "1 of 2 checks failed" in captured.err
    checks.write_text(yaml.safe_dump({"checks": [{"name": "x", "scenario": SMOKE,
                                                  "indicator": "y"}]}))  # fmt: skip
    assert main(["sweep", str(path), "--out", out, "--check", str(checks)]) == 2


def test_results_command_summarises_with_duckdb(tmp_path, capsys):
    out = tmp_path / "o"
    sweep(load_experiment(experiment(tmp_path)), out, settings=SERIAL)
    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    assert "experiment 'tiny'" in text and "8 of 8 runs stored" in text
    assert "read_parquet" in text
    import duckdb

    n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/runs/*.parquet')").fetchall()[0][0]
    assert n == 8
    assert main(["results", str(tmp_path)]) == 2


def test_sensitivity_morris_prints_indices_and_saves_a_plot(tmp_path, capsys):
    path = experiment(
        tmp_path,
        name="screen",
        structures=["pilot"],
        replications=1,
        design={"kind": "morris", "samples": 2, "levels": 4},
        parameters={"attendance_base": {"low": 0.3, "high": 0.95},
                    "setback_probability": {"low": 0.0, "high": 0.3}},
        fixed={},
        outputs=["inquorate_meetings"],
    )  # fmt: skip
    out = tmp_path / "o"
    assert main(["sensitivity", str(path), "--executor", "serial", "--out", str(out),
                 "--quiet"]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "mu_star" in text and "attendance_base" in text
    table = pd.read_csv(next(out.glob("sensitivity_inquorate_meetings_*.csv")))
    top = table.sort_values("mu_star", ascending=False)["parameter"].iloc[0]
    assert top == "attendance_base"  # attendance, not delivery luck, drives quorum failures
    assert list(out.glob("sensitivity_*.png"))


def test_experiment_errors_are_one_line(tmp_path, capsys):
    bad = experiment(tmp_path, parameters={"attendence": {"low": 0, "high": 1}})
    assert main(["sweep", str(bad)]) == 2
    assert "unknown parameter 'attendence'" in capsys.readouterr().err
    bad = experiment(tmp_path, parameters={"attendance_base": {"low": 0.5, "high": 1.5}})
    assert main(["sweep", str(bad)]) == 2
    assert "less than or equal to 1" in capsys.readouterr().err
    bad = experiment(tmp_path, scenarios=["no_such_scenario"])
    assert main(["sweep", str(bad)]) == 2
    assert "scenarios[0]: scenario 'no_such_scenario' not found" in capsys.readouterr().err


@pytest.mark.parametrize("path", sorted((SCENARIO_DIR / "experiments").glob("*.yaml")))
def test_shipped_experiments_load(path):
    if path.name.endswith("_checks.yaml"):
        from sim.spec.checks import load_checks

        assert load_checks(path).checks
        return
    spec = load_experiment(path)
    assert len(design_points(spec)) == expected_size(spec)
    assert len(build_tasks(spec)) == (
        expected_size(spec) * spec.replications * len(spec.structures) * len(spec.scenarios)
    )


def test_agenda_capacity_scale_acts():
    from conftest import run_model, town, town_scenario

    _, half = run_model(town(board={"agenda_capacity": 4}), town_scenario(n=4, weeks=30),
                        parameters={"agenda_capacity_scale": 0.5})  # fmt: skip
    board = half.meetings[half.meetings["body"] == "board"]
    assert board["items_heard"].tolist()[:2] == [2, 2]


def test_results_of_an_unfinished_store_say_so_and_never_pool_points(tmp_path, capsys):
    """Issue 10, item 11: a summary of a sweep shows the spread over design points, and an
    unfinished store says how far it got first. The path goes to DuckDB as a parameter."""
    out = tmp_path / "it's here"
    sweep(
        load_experiment(experiment(tmp_path)),
        out,
        settings=RunSettings(executor="serial", progress=False, limit=5),
    )
    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    first = text.splitlines()[0]
    assert "5 of 8 runs stored" in first and "unfinished" in first
    assert "smallest / median / largest over the points" in text
    table = ResultStore(out).summary(("meetings_held",))
    assert set(table["points"]) <= {1, 2} and table["runs"].sum() == 5
    assert all(" / " in v for v in table["meetings_held"])
