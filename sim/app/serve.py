"""`sim app`: the browser app's server (Solara's, on Mesa's visualization stack), run in this
process so that it lives and dies with the command, behind a guard that lets in only pages of
its own address.

- **In this process.** Uvicorn serves Solara's Starlette app here: Ctrl-C, ``kill`` (SIGTERM)
  and SIGHUP stop the server, cancel every run and release the workers; after ``kill -9`` the
  port closes with the process and the workers end with it (each follows its parent:
  :func:`sim.experiment.executors._start_worker`).
- **Same origin only.** A web page elsewhere can make a browser open a websocket to any
  address; :class:`SameOrigin` refuses every request whose ``Host`` is not one of this
  server's names (DNS rebinding) and every websocket (and any request carrying an
  ``Origin``) from another origin or without the page's session cookie, and keeps the page
  out of other sites' frames.
- **Bounded messages.** A websocket message larger than :data:`WS_MAX_BYTES` closes the
  connection; the page reads uploads in chunks, after checking their size
  (:func:`sim.app.page.take_upload`).
- **Sessions end.** A tab whose connection has gone for :data:`CULL_AFTER` is closed, and its
  runs with it (:mod:`sim.app.runs`). Solara's telemetry and version check are off: the app
  talks to nobody but its own pages.
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import os
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from sim.errors import SpecError

INSTALL = "pip install -e '.[app]' (or make app)"
WS_MAX_BYTES = 8 * 1024 * 1024
"""Largest websocket message taken (an upload comes in chunks of 1 or 2 MB)."""
CULL_AFTER = "30s"
"""How long a tab's session waits for its page to come back before it closes."""
SESSION_COOKIE = "solara-session-id"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARD = ("0.0.0.0", "::", "")
NOT_SERVED = ("/resourcez",)  # Solara's server statistics: nobody's business here
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


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


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_names(host: str) -> set[str]:
    """The names a browser may use for this server: the ``--host`` given; for a loopback
    address also ``127.0.0.1`` and ``localhost``; for every address (``0.0.0.0``) also this
    machine's name and addresses."""
    names = {host}
    if is_loopback(host) or host in WILDCARD:
        names |= {"127.0.0.1", "localhost"}
    if host in WILDCARD:
        names.discard(host)
        machine = socket.gethostname()
        names |= {machine, socket.getfqdn()}
        with contextlib.suppress(OSError):
            names |= {info[4][0] for info in socket.getaddrinfo(machine, None)}
    return {n for n in names if n}


def hosts_and_origins(host: str, port: int) -> tuple[set[str], set[str]]:
    """The ``Host`` headers and the ``Origin`` s this server answers."""
    hosts = set()
    for name in host_names(host):
        shown = f"[{name}]" if ":" in name else name
        hosts.add(f"{shown}:{port}")
        if port == 80:
            hosts.add(shown)
    return hosts, {f"http://{h}" for h in hosts}


class SameOrigin:
    """ASGI middleware: this server's own pages only (see the module's docstring)."""

    def __init__(self, app: Callable[..., Awaitable[None]], hosts: Iterable[str],
                 origins: Iterable[str]) -> None:  # fmt: skip
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.origins = {o.lower() for o in origins}

    def refusal(self, scope: dict[str, Any]) -> str:
        """Why this request is refused, or "" to let it in."""
        headers: dict[str, str] = {}
        for key, value in scope.get("headers", ()):
            headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
        if headers.get("host", "").lower() not in self.hosts:
            return "not this server's address"
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            return "a page of another site"
        if scope["type"] == "websocket":
            if origin is None:
                return "no origin"
            if f"{SESSION_COOKIE}=" not in headers.get("cookie", ""):
                return "no session"
        if scope["type"] == "http" and scope.get("path", "") in NOT_SERVED:
            return "not served"
        return ""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        why = self.refusal(scope)
        if why and scope["type"] == "websocket":
            await receive()  # the connect; closing before accepting answers HTTP 403
            await send({"type": "websocket.close", "code": 1008})
            return
        if why:
            body = f"refused: {why}\n".encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode()),
                                    *SECURITY_HEADERS]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return

        async def guarded_send(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()),
                                                  *SECURITY_HEADERS]}  # fmt: skip
            await send(message)

        await self.app(scope, receive, guarded_send)


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


def exposed_warning(host: str, port: int) -> str:
    """What `sim app` says before it listens beyond this machine."""
    return (f"warning: --host {host}: the app has no login; anyone who can reach port {port} "
            "of this machine can use it, run comparisons on its processors and see what is "
            "uploaded. Use it on a network you trust, or leave --host at 127.0.0.1.")  # fmt: skip


def make_server(host: str, port: int):
    """Uvicorn serving Solara's app for ``sim.app.page`` behind :class:`SameOrigin`."""
    os.environ.update({
        "SOLARA_APP": "sim.app.page",
        "SOLARA_MODE": "production",
        "SOLARA_KERNEL_CULL_TIMEOUT": CULL_AFTER,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_THEME_SHOW_BANNER": "False",  # no "This website runs on Solara" over the page
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
    })  # fmt: skip
    import warnings

    import solara.server.settings as settings
    import uvicorn

    # Solara warns on every page over http that its cookie cannot be SameSite=none there: it
    # falls back to lax, which is what a page of this server alone needs.
    warnings.filterwarnings("ignore", "Cookies with samesite=none", UserWarning)

    settings.main.mode = "production"
    settings.kernel.cull_timeout = CULL_AFTER
    settings.telemetry.mixpanel_enable = False
    settings.theme.show_banner = False
    from solara.server.starlette import app as solara_app

    hosts, origins = hosts_and_origins(host, port)
    config = uvicorn.Config(SameOrigin(solara_app, hosts, origins), host=host, port=port,
                            log_level="warning", ws_max_size=WS_MAX_BYTES, lifespan="on",
                            timeout_graceful_shutdown=3)  # fmt: skip
    return uvicorn.Server(config)


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False,
          executor: str = "processes", workers: int | None = None,
          scheduler: str | None = None) -> int:  # fmt: skip
    """Serve the app until Ctrl-C, SIGTERM or SIGHUP; 0 when stopped so. Its runs go to
    ``executor`` (a process pool of ``workers``, or Dask: a local cluster, or
    ``scheduler``'s), one for the whole server."""
    check_installed()
    check_port(host, port)
    if not is_loopback(host):
        print(exposed_warning(host, port), file=sys.stderr, flush=True)
    os.environ.update(runs_env(executor, workers, scheduler))
    server = make_server(host, port)

    def stop(*_: object) -> None:  # SIGHUP too; and SIGTERM again once uvicorn has let go
        server.handle_exit(signal.SIGTERM, None)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in WILDCARD else shown}:{port}/"
    if open_browser:
        threading.Thread(target=_open_when_ready, args=(server, url), daemon=True).start()
    print(f"the app is at {url} (Ctrl-C stops it)", flush=True)
    from sim.app.runs import close_service

    try:
        server.run()
    except KeyboardInterrupt:  # Ctrl-C: uvicorn has shut down and raised it again
        pass
    finally:
        close_service()
    return 0 if server.started else 1


def _open_when_ready(server, url: str) -> None:
    import time

    for _ in range(600):
        if server.started:
            webbrowser.open(url)
            return
        time.sleep(0.1)
