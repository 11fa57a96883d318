"""The app's runs, without a browser: one pool of workers for the whole server, one comparison
per session, at most two running at once and the rest waiting in order, and a closed session's
runs cancelled (sim/app/runs.py)."""

from __future__ import annotations

import psutil
import pytest
from app_server import wait_until

from sim.app import logic
from sim.app.runs import PER_SESSION, RunService
from sim.errors import SpecError


@pytest.fixture(scope="module")
def smoke():
    return logic.load_shipped_scenario("smoke")


@pytest.fixture(scope="module")
def options():
    from sim.spec import load_structure

    return [logic.Option(load_structure(n), n) for n in ("five_element", "pilot")]


@pytest.fixture
def service():
    made = RunService("processes", workers=2)
    yield made
    made.close()


def job(smoke, options, replications: int = 2) -> logic.PairedJob:
    return logic.PairedJob(smoke, options, replications)


def test_three_sessions_share_one_pool_two_run_and_one_waits(service, smoke, options):
    jobs = [service.submit(job(smoke, options, 40), f"session-{k}") for k in range(3)]
    wait_until(lambda: service.active()["running"] == 2, what="two running")
    assert service.active()["waiting"] == 1
    assert jobs[2].state == "waiting" and service.ahead_of(jobs[2]) == 0
    wait_until(lambda: service._executor is not None, what="the pool")
    assert len(service._executor.pool._processes) == 2  # two workers, not a pool per session
    for each in jobs:
        assert each.wait(600)
    assert [j.state for j in jobs] == ["finished"] * 3
    assert service.executors_made == 1  # one pool, for every session
    assert service.most_running == 2


def test_one_comparison_per_session_at_a_time(service, smoke, options):
    first = service.submit(job(smoke, options, 40), "mine")
    with pytest.raises(SpecError, match="this page already has a run going"):
        service.submit(job(smoke, options), "mine")
    assert PER_SESSION == 1
    other = service.submit(job(smoke, options), "another")  # another session may
    first.cancel()
    assert first.wait(600) and other.wait(600)
    again = service.submit(job(smoke, options), "mine")  # once the first has ended
    assert again.wait(600) and again.state == "finished"


def test_too_many_waiting_is_refused(smoke, options):
    service = RunService("serial", running_at_most=1, waiting_at_most=2)
    try:
        jobs = [service.submit(job(smoke, options, 30), f"s{k}") for k in range(3)]
        with pytest.raises(SpecError, match=r"the app is busy \(2 runs are waiting"):
            service.submit(job(smoke, options), "s9")
        assert [service.ahead_of(j) for j in jobs[1:]] == [0, 1]
    finally:
        service.close()
    for each in jobs:
        assert each.wait(600)


def test_a_closed_sessions_runs_are_cancelled_waiting_or_running(service, smoke, options):
    running = [service.submit(job(smoke, options, 200), f"s{k}") for k in range(2)]
    waiting = service.submit(job(smoke, options, 200), "s2")
    wait_until(lambda: all(j.done > 0 for j in running), what="both running")
    assert service.cancel_session("s0") == 1
    assert service.cancel_session("s2") == 1
    assert running[0].wait(600) and waiting.wait(600)
    assert running[0].state == "cancelled" and running[0].done < running[0].total
    assert waiting.state == "cancelled" and waiting.done == 0
    assert running[1].state in ("running", "finished")  # another session's run goes on
    service.cancel_session("s1")
    assert running[1].wait(600)


def test_closing_the_service_stops_every_run_and_its_workers(smoke, options):
    service = RunService("processes", workers=2)
    going = service.submit(job(smoke, options, 200), "s")
    wait_until(lambda: going.done > 0, what="the run to start")
    workers = [psutil.Process(pid) for pid in service._executor.pool._processes]
    assert len(workers) == 2
    service.close()
    assert going.wait(600) and going.state == "cancelled"
    wait_until(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                               for p in workers), 60, "the workers to end")  # fmt: skip
    with pytest.raises(SpecError, match="shutting down"):
        service.submit(job(smoke, options), "s")


def test_a_small_comparison_runs_in_its_own_thread(service, smoke, options):
    small = service.submit(job(smoke, options, 1), "s")  # 2 runs for 2 workers
    assert small.wait(600) and small.state == "finished"
    assert service.executors_made == 1 and small.outcome is not None


def test_workers_that_cannot_start_fail_the_run_in_one_line(smoke, options, monkeypatch):
    import sim.experiment.executors as executors

    def refuse(*args, **kwargs):
        raise RuntimeError("Nanny failed to start.")

    monkeypatch.setattr(executors, "make_executor", refuse)
    service = RunService("dask", workers=2)
    try:
        failed = service.submit(job(smoke, options, 4), "s")
        assert failed.wait(600) and failed.state == "failed"
        assert failed.error == "the workers could not start (RuntimeError: Nanny failed to start.)"
        assert service.active() == {"running": 0, "waiting": 0}  # the queue moves on
    finally:
        service.close()


def test_the_servers_dask_cluster_gives_the_table_of_this_process(smoke, options):
    service = RunService("dask", workers=2)
    try:
        on_dask = service.submit(job(smoke, options, 4), "s")
        assert on_dask.wait(600) and on_dask.state == "finished", on_dask.error
    finally:
        service.close()
    here = logic.PairedJob(smoke, options, 4, executor="serial").start()
    assert here.wait(600)
    import pandas as pd

    pd.testing.assert_frame_equal(on_dask.outcome.table, here.outcome.table)
