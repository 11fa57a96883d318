"""The app's runs: one pool of workers for the whole server, shared fairly by its sessions.

However many browser sessions press Run, the server runs their paired replications on one
executor (a process pool, or Dask, as `sim app --executor` says), made when the first run
needs it and closed with the server:

- each session has at most one comparison waiting or running (:data:`PER_SESSION`); a
  second Run while one is going is refused in one line;
- at most :data:`RUNNING_AT_MOST` comparisons run at once in the whole server, each with at
  most the executor's bound of chunks in flight; the others wait their turn in order (the
  page says how many are ahead), and at most :data:`WAITING_AT_MOST` wait;
- a session that closes (its tab closed, or its connection lost for longer than the
  server's cull time) has its comparison cancelled: the runs in hand finish, nothing more
  is sent.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sim.errors import SpecError

RUNNING_AT_MOST = 2
"""Comparisons running at once in the whole server (they share its workers)."""
WAITING_AT_MOST = 8
"""Comparisons waiting for their turn in the whole server."""
PER_SESSION = 1
"""Comparisons one session may have waiting or running."""


class RunService:
    """One executor for the server and the queue in front of it. Comparisons
    (:class:`sim.app.logic.PairedJob`) are handed in by :meth:`submit` with the session that
    asked; each runs in a thread of its own once its turn comes."""

    @staticmethod
    def _warm_up() -> None:
        """:func:`sim.app.logic.warm_up`, never failing the server (a verdict only waits
        longer for what it did not do)."""
        from sim.app import logic

        with contextlib.suppress(Exception):
            logic.warm_up()

    def __init__(self, kind: str = "processes", workers: int | None = None,
                 scheduler: str | None = None, running_at_most: int = RUNNING_AT_MOST,
                 waiting_at_most: int = WAITING_AT_MOST) -> None:  # fmt: skip
        self.kind = kind
        self.workers = workers
        self.scheduler = scheduler
        self.running_at_most = running_at_most
        self.waiting_at_most = waiting_at_most
        self._turn = threading.Condition()
        self._waiting: deque[Any] = deque()
        self._running: set[Any] = set()
        self._sessions: dict[Any, str] = {}
        self._executor = None
        self._serial = None
        self._made = threading.Lock()
        self.closed = False
        threading.Thread(target=self._warm_up, name="sim-app-warm-up", daemon=True).start()
        self.most_running = 0  # the most comparisons that ran at once (the server's log, tests)
        self.executors_made = 0

    # -- what sessions do ----------------------------------------------------------------------
    def submit(self, job, session: str):
        """Queue ``job`` for ``session`` and start its thread; a one-line :class:`SpecError`
        when the session already has one going or too many are waiting."""
        with self._turn:
            if self.closed:
                raise SpecError("run", "", "the app is shutting down")
            mine = [j for j, s in self._sessions.items() if s == session]
            if len(mine) >= PER_SESSION:
                raise SpecError("run", "", "this page already has a run going: wait for it "
                                "or cancel it")  # fmt: skip
            if len(self._waiting) >= self.waiting_at_most:
                raise SpecError("run", "", f"the app is busy ({len(self._waiting)} runs are "
                                "waiting for their turn); try again in a minute")  # fmt: skip
            self._sessions[job] = session
            self._waiting.append(job)
            job.state = "waiting"
        job.start(runner=self._run)
        return job

    def ahead_of(self, job) -> int:
        """How many comparisons wait before ``job`` (0 when it runs or is next)."""
        with self._turn:
            try:
                return list(self._waiting).index(job)
            except ValueError:
                return 0

    def cancel_session(self, session: str) -> int:
        """Cancel every comparison of ``session`` (its page has closed); how many."""
        with self._turn:
            mine = [j for j, s in self._sessions.items() if s == session]
            for job in mine:
                job.cancel()
            self._turn.notify_all()
        return len(mine)

    def active(self) -> dict[str, int]:
        """How many comparisons run and wait (for tests and the server's log)."""
        with self._turn:
            return {"running": len(self._running), "waiting": len(self._waiting)}

    def close(self) -> None:
        """Cancel everything and release the workers (the server is stopping)."""
        with self._turn:
            self.closed = True
            for job in list(self._sessions):
                job.cancel()
            self._turn.notify_all()
        with self._made:
            if self._executor is not None:
                self._executor.close()
                self._executor = None

    # -- the job's thread ----------------------------------------------------------------------
    def _run(self, job) -> None:
        try:
            if not self._admit(job):
                job.state = "cancelled"
                return
            job.state = "running"
            job.notify()
            try:
                job.run_on(self._executor_for(job))
            except SpecError as exc:  # the server stopped, or no Dask scheduler answers
                job.fail(exc.one_line())
            except BrokenProcessPool:
                self._discard_executor()
                job.fail("a worker process died (out of memory?); the workers are restarted: "
                         "run again")  # fmt: skip
            except Exception as exc:  # the workers would not start: said on the page
                self._discard_executor()
                job.fail(f"the workers could not start ({type(exc).__name__}: {exc})")
        finally:
            with self._turn:
                self._running.discard(job)
                if job in self._waiting:
                    self._waiting.remove(job)
                self._sessions.pop(job, None)
                self._turn.notify_all()
            job.notify()

    def _admit(self, job) -> bool:
        """Wait for ``job``'s turn: first in the queue with a free place; False when it is
        cancelled first."""
        with self._turn:
            while True:
                if job.cancelled or self.closed:
                    return False
                if self._waiting[0] is job and len(self._running) < self.running_at_most:
                    self._waiting.popleft()
                    self._running.add(job)
                    self.most_running = max(self.most_running, len(self._running))
                    self._turn.notify_all()
                    return True
                self._turn.wait(0.25)

    def _executor_for(self, job):
        """The server's executor; a small comparison runs in its own thread instead (starting
        on the workers would cost more than it saves, as on the command line)."""
        from sim.experiment.executors import SerialExecutor, make_executor

        with self._made:
            if self.closed:
                raise SpecError("run", "", "the app is shutting down")
            if self._serial is None:
                self._serial = SerialExecutor()
            if self._executor is None:
                self._executor = make_executor(self.kind, self.workers, self.scheduler)
                self.executors_made += 1
            pool = self._executor
        small = job.total < 2 * pool.workers and self.kind != "dask"
        return self._serial if small else pool

    def _discard_executor(self) -> None:
        with self._made:
            broken, self._executor = self._executor, None
        if broken is not None:
            with contextlib.suppress(Exception):  # a broken pool may not shut down cleanly
                broken.close()


_SERVICE: RunService | None = None
_SERVICE_MADE = threading.Lock()


def service() -> RunService:
    """The server's one :class:`RunService`, on the executor `sim app` chose
    (:func:`sim.app.logic.executor_settings`), made on first use."""
    global _SERVICE
    with _SERVICE_MADE:
        if _SERVICE is None or _SERVICE.closed:
            from sim.app.logic import executor_settings

            settings = executor_settings()
            _SERVICE = RunService(settings["executor"], settings["workers"],
                                  settings["scheduler"])  # fmt: skip
        return _SERVICE


def existing_service() -> RunService | None:
    """The server's service if one has been made (a closing session needs none made)."""
    return _SERVICE


def close_service() -> None:
    """Cancel every run and release the workers: the server is stopping."""
    with _SERVICE_MADE:
        if _SERVICE is not None:
            _SERVICE.close()
