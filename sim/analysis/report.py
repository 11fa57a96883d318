"""The option appraisal: one self-contained HTML page from `sim compare` or `sim sweep` results.

It holds the structures' diagrams; every indicator per structure with 95% intervals and paired
differences; a figure per evaluation criterion; distributions of time to decision and to
delivery; one representative issue pathway per structure (re-simulated from its stored seed:
runs are reproducible); and findings in plain English generated from the numbers.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim import __version__
from sim.analysis.compare import HEADLINE, paired_comparison
from sim.analysis.diagram import draw_structure
from sim.analysis.indicators import BY_NAME, CRITERIA, INDICATORS
from sim.errors import SpecError
from sim.experiment.store import ResultStore
from sim.model import run_once
from sim.spec import load_scenario, load_structure


@dataclass
class Results:
    """What a results folder holds, whichever command wrote it."""

    kind: str
    scenario: str  # path
    structures: dict[str, str]  # name -> name or path to load it by
    runs: pd.DataFrame  # one row per run: structure (name), replication, seed, indicators
    issues: pd.DataFrame | None  # one row per issue and run, where stored
    parameters: dict[str, float]


def load_results(folder: Path) -> list[Results]:
    """Read a `sim compare` folder, or a `sim sweep` store (one Results per scenario)."""
    folder = Path(folder)
    if (folder / "compare.json").exists():
        manifest = json.loads((folder / "compare.json").read_text())
        issues = folder / "issues.csv"
        return [
            Results("compare", manifest["scenario"], manifest["structures"],
                    pd.read_csv(folder / "runs.csv"),
                    pd.read_csv(issues) if issues.exists() else None,
                    manifest.get("parameters") or {})
        ]  # fmt: skip
    if (folder / "experiment.json").exists():
        store = ResultStore(folder)
        spec = store.manifest().get("spec") or {}
        rows = store.read()
        rows = rows[rows["error"] == ""]
        out = []
        paths = dict(zip(spec.get("scenarios", []), spec.get("scenario_paths", []), strict=False))
        for declared, group in rows.groupby("scenario_file", sort=False):
            group = group.copy()
            reps = int(group["replication"].max()) + 1
            group["replication"] = group["point"] * reps + group["replication"]
            structures = {load_structure(s).name: s for s in group["structure_file"].unique()}
            group["structure"] = group["structure_file"].map({s: n for n, s in structures.items()})
            out.append(Results("sweep", paths.get(declared, declared), structures, group, None,
                               spec.get("fixed") or {}))  # fmt: skip
        if not out:
            raise SpecError(str(folder), "", "no successful runs stored yet")
        return out
    raise SpecError(str(folder), "", "not a results folder (no compare.json or experiment.json)")


def _figure_html(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="figure">'


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def _labels(runs: pd.DataFrame) -> dict[str, str]:
    labels = {i.name: i.label for i in INDICATORS if i.name in runs.columns}
    labels |= {k: v for k, v in HEADLINE.items() if k in runs.columns}
    return labels


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
}


def findings(table: pd.DataFrame, base: str) -> dict[str, tuple[list[str], list[str]]]:
    """Per criterion: sentences on the clear paired differences, and the indicators (with the
    structure) where the 95% interval includes zero."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for row in table[table["structure"] != base].itertuples():
        indicator = BY_NAME.get(row.indicator)
        if indicator is None or (isinstance(row.diff, float) and math.isnan(row.diff)):
            continue
        clear, unclear = out.setdefault(indicator.criterion, ([], []))
        if not row.significant:
            unclear.append(f"{indicator.label} ({row.structure})")
            continue
        more = row.diff > 0
        judged = ""
        if indicator.better:
            good = more == (indicator.better == "higher")
            judged = f"{'Better' if good else 'Worse'} under {row.structure}: "
        base_mean = table[(table["indicator"] == row.indicator) & (table["structure"] == base)][
            "mean"
        ].iloc[0]
        relative = f", {abs(row.diff) / abs(base_mean):.0%}" if base_mean else ""
        clear.append(f"{judged}{indicator.label} is {'higher' if more else 'lower'} than under "
                     f"{base} by {_fmt(abs(row.diff))}{relative} (95% CI {_fmt(row.diff_low)} "
                     f"to {_fmt(row.diff_high)}).")  # fmt: skip
    return out


def _summary_lines(table: pd.DataFrame, base: str) -> list[str]:
    lines = []
    for structure in table["structure"].unique():
        if structure == base:
            continue
        better = worse = unclear = 0
        for row in table[table["structure"] == structure].itertuples():
            indicator = BY_NAME.get(row.indicator)
            if indicator is None or not indicator.better:
                continue
            if not row.significant:
                unclear += 1
            elif (row.diff > 0) == (indicator.better == "higher"):
                better += 1
            else:
                worse += 1
        lines.append(f"Against {base}, {structure} is better on {better} evaluation indicators, "
                     f"worse on {worse}, with no clear difference on {unclear}.")  # fmt: skip
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


def render(results_list: list[Results], title: str) -> str:
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p class='meta'>Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by sim "
             f"{__version__}. Every number rests on the model's documented assumptions "
             "(docs/parameters.md); intervals are 95% t intervals over replications; "
             "differences are paired (common random numbers).</p>"]  # fmt: skip
    for results in results_list:
        names = list(results.structures)
        base = names[0]
        runs = results.runs
        labels = _labels(runs)
        table = paired_comparison(runs, names, labels)
        n = int(runs.groupby("structure").size().min())
        scenario = load_scenario(results.scenario)
        parts.append(f"<h2>{html.escape(scenario.name)}: {html.escape(scenario.description)}</h2>")
        parts.append(f"<p>{n} paired runs per structure ({results.kind}); structures: "
                     f"{', '.join(names)}; differences are against {base}.</p>")  # fmt: skip
        parts.append("<h3>Findings</h3><ul>")
        parts += [f"<li><b>{html.escape(s)}</b></li>" for s in _summary_lines(table, base)]
        parts.append("</ul>")
        for criterion, (clear, unclear) in findings(table, base).items():
            parts.append(f"<h4>{criterion}: {html.escape(CRITERION_TEXT[criterion])}</h4><ul>")
            parts += [f"<li>{html.escape(s)}</li>" for s in clear]
            if unclear:
                parts.append(f"<li class='meta'>No clear difference: "
                             f"{html.escape('; '.join(unclear))}.</li>")  # fmt: skip
            parts.append("</ul>")
        parts.append("<h3>The structures</h3>")
        for name in names:
            fig = draw_structure(load_structure(results.structures[name]))
            parts.append(f"<figure>{_figure_html(fig)}<figcaption>{name}</figcaption></figure>")
        parts.append("<h3>Every indicator</h3>")
        parts.append(_table_html(table, names, base))
        parts.append("<h3>By criterion</h3>")
        for criterion in CRITERIA:
            if any(i.criterion == criterion and i.name in runs for i in INDICATORS):
                fig = _criterion_figure(runs, table, criterion, names)
                parts.append(f"<figure>{_figure_html(fig)}</figure>")
        parts.append("<h3>Time to decision and to delivery</h3>")
        parts.append(f"<figure>{_figure_html(_distributions(results, names))}</figure>")
        parts.append("<h3>A representative pathway per structure</h3>")
        for name in names:
            fig, caption = _pathway(results, name)
            if fig is not None:
                parts.append(f"<figure>{_figure_html(fig)}<figcaption>{html.escape(caption)}"
                             "</figcaption></figure>")  # fmt: skip
    return _PAGE.format(title=html.escape(title), body="\n".join(parts))


def _table_html(table: pd.DataFrame, names: list[str], base: str) -> str:
    head = "".join(f"<th>{n}</th>" for n in names)
    head += "".join(f"<th>{n} &minus; {base}</th>" for n in names[1:])
    rows = []
    for key, group in table.groupby("indicator", sort=False):
        g = group.set_index("structure")
        indicator = BY_NAME.get(key)
        criterion = indicator.criterion if indicator else "headline"
        better = f" ({indicator.better} is better)" if indicator and indicator.better else ""
        cells = [f"<td>{criterion}</td><td>{html.escape(g['label'].iloc[0])}{better}</td>"]
        for s in names:
            r = g.loc[s]
            cells.append(f"<td>{_fmt(r['mean'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]</td>")
        for s in names[1:]:
            r = g.loc[s]
            mark = " class='sig'" if r["significant"] else ""
            cells.append(f"<td{mark}>{_fmt(r['diff'])} [{_fmt(r['diff_low'])}, "
                         f"{_fmt(r['diff_high'])}]</td>")  # fmt: skip
        rows.append(f"<tr>{''.join(cells)}</tr>")
    note = "<p class='meta'>Mean [95% CI]; shaded differences exclude zero.</p>"
    header = f"<tr><th>criterion</th><th>indicator</th>{head}</tr>"
    return f"<table>{header}{''.join(rows)}</table>{note}"


def write_report(folder: Path, out: Path) -> Path:
    results = load_results(folder)
    title = f"Option appraisal: {', '.join(load_scenario(r.scenario).name for r in results)}"
    out.write_text(render(results, title), encoding="utf-8")
    return out


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: Georgia, serif; max-width: 1100px; margin: 2em auto; color: #222;
       line-height: 1.45; padding: 0 1em; }}
h1, h2, h3 {{ font-family: Helvetica, Arial, sans-serif; }}
h2 {{ border-bottom: 2px solid #1d4e89; padding-bottom: .2em; margin-top: 2em; }}
table {{ border-collapse: collapse; font-size: 0.82em; width: 100%; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }}
th {{ background: #eef3f8; }}
td.sig {{ background: #ffe9b3; }}
figure {{ margin: 1em 0; }} figure img {{ max-width: 100%; }}
figcaption, .meta {{ color: #666; font-size: 0.85em; }}
</style></head><body>
{body}
</body></html>
"""
