"""A structure drawn as the source documents draw it: bodies grouped by function, with
membership and reporting lines (networkx for the graph, matplotlib for the picture)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx

from sim.paths import naming
from sim.spec.structure import Function, StructureSpec

COLUMNS = [Function.DELIBERATION, Function.DECISION, Function.DELIVERY, Function.EVALUATION,
           Function.SUPPORT]  # fmt: skip
COLOURS = {Function.DELIBERATION: "#8ecae6", Function.DECISION: "#ffb703",
           Function.DELIVERY: "#90be6d", Function.EVALUATION: "#cdb4db",
           Function.SUPPORT: "#e9ecef"}  # fmt: skip


def structure_graph(spec: StructureSpec) -> nx.DiGraph:
    """Bodies as nodes (functions, scope, seats); reporting lines and links as edges."""
    graph = nx.DiGraph()
    for body in spec.bodies:
        voting = sum(s.voting for s in body.members)
        graph.add_node(
            body.id,
            name=body.name or body.id,
            scope=body.scope,
            functions=list(body.functions),
            seats=len(body.members),
            voting=voting,
        )
    for body in spec.bodies:
        if body.reports_to:
            graph.add_edge(body.id, body.reports_to, kind="reports to")
    for link in spec.links:
        graph.add_edge(link.from_body, link.to, kind="link")
    return graph


def _band(scope: str) -> int:
    return 0 if scope == "county" else 1 if scope == "gloucester" else 2


def draw_structure(spec: StructureSpec, path: Path | None = None, ax=None):
    """Draw ``spec``; save to ``path`` (PNG or SVG by its suffix) if given; return the figure."""
    graph = structure_graph(spec)
    cells: dict[tuple[int, int], list[str]] = {}
    for node, data in graph.nodes(data=True):
        column = COLUMNS.index(data["functions"][0])
        cells.setdefault((_band(data["scope"]), column), []).append(node)
    heights = [max((len(v) for (b, _), v in cells.items() if b == band), default=1)
               for band in range(3)]  # fmt: skip
    pos, top, band_tops = {}, 0.0, []
    for band in range(3):
        band_tops.append(top)
        for (b, column), nodes in cells.items():
            if b == band:
                for k, node in enumerate(sorted(nodes)):
                    pos[node] = (column * 3.2, -(top + k * 1.1))
        top += heights[band] * 1.1 + 0.9
    if ax is None:
        fig, ax = plt.subplots(figsize=(16, max(6, top * 0.55)))
    else:
        fig = ax.figure
    for kind, style, colour in (("reports to", "solid", "#555555"), ("link", "dashed", "#1d4e89")):
        edges = [(u, v) for u, v, d in graph.edges(data=True) if d["kind"] == kind]
        nx.draw_networkx_edges(graph, pos, edgelist=edges, ax=ax, style=style, edge_color=colour,
                               arrows=True, arrowsize=8, alpha=0.6, node_size=2600,
                               connectionstyle="arc3,rad=0.08")  # fmt: skip
    for node, (x, y) in pos.items():
        data = graph.nodes[node]
        label = "\n".join(textwrap.wrap(data["name"], 24)[:2])
        label += f"\n{data['seats']} seats ({data['voting']} voting)"
        ax.text(x, y, label, ha="center", va="center", fontsize=6.5,
                bbox={"boxstyle": "round,pad=0.3", "fc": COLOURS[data["functions"][0]],
                      "ec": "#333333", "lw": 0.6})  # fmt: skip
    for column, function in enumerate(COLUMNS):
        ax.text(column * 3.2, 1.0, function.value, ha="center", fontsize=10, weight="bold")
    ax.plot([], [], color="#555555", label="reports to")
    ax.plot([], [], color="#1d4e89", ls="--", label="standing link")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{spec.name}: {spec.description}", fontsize=11)
    for band, label in enumerate(("county", "Gloucester", "other districts")):
        ax.text(-1.9, -band_tops[band] + 0.3, label, rotation=90, fontsize=9, va="top")
    ax.set_xlim(-2.2, (len(COLUMNS) - 1) * 3.2 + 1.8)
    ax.set_ylim(-top + 0.3, 1.6)
    ax.axis("off")
    fig.tight_layout()
    if path is not None:
        with naming(path):
            fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig
