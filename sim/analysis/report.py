"""The option appraisal: one self-contained HTML page from `sim compare` or `sim sweep` results.

It holds the structures' diagrams; every indicator per structure with 95% intervals and paired
differences; a figure per evaluation criterion; distributions of time to decision and to
delivery; one representative issue pathway per structure (re-simulated from its stored seed:
runs are reproducible); and findings in plain English generated from the numbers.
"""

from __future__ import annotations

import base64
import io
import math
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim import __version__
from sim.analysis import stats
from sim.analysis.compare import (
    VERDICTS,
    across_points,
    evaluation_indicators,
    fmt,
    headline_indicators,
    paired_comparison,
    too_small,
    verdict_column,
)
from sim.analysis.diagram import GraphvizMissing, diagram_svg, grid_svg
from sim.analysis.palette import structure_colours
from sim.experiment.results import Results, load_results
from sim.model import run_once
from sim.model.indicators import BY_NAME, CRITERIA, INDICATORS
from sim.paths import replace_text
from sim.progress import Bar, bar
from sim.spec import load_scenario, load_structure


def _figure_uri(fig) -> str:
    """A figure as a PNG data URI (the page is one self-contained file)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


CRITERION_TEXT = {
    "EV-LEAD": "Strong leadership and a clear vision",
    "EV-ACCOUNT": "Accountability: clearly defined responsibility for every decision and action",
    "EV-OPEN": "Openness in dealings and relationships",
    "EV-DELIVER": "Delivery against targets",
    "EV-COMMIT": "Commitment of members",
    "EV-SCRUTINY": "Challenge and scrutiny",
    "EV-SILOS": "Breaking out of silos; joint commissioning and pooled resources",
    "EV-RIPPLE": "Targets with the biggest ripple effect; quick wins",
    "CYCLE": "The Tavistock cycle: deliberation, decision, delivery, evaluation, and its cost",
    "OUTCOME": "The scenario's own outcomes",
}


def findings(
    table: pd.DataFrame, base: str, catalogue: dict | None = None
) -> dict[str, tuple[list[str], list[str]]]:
    """Per criterion: sentences on the differences that matter, and the indicators (with the
    structure) where there is no practical difference or no clear one."""
    catalogue = catalogue or BY_NAME
    out: dict[str, tuple[list[str], list[str]]] = {}
    for row in table[table["structure"] != base].itertuples():
        indicator = catalogue.get(row.indicator)
        if indicator is None or row.verdict in ("n/a", "too few runs"):
            continue
        clear, unclear = out.setdefault(indicator.criterion, ([], []))
        if row.verdict not in ("better", "worse", "higher", "lower"):
            unclear.append(f"{indicator.label} ({row.structure}: {row.verdict})")
            continue
        judged = ""
        if row.verdict in ("better", "worse"):
            judged = f"{row.verdict.capitalize()} under {row.structure}: "
        more = row.diff > 0
        unit = f" {indicator.unit}" if indicator.unit and indicator.unit != "share" else ""
        interval = ("the same in every replication" if row.diff_method == "exact" else
                    f"95% interval {fmt(row.diff_low)} to {fmt(row.diff_high)}")  # fmt: skip
        clear.append(f"{judged}{indicator.label} is {'higher' if more else 'lower'} than under "
                     f"{base} by {fmt(abs(row.diff))}{unit} ({interval}; the smallest "
                     f"difference that matters is {indicator.smallest:g}{unit}).")  # fmt: skip
    return out


def _summary_lines(table: pd.DataFrame, base: str) -> list[str]:
    lines = []
    for structure in table["structure"].unique():
        if structure == base:
            continue
        rows = table[(table["structure"] == structure) & table["indicator"].isin(BY_NAME)]
        counts = rows["verdict"].value_counts()
        said = ", ".join(f"{int(counts[v])} {v}" for v in VERDICTS if counts.get(v, 0))
        lines.append(f"{structure} against {base}, indicator by indicator: {said}.")
    return lines


def _criterion_figure(runs: pd.DataFrame, table: pd.DataFrame, criterion: str, names: list[str]):
    indicators = [i for i in INDICATORS if i.criterion == criterion and i.name in runs.columns]
    fig, axes = plt.subplots(1, len(indicators), figsize=(3.2 * len(indicators), 2.8),
                             squeeze=False)  # fmt: skip
    for ax, indicator in zip(axes[0], indicators, strict=True):
        rows = table[table["indicator"] == indicator.name].set_index("structure")
        for i, s in enumerate(names):
            r = rows.loc[s]
            err = None
            if not math.isnan(r["ci_low"]):
                err = [[r["mean"] - r["ci_low"]], [r["ci_high"] - r["mean"]]]
            ax.errorbar(i, r["mean"], yerr=err, fmt="o", capsize=5)
        ax.set_xticks(range(len(names)), names, rotation=20, fontsize=7)
        ax.set_title(indicator.label, fontsize=8)
    fig.suptitle(criterion, fontsize=10)
    fig.tight_layout()
    return fig


def _distributions(results: Results, names: list[str]):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3))
    if results.issues is not None:
        data, unit = results.issues, "issues (all runs)"
        columns = ("weeks_to_decision", "weeks_to_delivery")
    else:
        data, unit = results.runs, "runs (median per run)"
        columns = ("median_weeks_to_decision", "median_weeks_to_delivery")
    for ax, column in zip(axes, columns, strict=True):
        values = [data[data["structure"] == s][column].dropna() for s in names]
        top = max((v.max() for v in values if len(v)), default=1)
        bins = np.linspace(0, top, 30)
        for s, v in zip(names, values, strict=True):
            ax.hist(v, bins=bins, alpha=0.5, label=s, density=True)
        ax.set_title(f"{column.replace('_', ' ')}: {unit}", fontsize=9)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _pathway(results: Results, name: str):
    """Re-simulate the replication whose named-issue time to decision is the median, and draw
    its first named issue's pathway as a timeline."""
    runs = results.runs[results.runs["structure"] == name].copy()
    key = "named_weeks_to_decision" if "named_weeks_to_decision" in runs else "issues_decided"
    runs = runs.dropna(subset=[key])
    if runs.empty:
        return None, ""
    target = runs[key].median()
    row = runs.iloc[(runs[key] - target).abs().argsort().iloc[0]]
    params = dict(results.parameters)
    params |= {c[2:]: float(row[c]) for c in runs.columns if c.startswith("p_")}
    scenario = load_scenario(results.scenario)
    result = run_once(load_structure(results.structures[name]), scenario, int(row["seed"]), params)
    named = [i.id for i in scenario.issues]
    if not named:
        return None, ""
    history = result.history[result.history["issue_id"] == named[0]]
    history = history[history["body"] != ""]
    fig, ax = plt.subplots(figsize=(10, 0.4 * history["body"].nunique() + 1.5))
    bodies = list(dict.fromkeys(history["body"]))
    y = {b: i for i, b in enumerate(bodies)}
    ax.plot(history["time"], history["body"].map(y), "-", color="#bbbbbb", zorder=1)
    for action, group in history.groupby("action"):
        ax.scatter(group["time"], group["body"].map(y), label=action, zorder=2, s=30)
    ax.set_yticks(range(len(bodies)), bodies, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("week")
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    caption = (f"{named[0]} under {name}, seed {int(row['seed'])} (the run with the median "
               f"{key.replace('_', ' ')})")  # fmt: skip
    return fig, caption


def render(results_list: list[Results], title: str, progress: bool = False) -> str:
    """The page, with a progress bar of its steps (comparisons, figures, pathways). Rendered
    from the template ``templates/report.html`` with autoescaping on: every name, title and
    description from a user's file is escaped."""
    with bar(sum(_steps(r) for r in results_list), "steps", progress) as done:
        sections = [_render_one(results, done) for results in results_list]
    return _template().render(
        title=title,
        generated=f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
        version=__version__,
        method_note=stats.METHOD_NOTE,
        sections=sections,
    )


def _template():
    """The page's template, shipped as package data, with autoescaping on."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("sim.analysis", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )
    return env.get_template("report.html")


def _criteria(runs: pd.DataFrame) -> list[str]:
    """The criteria with at least one indicator in these runs."""
    return [c for c in CRITERIA if any(i.criterion == c and i.name in runs for i in INDICATORS)]


def _steps(results: Results) -> int:
    """The steps of one results' section: the comparison, a diagram and a pathway per
    structure, the distributions, and (for a comparison at one point) a figure per criterion."""
    runs = results.runs
    one_point = "point" not in runs or runs["point"].nunique() <= 1
    return 2 + 2 * len(results.structures) + (len(_criteria(runs)) if one_point else 0)


def _render_one(results: Results, done: Bar) -> dict:
    """One scenario's section, as plain values for the template (which escapes them)."""
    names = list(results.structures)
    base = names[0]
    runs = results.runs
    scenario = load_scenario(results.scenario)
    indicators = headline_indicators(runs, scenario) + evaluation_indicators(runs)
    catalogue = {i.name: i for i in indicators}
    section: dict = {"scenario": scenario.name, "description": scenario.description,
                     "names": names, "base": base, "unfinished": None, "failed": results.failed,
                     "sweep": None, "compare": None, "table": None}  # fmt: skip
    stored = len(runs) + results.failed
    if results.expected and stored < results.expected:
        section["unfinished"] = (stored, results.expected)
    points = runs["point"].nunique() if "point" in runs else 1
    table = None
    if points > 1:
        _, spread = across_points(runs, names, indicators)
        section["sweep"] = {
            "points": points,
            "reps": int(runs.groupby(["structure", "point"]).size().min()),
            "rows": _spread_rows(spread),
        }
        done.update()
    else:
        table = paired_comparison(runs, names, indicators)
        done.update()
        section["compare"] = {
            "n": int(runs.groupby("structure").size().min()),
            "kind": results.kind,
            "small": too_small(table),
            "min_pairs": stats.MIN_PAIRS,
            "summary": _summary_lines(table, base),
            "findings": [
                {"criterion": criterion, "text": CRITERION_TEXT[criterion], "clear": clear,
                 "unclear": unclear}
                for criterion, (clear, unclear) in findings(table, base, catalogue).items()
            ],
        }  # fmt: skip
    section["diagrams"] = []
    colours = structure_colours(names)
    for name in names:
        spec = load_structure(results.structures[name])
        try:
            svg = diagram_svg(spec, colours[name])
        except GraphvizMissing:  # the body-by-function table instead, which says why
            svg = grid_svg(spec, colours[name])
        image = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        section["diagrams"].append({"image": image, "caption": spec.display_name})
        done.update()
    section["criteria"] = []
    if table is not None:
        section["table"] = {"rows": _table_rows(table, names)}
        for criterion in _criteria(runs):
            section["criteria"].append(_figure_uri(_criterion_figure(runs, table, criterion,
                                                                     names)))  # fmt: skip
            done.update()
    section["distributions"] = _figure_uri(_distributions(results, names))
    done.update()
    section["pathways"] = []
    for name in names:
        fig, caption = _pathway(results, name)
        if fig is not None:
            section["pathways"].append({"image": _figure_uri(fig), "caption": caption})
        done.update()
    return section


def _spread_rows(spread: pd.DataFrame) -> list[dict]:
    rows = []
    for row in spread.itertuples(index=False):
        tally = {v: getattr(row, verdict_column(v)) for v in VERDICTS}
        rows.append({"label": row.label, "structure": row.structure,
                     "min": fmt(row.diff_min), "median": fmt(row.diff_median),
                     "max": fmt(row.diff_max),
                     "counts": ", ".join(f"{n} {v}" for v, n in tally.items() if n)})  # fmt: skip
    return rows


def _table_rows(table: pd.DataFrame, names: list[str]) -> list[dict]:
    rows = []
    for key, group in table.groupby("indicator", sort=False):
        g = group.set_index("structure")
        indicator = BY_NAME.get(key)
        first = g.iloc[0]
        cells = [_cell(g.loc[s]["mean"], g.loc[s]["ci_low"], g.loc[s]["ci_high"],
                       g.loc[s]["ci_method"]) for s in names]  # fmt: skip
        diffs = []
        for s in names[1:]:
            r = g.loc[s]
            diffs.append({"significant": bool(r["significant"]), "verdict": r["verdict"],
                          "text": _cell(r["diff"], r["diff_low"], r["diff_high"],
                                        r["diff_method"])})  # fmt: skip
        rows.append({"criterion": indicator.criterion if indicator else "OUTCOME",
                     "label": first["label"], "better": first["better"] or "",
                     "cells": cells, "diffs": diffs})  # fmt: skip
    return rows


def _cell(mean: float, low: float, high: float, method: str) -> str:
    if method == "exact":
        return f"{fmt(mean)} (exact)"
    if isinstance(low, float) and math.isnan(low):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


def write_report(folder: Path, out: Path, progress: bool = False) -> Path:
    """The appraisal of the results in ``folder``, as one HTML page at ``out``."""
    results = load_results(folder)
    title = f"Option appraisal: {', '.join(load_scenario(r.scenario).name for r in results)}"
    replace_text(out, render(results, title, progress))
    return out
