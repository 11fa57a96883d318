"""A `sim app` of the tests' own: the real command, on a free port of this machine, in a
process of its own; started, waited for (however loaded the machine), and stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
SIM = [sys.executable, "-c", "import sys; from sim.entry import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    """Whether something serves ``url`` now."""
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


class App:
    """`sim app --port PORT ARGS...` running; ``url`` is its page."""

    def __init__(self, *args: str, port: int | None = None, wait: float = 180) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
        self.proc = subprocess.Popen([*SIM, "app", "--port", str(self.port), *args], cwd=ROOT,
                                     env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.monotonic() + wait
        while not answers(self.url):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"sim app did not start:\n{self.output()[-3000:]}")
            time.sleep(0.5)

    def output(self) -> str:
        if self.proc.poll() is None:
            return ""
        return self.proc.stdout.read().decode(errors="replace") if self.proc.stdout else ""

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)


def gone(processes: list[psutil.Process]) -> bool:
    """Whether none of ``processes`` is still running (a zombie has ended)."""
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            continue
    return True


def wait_until(test, seconds: float = 300, what: str = "") -> None:
    """Wait for ``test()`` to hold, whatever the machine's load; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not test():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:g} s for {what or test}")
        time.sleep(0.1)
