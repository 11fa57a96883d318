"""The page's helpers that need Solara but no browser."""

from __future__ import annotations

import pytest

from sim.spec import load_structure

page = pytest.importorskip("sim.app.page", reason="the app's extra is not installed")


def test_a_diagram_is_the_diagram_modules_svg_where_it_has_one(monkeypatch):
    from sim.analysis import diagram

    pilot = load_structure("pilot")
    monkeypatch.setattr(diagram, "diagram_svg", lambda spec, colour=None: f"<svg>{colour}</svg>",
                        raising=False)  # fmt: skip
    assert page.diagram_image(pilot, "#D55E00") == ("svg", "<svg>#D55E00</svg>")
    monkeypatch.delattr(diagram, "diagram_svg")
    kind, png = page.diagram_image(pilot, "#D55E00")
    assert kind == "png" and png.startswith(b"\x89PNG")


def test_a_tables_option_columns_are_headed_in_their_colour():
    import pandas as pd

    table = pd.DataFrame({"indicator": ["a"], "Pilot <2010>": ["1"]})
    html = page.html_table(table, {"Pilot <2010>": "#D55E00"}, "sim-table")
    assert (
        '<th style="color:#D55E00;border-bottom:3px solid #D55E00">Pilot &lt;2010&gt;</th>' in html
    )
