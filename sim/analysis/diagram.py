"""A structure drawn true to its rules: every body with every function it performs, its
cadence and its seats; reporting lines and standing links told apart.

Two views of one :class:`~sim.spec.structure.StructureSpec`:

- :func:`structure_dot` / :func:`draw_structure`: a Graphviz diagram (laid out by Graphviz's
  ``dot``, drawn as SVG or PNG). Bodies are grouped by scope (the county, Gloucester, the
  other districts); each body is a box whose coloured cells name the functions it performs
  (colour and words, so it reads without colour), with its cadence and seats beneath; solid
  arrows are reporting lines, dashed grey lines are standing links to other scopes.
- :func:`function_grid`: the body-by-function grid as a table (no layout needed).

Colours are the Okabe-Ito palette, safe for the common forms of colour blindness.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import networkx as nx

from sim.errors import SpecError
from sim.spec.structure import BodySpec, Function, StructureSpec

FUNCTIONS = [Function.DELIBERATION, Function.DECISION, Function.DELIVERY, Function.EVALUATION,
             Function.SUPPORT]  # fmt: skip
COLOURS = {  # Okabe-Ito
    Function.DELIBERATION: "#56B4E9",  # sky blue
    Function.DECISION: "#E69F00",  # orange
    Function.DELIVERY: "#009E73",  # bluish green
    Function.EVALUATION: "#CC79A7",  # reddish purple
    Function.SUPPORT: "#F0E442",  # yellow
}
WORDS = {Function.DELIBERATION: "deliberates", Function.DECISION: "decides",
         Function.DELIVERY: "delivers", Function.EVALUATION: "evaluates",
         Function.SUPPORT: "supports"}  # fmt: skip
TEXT_ON = {Function.DELIVERY: "white", Function.DECISION: "black"}


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


def cadence(body: BodySpec) -> str:
    """How often a body meets, in words."""
    if body.on_demand:
        text = "meets on demand"
    else:
        weeks = body.cadence_weeks or 0
        named = {1: "every week", 4: "every 4 weeks", 13: "quarterly", 26: "twice a year",
                 52: "once a year"}  # fmt: skip
        text = named.get(weeks, f"every {weeks:g} weeks")
    extras = [word for flag, word in ((body.special_meetings, "special meetings"),
                                      (body.substitutes, "substitutes")) if flag]  # fmt: skip
    return text + (f"; {', '.join(extras)}" if extras else "")


def seats(body: BodySpec) -> str:
    voting = sum(s.voting for s in body.members)
    text = f"{len(body.members)} seats"
    if voting != len(body.members):
        text += f", {voting} voting"
    if body.quorum:
        text += f"; quorum {body.quorum}"
    return text


def _band(scope: str) -> str:
    if scope == "county":
        return "county"
    return "gloucester" if scope == "gloucester" else "districts"


BANDS = {"county": "Gloucestershire (county)", "gloucester": "Gloucester",
         "districts": "The other districts"}  # fmt: skip


MAX_LINK_LINES = 20  # more standing links than this are listed in the boxes, not drawn


def _label(body: BodySpec, links: list[str] | None = None) -> str:
    """A Graphviz HTML-like label: the name, one cell per function, cadence and seats, and
    (when there are too many to draw) the bodies it has standing links with."""
    name = html.escape(body.name or body.id)
    cells = "".join(
        f'<TD BGCOLOR="{COLOURS[f]}"><FONT COLOR="{TEXT_ON.get(f, "black")}" POINT-SIZE="9">'
        f"{WORDS[f]}</FONT></TD>"
        for f in FUNCTIONS
        if f in body.functions
    )
    span = max(1, sum(f in body.functions for f in FUNCTIONS))
    return (
        '<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="3" BGCOLOR="white">'
        f'<TR><TD COLSPAN="{span}"><B>{name}</B></TD></TR>'
        f"<TR>{cells}</TR>"
        f'<TR><TD COLSPAN="{span}"><FONT POINT-SIZE="9">{html.escape(cadence(body))}'
        f"<BR/>{html.escape(seats(body))}</FONT></TD></TR>"
        + (
            f'<TR><TD COLSPAN="{span}"><FONT POINT-SIZE="9" COLOR="#555555">standing links to: '
            f"{'<BR/>'.join(html.escape(n) for n in links)}</FONT></TD></TR>"
            if links
            else ""
        )
        + "</TABLE>>"
    )


def structure_dot(spec: StructureSpec) -> str:
    """The structure as Graphviz DOT source."""
    lines = [
        "digraph structure {",
        '  graph [rankdir=LR, newrank=true, nodesep=0.25, ranksep=0.5, fontname="Helvetica",'
        f' labelloc=t, fontsize=16, label="{_quote(spec.name)}: {_quote(spec.description)}"];',
        '  node [shape=plain, fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    draw_links = len(spec.links) <= MAX_LINK_LINES
    names = {b.id: b.name or b.id for b in spec.bodies}
    linked: dict[str, list[str]] = {b.id: [] for b in spec.bodies}
    if not draw_links:
        for link in spec.links:
            linked[link.from_body].append(names[link.to])
    for band, title in reversed(BANDS.items()):  # dot stacks the last cluster on top
        members = [b for b in spec.bodies if _band(b.scope) == band]
        if not members:
            continue
        lines.append(f"  subgraph cluster_{band} {{")
        lines.append(f'    label="{title}"; style=rounded; color="#999999"; fontsize=13;')
        for body in members:
            lines.append(f'    "{_quote(body.id)}" [label={_label(body, linked[body.id])}];')
        lines.append("  }")
    for body in spec.bodies:
        if body.reports_to:
            lines.append(f'  "{_quote(body.id)}" -> "{_quote(body.reports_to)}" '
                         '[color="#222222", penwidth=1.4, arrowsize=0.8];')  # fmt: skip
    for link in spec.links if draw_links else []:
        lines.append(f'  "{_quote(link.from_body)}" -> "{_quote(link.to)}" [style=dashed, '
                     'color="#777777", dir=none, constraint=false];')  # fmt: skip
    lines.append(_legend(draw_links))
    lines.append("}")
    return "\n".join(lines)


def _legend(draw_links: bool) -> str:
    links = (
        "dashed line: standing link" if draw_links else "standing links: in the box that makes them"
    )
    cells = "".join(f'<TD BGCOLOR="{COLOURS[f]}"><FONT COLOR="{TEXT_ON.get(f, "black")}" '
                    f'POINT-SIZE="9">{WORDS[f]}</FONT></TD>' for f in FUNCTIONS)  # fmt: skip
    table = ('<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="3">'
             f'<TR><TD COLSPAN="5"><B>functions</B></TD></TR><TR>{cells}</TR>'
             '<TR><TD COLSPAN="5"><FONT POINT-SIZE="9">solid arrow: reports to; '
             f"{links}"
             "</FONT></TD></TR></TABLE>>")  # fmt: skip
    return f"  legend [label={table}];"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def have_graphviz() -> bool:
    """Whether Graphviz's ``dot`` program is installed (Debian: apt-get install graphviz)."""
    return shutil.which("dot") is not None


def render(spec: StructureSpec, fmt: str = "svg") -> bytes:
    """The diagram as SVG or PNG bytes, laid out by Graphviz's dot."""
    if not have_graphviz():
        raise SpecError("dot", "", "Graphviz is not installed (Debian: apt-get install graphviz)")
    import graphviz

    source = graphviz.Source(structure_dot(spec))
    return source.pipe(format=fmt, engine="dot")


def draw_structure(spec: StructureSpec, path: Path) -> Path:
    """Write the diagram to ``path`` (.svg or .png, by its suffix)."""
    path = Path(path)
    path.write_bytes(render(spec, path.suffix.lstrip(".")))
    return path


def function_grid(spec: StructureSpec) -> list[dict[str, object]]:
    """One row per body: its scope, which functions it performs, cadence and seats."""
    return [
        {"body": body.name or body.id, "id": body.id, "scope": body.scope,
         **{f.value: f in body.functions for f in FUNCTIONS},
         "cadence": cadence(body), "seats": seats(body)}
        for body in spec.bodies
    ]  # fmt: skip
