"""Issue 12, class 8: every string a user wrote reaches report.html escaped. The page is
rendered by Jinja2 with autoescaping on; hostile structure names, scenario names,
descriptions and titles, issue ids and indicator labels and units are tried in every field
the report shows, and the page must carry no live markup of theirs and still render."""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from html.parser import HTMLParser

import pytest

import sim.analysis.compare as compare
import sim.analysis.report as report
from sim.analysis.compare import comparison_of
from sim.experiment.compare import comparison_runs
from sim.experiment.paired import RunSettings
from sim.experiment.results import load_results
from sim.spec import load_scenario
from sim.spec.loading import SCENARIO_DIR

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</title><script>alert(1)</script>",
    "</figcaption><iframe src=javascript:alert(1)>",
    "' onmouseover='alert(1)",
    "{{ 7 * 7 }}{% raw %}<blink>",
]
LIVE = re.compile(r"<script|<img src=x|<svg|<iframe|<blink", re.I)
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p",
             "b", "ul", "li", "table", "tr", "th", "td", "figure", "img", "figcaption",
             "section", "span", "div", "nav", "a", "code", "br", "details", "summary"}  # fmt: skip


class Tags(HTMLParser):
    """Every tag of a page and every attribute of each: what a browser would act on."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def live_markup(page: str) -> list[str]:
    """Tags the page's template does not write, event handlers, and images not its own."""
    parser = Tags()
    parser.feed(page)
    found = [tag for tag, _ in parser.tags if tag not in PAGE_TAGS]
    for tag, attrs in parser.tags:
        found += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        found += [f"img {v}" for name, v in attrs if tag == "img" and name == "src"
                  and not v.startswith(("data:image/png;base64,",
                                        "data:image/svg+xml;base64,"))]  # fmt: skip
    return found


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    paired = comparison_runs(str(SCENARIO_DIR / "smoke.yaml"), ["five_element", "pilot"], 6, [1])
    comparison = comparison_of(paired, paired.run(RunSettings(workers=1, progress=False)))
    comparison.write(out)
    return out


def hostile_results(folder, text: str, where: str):
    """The comparison's results with ``text`` put where a user's file would put it."""
    [results] = load_results(folder)
    if where == "structure name":
        results.structures = {text if n == "pilot" else n: s for n, s in results.structures.items()}
        results.runs["structure"] = results.runs["structure"].replace("pilot", text)
    return results


def _blank_figure(fig, tight: bool = True) -> str:
    if fig is not None:
        report.plt.close(fig)
    return "data:image/png;base64,iVBORw0KGgo="


@cache
def _scenario(text: str, where: str):
    spec = load_scenario(SCENARIO_DIR / "smoke.yaml")
    if where == "scenario name":
        return spec.model_copy(update={"name": text})
    if where == "scenario description":
        return spec.model_copy(update={"description": text})
    if where == "scenario title":
        return spec.model_copy(update={"title": text})
    if where in ("issue id", "issue title"):
        field = "id" if where == "issue id" else "title"
        issues = [spec.issues[0].model_copy(update={field: text}), *spec.issues[1:]]
        return spec.model_copy(update={"issues": issues})
    return spec


PLACES = ["structure name", "structure title", "scenario name", "scenario title",
          "scenario description", "issue id", "issue title", "indicator label", "indicator unit",
          "title"]  # fmt: skip


@pytest.mark.parametrize("where", PLACES)
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_every_field_is_escaped_and_the_page_renders(folder, monkeypatch,
                                                                      text, where):  # fmt: skip
    monkeypatch.setattr(report, "load_scenario", lambda path: _scenario(text, where))
    monkeypatch.setattr(
        report, "_diagram", lambda spec, colour: {"image": None, "note": spec.title}
    )
    # the figures hold no user text but the axis labels matplotlib draws into pixels: skip
    # drawing them (the pathways' captions, which hold issue titles, are still made)
    monkeypatch.setattr(report, "_criteria_figure", lambda *args: None)
    monkeypatch.setattr(report, "_distributions", lambda *args: None)
    monkeypatch.setattr(report, "_figure_uri", _blank_figure)
    if where == "structure title":
        real_load = report.load_structure
        monkeypatch.setattr(
            report,
            "load_structure",
            lambda name: real_load(name).model_copy(update={"title": text}),
        )
    real = report.headline_indicators

    def headline(runs, scenario):
        found = real(runs, scenario)
        field = {"indicator label": "label", "indicator unit": "unit"}.get(where)
        return [dataclasses.replace(i, **{field: text}) for i in found] if field else found

    monkeypatch.setattr(report, "headline_indicators", headline)
    monkeypatch.setattr(compare, "headline_indicators", headline)  # the verdict's catalogue
    results = hostile_results(folder, text, where)
    title = text if where == "title" else "Option appraisal"
    page = report.render([results], title)
    assert not LIVE.search(page), LIVE.search(page).group(0)
    assert live_markup(page) == []
    assert "pathway under each option" in page and page.rstrip().endswith("</html>")
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
    # a unit shows only beside a clear difference; an issue's id is not shown (its title is,
    # in the pathway's caption)
    if where not in ("indicator unit", "issue id"):
        assert escaped in page  # shown, as text
    assert "{{ 7 * 7 }}" not in text or "49" not in page.split("<body>")[1][:200]


def test_the_template_ships_as_package_data():
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "templates/*.html" in config["package-data"]["sim.analysis"]
    assert (root / "sim" / "analysis" / "templates" / "report.html").is_file()
