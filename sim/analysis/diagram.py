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
WRAP = 30  # characters per line in a box
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


def structure_graph(spec: StructureSpec) -> nx.DiGraph:
    """Bodies as nodes (functions, scope, seats); reporting lines and links as edges."""
    graph = nx.DiGraph()
    for body in spec.bodies:
        graph.add_node(body.id, name=body.name or body.id, scope=body.scope,
                       functions=list(body.functions), seats=len(body.members),
                       voting=sum(s.voting for s in body.members))  # fmt: skip
    for body in spec.bodies:
        if body.reports_to:
            graph.add_edge(body.id, body.reports_to, kind="reports to")
    for link in spec.links:
        graph.add_edge(link.from_body, link.to, kind="link")
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


def _wrap(text: str, width: int = WRAP) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


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
        (_wrap(body.name or body.id, 26), 12, "B", ""),
        (_function_lines(body), 11, "", BAND),
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
    """A key drawn with the diagram's own lines: a solid arrow and a dashed line."""
    band = ["grey band: what a body does"]
    if merged:
        band += ["dashed lines: merged per", "pair of scopes; each box", "names its standing links"]
    return [
        "    subgraph cluster_legend {",
        f'      label={_heading("key", 11, GREY)}; color="#BBBBBB"; style=rounded; labeljust=l;',
        '      key_a [shape=point, width=0.06, color="#BBBBBB"];',
        '      key_c [shape=point, width=0.06, color="#BBBBBB"];',
        f"      key_b [shape=plain, label={_key_text(['reports to'])}];",
        f"      key_d [shape=plain, label={_key_text(['standing link'])}];",
        f"      key_e [shape=plain, label={_key_text(band, fill=BAND)}];",
        f'      key_a -> key_b [class="key", color="{INK}", penwidth=1.4, arrowsize=0.8];',
        f'      key_c -> key_d [class="key", style=dashed, color="{GREY}", penwidth=1.2, '
        "dir=none];",
        "    }",
    ]


def structure_dot(spec: StructureSpec, colour: str | None = None) -> str:
    """The structure as Graphviz DOT source (node names are internal: n0, n1, ...)."""
    node = {b.id: f"n{i}" for i, b in enumerate(spec.bodies)}
    names = {b.id: b.name or b.id for b in spec.bodies}
    band = {b.id: _band(b.scope) for b in spec.bodies}
    links = [ln for ln in spec.links if ln.from_body in node and ln.to in node]
    across = [ln for ln in links if band[ln.from_body] != band[ln.to]]
    merged = len(across) > MAX_LINK_LINES
    frame = f'"{_esc(colour)}"' if colour else '"#999999"'
    lines = [
        "digraph structure {",
        f"  graph [rankdir=LR, newrank=true, compound=true, nodesep=0.15, ranksep=0.35, "
        f'fontname="{FONT}", pad=0.1];',
        f'  node [shape=plain, fontname="{FONT}", fontsize=10];',
        f'  edge [fontname="{FONT}", fontsize=10];',
        "  subgraph cluster_structure {",
        f"    label={_title(spec, colour)}; labelloc=t; labeljust=l; color={frame}; "
        "penwidth=2.5; style=rounded; margin=12;",
    ]
    outgoing: dict[str, list[str]] = {b.id: [] for b in spec.bodies}
    incoming = Counter(ln.to for ln in links)
    for ln in links:
        outgoing[ln.from_body].append(names[ln.to])
    first: dict[str, str] = {}
    for key, title in BANDS.items():
        members = [b for b in spec.bodies if band[b.id] == key]
        if not members:
            continue
        first[key] = node[members[0].id]
        lines.append(f"    subgraph cluster_{key} {{")
        lines.append(f'      label={_heading(title, 13)}; color="#AAAAAA"; style=rounded; '
                     "labeljust=l;")  # fmt: skip
        for body in members:
            label = _label(spec, body, outgoing[body.id], incoming[body.id])
            lines.append(f"      {node[body.id]} [label={label}];")
        # bodies with no reporting line: in rows of three, not one tall column
        alone = [b for b in members if not b.reports_to
                 and not any(o.reports_to == b.id for o in spec.bodies)]  # fmt: skip
        if len(alone) > 1:
            for row in range(0, len(alone), 3):
                chain = " -> ".join(node[b.id] for b in alone[row : row + 3])
                if "->" in chain:
                    lines.append(f"      {chain} [style=invis];")
        lines.append("    }")
    lines.extend(_legend(merged))
    lines.append("  }")
    for body in spec.bodies:
        if body.reports_to in node:
            lines.append(f'  {node[body.id]} -> {node[body.reports_to]} [class="reports", '
                         f'color="{INK}", penwidth=1.4, arrowsize=0.8];')  # fmt: skip
    link_style = f'class="link", style=dashed, color="{GREY}", dir=none'
    for ln in links:
        if not merged or band[ln.from_body] == band[ln.to]:
            lines.append(f"  {node[ln.from_body]} -> {node[ln.to]} [{link_style}, "
                         "penwidth=1.2, constraint=false];")  # fmt: skip
    if merged:
        pairs = Counter(tuple(sorted((band[ln.from_body], band[ln.to]))) for ln in across)
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


def render(spec: StructureSpec, fmt: str = "svg", colour: str | None = None) -> bytes:
    """The diagram as SVG or PNG bytes, laid out and drawn by Graphviz's ``dot``."""
    if fmt not in ("svg", "png"):
        raise SpecError("diagram", fmt, "give a .png or .svg file")
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing()
    done = subprocess.run([dot, f"-T{fmt}"], input=structure_dot(spec, colour).encode(),
                          capture_output=True, timeout=TIMEOUT, check=False)  # fmt: skip
    if done.returncode != 0:
        problem = done.stderr.decode(errors="replace").strip().splitlines()
        raise SpecError("diagram", spec.name, f"dot failed: {problem[-1] if problem else '?'}")
    return done.stdout


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
