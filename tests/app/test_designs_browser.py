"""The app's Designs page in a real (headless) Chromium, as a board member uses it: from the
main page's tab, the shipped search's set (findings first, each design's gains, losses and
needs and its status), the parallel-coordinates figure and a line on convergence; design 1
picked and compared with business as usual and the pilot, waiting for the verdict's first
screen.

Every step waits for what it checks (no speed is assumed). With SIM_SCREENSHOTS=1 it saves
docs/app-designs.png (the page after the comparison).
"""

from __future__ import annotations

import re

import pytest
from app_server import App
from conftest import find_chromium
from test_app_browser import DOCS, SCREENSHOTS, key_figure_is_readable, no_identifier_on

from sim.app import designs
from sim.spec import load_structure

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


def test_a_board_members_walk_through_the_designs_page(server, browser):
    found, problems = designs.shipped_searches()
    assert found and not problems
    search = found[0]
    base = load_structure(search.saved.base)
    design = designs.chosen_design(1, search)
    mine = designs.design_options(search, design)[1].spec  # titled "Design 1 of the search"

    tab = browser.new_page(viewport={"width": 1500, "height": 1100})
    tab.set_default_timeout(120_000)
    try:
        tab.goto(server)
        tab.get_by_text("Try a structure option").first.wait_for()
        tab.get_by_role("tab", name="Designs").click()
        tab.get_by_text("Designs found by the search").first.wait_for()

        # the search, by its scenario's title; the set, findings first
        expect(tab.locator(".choose-search")).to_contain_text(search.scenario.display_name)
        shown = tab.locator(".design-set .design")
        expect(shown).to_have_count(len(search.saved.designs))
        numbers = [int(n) for n in shown.evaluate_all("es => es.map(e => e.dataset.number)")]
        assert numbers == [d.number for d in search.designs]
        finding = tab.locator(".design-finding").first if search.findings else None
        if finding is not None:
            text = finding.inner_text()
            first = search.findings[0]
            assert f"Design {first.number} ({first.status})" in text
            for line in first.gains + first.losses + first.needs:
                assert line in text
        if search.set_apart:
            expect(tab.locator(".set-apart")).to_contain_text("they are not findings")
        else:
            expect(tab.locator(".set-apart")).to_have_count(0)
        expect(tab.locator(".design-caveat")).to_contain_text("not a recommendation")

        # the parallel-coordinates figure, drawn; a line on convergence
        image = tab.locator(".parallel-figure img, img.parallel-figure").first
        image.wait_for()
        tab.wait_for_function("e => e.complete && e.naturalWidth > 0", arg=image.element_handle())
        said, _ = designs.convergence(search)
        expect(tab.locator(".search-convergence")).to_have_text(said)
        no_identifier_on(tab, [base, mine], search.scenario)

        # design 1 compared: the verdict's first screen, as the main page shows it
        expect(tab.locator(".choose-design")).to_contain_text(f"Design 1 ({design.status})")
        tab.locator(".compare-design-button").click()
        progress = tab.locator(".design-progress")
        expect(progress).to_contain_text(re.compile(r"Run 1: \d+ of \d+ runs \(finished"),
                                         timeout=900_000)  # fmt: skip
        expect(tab.locator(".design-error")).to_have_count(0)
        screen = tab.locator(".design-verdict .first-screen")
        expect(screen).to_contain_text(f"{search.scenario.display_name}: which option?")
        verdict = screen.inner_text()
        assert mine.display_name in verdict and base.display_name in verdict
        for other in search.saved.compare_with:
            assert load_structure(other).display_name in verdict
        assert re.search(r"better|worse|mixed|no practical difference|not clear", verdict)
        expect(tab.locator(".design-verdict-about")).to_contain_text("design 1 of the search")
        table = tab.locator(".design-verdict ~ * .verdict-table table, .verdict-table table")
        expect(table.first).to_contain_text(f"verdict ({mine.display_name})")
        key_figure_is_readable(tab)
        no_identifier_on(tab, [base, mine], search.scenario)
        if SCREENSHOTS:  # the set, its figure, the comparison and its verdict's first lines
            tall = tab.evaluate(
                "() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))"
            )  # the page scrolls inside
            tab.set_viewport_size({"width": 1300, "height": min(int(tall) + 100, 2400)})
            tab.wait_for_timeout(800)
            tab.screenshot(path=str(DOCS / "app-designs.png"))
    finally:
        tab.close()
