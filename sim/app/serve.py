"""`sim app`: start the browser app on this machine (Solara's server, Mesa's visualization
stack), importing Solara only now."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys

from sim.errors import SpecError

INSTALL = "pip install -e '.[app]' (or make app)"


def check_installed() -> None:
    """A one-line error when the app's extra is not installed."""
    if importlib.util.find_spec("solara") is None:
        raise SpecError("sim app", "", f"the browser app needs Solara: {INSTALL}")


def check_port(host: str, port: int) -> None:
    """A one-line error when the address is taken (another `sim app`, say) or not this
    machine's, before the server starts. The probe binds as the server will (address reuse
    on), so a port a stopped server left in TIME_WAIT is not refused."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise SpecError(f"--port {port}", "", f"cannot listen on {host}:{port}: {why} "
                        "(another sim app? try another --port)") from None  # fmt: skip


def command(host: str, port: int, open_browser: bool) -> list[str]:
    """The server's command line."""
    return [sys.executable, "-m", "solara", "run", "sim.app.page", "--host", host,
            "--port", str(port), "--production", "--open" if open_browser else "--no-open",
            "--no-check-version",
            "--log-level", "warning", "--log-level-uvicorn", "warning"]  # fmt: skip


def runs_env(executor: str = "processes", workers: int | None = None,
             scheduler: str | None = None) -> dict[str, str]:  # fmt: skip
    """Where the page sends its runs, for the server's environment (read by
    :func:`sim.app.logic.executor_settings`)."""
    env = {"SIM_APP_EXECUTOR": executor}
    if workers:
        env["SIM_APP_WORKERS"] = str(workers)
    if scheduler:
        env["SIM_APP_SCHEDULER"] = scheduler
    return env


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False,
          executor: str = "processes", workers: int | None = None,
          scheduler: str | None = None) -> int:  # fmt: skip
    """Run the app until Ctrl-C; the exit code of the server. Its runs go to ``executor``
    (a process pool of ``workers``, or Dask: a local cluster, or ``scheduler``'s)."""
    check_installed()
    check_port(host, port)
    print(f"the app is at http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    env = {**os.environ, "SOLARA_APP": "sim.app.page", **runs_env(executor, workers, scheduler)}
    with subprocess.Popen(command(host, port, open_browser), env=env) as server:
        try:
            return server.wait()
        except KeyboardInterrupt:
            server.terminate()
            server.wait(10)
            return 0
