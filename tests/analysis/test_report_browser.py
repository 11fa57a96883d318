"""The report in a real browser: Debian's chromium, driven headless by Playwright (pointed at
the installed binary: nothing is downloaded). A comparison whose scenario and option carry
hostile display names is rendered; the test checks that the verdict is on the first screen,
the page logs no console error and runs no script, and the hostile names show as text.

Run alone: ``.venv/bin/python -m pytest tests/analysis/test_report_browser.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import find_chromium

from sim.cli import main
from sim.spec.loading import SCENARIO_DIR, STRUCTURE_DIR

pytestmark = pytest.mark.skipif(find_chromium() is None, reason="no Chromium installed "
                                "(apt-get install chromium, or set $SIM_CHROMIUM)")  # fmt: skip

HOSTILE_SCENARIO = 'Closure <script>alert("s")</script> & "quotes"'
HOSTILE_OPTION = "Pilot <img src=x onerror=alert(1)> {{ 7 * 7 }}"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    """A real comparison (12 paired replications: enough for a verdict over the report's 47
    differences) with hostile display names, and its report."""
    folder = tmp_path_factory.mktemp("browser")
    scenario = yaml.safe_load((SCENARIO_DIR / "employer_closure.yaml").read_text())
    scenario["title"] = HOSTILE_SCENARIO
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True))
    option = yaml.safe_load((STRUCTURE_DIR / "pilot.yaml").read_text())
    option |= {"name": "hostile_pilot", "title": HOSTILE_OPTION,
               "inside": str(STRUCTURE_DIR / "county.yaml")}  # fmt: skip
    (folder / "option.yaml").write_text(yaml.safe_dump(option, allow_unicode=True))
    out = folder / "cmp"
    assert main(["compare", str(folder / "scenario.yaml"), "--structures",
                 f"five_element,{folder / 'option.yaml'}", "--replications", "12",
                 "--workers", "1", "--out", str(out)]) == 0  # fmt: skip
    assert main(["report", str(out)]) == 0
    return out / "report.html"


def test_the_verdict_is_on_the_first_screen_and_the_page_is_clean(page_file, browser, tmp_path):
    page = browser.new_page(viewport=VIEWPORT)
    errors, dialogs = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    shot = tmp_path / "first-screen.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000

    # the answer first: the question, the verdict table and its first criteria in view
    heading = page.locator("h1").first
    assert heading.bounding_box()["y"] < 100
    table = page.locator("table#verdict")
    rows = table.locator("tr")
    assert rows.count() >= 6  # a header and one row per criterion judged
    for i in range(3):  # the header and the first two criteria lie inside the first viewport
        box = rows.nth(i).bounding_box()
        assert box is not None and box["y"] + box["height"] <= VIEWPORT["height"], i
    first = rows.nth(1).locator("td").nth(1)
    verdict = first.get_attribute("data-verdict")
    assert verdict in ("better", "worse", "mixed", "no practical difference", "not clear",
                       "depends on an assumption")  # fmt: skip
    assert verdict in first.inner_text()  # the verdict's word is printed, not only a tint
    # the first h2 (the sections a reader may skip) starts below the verdict table
    assert page.locator("h2").first.bounding_box()["y"] > table.bounding_box()["y"]

    # nothing ran, nothing failed, the hostile names show as text
    assert errors == [] and dialogs == []
    assert page.locator("script").count() == 0
    assert page.locator("img[onerror]").count() == 0
    assert HOSTILE_SCENARIO in heading.inner_text()
    assert HOSTILE_OPTION in table.inner_text()
    assert "49" not in table.locator("th").nth(1).inner_text()  # no template evaluated
    page.close()


def test_the_page_prints_to_pdf(page_file, browser, tmp_path):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(page_file.as_uri())
    page.emulate_media(media="print")
    assert page.locator("nav.contents").is_hidden()  # the contents links are not printed
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
    page.close()
