"""`sim app`'s server, attacked: a page of another site, a foreign host name, a websocket
without the page's cookie; and the command stopped by SIGTERM, SIGHUP and kill -9, which must
take the server (its port) and every worker with it (sim/app/serve.py)."""

from __future__ import annotations

import asyncio
import signal
import urllib.error
import urllib.request
import uuid

import pytest
from app_server import App, answers, gone, wait_until

from sim.app.serve import SameOrigin, exposed_warning, host_names, hosts_and_origins

pytest.importorskip("solara", reason="the app's extra is not installed: pip install -e '.[app]'")
websockets = pytest.importorskip("websockets")


# -- the guard, as a function of a request's headers -----------------------------------------
def scope(kind: str = "websocket", host: str = "127.0.0.1:8765", origin: str | None = None,
          cookie: str = "solara-session-id=abc", path: str = "/") -> dict:  # fmt: skip
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return {"type": kind, "headers": headers, "path": path}


@pytest.fixture
def guard():
    hosts, origins = hosts_and_origins("127.0.0.1", 8765)
    return SameOrigin(None, hosts, origins)


def test_the_guard_lets_in_the_apps_own_pages_only(guard):
    own = "http://127.0.0.1:8765"
    assert guard.refusal(scope(origin=own)) == ""
    assert guard.refusal(scope(host="localhost:8765", origin="http://localhost:8765")) == ""
    assert guard.refusal(scope("http", cookie="")) == ""  # the page itself, first visit
    assert guard.refusal(scope(origin="http://evil.example")) == "a page of another site"
    assert guard.refusal(scope(origin="http://127.0.0.1:9999")) == "a page of another site"
    assert guard.refusal(scope(origin="null")) == "a page of another site"  # a sandboxed frame
    assert guard.refusal(scope(origin=None)) == "no origin"
    assert guard.refusal(scope(origin=own, cookie="")) == "no session"
    assert guard.refusal(scope(host="evil.example:8765", origin=own)) == (
        "not this server's address"  # DNS rebinding: another name for this address
    )
    assert guard.refusal(scope("http", origin="http://evil.example")) == (
        "a page of another site"  # a form or fetch of another site's page
    )
    assert guard.refusal(scope("http", path="/resourcez")) == "not served"


def run_async(make) -> object:
    """Run the coroutine ``make()`` to its end in a thread of its own (a browser test's
    Playwright may hold an event loop in this one)."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(make())).result()


def test_a_refused_websocket_is_closed_before_it_is_accepted(guard):
    sent = []

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    run_async(lambda: guard(scope(origin="http://evil.example"), receive, send))
    assert sent == [{"type": "websocket.close", "code": 1008}]  # the server answers HTTP 403


def test_the_names_the_app_answers_to():
    assert hosts_and_origins("127.0.0.1", 8765)[0] == {"127.0.0.1:8765", "localhost:8765"}
    hosts, origins = hosts_and_origins("::1", 8000)
    assert "[::1]:8000" in hosts and "http://localhost:8000" in origins
    assert hosts_and_origins("192.0.2.7", 80)[0] == {"192.0.2.7:80", "192.0.2.7"}
    every = host_names("0.0.0.0")
    assert "0.0.0.0" not in every and {"127.0.0.1", "localhost"} <= every
    assert "no login" in exposed_warning("0.0.0.0", 8765)


# -- the server ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app():
    server = App()
    yield server
    server.stop()


def cookie_of(url: str) -> str:
    with urllib.request.urlopen(url) as answer:
        return answer.headers["set-cookie"].split(";")[0]


def open_websocket(app: App, headers: dict[str, str]) -> str:
    """Open the page's websocket with these headers: "accepted", or why not."""
    url = (f"ws://127.0.0.1:{app.port}/jupyter/api/kernels/{uuid.uuid4()}/channels"
           f"?session_id={uuid.uuid4()}")  # fmt: skip

    async def attempt() -> str:
        try:
            async with websockets.connect(url, additional_headers=headers, open_timeout=60):
                return "accepted"
        except websockets.exceptions.InvalidStatus as exc:
            return f"HTTP {exc.response.status_code}"

    return run_async(attempt)


def test_a_page_of_another_site_cannot_drive_the_app(app):
    own = f"http://127.0.0.1:{app.port}"
    cookie = cookie_of(app.url)
    assert open_websocket(app, {"Origin": own, "Cookie": cookie}) == "accepted"
    assert open_websocket(app, {"Origin": "http://evil.example", "Cookie": cookie}) == "HTTP 403"
    assert open_websocket(app, {"Cookie": cookie}) == "HTTP 403"  # no origin
    assert open_websocket(app, {"Origin": own}) == "HTTP 403"  # no session cookie


def test_another_name_for_this_address_is_refused(app):
    request = urllib.request.Request(app.url, headers={"Host": f"evil.example:{app.port}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403
    with urllib.request.urlopen(app.url) as page:  # and the app's own page is served, framed by
        assert page.headers["x-frame-options"] == "DENY"  # no other site


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL, signal.SIGINT])
def test_sim_app_takes_its_server_with_it(sig):
    server = App()
    inside = server.descendants()
    server.proc.send_signal(sig)
    server.proc.wait(60)
    assert not answers(server.url), "the port still answers after the command ended"
    wait_until(lambda: gone(inside), 60, "the server's processes to end")
    if sig != signal.SIGKILL:
        assert server.proc.returncode == 0, server.output()


def test_listening_beyond_this_machine_says_there_is_no_login():
    server = App("--host", "0.0.0.0")
    server.stop()
    said = server.output()
    assert "warning: --host 0.0.0.0: the app has no login; anyone who can reach port" in said
