"""The page's helpers that need Solara but no browser."""

from __future__ import annotations

import pytest

from sim.spec import load_structure

page = pytest.importorskip("sim.app.page", reason="the app's extra is not installed")


def test_a_diagram_is_the_reports_svg_in_the_options_colour():
    import base64

    from sim.analysis import diagram

    pilot = load_structure("pilot")
    uri = page.diagram_image(pilot, "#D55E00")
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert svg == diagram.diagram_svg(pilot, "#D55E00") or "Graphviz" in svg


def test_without_graphviz_the_diagram_is_the_function_grid(monkeypatch):
    import base64

    from sim.analysis import diagram

    def missing(*args, **kwargs):
        raise diagram.GraphvizMissing()

    monkeypatch.setattr(diagram, "diagram_svg", missing)
    pilot = load_structure("pilot")
    svg = base64.b64decode(page.diagram_image(pilot, "#D55E00").split(",", 1)[1]).decode()
    assert svg == diagram.grid_svg(pilot, "#D55E00")


def test_a_tables_option_columns_are_headed_in_their_colour():
    import pandas as pd

    table = pd.DataFrame({"indicator": ["a"], "Pilot <2010>": ["1"]})
    html = page.html_table(table, {"Pilot <2010>": "#D55E00"}, "sim-table")
    assert (
        '<th style="color:#D55E00;border-bottom:3px solid #D55E00">Pilot &lt;2010&gt;</th>' in html
    )


def test_an_upload_on_a_full_disk_says_so_in_one_line(monkeypatch):
    import errno
    import io

    from sim.app import logic

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(logic, "load_uploaded_structure", full)
    page.take_upload({"name": "mine.yaml", "size": 10, "file_obj": io.BytesIO(b"name: mine\n")})
    assert page.upload_error.value == ("mine.yaml: the server could not read it (No space left "
                                       "on device); try again later")  # fmt: skip
    assert page.uploads.value == []


def test_an_upload_declared_too_large_is_not_read(monkeypatch):
    from sim.app import logic

    class Unread:
        def read(self, *args):
            raise AssertionError("a file declared too large was read")

    size = logic.MAX_FILE_BYTES + 1
    page.take_upload({"name": "../huge.yaml", "size": size, "file_obj": Unread()})
    assert page.upload_error.value.startswith(f"huge.yaml: the file is too large ({size:,} bytes")
    page.take_upload({"name": "x.yaml", "size": "lots", "file_obj": Unread()})
    assert page.upload_error.value == "x.yaml: the browser did not say how large the file is"


def test_the_key_figure_gives_each_indicator_a_row_and_each_option_its_whole_name():
    """One indicator to a row; every option by its whole display name (wrapped, never cut),
    with a marker of its own as well as its colour; text of 10 px or more at the size the page
    draws it."""
    from sim.app import logic

    five, pilot = load_structure("five_element"), load_structure("pilot")
    long_title = "The pilot with a much smaller Executive and a meeting every eight weeks instead"
    small = logic.renamed(logic.resize(pilot, 6), "pilot_small", long_title)
    options = [logic.Option(five, "five_element"), logic.Option(pilot, "pilot"),
               logic.Option(small, "pilot", base="pilot")]  # fmt: skip
    smoke = logic.load_shipped_scenario("smoke")
    job = logic.PairedJob(smoke, options, 3, executor="serial").start()
    assert job.wait(300) and job.state == "finished", job.error
    outcome = job.outcome
    fig = page.key_figure(outcome)
    axes = fig.axes
    indicators = {r["indicator"] for r in logic.key_indicators(outcome.table, outcome.names,
                                                               outcome.key[:6])}  # fmt: skip
    assert len(axes) == len(indicators) >= 2
    assert all(ax.get_subplotspec().colspan.stop == 1 for ax in axes)  # one column: a row each
    names = [o.label for o in options]
    for ax in axes:
        shown = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
        assert sorted(shown) == sorted(names)  # whole, never cut
        assert min(t.get_fontsize() for t in ax.get_yticklabels()) * page.FIGURE_DPI / 72 >= 10
        title = ax.get_title(loc="left").replace("\n", " ")
        assert title in indicators
        markers = {
            line.get_marker() for line in ax.lines if line.get_marker() not in ("None", "_", "|")
        }
        assert len(markers) == len(options)
    width = fig.get_size_inches()[0] * page.FIGURE_DPI
    assert 600 <= width <= 900  # drawn at its own size in the page's column
    import matplotlib.pyplot as plt

    plt.close(fig)
    assert page._key_figure(outcome).startswith(b"\x89PNG")
