"""Structure diagrams (issue 14, item 5): every body with every function it performs, its
cadence and seats; reporting lines solid, standing links dashed; no cut labels; readable at
the width the report shows them; names from user files escaped.

The SVG is parsed as XML and read back: the boxes' words, the edges' strokes and every text's
estimated extent (0.6 of the font size a character, wider than Helvetica's own) against its
box and the drawing's viewBox."""

from __future__ import annotations

import re
import shutil
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from sim.analysis.diagram import (
    WORDS,
    GraphvizMissing,
    diagram_svg,
    draw_structure,
    function_grid,
    grid_svg,
    have_graphviz,
    relations,
    render,
    structure_graph,
)
from sim.analysis.palette import structure_colours
from sim.cli import main
from sim.errors import SpecError
from sim.spec import load_structure
from sim.spec.loading import STRUCTURE_DIR
from sim.spec.structure import Function, StructureSpec, structure_from_dict

SVG = "{http://www.w3.org/2000/svg}"
SHIPPED = ["five_element", "pilot", "county_scs_chapters"]
HOSTILE = "<script>alert(1)</script> & Co"
HOSTILE_TITLE = '<img src=x onerror=alert(1)> "quoted"'
CHAR = 0.6  # estimated width of a character, in font sizes
REPORT_WIDTH = 1100  # px: the report shows a diagram at most about this wide
SMALLEST_TEXT = 8.5  # px: the smallest text must be at least this tall at that width

needs_dot = pytest.mark.skipif(
    not have_graphviz(), reason="Graphviz's dot program is not installed (apt-get install graphviz)"
)


def written_for_the_test() -> StructureSpec:
    """A structure written only for this test: a body performing three functions with a
    hostile name, a reporting line, a standing link to another scope, a hostile title."""
    seat = {"partner": "city"}
    return structure_from_dict({
        "name": "test_town",
        "title": HOSTILE_TITLE,
        "description": "Written for the diagram test",
        "partners": [
            {"id": "city", "name": "Test City Council", "sector": "public",
             "district": "gloucester"},
            {"id": "shire", "name": HOSTILE, "sector": "public"},
        ],
        "bodies": [
            {"id": "board", "name": HOSTILE, "scope": "gloucester",
             "functions": ["deliberation", "decision", "evaluation"], "cadence_weeks": 6,
             "special_meetings": True, "quorum": 2,
             "members": [{"partner": "city", "role": "leader", "chair": True}, seat,
                         {"partner": "shire"}]},
            {"id": "team", "name": "Delivery team", "scope": "gloucester",
             "functions": ["delivery"], "on_demand": True, "reports_to": "board",
             "members": [seat, {"partner": "shire", "voting": False}]},
            {"id": "forum", "name": "Shire forum", "scope": "county",
             "functions": ["deliberation", "support"], "cadence_weeks": 26,
             "members": [{"partner": "shire", "chair": True}]},
        ],
        "routing": {"gloucester": [{"function": "deliberation", "body": "board"},
                                   {"function": "decision", "body": "board"},
                                   {"function": "delivery", "body": "team"},
                                   {"function": "evaluation", "body": "board"}]},
        "links": [{"from": "team", "to": "forum", "via": "its chair"}],
    })  # fmt: skip


@pytest.fixture(scope="module", params=[*SHIPPED, "written for the test"])
def drawn(request):
    """A structure and its diagram, parsed."""
    if not have_graphviz():
        pytest.skip("Graphviz's dot program is not installed (apt-get install graphviz)")
    if request.param in SHIPPED:
        spec = load_structure(request.param)
        colour = structure_colours([spec.name])[spec.name]
    else:
        spec, colour = written_for_the_test(), "#CC79A7"
    text = diagram_svg(spec, colour)
    return spec, text, ET.fromstring(text)


def groups(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if kind in (g.get("class") or "").split()]


def title(group: ET.Element) -> str:
    return group.find(f"{SVG}title").text


def texts(group: ET.Element) -> list[ET.Element]:
    return list(group.iter(f"{SVG}text"))


def boxes(spec: StructureSpec, root: ET.Element) -> dict[str, str]:
    """Each body's id and the words of its box (lines joined by spaces)."""
    out = {}
    for group in groups(root, "node"):
        name = title(group)
        if name.startswith("n"):  # bodies are n0, n1, ... in the order of spec.bodies
            body = spec.bodies[int(name[1:])]
            out[body.id] = " ".join(t.text or "" for t in texts(group))
    return out


def test_every_body_shows_every_function_its_cadence_and_seats(drawn):
    spec, _, root = drawn
    shown = boxes(spec, root)
    assert set(shown) == spec.body_ids
    for body in spec.bodies:
        box = shown[body.id]
        assert (body.name or body.id) in box
        for function in Function:  # every function it performs, and no other
            assert (WORDS[function] in box) == (function in body.functions), (body.id, function)
        if body.on_demand:
            assert "meets on demand" in box, body.id
        else:
            weeks = "week" if body.cadence_weeks == 1 else f"{body.cadence_weeks:g} weeks"
            assert f"meets every {weeks}" in box, body.id
        assert ("special meetings allowed" in box) == body.special_meetings, body.id
        count = len(body.members)
        assert f"{count} seat{'s' * (count != 1)}" in box, body.id
        chair = next((s for s in body.members if s.chair), None)
        if chair is not None:
            assert "chair: " in box and spec.partner(chair.partner).name in box, body.id


def test_the_pilot_executive_deliberates_decides_and_evaluates(drawn):
    spec, _, root = drawn
    if spec.name != "pilot":
        pytest.skip("the pilot's Executive")
    box = boxes(spec, root)["executive"]
    assert "deliberates · decides evaluates" in box  # broken only between two functions
    assert "meets every 13 weeks (quarterly); special meetings allowed" in box
    assert "18 seats" in box and "chair: corporate director, Gloucester City Council" in box


def stroke(edge: ET.Element) -> str:
    path = edge.find(f"{SVG}path")
    return "dashed" if path.get("stroke-dasharray") else "solid"


def test_reporting_lines_are_solid_and_standing_links_dashed(drawn):
    spec, _, root = drawn
    edges = groups(root, "edge")
    reports = [e for e in edges if e.get("class").split() == ["edge", "reports"]]
    heard = [e for e in edges if "heard" in e.get("class").split()]
    links = [e for e in edges if "link" in e.get("class").split()]
    kinds = [kind for _, _, kind in relations(spec)]
    assert len(reports) == kinds.count("reports to")
    assert len(heard) == kinds.count("reports heard")
    assert {stroke(e) for e in reports + heard} == ({"solid"} if reports + heard else set())
    assert {stroke(e) for e in links} == ({"dashed"} if spec.links else set())
    assert bool(links) == bool(spec.links)
    assert len(reports) + len(heard) + len(links) + 2 == len(edges)  # and the key's two samples
    key = {title(g): g for g in groups(root, "edge") if "key" in g.get("class").split()}
    assert stroke(key["key_a->key_b"]) == "solid" and stroke(key["key_c->key_d"]) == "dashed"
    words = {title(g): " ".join(t.text for t in texts(g)) for g in groups(root, "node")}
    assert words["key_b"] == "reports to (or its reports heard)"
    assert words["key_d"] == "standing link"
    graph = structure_graph(spec)
    assert set(graph.nodes) == spec.body_ids


def test_every_declared_relation_is_an_edge(drawn):
    """Each body reporting to another, each body whose reports another hears (the
    five-element Executive and the Conference that hears its reports), each standing link (or,
    merged, its pair of scopes' line and the body named in the box): an edge of the drawing."""
    spec, _, root = drawn
    node = {b.id: f"n{i}" for i, b in enumerate(spec.bodies)}
    drawn_edges = {title(g) for g in groups(root, "edge")}
    shown = boxes(spec, root)
    declared = {(b.id, b.reports_to) for b in spec.bodies if b.reports_to}
    declared |= {(f, b.id) for b in spec.bodies if b.hears_reports
                 for f in b.hears_reports.from_bodies}  # fmt: skip
    assert declared == {(a, b) for a, b, kind in relations(spec) if kind != "link"}
    for reporter, hearer in declared:  # drawn from the one above, the arrowhead at it
        assert f"{node[hearer]}->{node[reporter]}" in drawn_edges, (reporter, hearer)
    merged = [g for g in groups(root, "edge") if "link" in g.get("class").split()
              and any(t.text and "standing link" in t.text for t in texts(g))]  # fmt: skip
    names = {b.id: b.name or b.id for b in spec.bodies}
    for link in spec.links:
        if f"{node[link.from_body]}->{node[link.to]}" not in drawn_edges:
            assert merged and names[link.to] in shown[link.from_body], (link.from_body, link.to)
    if spec.name == "five_element":
        assert (f"{node['conference']}->{node['executive']}") in drawn_edges


def test_the_diagram_fits_a_page(drawn):
    """Height at most 1.5 times the width, in the SVG and in the PNG dot draws."""
    spec, _, root = drawn
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    assert height <= 1.5 * width, (spec.name, width, height)
    if spec.name == "test_town":
        return
    png = render(spec, "png")
    png_width, png_height = struct.unpack(">II", png[16:24])
    assert png_height <= 1.5 * png_width, (spec.name, png_width, png_height)


def test_many_standing_links_are_merged_and_named_in_the_boxes(drawn):
    """county_scs_chapters has 43 standing links: not a bundle of 43 lines, but one per pair
    of scopes, and each box names every body it links to."""
    spec, _, root = drawn
    links = [e for e in groups(root, "edge") if "link" in e.get("class").split()]
    assert len(links) <= 6  # not a bundle: a reader can follow six lines
    shown = boxes(spec, root)
    names = {b.id: b.name or b.id for b in spec.bodies}
    for link in spec.links:
        assert names[link.to] in shown[link.from_body].split("standing links to: ")[1]


@dataclass
class Box:
    left: float
    right: float
    top: float
    bottom: float

    def holds(self, other: Box, slack: float = 0.5) -> bool:
        across = self.left - slack <= other.left and other.right <= self.right + slack
        down = self.top - slack <= other.top and other.bottom <= self.bottom + slack
        return across and down


def outlines(group: ET.Element) -> list[float]:
    """Every coordinate of a node's or cluster's polygons and paths (a rounded frame)."""
    found = [p.get("points") for p in group.findall(f"{SVG}polygon")]
    found += [p.get("d") for p in group.findall(f"{SVG}path")]
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", " ".join(found))]


def polygon_box(group: ET.Element) -> Box:
    """The bounding box of every polygon and path of a node or cluster."""
    values = outlines(group)
    xs, ys = values[0::2], values[1::2]
    return Box(min(xs), max(xs), min(ys), max(ys))


def text_box(text: ET.Element) -> Box:
    """Where a text could reach: len * 0.6 * font size wide, from its anchor."""
    size = float(text.get("font-size"))
    width = len(text.text or "") * CHAR * size
    x, y = float(text.get("x")), float(text.get("y"))
    left = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor")]
    return Box(left, left + width, y - 0.8 * size, y + 0.2 * size)


def test_no_label_is_cut(drawn):
    """Every text lies inside its box (or its cluster's frame) and inside the viewBox."""
    _, _, root = drawn
    graph = next(g for g in groups(root, "graph"))
    tx, ty = (float(v) for v in graph.get("transform").split("translate(")[1][:-1].split())
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    view = Box(-tx, width - tx, -ty, height - ty)  # the viewBox in the graph's coordinates
    checked = 0
    for group in groups(root, "node") + groups(root, "cluster"):
        if not outlines(group):
            assert not texts(group), title(group)
            continue
        frame = polygon_box(group)
        for text in texts(group):
            assert frame.holds(text_box(text)), (title(group), text.text)
            checked += 1
    every = list(graph.iter(f"{SVG}text"))
    for text in every:  # edge labels too
        assert view.holds(text_box(text)), text.text
    assert checked > 0 and len(every) >= checked


def test_readable_at_the_width_the_report_shows(drawn):
    """Shown 1100 px wide (the report's page is at most 1100 px), the smallest text is at
    least 8.5 px tall: the viewBox is at most about 1300 units wide for 10-point text (the
    scopes side by side make the drawing wider and much shorter than a column of them)."""
    _, _, root = drawn
    width = float(root.get("viewBox").split()[2])
    smallest = min(float(t.get("font-size")) for t in root.iter(f"{SVG}text"))
    assert smallest * min(1.0, REPORT_WIDTH / width) >= SMALLEST_TEXT, (width, smallest)
    assert 400 < width <= 1300


def test_the_title_is_the_display_name_and_the_frame_the_structure_colour(drawn):
    spec, _, root = drawn
    frame = next(g for g in groups(root, "cluster") if title(g) == "cluster_structure")
    words = " ".join(t.text for t in texts(frame))
    assert words.startswith(spec.display_name)
    colour = "#cc79a7" if spec.name == "test_town" else structure_colours([spec.name])[spec.name]
    strokes = {p.get("stroke").lower() for p in frame.findall(f"{SVG}path")}
    strokes |= {p.get("stroke").lower() for p in frame.findall(f"{SVG}polygon")}
    assert colour.lower() in strokes


def test_names_from_user_files_are_escaped(drawn):
    spec, text, root = drawn
    for tag in ("<script", "<img"):
        assert tag not in text
    if spec.name == "test_town":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&amp; Co" in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
        assert HOSTILE in boxes(spec, root)["board"]
        assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "img")]


@needs_dot
@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_sim_diagram_writes_svg_and_png(tmp_path, capsys, suffix):
    out = tmp_path / f"x.{suffix}"
    assert main(["diagram", "pilot", "--out", str(out)]) == 0
    data = out.read_bytes()
    if suffix == "png":
        assert data.startswith(b"\x89PNG") and len(data) > 50_000
    else:
        assert "Strategic / executive / operational pilot" in data.decode()
        ET.fromstring(data)
    assert capsys.readouterr().out.strip() == f"wrote {out}"


@pytest.mark.parametrize("name", ["x.txt", "x.pdf", "x"])
def test_sim_diagram_refuses_another_suffix_in_one_line(tmp_path, capsys, name):
    assert main(["diagram", "pilot", "--out", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --out: ")
    assert "give a .png or .svg file" in err and not list(tmp_path.iterdir())
    with pytest.raises(SpecError):
        draw_structure(load_structure("pilot"), tmp_path / name)


def test_without_graphviz_a_clear_error_and_the_grid(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    assert not have_graphviz()
    spec = load_structure("pilot")
    with pytest.raises(GraphvizMissing, match="Graphviz is not installed"):
        diagram_svg(spec)
    assert main(["diagram", "pilot", "--out", str(tmp_path / "x.svg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: diagram: Graphviz is not installed" in err
    grid = {row["id"]: row for row in function_grid(spec)}
    assert [f for f in Function if grid["executive"][f.value]] == [
        Function.DELIBERATION, Function.DECISION, Function.EVALUATION]  # fmt: skip
    picture = ET.fromstring(grid_svg(spec, "#D55E00"))
    words = [t.text for t in picture.iter(f"{SVG}text")]
    assert spec.display_name in words and "Gloucester Partnership Executive (pilot)" in words
    hostile = ET.fromstring(grid_svg(written_for_the_test()))
    assert HOSTILE in [t.text for t in hostile.iter(f"{SVG}text")]


@needs_dot
@pytest.mark.parametrize("name", sorted(p.stem for p in STRUCTURE_DIR.glob("*.yaml")))
def test_every_shipped_structure_draws_every_body(name):
    spec = load_structure(name)
    root = ET.fromstring(diagram_svg(spec))
    shown = boxes(spec, root)
    assert set(shown) == spec.body_ids
    for body in spec.bodies:
        assert all(WORDS[f] in shown[body.id] for f in body.functions), body.id
