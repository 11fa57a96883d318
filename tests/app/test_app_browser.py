"""The browser app end to end, in a real (headless) Chromium, as a board member uses it, and as
a hostile user and a crashing machine would treat it.

`sim app` itself (the real command, :mod:`app_server`) serves a free port of 127.0.0.1. One
test walks through a board member's session: choose a scenario and two shipped options, move an
assumption's slider and a structural knob, run and watch the progress, read the verdict table,
the key indicators with their intervals, the pathways side by side and the diagrams; start a
second run and cancel it; step one run week by week. Others upload a broken structure file
(the one-line error `sim validate` gives), a good one (it joins the comparison), one whose
title is script and a template, and one too large; open the app's websocket from a page of
another site; run from three tabs at once and close them; and stop `sim app` by SIGTERM, SIGHUP
and kill -9 in the middle of a run.

Every step waits for what it checks (the machine may be loaded; no speed is assumed): each run
is numbered on the page ("Run 2: 60 of 60 runs (finished)"), and the tests wait for that run's
state, never for a time.

With SIM_SCREENSHOTS=1 the walk-through saves docs/app.png (the page after its first run) and
docs/app-step.png (the step view): the README's screenshots.

Nothing is downloaded: the test drives an installed Chromium (Debian's /usr/bin/chromium, or
$SIM_CHROMIUM) through Playwright, and skips, saying why, where either is missing.
"""

from __future__ import annotations

import http.server
import os
import re
import signal
import threading
import time
import uuid
from pathlib import Path

import psutil
import pytest
from app_server import App, answers, free_port, gone, wait_until
from conftest import find_chromium

from sim.app import logic
from sim.spec import load_structure
from sim.spec.loading import STRUCTURE_DIR
from sim.spec.parameters import parameter_title

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SCREENSHOTS = os.environ.get("SIM_SCREENSHOTS") == "1"
HOSTILE = "<img src=x onerror=alert(1)> {{ 7*191 }}"  # 7 * 191 = 1337


BROWSER = find_chromium()
pytest.importorskip("solara", reason="the app's extra is not installed: pip install -e '.[app]'")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[app]'"
)
expect = sync_api.expect
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium installed (apt-get install chromium, or set $SIM_CHROMIUM)",
)


@pytest.fixture(scope="module")
def server():
    app = App()
    yield app.url
    app.stop()


def open_page(browser, url: str):
    """A fresh browser tab on the app (a session of its own), once the page has drawn."""
    tab = browser.new_page(viewport={"width": 1500, "height": 1100})
    tab.set_default_timeout(120_000)
    tab.goto(url)
    tab.get_by_text("Try a structure option").first.wait_for()
    return tab


@pytest.fixture
def page(server, browser):
    tab = open_page(browser, server)
    yield tab
    tab.close()


# -- what a board member does ----------------------------------------------------------------
def choose(page, css: str, item: str) -> None:
    """Pick ``item`` (its display name) in the drop-down list ``css``, and wait until the list
    shows it (the list opens from its arrow: a click on a chosen item's chip would not)."""
    page.locator(f".{css} .v-input__append-inner").first.click()
    page.locator(".menuable__content__active .v-list-item", has_text=item).first.click()
    page.keyboard.press("Escape")
    expect(page.locator(f".{css}").first).to_contain_text(item)


def slide(page, css: str, key: str, times: int = 1, then: str = "", within=None) -> str:
    """Move the slider ``css`` with the keyboard (each key once the page has answered the last)
    until its label says ``then``; its label's text afterwards."""
    where = within or page
    label = where.locator(f".{css} .slider-label").first
    for _ in range(times):
        before = label.inner_text()
        where.locator(f".{css} .v-slider__thumb-container").first.focus()
        page.keyboard.press(key)
        if not then:
            expect(label).not_to_have_text(before)
    if then:
        expect(label).to_contain_text(then)
    return label.inner_text()


def runs_started(page) -> int:
    """How many runs this page has started (the number of the progress line)."""
    progress = page.locator(".progress")
    if not progress.count():
        return 0
    return int(re.match(r"Run (\d+):", progress.first.inner_text()).group(1))


def wait_for_state(page, number: int, state: str, seconds: float = 900) -> str:
    """Wait until run ``number`` of this page says ``state``; fail at once on a run error."""
    deadline = time.monotonic() + seconds
    progress = page.locator(".progress")
    while time.monotonic() < deadline:
        if page.locator(".run-error").count():
            pytest.fail(page.locator(".run-error").first.inner_text())
        text = progress.first.inner_text() if progress.count() else ""
        if text.startswith(f"Run {number}:") and f"({state}" in text:
            return text
        page.wait_for_timeout(250)
    pytest.fail(f"run {number} did not reach '{state}' in {seconds:g} s")


def run(page, state: str = "finished") -> tuple[int, str]:
    """Press Run and wait for the new run to reach ``state``: its number and progress line."""
    number = runs_started(page) + 1
    page.locator(".run-button").click()
    return number, wait_for_state(page, number, state)


def verdict_delay(page, number: int, seconds: float = 900) -> float:
    """Seconds from run ``number``'s progress first saying every run is done to its verdict
    on the page (its state "finished"): printed by the walk-through (``pytest -s``), never
    asserted (no speed is assumed)."""
    deadline = time.monotonic() + seconds
    progress = page.locator(".progress")
    all_done = None
    while time.monotonic() < deadline:
        text = progress.first.inner_text() if progress.count() else ""
        counted = re.match(rf"Run {number}: (\d+) of (\d+) runs", text)
        if counted and counted.group(1) == counted.group(2) and all_done is None:
            all_done = time.monotonic()
        if counted and "(finished" in text:
            return time.monotonic() - (all_done or time.monotonic())
        page.wait_for_timeout(50)
    pytest.fail(f"run {number} did not finish in {seconds:g} s")


def upload(page, path: Path | None = None, name: str = "", data: bytes = b"") -> None:
    """Choose a structure file in the page's file input (a path, or a name and bytes)."""
    chooser = page.locator(".choose-file input[type=file]").first
    if path is not None:
        chooser.set_input_files(str(path))
    else:
        chooser.set_input_files({"name": name, "mimeType": "application/x-yaml", "buffer": data})


def watch_for_script(page) -> list[str]:
    """Collect every dialog a script on the page opens (there must be none)."""
    opened: list[str] = []
    page.on("dialog", lambda d: (opened.append(d.message), d.dismiss()))
    return opened


def shot(page, name: str, height: int = 1100) -> None:
    """With SIM_SCREENSHOTS=1, the page from its top, ``height`` pixels of it, into docs/."""
    if not SCREENSHOTS:
        return
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": height})
    page.evaluate("() => document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
    page.wait_for_timeout(800)
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / name))
    page.set_viewport_size(size)


# -- the walk-through ------------------------------------------------------------------------
def test_a_board_members_walk_through(page):
    five, pilot = load_structure("five_element"), load_structure("pilot")
    truancy = logic.load_shipped_scenario("truancy")

    # a scenario and two shipped options, by their display names
    choose(page, "choose-scenario", truancy.display_name)
    chosen = page.locator(".choose-options").inner_text()
    assert five.display_name in chosen and pilot.display_name in chosen

    # a first run at the defaults: the progress indicator, then the report's first screen
    first_run, _ = run(page)
    page.locator(".progress-bar").first.wait_for()
    first = page.locator(".first-screen").inner_text()
    assert f"{truancy.display_name}: which option?" in first
    assert five.display_name in first and pilot.display_name in first
    assert re.search(r"better|worse|mixed|no practical difference|not clear", first)
    assert "How sure" in first and "robustness" in first.lower()  # the worked example's run
    before = page.locator(".verdict-table table").inner_text()
    summary_matches_the_table(page)
    no_identifier_on(page, [five, pilot], truancy)
    expect(page.locator(".stale-note")).to_have_count(0)  # the verdict answers the choices
    assert page.get_by_text("runs on Solara").count() == 0  # nothing over the verdict
    key_figure_is_readable(page)
    shot(page, "app.png", 1500)

    # an assumption to the bottom of its plausible range: the verdict on screen is now for
    # the earlier choices, and says so
    name = logic.MAIN_ASSUMPTIONS[0]
    slider = logic.SLIDERS[name]
    label = slide(page, f"assumption-{name}", "Home", then=f": {slider.low:g} (")
    expect(page.locator(".stale-note")).to_contain_text(
        "These results are for the earlier choices (changed since: the assumptions): press Run "
        "to update."
    )
    expect(page.locator(".verdict.stale")).to_have_count(1)

    # structural knobs: the five-element Executive meets every 8 weeks, not 13, and takes
    # substitutes
    knobs = page.locator(".knob-card", has_text=five.display_name).first
    slide(page, "knob-cadence", "ArrowLeft", 5, "meetings): 8 (", within=knobs)
    substitutes = knobs.locator(".v-input--checkbox", has_text="substitutes allowed")
    expect(substitutes).not_to_have_class(re.compile("v-input--is-label-active"))
    substitutes.locator("input").click(force=True)
    expect(substitutes).to_have_class(re.compile("v-input--is-label-active"))

    expect(page.locator(".stale-note")).to_contain_text("the structural knobs")

    # run again: a new verdict (no longer marked stale), key indicators with intervals,
    # pathways side by side; how long the verdict takes after the last run, printed
    number = runs_started(page) + 1
    page.locator(".run-button").click()
    print(f"\nthe verdict {verdict_delay(page, number):.1f} s after the last run finished")
    expect(page.locator(".stale-note")).to_have_count(0)
    expect(page.locator(".verdict.stale")).to_have_count(0)
    changed = f"{five.display_name} (changed)"
    expect(page.locator(".first-screen")).to_contain_text(changed)
    verdict = page.locator(".verdict-table table").inner_text()
    assert verdict != before
    assert changed in verdict and pilot.display_name in verdict
    assert f"verdict ({pilot.display_name})" in verdict
    assert "meetings held" in verdict
    assert re.search(r"\[[-0-9.,]+, [-0-9.,]+\]", verdict), "no 95% intervals in the table"
    said = page.locator(".run-assumptions").inner_text()
    assert f"changed: {parameter_title(name)} {slider.low:g} (default {slider.default:g})" in said
    assert name not in said and "{" not in said
    knobs_said = page.locator(".knob-changes").inner_text()
    executive = five.body("executive").name
    assert f"{executive}: meets every 8 weeks (was every 13 weeks)" in knobs_said
    assert "substitutes allowed (were not)" in knobs_said
    assert "executive." not in knobs_said
    key_figure_is_readable(page)
    pathways = page.locator(".pathway-table table").first.inner_text()
    assert changed in pathways and pilot.display_name in pathways and "now:" in pathways

    # the structure diagrams, one per option, drawn
    page.get_by_role("tab", name="Diagrams").click()
    expect(page.locator(".diagram")).to_have_count(2)
    images = page.locator(".diagram img")
    expect(images).to_have_count(2)
    for k in range(2):  # the report's Graphviz diagrams (SVG)
        assert images.nth(k).get_attribute("src").startswith("data:image/svg+xml;base64,")
        page.wait_for_function(
            "e => e.complete && e.naturalWidth > 0", arg=images.nth(k).element_handle()
        )

    # a long second run, cancelled: the page says so, keeps the last verdict, stays usable
    slide(page, "replications", "End", then=f": {logic.MAX_REPLICATIONS} (")
    number, _ = run(page, "running")
    moved = slide(page, f"assumption-{name}", "ArrowRight")  # the page answers while it runs
    assert moved != label
    page.locator(".cancel-button").click()
    said = wait_for_state(page, number, "cancelled")
    done, total = (int(n) for n in re.findall(r"\d+", said)[1:3])
    assert done < total == 2 * logic.MAX_REPLICATIONS
    expect(page.locator(".run-button")).to_be_enabled()
    assert page.locator(".verdict-table table").inner_text() == verdict
    expect(page.locator(".verdict")).to_contain_text("cancelled")
    expect(page.locator(".stale-note")).to_contain_text("the replications or root seed")
    assert slide(page, f"assumption-{name}", "ArrowLeft") == label  # and still answers
    assert first_run == 1 and number == 3

    # step one run week by week (Mesa's SolaraViz), under the changed option
    page.get_by_role("tab", name="Step").click()
    view = page.locator(".week-view")
    view.get_by_text(f"Week 0: {changed}").wait_for()
    controls = page.locator("body").inner_text()
    for developer in ("Play Interval", "Render Interval", "Use Threads"):  # none of Mesa's
        assert developer not in controls
    for needed in ("Reset", "Step"):
        expect(page.get_by_role("button", name=needed, exact=True)).to_have_count(1)
    step = page.get_by_role("button", name="Step", exact=True)
    seen = []
    for week in range(1, 9):
        step.click()
        view.get_by_text(f"Week {week}: {changed}", exact=True).wait_for()
        seen.append(view.inner_text())
    held = [int(re.search(r"(\d+) meetings held", text).group(1)) for text in seen]
    assert held == sorted(held) and held[-1] > held[0], held
    assert any("→" in text for text in seen), "no issue moved between bodies in 8 weeks"
    assert all(re.search(r"meetings held so far \(\d+ inquorate, \d+ special\)", t) for t in seen)
    ids = [b.id for b in [*five.bodies, *truancy.bodies] if "_" in b.id or len(b.id) <= 5]
    coded = [i for i in ids if any(re.search(rf"\b{i}\b", text) for text in seen)]
    assert not coded, f"bodies by their ids: {coded}"
    assert not any("(nobody)" in text for text in seen)
    assert f"Week 8: {changed}" in seen[-1] and "Where each issue is" in seen[-1]
    shot(page, "app-step.png", 900)

    # the other option, from the start (Mesa's Reset re-creates the model)
    step_option(page, pilot.display_name)
    view.get_by_text(f"Week 0: {pilot.display_name}").wait_for()
    step.click()
    view.get_by_text(f"Week 1: {pilot.display_name}").wait_for()


def summary_matches_the_table(page) -> None:
    """Issue 21: the first screen opens with the summary a chair reads aloud, and every effect
    it reads out as better or worse is that indicator's verdict in the table of every
    indicator the verdict judges, in the same direction."""
    plain = page.locator("#plain-summary")
    expect(plain).to_have_count(1)
    sentences = plain.locator("p").all_inner_texts()
    assert sentences and sentences[0].startswith("Against "), sentences
    if page.locator(".all-indicators table").count() == 0:  # folded until opened
        page.get_by_text("Every indicator the verdict judges").click()
    page.locator(".all-indicators table").first.wait_for()
    rows = page.locator(".all-indicators table tr").all()
    verdicts = {}
    for row in rows[1:]:
        cells = row.locator("td").all_inner_texts()
        if cells:
            verdicts[cells[0].strip()] = " ".join(cells[1:])
    checked = 0
    for sentence in sentences:
        side = ("better" if " does better" in sentence
                else "worse" if sentence.startswith("It does worse") else None)  # fmt: skip
        if side is None:
            continue
        listed = sentence.split(": ", 1)[1]
        for label, said in verdicts.items():
            if re.search(rf"(^|, | and ){re.escape(label)} [0-9]", listed):
                assert side in said, (label, side, said)
                checked += 1
    assert checked, f"no effect of the summary found in the table: {sentences}"


def no_identifier_on(page, structures, scenario) -> None:
    """Issue 21, item 2: the page shows no code identifier: no body, partner, indicator,
    parameter or alternative id (those with an underscore: an id that is an English word
    cannot be told from the word)."""
    from sim.model.indicators import INDICATORS
    from sim.spec.alternatives import load_alternatives
    from sim.spec.parameters import Parameters

    ids = {b.id for s in structures for b in s.bodies} | {p.id for s in structures
                                                          for p in s.partners}  # fmt: skip
    ids |= {b.id for b in scenario.bodies} | {i.name for i in INDICATORS}
    ids |= set(Parameters.model_fields) | {a.id for a in load_alternatives().alternatives}
    text = page.locator("body").inner_text()
    found = sorted(i for i in ids if "_" in i and re.search(rf"\b{re.escape(i)}\b", text))
    assert not found, f"identifiers on the page: {found}"


def key_figure_is_readable(page) -> None:
    """The key indicators' figure drawn at (nearly) its own size: its 15 px text at 10 px or
    more on the page."""
    image = page.locator(".key-indicators img")
    image.wait_for()
    page.wait_for_function("e => e.complete && e.naturalWidth > 0", arg=image.element_handle())
    natural, drawn = image.evaluate("e => [e.naturalWidth, e.clientWidth]")
    assert drawn / natural >= 10 / 15, (natural, drawn)


def step_option(page, label: str) -> None:
    """In the step view (once drawn), choose the option ``label`` and Reset."""
    page.locator(".week-view").wait_for()
    exactly = page.locator("label", has_text=re.compile(r"^\s*Option\s*$"))
    page.locator(".v-select").filter(has=exactly).first.click()
    page.locator(".menuable__content__active .v-list-item", has_text=label).first.click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Reset", exact=True).click()


# -- uploads ---------------------------------------------------------------------------------
def test_an_upload_a_bad_one_shows_its_one_line_error_a_good_one_joins(page, tmp_path):
    import subprocess
    import sys

    text = (STRUCTURE_DIR / "pilot.yaml").read_text()
    bad = tmp_path / "bad_option.yaml"
    bad.write_text(text.replace("quorum: 5", "quorum: 50", 1))
    validate = [sys.executable, "-c", "import sys; from sim.entry import main; sys.exit(main())"]
    said = subprocess.run([*validate, "validate", bad.name], cwd=tmp_path, capture_output=True,
                          text=True)  # fmt: skip
    expected = (said.stdout + said.stderr).strip().removeprefix("error: ")
    assert said.returncode != 0 and expected.startswith("bad_option.yaml: bodies[")

    upload(page, bad)
    expect(page.locator(".upload-error")).to_have_text(expected)

    good = tmp_path / "pilot_lean.yaml"
    title = "Pilot with a lean Executive"
    good.write_text(
        text.replace("name: pilot", "name: pilot_lean", 1).replace(
            'title: "Strategic / executive / operational pilot (2010)"', f'title: "{title}"', 1
        )
    )
    upload(page, good)
    page.locator(".uploaded-option", has_text=title).wait_for()
    expect(page.locator(".upload-error")).to_have_count(0)
    expect(page.locator(".knob-card", has_text=title)).to_have_count(1)
    choose(page, "choose-scenario", logic.load_shipped_scenario("smoke").display_name)
    slide(page, "replications", "Home", then=": 2 (")
    run(page)
    expect(page.locator(".verdict-table table")).to_contain_text(f"verdict ({title})")


def test_an_upload_after_a_run_marks_the_verdict_stale(page, tmp_path):
    """Issue 21, item 8: a verdict on screen that no longer matches the chosen options (an
    option uploaded after it was made) is marked stale until the next run."""
    choose(page, "choose-scenario", logic.load_shipped_scenario("smoke").display_name)
    slide(page, "replications", "Home", then=": 2 (")
    run(page)
    expect(page.locator(".stale-note")).to_have_count(0)
    good = tmp_path / "pilot_again.yaml"
    good.write_text((STRUCTURE_DIR / "pilot.yaml").read_text()
                    .replace("name: pilot", "name: pilot_again", 1)
                    .replace('title: "Strategic / executive / operational pilot (2010)"',
                             'title: "The pilot, uploaded"', 1))  # fmt: skip
    upload(page, good)
    page.locator(".uploaded-option", has_text="The pilot, uploaded").wait_for()
    expect(page.locator(".stale-note")).to_contain_text("changed since: the options chosen")
    expect(page.locator(".verdict.stale")).to_have_count(1)
    run(page)
    expect(page.locator(".stale-note")).to_have_count(0)


def test_an_upload_builds_on_no_file_of_the_server(page, tmp_path):
    """An uploaded structure whose ``inside`` names a file of the server's: the page says it
    builds only on shipped structures and this session's uploads, and shows nothing of it."""
    secret = tmp_path / "valid.yaml"
    pilot = (STRUCTURE_DIR / "pilot.yaml").read_text()
    secret.write_text(pilot.replace("name: pilot", "name: stolen", 1))
    for outer in (str(secret), "/etc/passwd", "../../../../etc/passwd"):
        upload(page, name="probe.yaml", data=f"name: probe\ninside: {outer}\n".encode())
        expect(page.locator(".upload-error")).to_contain_text(f"'{outer}' is neither a shipped")
        shown = page.locator(".upload-error").inner_text()
        assert "root:" not in shown and "stolen" not in shown
    expect(page.locator(".uploaded-option")).to_have_count(0)


def test_a_title_holding_script_and_a_template_shows_as_text(page, tmp_path):
    """Item 3 of the attack: an option titled ``<img src=x onerror=alert(1)> {{ 7*191 }}`` is
    shown as those characters wherever its title appears (the uploaded list, the knobs, the
    verdict, the "(changed)" line, the step view after Reset): no script runs, no 1337."""
    opened = watch_for_script(page)
    text = (STRUCTURE_DIR / "pilot.yaml").read_text().replace("name: pilot", "name: hostile", 1)
    text = text.replace('title: "Strategic / executive / operational pilot (2010)"',
                        f"title: '{HOSTILE}'", 1)  # fmt: skip
    upload(page, name="hostile.yaml", data=text.encode())
    page.locator(".uploaded-option", has_text=HOSTILE).wait_for()

    # a knob on the hostile option: its title gains "(changed)"
    knobs = page.locator(".knob-card", has_text=HOSTILE).first
    substitutes = knobs.locator(".v-input--checkbox", has_text="substitutes allowed")
    was = "v-input--is-label-active" in (substitutes.get_attribute("class") or "")
    substitutes.locator("input").click(force=True)
    ticked = re.compile("v-input--is-label-active")
    (expect(substitutes).not_to_have_class if was else expect(substitutes).to_have_class)(ticked)
    choose(page, "choose-scenario", logic.load_shipped_scenario("smoke").display_name)
    slide(page, "replications", "Home", then=": 2 (")
    run(page)
    expect(page.locator(".knob-changes")).to_contain_text(f"{HOSTILE} (changed)")
    expect(page.locator(".first-screen")).to_contain_text(HOSTILE)

    # the step view, the hostile option chosen and Reset
    page.get_by_role("tab", name="Step").click()
    step_option(page, f"{HOSTILE} (changed)")
    page.locator(".week-view").get_by_text(f"Week 0: {HOSTILE} (changed)").wait_for()

    body = page.locator("body").inner_text()
    assert "1337" not in body, "a template in a title was compiled"
    assert page.locator("img[src='x']").count() == 0, "a title's markup reached the page"
    assert opened == [], f"a title's script ran: {opened}"


def test_a_file_too_large_is_refused_before_it_is_read(page):
    """A 20 MB upload: the page says it is too large (nothing of it is read, the connection
    stays), and the page goes on answering."""
    upload(page, name="huge.yaml", data=b"#" * (20 * 1024 * 1024))
    expect(page.locator(".upload-error")).to_contain_text("huge.yaml: the file is too large "
                                                          "(20,971,520 bytes")  # fmt: skip
    name = logic.MAIN_ASSUMPTIONS[0]
    slide(page, f"assumption-{name}", "Home", then=f": {logic.SLIDERS[name].low:g} (")


# -- another site's page ---------------------------------------------------------------------
PROBE = """<!doctype html><title>waiting</title><script>
const ws = new WebSocket("ws://127.0.0.1:%(port)d/jupyter/api/kernels/%(kernel)s/channels"
                         + "?session_id=%(page)s");
ws.onopen = () => { document.title = "open"; };
ws.onerror = () => { document.title = "refused"; };
</script>"""


def test_a_page_of_another_site_cannot_open_the_apps_websocket(server, browser, page):
    port = int(server.rsplit(":", 1)[1].strip("/"))
    probe = PROBE % {"port": port, "kernel": uuid.uuid4(), "page": uuid.uuid4()}

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(probe.encode())

        def log_message(self, *args):
            pass

    evil = http.server.HTTPServer(("127.0.0.1", free_port()), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        other = browser.new_page()
        other.goto(f"http://localhost:{evil.server_port}/")  # another origin, same machine
        other.wait_for_function("document.title !== 'waiting'", timeout=60_000)
        assert other.title() == "refused"
        other.close()
    finally:
        evil.shutdown()
    # the same script on the app's own page opens it (the test can tell the two apart)
    page.evaluate("s => { document.title = 'waiting'; eval(s); }",
                  probe.split("<script>")[1].split("</script>")[0])  # fmt: skip
    page.wait_for_function("document.title !== 'waiting'", timeout=60_000)
    assert page.title() == "open"


# -- many sessions, and stopping the command -------------------------------------------------
HEAVY = ("employer_closure", ["five_element", "pilot", "county_scs_chapters"])


def start_heavy_run(page) -> int:
    """200 replications of three options on the employer closure (minutes of work): press
    Run; the run's number."""
    scenario, options = HEAVY
    choose(page, "choose-scenario", logic.load_shipped_scenario(scenario).display_name)
    choose(page, "choose-options", load_structure(options[2]).display_name)
    slide(page, "replications", "End", then=f": {logic.MAX_REPLICATIONS} (")
    number = runs_started(page) + 1
    page.locator(".run-button").click()
    return number


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def idle(processes: list[psutil.Process], window: float = 3.0) -> bool:
    """Whether ``processes`` together used under a tenth of a core over ``window`` seconds."""
    before = cpu_seconds(processes)
    time.sleep(window)
    return cpu_seconds(processes) - before < 0.1 * window


def test_three_tabs_share_one_pool_and_closing_them_stops_their_runs(browser):
    app = App("--workers", "2")
    try:
        tabs = [open_page(browser, app.url) for _ in range(3)]
        numbers = [start_heavy_run(tab) for tab in tabs]
        for tab, number in zip(tabs[:2], numbers[:2], strict=True):
            wait_for_state(tab, number, "running")
        said = wait_for_state(tabs[2], numbers[2], "waiting for its turn")
        assert "it is next" in said
        processes = app.descendants()
        # one pool for the server: two workers (with a fork server and its resource tracker)
        assert 2 <= len(processes) <= 4, [p.cmdline() for p in processes]
        for tab in tabs:
            tab.close(run_before_unload=True)
        wait_until(lambda: idle(app.descendants()), 60, "the closed tabs' runs to stop")
        assert app.proc.poll() is None  # the server goes on
    finally:
        app.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_stopping_sim_app_mid_run_takes_the_server_and_workers_with_it(browser, sig):
    app = App("--workers", "2")
    tab = open_page(browser, app.url)
    try:
        wait_for_state(tab, start_heavy_run(tab), "running")
        wait_until(lambda: len(app.descendants()) >= 2, 120, "the workers")
        processes = app.descendants()
        app.proc.send_signal(sig)
        app.proc.wait(120)
        assert not answers(app.url), "the port still answers after the command ended"
        wait_until(lambda: gone(processes), 60, "the workers to end")
    finally:
        tab.close()
        app.stop()
