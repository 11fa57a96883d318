"""Where runs run: in this process, on a pool of processes, or on Dask. One module for every
command.

An executor takes a list of :class:`~sim.experiment.tasks.RunTask` and yields the outputs in
batches as they finish, each output with its task's index (callers that need the task order
put them back in it). Outputs depend only on their tasks, so serial, processes and Dask give
identical results.

Parallel has to pay at every size, so:

- workers are forked straight from this process on Linux when that is safe (no other Python
  thread), in milliseconds and with the model already imported; otherwise they come from a
  fork server (or are spawned), which costs a second or two of imports first;
- the pool starts when the executor is made, before the caller reads or writes files, and one
  executor can serve several lists of tasks;
- runs go to workers in chunks worth about :data:`CHUNK_SECONDS` each (measured as runs
  finish), shrinking towards the end so that the workers finish together, with a bounded
  number in flight (memory stays flat however many runs there are);
- a job too small to gain from workers runs in this process.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
import warnings
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Literal

from sim.errors import SpecError
from sim.experiment.tasks import RunOutput, RunTask, run_batch, run_task
from sim.progress import track

Kind = Literal["serial", "processes", "dask"]
CHUNK_SECONDS = 0.25  # the work a worker is sent at once
MAX_CHUNK = 200  # runs
IN_FLIGHT = 2  # chunks per worker sent ahead
SCHEDULER_TIMEOUT = "10s"  # to wait for a Dask scheduler's answer

Batch = list[tuple[int, RunOutput]]


class Executor(ABC):
    """Runs tasks, ``workers`` at once; a context manager that releases its workers. Each
    kind (serial, process pool, Dask) implements :meth:`run`."""

    workers: int = 1

    @abstractmethod
    def run(self, tasks: Sequence[RunTask]) -> Iterator[Batch]:
        """Yield (index into ``tasks``, output) in batches, as runs finish."""

    def close(self) -> None:  # noqa: B027 - a default: most executors hold nothing
        """Release the workers (nothing to release by default)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Every run in this process, one after another."""

    def run(self, tasks: Sequence[RunTask]) -> Iterator[Batch]:
        for index, task in enumerate(tasks):
            yield [(index, run_task(task))]


def make_executor(
    kind: Kind = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    runs: int | None = None,
) -> Executor:
    """An executor of ``kind`` with ``workers`` (default: all cores). A Dask ``scheduler``
    address (``tcp://host:8786``) means an existing cluster; without one Dask starts a local
    cluster. Processes for fewer than two ``runs`` a worker run here instead: starting workers
    would cost more than they save."""
    workers = workers or os.cpu_count() or 1
    if kind == "dask" or scheduler is not None:
        return DaskExecutor(workers, scheduler)
    if kind == "serial" or workers <= 1 or (runs is not None and runs < 2 * workers):
        return SerialExecutor()
    return ProcessExecutor(workers)


class _Chunks:
    """The tasks still to send, cut into chunks of about :data:`CHUNK_SECONDS` of work.

    The first chunks hold one run each; after that the size follows the mean time of the runs
    finished so far. No chunk is larger than the remaining work shared out twice among the
    workers, so the last chunks are small and no worker is left running alone at the end.
    """

    def __init__(self, tasks: Sequence[RunTask], workers: int) -> None:
        self.pending = deque(enumerate(tasks))
        self.workers = workers
        self.seconds = 0.0
        self.finished = 0

    def __bool__(self) -> bool:
        return bool(self.pending)

    def take(self) -> tuple[list[int], list[RunTask]]:
        size = 1
        if self.finished:
            size = round(CHUNK_SECONDS * self.finished / max(self.seconds, 1e-6))
        size = max(1, min(size, MAX_CHUNK, len(self.pending) // (2 * self.workers)))
        chunk = [self.pending.popleft() for _ in range(min(size, len(self.pending)))]
        return [i for i, _ in chunk], [t for _, t in chunk]

    def finish(self, indices: list[int], outputs: list[RunOutput]) -> Batch:
        self.finished += len(outputs)
        self.seconds += sum(o.seconds for o in outputs)
        return list(zip(indices, outputs, strict=True))


def worker_context():
    """How to start worker processes. Fork where it is safe and cheap: on Linux, with no Python
    thread but this one (numpy's idle BLAS threads and Arrow's pools re-initialise after a
    fork), workers start in milliseconds with the model already imported. Otherwise a fork
    server that has imported the model once (a fresh interpreter where fork servers do not
    exist, as on Windows)."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return get_context("fork")
    try:
        context = get_context("forkserver")
    except ValueError:
        return get_context("spawn")
    context.set_forkserver_preload(["sim.experiment.tasks"])
    return context


def _start_worker(parent: int) -> None:
    """Set a worker up to follow its parent, the command (process ``parent``). Ctrl-C stops
    the parent, which lets the workers finish the chunk in hand and shuts them down (a worker
    interrupted mid-wait would print a traceback). When the parent dies (kill -9) the worker
    ends too, instead of waiting for work that will never come: at once if it was forked
    straight from the parent (Linux's parent-death signal), and within a second otherwise (a
    watch on the parent, which also covers the moment before the signal is set)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux" and os.getppid() == parent:
        try:
            import ctypes

            set_parent_death_signal = 1  # prctl's PR_SET_PDEATHSIG
            ctypes.CDLL(None).prctl(set_parent_death_signal, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the watch below still works
            pass
    if not _alive(parent):  # the parent died before the signal was set
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process took the number: ours is gone
        return False
    return True


def _watch_parent(parent: int, every: float = 0.5) -> None:
    """End this worker when ``parent`` is gone (orphaned: adopted by another process)."""
    direct = os.getppid() == parent
    while True:
        time.sleep(every)
        if (os.getppid() != parent) if direct else not _alive(parent):
            os._exit(1)


class ProcessExecutor(Executor):
    """A pool of worker processes on this machine, started at once."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        context = worker_context()
        self.pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
        )
        gc.freeze()  # forked workers leave this process's objects out of their collections,
        try:  # so they copy fewer of its pages
            with warnings.catch_warnings():  # fork beside idle native threads: see worker_context
                warnings.filterwarnings("ignore", "This process .* is multi-threaded")
                for _ in range(workers):  # start them now, before the caller touches any file
                    self.pool.submit(os.getpid)
        finally:
            gc.unfreeze()

    def run(self, tasks: Sequence[RunTask]) -> Iterator[Batch]:
        chunks = _Chunks(tasks, self.workers)
        running: dict[Future, list[int]] = {}
        try:
            while chunks or running:
                while chunks and len(running) < IN_FLIGHT * self.workers:
                    indices, sent = chunks.take()
                    running[self.pool.submit(run_batch, sent)] = indices
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield chunks.finish(running.pop(future), future.result())
        finally:
            for future in running:
                future.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """A local Dask cluster of ``workers`` single-threaded processes, or an existing cluster at
    ``scheduler``. Each chunk is submitted with ``pure=False``: the tasks carry their seeds as
    explicit arguments, and nothing is taken from Dask's cache."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        import logging

        from dask.distributed import Client, LocalCluster

        logging.getLogger("distributed").setLevel(logging.ERROR)
        self.cluster = None
        if scheduler is None:
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
            except (OSError, ValueError, TypeError) as exc:  # refused, timed out, malformed
                raise SpecError("--scheduler", scheduler, f"no Dask scheduler answers there "
                                f"({str(exc) or type(exc).__name__})") from None  # fmt: skip
        self.workers = max(workers if scheduler is None else 0,
                           len(self.client.scheduler_info()["workers"]), 1)  # fmt: skip

    def run(self, tasks: Sequence[RunTask]) -> Iterator[Batch]:
        from dask.distributed import as_completed

        chunks = _Chunks(tasks, self.workers)
        stream = as_completed()
        sent: dict[str, list[int]] = {}

        def submit() -> None:
            indices, chunk = chunks.take()
            future = self.client.submit(run_batch, chunk, pure=False)
            sent[future.key] = indices
            stream.add(future)

        for _ in range(IN_FLIGHT * self.workers):
            if chunks:
                submit()
        for future in stream:
            outputs = future.result()
            future.release()
            if chunks:
                submit()
            yield chunks.finish(sent.pop(future.key), outputs)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


class RunFailed(RuntimeError):
    """A run raised where every run is needed (a comparison with a run missing is not paired)."""


def run_tasks(
    tasks: Sequence[RunTask],
    executor: Executor | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> list[RunOutput]:
    """Every task's output, in task order, with a progress bar. On ``executor``, or else on
    processes on ``workers`` cores (this process for a small job). A failed run raises
    :class:`RunFailed`."""
    outputs: dict[int, RunOutput] = {}
    own = executor is None
    executor = executor or make_executor("processes", workers, runs=len(tasks))
    try:
        for batch in track(executor.run(tasks), len(tasks), enabled=progress and bool(tasks)):
            for index, output in batch:
                if output.error:
                    raise RunFailed(f"replication {tasks[index].replication}: {output.error}")
                outputs[index] = output
    finally:
        if own:
            executor.close()
    return [outputs[index] for index in range(len(tasks))]
