"""The browser app end to end, in a real (headless) Chromium, as a board member uses it.

The app's server (`sim app`'s command) starts on a free port of 127.0.0.1. One test walks
through a board member's session: choose a scenario and two shipped options, move an
assumption's slider and a structural knob, run and watch the progress, read the verdict table,
the key indicators with their intervals, the pathways side by side and the diagrams; start a
second run and cancel it; step one run week by week. Another uploads a broken structure file
and sees the one-line error `sim validate` gives, then a good one, which joins the comparison.

With SIM_SCREENSHOTS=1 the walk-through saves docs/app.png (the page after its first run) and
docs/app-step.png (the step view): the README's screenshots.

Nothing is downloaded: the test drives an installed Chromium (Debian's /usr/bin/chromium, or
$SIM_CHROMIUM) through Playwright, and skips, saying why, where either is missing.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import find_chromium

from sim.app import logic
from sim.spec import load_structure
from sim.spec.loading import STRUCTURE_DIR

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SCREENSHOTS = os.environ.get("SIM_SCREENSHOTS") == "1"


BROWSER = find_chromium()
pytest.importorskip("solara", reason="the app's extra is not installed: pip install -e '.[app]'")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[app]'"
)
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium installed (apt-get install chromium, or set $SIM_CHROMIUM)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    from sim.app.serve import command

    port = free_port()
    env = {**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1", "SOLARA_APP": "sim.app.page"}
    proc = subprocess.Popen(command("127.0.0.1", port, False), cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"the app's server did not start:\n{out[-3000:]}")
        time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def page(server, browser):
    """A fresh browser tab on the app: a session of its own."""
    tab = browser.new_page(viewport={"width": 1500, "height": 1100})
    tab.set_default_timeout(60_000)
    tab.goto(server)
    tab.get_by_text("Try a structure option").first.wait_for()
    yield tab
    tab.close()


# -- what a board member does ----------------------------------------------------------------
def choose(page, css: str, item: str) -> None:
    """Pick ``item`` (its display name) in the drop-down list ``css``."""
    page.locator(f".{css}").first.click()
    page.locator(".menuable__content__active .v-list-item", has_text=item).first.click()
    page.keyboard.press("Escape")


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
            sync_api.expect(label).not_to_have_text(before)
    if then:
        sync_api.expect(label).to_contain_text(then)
    return label.inner_text()


def wait_for_state(page, state: str, seconds: float = 300) -> str:
    """Wait until the progress line says ``state``; fail on a run error."""
    deadline = time.monotonic() + seconds
    progress = page.locator(".progress")
    while time.monotonic() < deadline:
        if page.locator(".run-error").count():
            pytest.fail(page.locator(".run-error").first.inner_text())
        if progress.count() and f"({state})" in progress.first.inner_text():
            return progress.first.inner_text()
        page.wait_for_timeout(250)
    pytest.fail(f"the run did not reach '{state}' in {seconds:g} s")


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
    page.locator(".choose-scenario", has_text=truancy.display_name).wait_for()
    chosen = page.locator(".choose-options").inner_text()
    assert five.display_name in chosen and pilot.display_name in chosen

    # a first run at the defaults: the progress indicator, then the report's first screen
    page.locator(".run-button").click()
    page.locator(".progress-bar").first.wait_for()
    wait_for_state(page, "finished")
    first = page.locator(".first-screen").inner_text()
    assert f"{truancy.display_name}: which option?" in first
    assert five.display_name in first and pilot.display_name in first
    assert re.search(r"better|worse|mixed|no practical difference|not clear", first)
    assert "How sure" in first and "robustness" in first.lower()  # the worked example's run
    before = page.locator(".verdict-table table").inner_text()
    shot(page, "app.png", 1500)

    # an assumption to the bottom of its plausible range
    name = logic.MAIN_ASSUMPTIONS[0]
    slider = logic.SLIDERS[name]
    label = slide(page, f"assumption-{name}", "Home", then=f": {slider.low:g} (")

    # structural knobs: the five-element Executive meets every 8 weeks, not 13, and takes
    # substitutes
    knobs = page.locator(".knob-card", has_text=five.display_name).first
    slide(page, "knob-cadence", "ArrowLeft", 5, "meetings): 8 (", within=knobs)
    substitutes = knobs.locator(".v-input--checkbox", has_text="substitutes allowed")
    assert "v-input--is-label-active" not in (substitutes.get_attribute("class") or "")
    substitutes.locator("input").click(force=True)
    sync_api.expect(substitutes).to_have_class(re.compile("v-input--is-label-active"))

    # run again: a new verdict, key indicators with intervals, pathways side by side
    page.locator(".run-button").click()
    wait_for_state(page, "running", 120)
    wait_for_state(page, "finished")
    changed = f"{five.display_name} (changed)"
    sync_api.expect(page.locator(".first-screen")).to_contain_text(changed)
    verdict = page.locator(".verdict-table table").inner_text()
    assert verdict != before
    assert changed in verdict and pilot.display_name in verdict
    assert f"verdict ({pilot.display_name})" in verdict
    assert "meetings held" in verdict
    assert re.search(r"\[[-0-9.,]+, [-0-9.,]+\]", verdict), "no 95% intervals in the table"
    assert f"'{name}': {slider.low}" in page.locator(".verdict").inner_text()
    knobs_said = page.locator(".knob-changes").inner_text()
    assert "executive.cadence_weeks: 13.0 -> 8.0" in knobs_said
    assert "executive.substitutes: False -> True" in knobs_said
    assert page.locator(".key-indicators img").count() == 1
    pathways = page.locator(".pathway-table table").first.inner_text()
    assert changed in pathways and pilot.display_name in pathways and "now:" in pathways

    # the structure diagrams, one per option
    page.get_by_role("tab", name="Diagrams").click()
    diagrams = page.locator(".diagram")
    diagrams.nth(1).wait_for()
    assert diagrams.count() == 2
    images = page.locator(".diagram img")
    assert images.count() == 2
    for k in range(2):  # the report's Graphviz diagrams (SVG), drawn
        assert images.nth(k).get_attribute("src").startswith("data:image/svg+xml;base64,")
        assert images.nth(k).evaluate("e => e.complete && e.naturalWidth > 0")

    # a long second run, cancelled: the page says so, keeps the last verdict, stays usable
    slide(page, "replications", "End", then=f": {logic.MAX_REPLICATIONS} (")
    page.locator(".run-button").click()
    wait_for_state(page, "running", 120)
    moved = slide(page, f"assumption-{name}", "ArrowRight")  # the page answers while it runs
    assert moved != label
    assert "(running)" in page.locator(".progress").inner_text()
    page.locator(".cancel-button").click()
    said = wait_for_state(page, "cancelled", 120)
    done, total = (int(n) for n in re.findall(r"\d+", said)[:2])
    assert done < total == 2 * logic.MAX_REPLICATIONS
    assert page.locator(".run-button").is_enabled()
    assert page.locator(".verdict-table table").inner_text() == verdict
    assert "cancelled" in page.locator(".verdict").inner_text()
    assert slide(page, f"assumption-{name}", "ArrowLeft") == label  # and still answers

    # step one run week by week (Mesa's SolaraViz), under the changed option
    page.get_by_role("tab", name="Step").click()
    view = page.locator(".week-view")
    view.get_by_text(f"Week 0: {changed}").wait_for()
    step = page.get_by_role("button", name="Step", exact=True)
    seen = []
    for week in range(1, 9):
        step.click()
        view.get_by_text(f"Week {week}: {changed}", exact=True).wait_for()
        seen.append(view.inner_text())
    held = [int(re.search(r"(\d+) meetings held", text).group(1)) for text in seen]
    assert held == sorted(held) and held[-1] > held[0], held
    assert any("->" in text for text in seen), "no issue moved between bodies in 8 weeks"
    assert f"Week 8: {changed}" in seen[-1] and "Where each issue is" in seen[-1]
    shot(page, "app-step.png", 900)

    # the other option, from the start (Mesa's Reset re-creates the model)
    page.locator(".v-select", has_text="Option").first.click()
    page.locator(".menuable__content__active .v-list-item", has_text=pilot.display_name).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Reset", exact=True).click()
    view.get_by_text(f"Week 0: {pilot.display_name}").wait_for()
    step.click()
    view.get_by_text(f"Week 1: {pilot.display_name}").wait_for()


def test_an_upload_a_bad_one_shows_its_one_line_error_a_good_one_joins(page, tmp_path):
    text = (STRUCTURE_DIR / "pilot.yaml").read_text()
    bad = tmp_path / "bad_option.yaml"
    bad.write_text(text.replace("quorum: 5", "quorum: 50", 1))
    validate = [sys.executable, "-c", "import sys; from sim.entry import main; sys.exit(main())"]
    said = subprocess.run([*validate, "validate", bad.name], cwd=tmp_path, capture_output=True,
                          text=True)  # fmt: skip
    expected = (said.stdout + said.stderr).strip().removeprefix("error: ")
    assert said.returncode != 0 and expected.startswith("bad_option.yaml: bodies[")

    def upload(path: Path) -> None:
        with page.expect_file_chooser() as chooser:
            page.get_by_text("or choose a structure file").click()
        chooser.value.set_files(str(path))

    upload(bad)
    shown = page.locator(".upload-error")
    shown.wait_for()
    assert shown.inner_text().strip() == expected

    good = tmp_path / "pilot_lean.yaml"
    title = "Pilot with a lean Executive"
    good.write_text(
        text.replace("name: pilot", "name: pilot_lean", 1).replace(
            'title: "Strategic / executive / operational pilot (2010)"', f'title: "{title}"', 1
        )
    )
    upload(good)
    page.locator(".uploaded-option", has_text=title).wait_for()
    assert page.locator(".upload-error").count() == 0
    assert page.locator(".knob-card", has_text=title).count() == 1
    choose(page, "choose-scenario", logic.load_shipped_scenario("smoke").display_name)
    slide(page, "replications", "Home", then=": 2 (")
    page.locator(".run-button").click()
    wait_for_state(page, "finished")
    verdict = page.locator(".verdict-table table").inner_text()
    assert f"verdict ({title})" in verdict
