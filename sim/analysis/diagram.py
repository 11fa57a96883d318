"""A structure drawn true to its rules: every body with every function it performs, its
cadence and its seats; reporting lines and standing links told apart.

Two views of one :class:`~sim.spec.structure.StructureSpec`:

- :func:`diagram_svg` / :func:`draw_structure`: a diagram laid out by Graphviz's ``dot``
  program (Debian: ``apt-get install graphviz``), as SVG text or an SVG / PNG file. Bodies
  are grouped by scope (the county, Gloucester, the other districts); each body is a box
  naming, in words, every function it performs (on a grey band), how often it meets and its
  seats (and who chairs). Solid arrows are reporting lines; dashed lines are standing links.
  When a structure has many standing links they are merged into one dashed line per pair of
  scopes, and each box names the bodies it links to, so the lines never become a bundle.
- :func:`function_grid` (and :func:`grid_svg`, its picture): the body-by-function table, which
  needs no layout program: the fallback when Graphviz is not installed.

Colour carries no meaning of its own here: the functions are words on a neutral grey band,
and the one colour, the structure's (``colour=``, from
:func:`sim.analysis.palette.structure_colours`), marks the diagram's frame and title, as it
marks the same structure in every other figure. Every name comes from a user's file and is
escaped before it reaches the SVG.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from collections import Counter
from pathlib import Path

import networkx as nx

from sim.errors import SpecError
from sim.paths import naming
from sim.spec.structure import BodySpec, Function, StructureSpec

FUNCTIONS = [Function.DELIBERATION, Function.DECISION, Function.DELIVERY, Function.EVALUATION,
             Function.SUPPORT]  # fmt: skip
WORDS = {Function.DELIBERATION: "deliberates", Function.DECISION: "decides",
         Function.DELIVERY: "delivers", Function.EVALUATION: "evaluates",
         Function.SUPPORT: "supports"}  # fmt: skip
BANDS = {"gloucester": "Gloucester", "county": "Gloucestershire (county)",
         "districts": "The other districts"}  # fmt: skip
FORMATS = (".svg", ".png")
MAX_LINK_LINES = 6  # more standing links across scopes than this: one dashed line per pair
WRAP = 26  # characters per line in a box
FONT = "Helvetica"
INK, GREY, BAND = "#222222", "#555555", "#E8E8E8"
TIMEOUT = 60  # seconds for dot


class GraphvizMissing(SpecError):
    """Graphviz's ``dot`` program is not installed: no diagram (see :func:`function_grid`)."""

    def __init__(self) -> None:
        super().__init__(
            "diagram", "", "Graphviz is not installed (Debian: apt-get install graphviz)"
        )

    def __reduce__(self):
        return (GraphvizMissing, ())


def relations(spec: StructureSpec) -> list[tuple[str, str, str]]:
    """Every relation the structure declares between two of its bodies, as (from, to, kind):
    a body reporting to another (``reports_to``), a body whose reports another hears
    (``hears_reports``; kind "reports heard", or "reports to" where it also reports there),
    and the standing links ("link")."""
    ids = spec.body_ids
    up: dict[tuple[str, str], str] = {}
    for body in spec.bodies:
        if body.reports_to in ids:
            up[(body.id, body.reports_to)] = "reports to"
    for body in spec.bodies:
        for reporter in body.hears_reports.from_bodies if body.hears_reports else []:
            if reporter in ids and reporter != body.id:
                up.setdefault((reporter, body.id), "reports heard")
    links = [(ln.from_body, ln.to, "link") for ln in spec.links
             if ln.from_body in ids and ln.to in ids]  # fmt: skip
    return [(a, b, kind) for (a, b), kind in up.items()] + links


def structure_graph(spec: StructureSpec) -> nx.DiGraph:
    """Bodies as nodes (functions, scope, seats); reporting lines, reports heard and links as
    edges."""
    graph = nx.DiGraph()
    for body in spec.bodies:
        graph.add_node(body.id, name=body.name or body.id, scope=body.scope,
                       functions=list(body.functions), seats=len(body.members),
                       voting=sum(s.voting for s in body.members))  # fmt: skip
    for a, b, kind in relations(spec):
        graph.add_edge(a, b, kind=kind)
    return graph


def functions(body: BodySpec) -> str:
    """The functions a body performs, in words, in the cycle's order."""
    return " · ".join(WORDS[f] for f in FUNCTIONS if f in body.functions)


def _function_lines(body: BodySpec, width: int = 34) -> list[str]:
    """The functions in words, broken only between two functions."""
    lines: list[str] = []
    for word in (WORDS[f] for f in FUNCTIONS if f in body.functions):
        if lines and len(lines[-1]) + 3 + len(word) <= width:
            lines[-1] += " · " + word
        else:
            lines.append(word)
    return lines


def cadence(body: BodySpec) -> str:
    """How often a body meets, in words."""
    if body.on_demand:
        text = "meets on demand"
    elif body.cadence_weeks is None:
        text = "meetings not scheduled"
    else:
        weeks = body.cadence_weeks
        named = {13: " (quarterly)", 26: " (twice a year)", 52: " (once a year)"}
        text = "meets every week" if weeks == 1 else f"meets every {weeks:g} weeks"
        text += named.get(weeks, "")
    if body.special_meetings:
        text += "; special meetings allowed"
    return text


def seats(body: BodySpec) -> str:
    """How many seats, how many vote, the quorum, and whether substitutes may come."""
    voting = sum(s.voting for s in body.members)
    count = len(body.members)
    text = f"{count} seat{'s' * (count != 1)}"
    if voting != count:
        text += f" ({voting} voting)"
    if body.quorum:
        text += f", quorum {body.quorum}"
    if body.substitutes:
        text += "; substitutes allowed"
    return text


def chair(spec: StructureSpec, body: BodySpec) -> str:
    """Who chairs the body, when its seats say: the role and the partner."""
    seat = next((s for s in body.members if s.chair), None)
    if seat is None:
        return ""
    partner = next((p.name or p.id for p in spec.partners if p.id == seat.partner), seat.partner)
    role = seat.role.replace("(chair)", "").strip(" ,")
    return f"chair: {partner}" if role.lower() in ("", "chair") else f"chair: {role}, {partner}"


def _band(scope: str) -> str:
    return scope if scope in ("county", "gloucester") else "districts"


def _esc(text: str) -> str:
    """Text for a Graphviz HTML-like label: the markup characters as entities."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\n", " "))  # fmt: skip


def _wrap(text: str, width: int = WRAP, whole_words: bool = False) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False,
                         break_long_words=not whole_words) or [""]  # fmt: skip


def _lines(text: str, width: int = WRAP) -> str:
    return "<BR/>".join(_esc(line) for line in _wrap(text, width))


def _extent(lines: list[str], size: float, bold: bool = False) -> float:
    """A generous width for lines of text: 0.6 of the font size a character (0.65 in bold),
    wider than Helvetica's own, so a wider fallback font in the viewer still fits."""
    return max(len(line) for line in lines) * size * (0.65 if bold else 0.6)


def _label(spec: StructureSpec, body: BodySpec, links_to: list[str], linked_from: int) -> str:
    """A body's box: its name; every function it performs, in words, on a grey band; its
    cadence; its seats and chair; the bodies it has standing links with. Left-aligned, and
    as wide as :func:`_extent` says its longest line could be."""
    rows: list[tuple[list[str], float, str, str]] = [  # lines, size, font attributes, fill
        (_wrap(body.name or body.id, 22, whole_words=True), 11, "B", ""),
        (_function_lines(body, 28), 10, "", BAND),
        (_wrap(cadence(body)), 10, "", ""),
        (_wrap(seats(body)), 10, "", ""),
    ]
    if who := chair(spec, body):
        rows.append((_wrap(who), 10, GREY, ""))
    if links_to:
        rows.append((_wrap("standing links to: " + "; ".join(links_to)), 10, GREY, ""))
    if linked_from:
        s = "y" if linked_from == 1 else "ies"
        rows.append(([f"standing links from {linked_from} bod{s}"], 10, GREY, ""))
    pad = 4
    width = round(max(_extent(lines, size, style == "B") for lines, size, style, _ in rows))
    cells = []
    for lines, size, style, fill in rows:
        text = '<BR ALIGN="LEFT"/>'.join(_esc(line) for line in lines)
        text = f"<B>{text}</B>" if style == "B" else text
        colour = f' COLOR="{style}"' if style.startswith("#") else ""
        bg = f' BGCOLOR="{fill}"' if fill else ""
        cells.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT" WIDTH="{width + 2 * pad}"{bg}>'
                     f'<FONT POINT-SIZE="{size:g}"{colour}>{text}</FONT></TD></TR>')  # fmt: skip
    return (
        f'<<TABLE BORDER="1" COLOR="{INK}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="{pad}" '
        f'BGCOLOR="white">{"".join(cells)}</TABLE>>'
    )


def _title(spec: StructureSpec, colour: str | None) -> str:
    swatch = (f'<TD BGCOLOR="{_esc(colour)}" WIDTH="16" HEIGHT="16" FIXEDSIZE="TRUE"></TD>'
              if colour else "")  # fmt: skip
    span = ' COLSPAN="2"' if colour else ""
    description = (
        f'<TR><TD{span}><FONT POINT-SIZE="11" COLOR="{GREY}">{_lines(spec.description, 90)}'
        "</FONT></TD></TR>"
        if spec.description and spec.description != spec.display_name
        else ""
    )
    return (
        '<<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="0"><TR>'
        f'{swatch}<TD><FONT POINT-SIZE="16"><B>{_lines(spec.display_name, 70)}</B></FONT></TD>'
        f"</TR>{description}</TABLE>>"
    )


def _key_text(lines: list[str], size: float = 11, fill: str = "white") -> str:
    """A key's words as a label as wide as :func:`_extent` says they could be."""
    width = round(_extent(lines, size)) + 8
    cells = "".join(f'<TR><TD ALIGN="LEFT" WIDTH="{width}" BGCOLOR="{fill if i == 0 else "white"}">'
                    f'<FONT POINT-SIZE="{size:g}">{_esc(line)}</FONT></TD></TR>'
                    for i, line in enumerate(lines))  # fmt: skip
    return f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="white">{cells}</TABLE>>'


def _heading(text: str, size: float, colour: str = INK) -> str:
    """A cluster's label, left-aligned in room for a wider font than Graphviz measures."""
    width = round(_extent([text], size)) + 8
    return (f'<<TABLE BORDER="0" CELLPADDING="2"><TR><TD ALIGN="LEFT" WIDTH="{width}">'
            f'<FONT POINT-SIZE="{size:g}" COLOR="{colour}">{_esc(text)}</FONT></TD></TR>'
            "</TABLE>>")  # fmt: skip


def _legend(merged: bool) -> list[str]:
    """A key drawn with the diagram's own lines, one sample a row: a solid arrow, a dashed
    line, the grey band."""
    band = ["grey band: what", "a body does"]
    if merged:
        band += ["dashed lines: merged", "per pair of scopes;", "each box names", "its links"]
    return [
        "    subgraph cluster_legend {",
        f'      label={_heading("key", 11, GREY)}; color="#BBBBBB"; style=rounded; labeljust=l;',
        "      { rank=same; key_a; key_b; }",
        "      { rank=same; key_c; key_d; }",
        '      key_a [shape=point, width=0.06, color="#BBBBBB"];',
        '      key_c [shape=point, width=0.06, color="#BBBBBB"];',
        f"      key_b [shape=plain, label={_key_text(['reports to (or', 'its reports heard)'])}];",
        f"      key_d [shape=plain, label={_key_text(['standing link'])}];",
        f"      key_e [shape=plain, label={_key_text(band, fill=BAND)}];",
        f'      key_a -> key_b [class="key", color="{INK}", penwidth=1.4, arrowsize=0.8, '
        "minlen=2];",
        f'      key_c -> key_d [class="key", style=dashed, color="{GREY}", penwidth=1.2, '
        "dir=none, minlen=2];",
        "      key_a -> key_c [style=invis];",
        "      key_c -> key_e [style=invis];",
        "    }",
    ]


def _rows(nodes: list[str], per_row: int) -> list[str]:
    """Invisible edges that lay ``nodes`` out in rows of ``per_row``: each one above the one
    ``per_row`` after it."""
    return [
        f"      {a} -> {b} [style=invis];" for a, b in zip(nodes, nodes[per_row:], strict=False)
    ]


PER_ROW = 2  # bodies side by side under one body, within a scope
COLUMN = "districts"  # the scope laid out in one or two columns, the key below it
LAYOUTS = ((2, 1), (3, 1), (2, 2), (3, 2))  # (bodies per row, the districts' columns)
MAX_RATIO = 1.5  # height / width at most


def structure_dot(spec: StructureSpec, colour: str | None = None, per_row: int = PER_ROW,
                  columns: int = 1) -> str:  # fmt: skip
    """The structure as Graphviz DOT source (node names are internal: n0, n1, ...). The
    scopes side by side (Gloucester, the county, the other districts in ``columns`` columns
    with the key below them); within a scope each body above the bodies that report to it (or
    whose reports it hears), ``per_row`` to a row. Every relation of :func:`relations` is an
    edge: solid arrows for reports (class "reports"; "reports heard" where only heard), dashed
    lines for standing links."""
    node = {b.id: f"n{i}" for i, b in enumerate(spec.bodies)}
    names = {b.id: b.name or b.id for b in spec.bodies}
    band = {b.id: _band(b.scope) for b in spec.bodies}
    every = relations(spec)
    ups = [(a, b, kind) for a, b, kind in every if kind != "link"]
    links = [(a, b) for a, b, kind in every if kind == "link"]
    across = [(a, b) for a, b in links if band[a] != band[b]]
    merged = len(across) > MAX_LINK_LINES
    frame = f'"{_esc(colour)}"' if colour else '"#999999"'
    lines = [
        "digraph structure {",
        f"  graph [rankdir=TB, newrank=true, compound=true, nodesep=0.12, ranksep=0.3, "
        f'fontname="{FONT}", pad=0.1];',
        f'  node [shape=plain, fontname="{FONT}", fontsize=10];',
        f'  edge [fontname="{FONT}", fontsize=10];',
        "  subgraph cluster_structure {",
        f"    label={_title(spec, colour)}; labelloc=t; labeljust=l; color={frame}; "
        "penwidth=2.5; style=rounded; margin=12;",
    ]
    outgoing: dict[str, list[str]] = {b.id: [] for b in spec.bodies}
    incoming = Counter(b for _, b in links)
    for a, b in links:
        outgoing[a].append(names[b])
    first: dict[str, str] = {}
    members_of: dict[str, list[BodySpec]] = {}
    for key, title in BANDS.items():
        members = [b for b in spec.bodies if band[b.id] == key]
        if not members:
            continue
        members_of[key] = members
        first[key] = node[members[0].id]
        lines.append(f"    subgraph cluster_{key} {{")
        lines.append(f'      label={_heading(title, 13)}; color="#AAAAAA"; style=rounded; '
                     "labeljust=l;")  # fmt: skip
        for body in members:
            label = _label(spec, body, outgoing[body.id], incoming[body.id])
            lines.append(f"      {node[body.id]} [label={label}];")
        inside = [(a, b) for a, b, _ in ups if band[a] == band[b] == key]
        # under each body, the bodies reporting to it (reports_to first), two to a row
        under: dict[str, list[str]] = {}
        placed: set[str] = set()
        for a, b in sorted(inside, key=lambda r: (r[0], r[1] != dict(
                (x.id, x.reports_to) for x in members).get(r[0]))):  # fmt: skip
            if a not in placed:
                placed.add(a)
                under.setdefault(b, []).append(node[a])
        for group in under.values():
            lines.extend(_rows(group, per_row))
        related = {x for pair in inside for x in pair}
        alone = [node[b.id] for b in members if b.id not in related]
        wide = columns if key == COLUMN else per_row
        lines.extend(_rows(alone, wide))
        roots = [node[b.id] for b in members if b.id in related
                 and not any(a == b.id for a, _ in inside)]  # fmt: skip
        if (
            alone and roots and key != COLUMN and wide > 1
        ):  # the first row of the rest beside the top body
            lines.append(f"      {{ rank=same; {roots[0]}; {'; '.join(alone[: wide - 1])}; }}")
        lines.append("    }")
    lines.extend(_legend(merged))
    lines.append("  }")
    # the scopes left to right in this order, each from the top; the key below the districts
    tops = [node[m[0].id] for m in members_of.values()]
    if len(tops) > 1:
        lines.append(f"  {{ rank=same; {'; '.join(tops)}; }}")
        lines.append(f"  {' -> '.join(reversed(tops))} [style=invis];")
    below = [node[b.id] for b in members_of.get(COLUMN, [])] or list(node.values())
    lines.append(f"  {below[-1]} -> key_a [style=invis];")
    heard = f'class="reports heard", color="{INK}", penwidth=1.4, arrowsize=0.8'
    for a, b, kind in ups:  # the superior above: drawn from it, the arrowhead at it
        style = 'class="reports", ' if kind == "reports to" else ""
        constraint = "" if band[a] == band[b] else ", constraint=false"
        attrs = (f'{style}color="{INK}", penwidth=1.4, arrowsize=0.8' if style
                 else heard)  # fmt: skip
        lines.append(f"  {node[b]} -> {node[a]} [{attrs}, dir=back{constraint}];")
    link_style = f'class="link", style=dashed, color="{GREY}", dir=none'
    for a, b in links:
        if not merged or band[a] == band[b]:
            lines.append(f"  {node[a]} -> {node[b]} [{link_style}, "
                         "penwidth=1.2, constraint=false];")  # fmt: skip
    if merged:
        pairs = Counter(tuple(sorted((band[a], band[b]))) for a, b in across)
        for (a, b), count in pairs.items():
            text = _heading(f"{count} standing link{'s' * (count != 1)}", 10, GREY)
            lines.append(f"  {first[a]} -> {first[b]} [{link_style}, penwidth=2, "
                         f"constraint=false, ltail=cluster_{a}, lhead=cluster_{b}, "
                         f"xlabel={text}];")  # fmt: skip
    lines.append("}")
    return "\n".join(lines)


def have_graphviz() -> bool:
    """Whether Graphviz's ``dot`` program is installed (Debian: apt-get install graphviz)."""
    return shutil.which("dot") is not None


def _dot(dot: str, source: str, fmt: str, name: str) -> bytes:
    done = subprocess.run([dot, f"-T{fmt}"], input=source.encode(), capture_output=True,
                          timeout=TIMEOUT, check=False)  # fmt: skip
    if done.returncode != 0:
        problem = done.stderr.decode(errors="replace").strip().splitlines()
        raise SpecError("diagram", name, f"dot failed: {problem[-1] if problem else '?'}")
    return done.stdout


def _size(svg: bytes) -> tuple[float, float]:
    """An SVG's width and height, from its viewBox."""
    box = re.search(rb'viewBox="([^"]+)"', svg)
    _, _, width, height = (float(v) for v in box.group(1).split()) if box else (0, 0, 1, 1)
    return width, height


def best_dot(spec: StructureSpec, colour: str | None = None) -> str:
    """The DOT source of the layout that fits a page best: of :data:`LAYOUTS`, the narrowest
    whose height is at most :data:`MAX_RATIO` times its width (else the least tall for its
    width), each laid out by ``dot``."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing()
    tried = []
    for per_row, columns in LAYOUTS:
        source = structure_dot(spec, colour, per_row, columns)
        width, height = _size(_dot(dot, source, "svg", spec.name))
        tried.append((height / width > MAX_RATIO, width if height / width <= MAX_RATIO
                      else height / width, source))  # fmt: skip
    return min(tried, key=lambda t: t[:2])[2]


def render(spec: StructureSpec, fmt: str = "svg", colour: str | None = None) -> bytes:
    """The diagram as SVG or PNG bytes, laid out and drawn by Graphviz's ``dot`` (the layout
    of :func:`best_dot`)."""
    if fmt not in ("svg", "png"):
        raise SpecError("diagram", fmt, "give a .png or .svg file")
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing()
    return _dot(dot, best_dot(spec, colour), fmt, spec.name)


def diagram_svg(spec: StructureSpec, colour: str | None = None) -> str:
    """The diagram as SVG text (raises :class:`GraphvizMissing` without Graphviz)."""
    return render(spec, "svg", colour).decode("utf-8")


def draw_structure(spec: StructureSpec, path: str | Path, colour: str | None = None) -> Path:
    """Write the diagram to ``path``: SVG or PNG by its suffix (anything else: SpecError)."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise SpecError("--out", str(path), "give a .png or .svg file")
    data = render(spec, path.suffix.lower().lstrip("."), colour)
    with naming(path):
        path.write_bytes(data)
    return path


def function_grid(spec: StructureSpec) -> list[dict[str, object]]:
    """One row per body: its scope, which functions it performs, cadence and seats."""
    return [
        {"body": body.name or body.id, "id": body.id, "scope": body.scope,
         **{f.value: f in body.functions for f in FUNCTIONS},
         "cadence": cadence(body), "seats": seats(body)}
        for body in spec.bodies
    ]  # fmt: skip


def grid_svg(spec: StructureSpec, colour: str | None = None) -> str:
    """The body-by-function grid drawn as SVG without Graphviz (the report's fallback)."""
    from html import escape

    rows = function_grid(spec)
    width, line, top = 1100, 18, 56
    heads = ["body", *[WORDS[f] for f in FUNCTIONS], "meets", "seats"]
    xs = [8, 300, 370, 430, 490, 555, 620, 880]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{top + line * (len(rows) + 1)}" font-family="Helvetica,Arial,sans-serif" '
        'font-size="11">',
        f'<rect x="1" y="1" width="{width - 2}" height="{top + line * (len(rows) + 1) - 2}" '
        f'fill="white" stroke="{escape(colour or "#999999")}" stroke-width="2"/>',
        f'<text x="8" y="22" font-size="15" font-weight="bold">{escape(spec.display_name)}</text>',
        '<text x="8" y="40" fill="#555555">Graphviz is not installed: the bodies and the '
        "functions each performs, as a table</text>",
    ]
    out += [f'<text x="{x}" y="{top}" font-weight="bold">{h}</text>'
            for x, h in zip(xs, heads, strict=True)]  # fmt: skip
    for i, row in enumerate(rows, start=1):
        y = top + line * i
        cells = [textwrap.shorten(str(row["body"]), 46), *["✓" if row[f.value] else "" for f in
                 FUNCTIONS], textwrap.shorten(str(row["cadence"]), 40),
                 textwrap.shorten(str(row["seats"]), 36)]  # fmt: skip
        out += [f'<text x="{x}" y="{y}">{escape(c)}</text>'
                for x, c in zip(xs, cells, strict=True) if c]  # fmt: skip
    out.append("</svg>")
    return "\n".join(out)
