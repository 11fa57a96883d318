"""One executor module for every command: serial, processes and Dask give the same outputs,
each run once, in chunks that follow the runs' times; small jobs stay in this process."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.experiment import executors
from sim.experiment.executors import (
    DaskExecutor,
    ProcessExecutor,
    RunFailed,
    SerialExecutor,
    _Chunks,
    make_executor,
    run_tasks,
    worker_context,
)
from sim.experiment.paired import PairedRuns
from sim.experiment.tasks import Files, RunOutput, RunTask
from sim.spec.loading import SCENARIO_DIR

SMOKE = str(SCENARIO_DIR / "smoke.yaml")


def tasks(replications: int = 4) -> list[RunTask]:
    return PairedRuns(SMOKE, ["five_element", "pilot"], replications, [3]).tasks()


def rows(outputs: list[RunOutput]) -> pd.DataFrame:
    return pd.DataFrame([o.row for o in outputs])


def test_serial_processes_and_dask_give_the_same_outputs_in_task_order():
    todo = tasks()
    serial = run_tasks(todo, SerialExecutor(), progress=False)
    with ProcessExecutor(2) as pool:
        parallel = run_tasks(todo, pool, progress=False)
        again = run_tasks(todo[:3], pool, progress=False)  # a pool serves several lists
    with DaskExecutor(2, None) as cluster:
        dask = run_tasks(todo, cluster, progress=False)
    assert rows(serial)["seed"].tolist() == [t.seed for t in todo]
    pd.testing.assert_frame_equal(rows(serial), rows(parallel))
    pd.testing.assert_frame_equal(rows(serial), rows(dask))
    pd.testing.assert_frame_equal(rows(serial[:3]), rows(again))


def test_every_task_is_run_once_as_runs_finish():
    todo = tasks(6)
    with ProcessExecutor(2) as pool:
        indices = [i for batch in pool.run(todo) for i, _ in batch]
    assert sorted(indices) == list(range(len(todo)))


def test_chunks_start_at_one_run_follow_the_runs_times_and_shrink_at_the_end():
    chunks = _Chunks([RunTask(Files("s", "x"), seed, 0) for seed in range(1000)], workers=2)
    first, sent = chunks.take()
    assert first == [0] and len(sent) == 1
    chunks.finish(first, [RunOutput({}, seconds=0.01)])
    assert len(chunks.take()[0]) == round(executors.CHUNK_SECONDS / 0.01)
    while len(chunks.pending) > 12:
        chunks.take()
    left, sizes = len(chunks.pending), []
    while chunks:
        sizes.append(len(chunks.take()[0]))
    assert max(sizes) <= 3 and sizes[-1] == 1 and sum(sizes) == left


def test_small_jobs_and_one_worker_run_here():
    assert isinstance(make_executor("processes", 1, runs=100), SerialExecutor)
    assert isinstance(make_executor("processes", 2, runs=3), SerialExecutor)
    assert isinstance(make_executor("serial", 8), SerialExecutor)
    with make_executor("processes", 2, runs=4) as pool:
        assert isinstance(pool, ProcessExecutor) and pool.workers == 2


def test_workers_fork_only_when_no_other_thread_runs(monkeypatch):
    monkeypatch.setattr(executors.sys, "platform", "linux")
    monkeypatch.setattr(executors.threading, "active_count", lambda: 1)
    assert worker_context().get_start_method() == "fork"
    monkeypatch.setattr(executors.threading, "active_count", lambda: 2)
    assert worker_context().get_start_method() == "forkserver"


def test_a_failed_run_stops_a_comparison():
    broken = [RunTask(Files(SMOKE, "no_such_structure"), 1, 0)]
    with pytest.raises(RunFailed, match="no_such_structure"):
        run_tasks(broken, SerialExecutor(), progress=False)
