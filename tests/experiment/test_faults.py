"""Issue 12, classes 6 and 7 with real processes, and fault injection: two sweeps into one
folder at once; a worker killed during `sim compare`; the command killed (kill -9) leaves
no worker running; and workers and commands killed at random (seeded) points of a sweep and
of a comparison, then resumed (a sweep) or run again (a comparison), give exactly the
uninterrupted results: no run missing, duplicated or changed."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
import yaml

from sim.experiment.store import KEY, ResultStore
from sim.spec.loading import SCENARIO_DIR

SIM = str(Path(sys.executable).parent / "sim")
SMOKE = str(SCENARIO_DIR / "smoke.yaml")


def experiment(tmp_path: Path, replications: int) -> Path:
    data = {"name": "faults", "scenarios": [SMOKE], "structures": ["five_element", "pilot"],
            "replications": replications, "seed": 5, "design": {"kind": "lhs", "samples": 2},
            "parameters": {"attendance_base": {"low": 0.7, "high": 0.9}}}  # fmt: skip
    path = tmp_path / "faults.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([SIM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip


def workers_of(proc: subprocess.Popen, deadline: float = 120) -> list[psutil.Process]:
    """The command's worker processes once it has started them; [] when it finished first
    (a resumed sweep with a run or two left runs them in its own process and starts none)."""
    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:  # finished (a zombie has no children to find)
            return []
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:  # finished already
            return []
        if len(children) >= 2:
            return children
        time.sleep(0.05)
    raise AssertionError("no workers started")


def stored(out: Path) -> pd.DataFrame:
    return ResultStore(out).read().drop(columns=["elapsed_s"], errors="ignore")


def test_two_sweeps_into_one_folder_at_once_store_every_run_once(tmp_path):
    path, out = experiment(tmp_path, 6), tmp_path / "out"
    args = ["sweep", str(path), "--workers", "1", "--executor", "serial", "--out", str(out),
            "--quiet"]  # fmt: skip
    first, second = start(args), start(args)
    (_, err1), (_, err2) = first.communicate(timeout=120), second.communicate(timeout=120)
    codes = sorted([first.returncode, second.returncode])
    assert codes == [0, 2], (err1, err2)
    refused = err1 if first.returncode == 2 else err2
    assert "in use by another command" in refused and "Traceback" not in refused
    rows = stored(out)
    assert len(rows) == 24 and not rows.duplicated(list(KEY)).any()


def test_a_worker_killed_during_compare_is_one_line_and_writes_no_complete_folder(tmp_path):
    out = tmp_path / "cmp"
    proc = start(["compare", "smoke", "--replications", "40", "--workers", "2", "--out",
                  str(out)])  # fmt: skip
    workers = workers_of(proc)
    time.sleep(0.5)
    workers[0].kill()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("error: a worker process died")
    assert not (out / "compare.json").exists()
    done = subprocess.run([SIM, "report", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_the_command_killed_leaves_no_worker_running(tmp_path, command):
    if command == "sweep":
        args = ["sweep", str(experiment(tmp_path, 100)), "--workers", "2", "--quiet"]
    else:
        args = ["compare", "smoke", "--replications", "100", "--workers", "2"]
    proc = start([*args, "--out", str(tmp_path / "out")])
    workers = workers_of(proc)
    time.sleep(0.5)
    proc.kill()
    proc.communicate(timeout=30)
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == [], alive


def test_random_kills_of_a_sweep_and_a_compare_lose_nothing(tmp_path):
    """Seeded fault injection: twice a sweep and a comparison are killed at a random
    moment (a worker, or the command itself); the sweep is resumed and the comparison run
    again. The store and the tables equal those of uninterrupted runs."""
    rng = random.Random(12)
    path = experiment(tmp_path, 8)  # 32 runs
    out, whole = tmp_path / "out", tmp_path / "whole"
    sweep_args = ["sweep", str(path), "--workers", "2", "--quiet", "--out"]
    cmp_args = ["compare", "smoke", "--replications", "4", "--workers", "2", "--out"]
    for round_ in range(2):
        for args, folder in ((sweep_args, out), (cmp_args, tmp_path / "cmp")):
            proc = start([*args, str(folder)])
            workers = workers_of(proc)
            time.sleep(rng.uniform(0.2, 1.5))
            victim = rng.choice(["worker", "command"])
            try:
                if victim == "worker" and workers:
                    rng.choice(workers).kill()
                else:
                    proc.send_signal(signal.SIGKILL)
            except (psutil.NoSuchProcess, ProcessLookupError):  # it had finished: no harm
                pass
            _, err = proc.communicate(timeout=240)  # a loaded machine is slow, not hung
            assert "Traceback" not in err, (round_, victim, err)
            psutil.wait_procs(workers, timeout=10)
            if (folder / "runs").exists():
                rows = stored(folder)
                assert not rows.duplicated(list(KEY)).any()
    assert subprocess.run([SIM, *sweep_args, str(out)], capture_output=True).returncode == 0
    assert subprocess.run([SIM, *cmp_args, str(tmp_path / "cmp")],
                          capture_output=True).returncode == 0  # fmt: skip
    serial = ["sweep", str(path), "--executor", "serial", "--quiet", "--out", str(whole)]
    assert subprocess.run([SIM, *serial], capture_output=True).returncode == 0
    pd.testing.assert_frame_equal(stored(whole), stored(out))
    again = tmp_path / "cmp-whole"
    assert subprocess.run([SIM, *cmp_args[:-1], "--out", str(again)],
                          capture_output=True).returncode == 0  # fmt: skip
    for table in ("runs.csv", "comparison.csv", "issues.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "cmp" / table),
                                      pd.read_csv(again / table))  # fmt: skip
