"""The option appraisal: one self-contained HTML page from `sim compare` or `sim sweep` results.

The first screen is the answer (:mod:`sim.analysis.verdict`): the question, the options by
their display names, a verdict per criterion of a strong partnership for each option against
the baseline, with its effect in plain units and the robustness verdict where a robustness
run is given, and the caveats that matter. Below it, in sections a reader can skip: the key
indicators with intervals, every indicator, a figure per criterion, time to decision and
delivery, the named issue's pathway under each option side by side, the structure diagrams,
and the method. Each option keeps one colour (:mod:`sim.analysis.palette`) in every figure,
table and diagram. Rendered from Jinja2 templates with autoescaping on.
"""

from __future__ import annotations

import base64
import io
import math
import os
import textwrap
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from sim import __version__
from sim.analysis import stats
from sim.analysis.compare import (
    VERDICTS,
    across_points,
    family_size,
    headline_indicators,
    needed,
    paired_comparison,
    verdict_column,
)
from sim.analysis.diagram import GraphvizMissing, diagram_svg, grid_svg
from sim.analysis.palette import structure_colours, verdict_style
from sim.analysis.pathway import draw_timeline, shared_xlim, timeline
from sim.analysis.pathway import legend as pathway_legend
from sim.analysis.pathway import rows as pathway_rows
from sim.analysis.sweeps import _title, sweep_regression
from sim.analysis.verdict import (
    CRITERION_TEXT,
    DEFAULTS_ONLY,
    ORDER,
    RESOURCE_UNITS,
    Robustness,
    Summary,
    catalogue,
    claim_note,
    load_robustness,
    rounded,
    row_cells,
    summarise,
    summarise_sweep,
)
from sim.experiment.executors import _start_worker, worker_context
from sim.experiment.results import Results, load_results
from sim.model import run_once
from sim.paths import replace_text
from sim.progress import Bar, bar
from sim.spec import load_scenario, load_structure

MARKERS = ("o", "s", "^", "D", "v", "P", "X")  # a shape per option, besides its colour
ACTION_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p", "d", "8")


def _figure_uri(fig, tight: bool = True) -> str:
    """A figure as a PNG data URI (the page is one self-contained file); ``tight`` crops it
    to what is drawn (a second pass over the figure: a figure laid out by hand needs none)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight" if tight else None)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _diagram(spec, colour: str) -> dict:
    """A structure's diagram for the page (:mod:`sim.analysis.diagram`, drawn by Graphviz) as
    an SVG data URI; without Graphviz, the body-by-function table drawn as SVG, which says
    why. An SVG shown through ``<img>`` runs no script, whatever names it holds."""
    try:
        svg = diagram_svg(spec, colour)
    except GraphvizMissing:
        svg = grid_svg(spec, colour)
    return {"image": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()}


def _wrap(text: str, width: int = 18) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _criteria_figure(table: pd.DataFrame, catalogue: dict, names: list[str],
                     titles: dict[str, str], colours: dict[str, str]):  # fmt: skip
    """Every indicator of the catalogue in one figure, grouped by criterion: each option's
    paired difference from the baseline with its 95% interval, in multiples of the
    indicator's smallest difference that matters and turned so that better is to the right
    (an indicator with no better direction: higher to the right, its label says so). The grey
    band is no practical difference. One axes for the whole catalogue: the figures of a page
    are most of its making, and an axes per indicator cost seconds."""
    base, others = names[0], names[1:]
    lines: list[tuple[str, str | None]] = []  # (label, indicator or None for a heading)
    for criterion in _criteria(catalogue):
        lines.append((CRITERION_TEXT[criterion].split(" (")[0].split(":")[0], None))
        for indicator in catalogue.values():
            if indicator.criterion == criterion:
                turn = "" if indicator.better else " (higher to the right)"
                lines.append((indicator.label + turn, indicator.name))
    rows = table[table["structure"] != base].set_index(["indicator", "structure"])
    fig, ax = plt.subplots(figsize=(8.6, 0.19 * len(lines) + 1.1))
    ax.axvspan(-1, 1, color="#e6e6e6", zorder=0, lw=0)
    ax.axvline(0, color="#888888", lw=0.8, zorder=1)
    step = 0.5 / max(1, len(others))
    reach = 1.0
    for k, s in enumerate(others):
        offset = (k - (len(others) - 1) / 2) * step
        ys, xs, lows, highs = [], [], [], []
        for y, (_, key) in enumerate(lines):
            if key is None or (key, s) not in rows.index:
                continue
            r, indicator = rows.loc[(key, s)], catalogue[key]
            scale = indicator.smallest or 1.0
            sign = -1.0 if indicator.better == "lower" else 1.0
            if math.isnan(r["diff"]):
                continue
            low, high = r["diff_low"], r["diff_high"]
            if r["diff_method"] == "exact" or math.isnan(low) or math.isnan(high):
                low = high = r["diff"]
            ends = sorted((sign * low / scale, sign * high / scale))
            ys.append(y + offset)
            xs.append(sign * r["diff"] / scale)
            lows.append(ends[0])
            highs.append(ends[1])
        if not xs:
            continue
        reach = max(reach, *map(abs, lows), *map(abs, highs))
        ax.hlines(ys, lows, highs, color=colours[s], lw=1.6, zorder=2)
        ax.scatter(xs, ys, marker=MARKERS[(k + 1) % len(MARKERS)], color=colours[s], s=22,
                   zorder=3, label=_wrap(titles[s], 50))  # fmt: skip
    ax.set_xscale("symlog", linthresh=1, linscale=1.5)
    ax.set_xlim(-reach * 1.3, reach * 1.3)
    ax.set_ylim(len(lines) - 0.4, -0.6)
    ax.set_yticks(range(len(lines)), [label for label, _ in lines], fontsize=6.5)
    for tick, (_, key) in zip(ax.get_yticklabels(), lines, strict=True):
        if key is None:
            tick.set_fontweight("bold")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.tick_params(axis="x", labelsize=7)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel(f"difference from {_wrap(titles[base], 50)}, in smallest differences that "
                  "matter\n(worse to the left, better to the right; grey: no practical "
                  "difference; lines: 95% intervals)", fontsize=7)  # fmt: skip
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(3, len(others)),
              frameon=False)  # fmt: skip
    fig.subplots_adjust(left=0.42, right=0.98, top=1 - 0.5 / fig.get_figheight(),
                        bottom=0.75 / fig.get_figheight())  # fmt: skip
    return fig


def _distributions(results: Results, names: list[str], titles: dict, colours: dict):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3))
    if results.issues is not None:
        data, unit = results.issues, "issues, all runs"
        columns = ("weeks_to_decision", "weeks_to_delivery")
    else:
        data, unit = results.runs, "median per run"
        columns = ("median_weeks_to_decision", "median_weeks_to_delivery")
    for ax, column in zip(axes, columns, strict=True):
        values = [data[data["structure"] == s][column].dropna() for s in names]
        top = max((v.max() for v in values if len(v)), default=1)
        bins = np.linspace(0, top if top > 0 else 1, 30)
        for s, v in zip(names, values, strict=True):
            if v.empty:
                continue
            ax.hist(v, bins=bins, label=_wrap(titles[s], 40), density=True, histtype="step",
                    linewidth=1.8, color=colours[s])  # fmt: skip
        words = column.replace("median_", "").replace("_", " ")
        ax.set_title(f"{words} ({unit}; issues still open at the end are not shown)",
                     fontsize=8)  # fmt: skip
        ax.set_xlabel("weeks", fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


_PATHWAYS: list = [None, {}]  # the last results drawn, and each option's pathway run


def _pathway_runs(results: Results) -> dict:
    """Each option's replication with the median named-issue time to decision, re-simulated,
    and its first named issue's timeline (None where there is none), computed once for all
    the options of a results set: their figures share one time axis."""
    if _PATHWAYS[0] is results:
        return _PATHWAYS[1]
    scenario = load_scenario(results.scenario)
    out: dict = {}
    for name in results.structures:
        runs = results.runs[results.runs["structure"] == name].copy()
        key = "named_weeks_to_decision" if "named_weeks_to_decision" in runs else "issues_decided"
        runs = runs.dropna(subset=[key])
        if runs.empty or not scenario.issues:
            out[name] = None
            continue
        target = runs[key].median()
        row = runs.iloc[(runs[key] - target).abs().argsort().iloc[0]]
        params = dict(results.parameters)
        params |= {c[2:]: float(row[c]) for c in runs.columns if c.startswith("p_")}
        spec = load_structure(results.structures[name])
        result = run_once(spec, scenario, int(row["seed"]), params)
        out[name] = {"row": row, "key": key, "timeline": timeline(result, scenario.issues[0].id),
                     "names": spec.names_by_id(scenario.bodies)}  # fmt: skip
    _PATHWAYS[:] = [results, out]
    return out


def _pathway(results: Results, name: str, title: str, colour: str):
    """Re-simulate the replication whose named-issue time to decision is the median, and draw
    its first named issue's pathway (:mod:`sim.analysis.pathway`): from the issue's arrival to
    the end of its pathway, a bar per body holding it (by its title), the waiting with nobody
    holding it in words, each action at a special meeting marked; every option on one time
    axis and at one height."""
    runs = _pathway_runs(results)
    if runs.get(name) is None:
        return None, ""
    drawn = [r for r in runs.values() if r is not None]
    xlim = shared_xlim([r["timeline"] for r in drawn])
    n_rows = max(len(pathway_rows(r["timeline"])) for r in drawn)
    run = runs[name]
    line = run["timeline"]
    fig, ax = plt.subplots(figsize=(5.6, 0.36 * n_rows + 1.9))
    draw_timeline(ax, line, run["names"], colour, xlim, n_rows)
    ax.set_title(_wrap(title, 60), fontsize=8, color=colour)
    pathway_legend(ax, colour)
    row, key = run["row"], run["key"]
    replication = int(row["replication"]) if "replication" in row else 0
    measure = (
        "weeks to decision of the named issues" if key.startswith("named") else "issues decided"
    )
    end = (f"{line.stage} at week {line.end:.1f}" if line.stage in ("closed", "dropped")
           else f"still open at the end of the run (week {line.end:g})")  # fmt: skip
    specials = len(line.specials)
    special = (f"; {specials} step{'s' * (specials != 1)} taken at a special meeting"
               if specials else "; no step taken at a special meeting")  # fmt: skip
    caption = (f"{line.title}: replication {replication + 1}, the run with the median "
               f"{measure} ({rounded(float(row[key]))}); arrives week {line.arrival:g}, "
               f"{end}{special}")  # fmt: skip
    return fig, caption


def render(results_list: list[Results], title: str, progress: bool = False,
           robustness: Path | None = None, folder: Path | None = None) -> str:  # fmt: skip
    """The page, with a progress bar of its steps (comparisons, figures, pathways). Rendered
    from ``templates/report.html`` with autoescaping on: every name, title and description
    from a user's file is escaped. ``robustness`` is a `sim robustness` folder whose
    conclusions qualify the verdicts. ``folder`` is where the results were read from: a
    comparison's table is taken from its ``comparison.csv`` when that is the table of these
    runs (:func:`_stored_table`). Sections (a sweep's scenarios) are made side by side on the
    machine's cores, and a comparison's pathways beside the rest of its section."""
    # a robustness folder that does not fit is refused before any work
    robust = [None if robustness is None else
              load_robustness(robustness, load_scenario(r.scenario).name, list(r.structures))
              for r in results_list]  # fmt: skip
    with bar(sum(_steps(r) for r in results_list), "steps", progress) as done:
        sections = _sections(results_list, robust, done, folder)
    return _template().render(
        title=title,
        generated=f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
        version=__version__,
        method_note=stats.METHOD_NOTE,
        sections=sections,
        style=verdict_style,
    )


class _Quiet:
    """The progress of a part made in a worker (the page's bar counts it when it is back)."""

    def update(self, n: int = 1) -> None:
        pass


def _pool(jobs: int, least: int = 2) -> ProcessPoolExecutor | None:
    """Worker processes for the page's independent parts, forked from this process (so they
    start at once with everything imported; :func:`sim.experiment.executors.worker_context`),
    one per core up to ``jobs``; None where forking is not safe, with one core, or with fewer
    than ``least`` workers to give."""
    cores = os.cpu_count() or 1
    workers = min(jobs, cores)
    context = worker_context()
    if cores < 2 or workers < least or context.get_start_method() != "fork":
        return None
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(os.getpid(),))  # fmt: skip


def _section_alone(results: Results, robustness: Robustness | None,
                   folder: Path | None) -> dict:  # fmt: skip
    return _render_one(results, _Quiet(), robustness, folder)


def _sections(results_list: list[Results], robust: list, done: Bar,
              folder: Path | None) -> list[dict]:  # fmt: skip
    """Each results' section: side by side in worker processes when there are several (a
    sweep's scenarios), else in this process (whose section sends its pathways out)."""
    pool = _pool(len(results_list)) if len(results_list) > 1 else None
    if pool is None:
        return [_render_one(r, done, rb, folder)
                for r, rb in zip(results_list, robust, strict=True)]  # fmt: skip
    with pool:
        futures = [pool.submit(_section_alone, r, rb, folder)
                   for r, rb in zip(results_list, robust, strict=True)]  # fmt: skip
        for future, r in zip(futures, results_list, strict=True):
            future.result()
            done.update(_steps(r))
        return [f.result() for f in futures]


def _pathway_picture(results: Results, name: str, title: str, colour: str) -> dict | None:
    """A pathway (:func:`_pathway`) as the page shows it."""
    fig, caption = _pathway(results, name, title, colour)
    if fig is None:
        return None
    return {"image": _figure_uri(fig), "caption": caption, "title": title, "colour": colour}


def summary_html(summary: Summary) -> str:
    """The first screen alone, as an HTML fragment with its stylesheet (the app shows it)."""
    env = _environment()
    css = env.get_template("report.css").render()
    fragment = env.get_template("verdict.html").render(summary=summary, style=verdict_style)
    return f"<style>{css}</style>{fragment}"


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    from sim.analysis.verdict import ROLE_WORDS

    env = Environment(
        loader=PackageLoader("sim.analysis", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )
    env.globals["role"] = lambda role: ROLE_WORDS.get(role, role)
    return env


def _template():
    """The page's template, shipped as package data, with autoescaping on."""
    return _environment().get_template("report.html")


def _criteria(catalogue: dict) -> list[str]:
    """The criteria with at least one indicator, in the verdict's order."""
    present = {i.criterion for i in catalogue.values()}
    return [c for c in ORDER if c in present]


def _catalogue(results: Results, scenario) -> dict:
    return catalogue(results.runs, scenario)


def _steps(results: Results) -> int:
    """The steps of one results' section: the comparison, a diagram and a pathway per
    structure, the distributions, and (for a comparison at one point) the criteria figure."""
    runs = results.runs
    one_point = "point" not in runs or runs["point"].nunique() <= 1
    return 2 + 2 * len(results.structures) + (1 if one_point else 0)


def _render_one(results: Results, done: Bar, robustness: Robustness | None,
                folder: Path | None = None) -> dict:  # fmt: skip
    """One scenario's section, as plain values for the template (which escapes them). Its
    pathways (each a re-simulated run) are drawn in a worker process beside the rest where
    the machine has a core for it."""
    names = list(results.structures)
    scenario = load_scenario(results.scenario)
    specs = {n: load_structure(results.structures[n]) for n in names}
    titles = {n: specs[n].display_name for n in names}
    colours = structure_colours(names)
    catalogue = _catalogue(results, scenario)
    indicators = list(catalogue.values())
    pool = _pool(1, least=1) if isinstance(done, Bar) else None  # not from a worker
    pathways = [None if pool is None else
                pool.submit(_pathway_picture, results, n, titles[n], colours[n])
                for n in names]  # fmt: skip
    try:
        return _fill(
            {},
            results,
            done,
            robustness,
            folder,
            names,
            scenario,
            specs,
            titles,
            colours,
            catalogue,
            indicators,
            pathways,
        )
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _fill(section: dict, results, done, robustness, folder, names, scenario, specs, titles,
          colours, catalogue, indicators, pathways) -> dict:  # fmt: skip
    """The section's contents (:func:`_render_one`); ``pathways`` holds each option's pathway
    being drawn elsewhere, or None where it is drawn here."""
    base = names[0]
    runs = results.runs
    stored = len(runs) + results.failed
    unfinished = (stored, results.expected) if results.expected and stored < results.expected \
        else None  # fmt: skip
    section |= {"scenario": scenario.display_name, "description": scenario.description,
                     "scenario_name": scenario.name,
                     "names": names, "base": base, "titles": titles, "colours": colours,
                     "unfinished": unfinished, "failed": results.failed, "sweep": None,
                     "compare": None, "table": None, "key": None,
                     "tested": robustness is not None}  # fmt: skip
    points = runs["point"].nunique() if "point" in runs else 1
    table = None
    where = (scenario.display_name, scenario.description)
    if points > 1:
        reps = int(runs.groupby(["structure", "point"]).size().min())
        regression = sweep_regression(runs, names, indicators)
        section["summary"] = summarise_sweep(regression, names, titles, catalogue, where,
                                             replications=reps, failed=results.failed,
                                             unfinished=unfinished)  # fmt: skip
        per_point, spread = across_points(runs, names, indicators)
        slopes = [p for p in regression["parameters"].iloc[0].split(", ") if p]
        section["sweep"] = {
            "points": points,
            "reps": reps,
            "slopes": slopes,
            "slope_titles": [_title(p) for p in slopes],  # the parameters by their titles
            "tests": int(regression["tests"].iloc[0]),
            "regression": _regression_rows(regression, titles, slopes),
            "point_tests": family_size(per_point),
            "point_needed": needed(per_point),
            "rows": _spread_rows(spread, titles),
        }
        done.update()
    else:
        table = None if folder is None else _stored_table(folder, results, catalogue)
        if table is None:
            table = comparison_table(results, catalogue)
        censored = None
        if "named_decision_censored_share" in runs:
            censored = runs.groupby("structure")["named_decision_censored_share"].mean().to_dict()
        section["summary"] = summarise(table, names, titles, catalogue, where,
                                       robustness=robustness, failed=results.failed,
                                       unfinished=unfinished, censored=censored,
                                       roles={n: specs[n].appraisal for n in names})  # fmt: skip
        section["compare"] = {"n": int(runs.groupby("structure").size().min()),
                              "kind": results.kind, "tests": family_size(table),
                              "needed": needed(table)}  # fmt: skip
        done.update()
    section["diagrams"] = []
    for name in names:
        picture = _diagram(specs[name], colours[name])
        section["diagrams"].append({**picture, "caption": titles[name], "name": name,
                                    "colour": colours[name]})  # fmt: skip
        done.update()
    section["criteria"] = []
    if table is not None:
        rows = _table_rows(
            table, names, catalogue, section["summary"] if robustness is not None else None
        )
        key_ids = [i.name for i in headline_indicators(runs, scenario)]
        section["key"] = {"rows": [r for r in rows if r["indicator"] in key_ids]}
        section["table"] = {"groups": _grouped([r for r in rows if r["indicator"] not in key_ids])}
        if len(names) > 1:
            fig = _criteria_figure(table, catalogue, names, titles, colours)
            section["criteria"].append({"image": _figure_uri(fig, tight=False)})
        done.update()
    section["distributions"] = _figure_uri(_distributions(results, names, titles, colours))
    done.update()
    section["pathways"] = []
    for name, drawing in zip(names, pathways, strict=True):
        picture = (_pathway_picture(results, name, titles[name], colours[name])
                   if drawing is None else drawing.result())  # fmt: skip
        if picture is not None:
            section["pathways"].append(picture)
        done.update()
    return section


def _stored_table(folder: Path, results: Results, catalogue: dict) -> pd.DataFrame | None:
    """The table `sim compare` wrote (``comparison.csv``) when it is the one
    :func:`comparison_table` would make of these runs: one root seed, the verdict catalogue's
    family in its order, every option in order, as many runs and pairs as the folder holds,
    the same smallest differences and directions, and the family's size and pairs needed as
    the method gives them. Otherwise None (the report recomputes it). Recomputing takes a
    bootstrap of every mean and difference and a permutation test of every difference: most
    of a comparison report's time."""
    path = folder / "comparison.csv"
    runs, names = results.runs, list(results.structures)
    if results.kind != "compare" or not path.is_file() or path.is_symlink():
        return None
    if "root_seed" in runs and runs["root_seed"].nunique() != 1:
        return None
    try:
        table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError):
        return None
    columns = ["indicator", "structure", "label", "better", "smallest", "n", "mean",
               "ci_low", "ci_high", "ci_method", "diff", "diff_low", "diff_high", "diff_n",
               "diff_method", "p_value", "p_adjusted", "tests", "pairs_needed",
               "verdict"]  # fmt: skip
    if any(c not in table for c in columns):
        return None
    expected = [(i, s) for i in catalogue for s in names]
    if list(zip(table["indicator"], table["structure"], strict=True)) != expected:
        return None
    counts = runs.groupby("structure").size()
    base = table["structure"] == names[0]
    try:
        indicators = [catalogue[i] for i in table["indicator"]]
        tests = int(table.loc[~base, "diff_n"].ge(2).sum())
        fits = (
            all(str(b) == (i.better or "nan") or (not i.better and str(b) in ("", "nan"))
                for b, i in zip(table["better"], indicators, strict=True))
            and all(float(v) == float(i.smallest) for v, i in
                    zip(table["smallest"], indicators, strict=True))
            and table["label"].tolist() == [i.label for i in indicators]
            and (table["n"] <= table["structure"].map(counts)).all()
            and (table.loc[~base, "tests"] == tests).all()
            and (table.loc[~base, "pairs_needed"] == stats.pairs_needed(tests)).all()
        )  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None
    if not fits:
        return None
    for column in ("better", "unit"):  # empty, as the computed table has them
        if column in table:
            table[column] = table[column].fillna("")
    table.loc[base, "verdict"] = ""
    return table.drop(columns=[c for c in ("root_seed",) if c in table])


def comparison_table(results: Results, catalogue: dict) -> pd.DataFrame:
    """The paired comparison of results at one point, as the report shows it: the family of
    the verdict's catalogue, every option against the first (the table `sim compare` and the
    app make of the same runs)."""
    return paired_comparison(results.runs, list(results.structures), list(catalogue.values()))


def _regression_rows(regression: pd.DataFrame, titles: dict, slopes: list[str]) -> list[dict]:
    """The sweep's regression, row by row, as the page shows it."""
    rows = []
    for row in regression.itertuples(index=False):
        exact = "exact" if row.diff_method == "exact" else "bca"
        slope_cells = [_cell(getattr(row, f"{s}_slope", math.nan),
                             getattr(row, f"{s}_low", math.nan),
                             getattr(row, f"{s}_high", math.nan), exact, signed=True)
                       for s in slopes]  # fmt: skip
        rows.append({"label": row.label, "structure": titles.get(row.structure, row.structure),
                     "centre": _cell(row.diff, row.diff_low, row.diff_high, exact, signed=True),
                     "verdict": row.verdict, "slopes": slope_cells,
                     "depends": row.depends})  # fmt: skip
    return rows


def _spread_rows(spread: pd.DataFrame, titles: dict) -> list[dict]:
    rows = []
    for row in spread.itertuples(index=False):
        tally = {v: getattr(row, verdict_column(v)) for v in VERDICTS}
        rows.append({"label": row.label, "structure": titles.get(row.structure, row.structure),
                     "min": rounded(row.diff_min), "median": rounded(row.diff_median),
                     "max": rounded(row.diff_max),
                     "counts": ", ".join(f"{n} {v}" for v, n in tally.items() if n)})  # fmt: skip
    return rows


def _table_rows(table: pd.DataFrame, names: list[str], catalogue: dict,
                summary: Summary | None = None) -> list[dict]:  # fmt: skip
    """The rows of the report's indicator tables (:func:`sim.analysis.verdict.row_cells`:
    every number in its unit, one number of decimals a row). With a robustness run behind the
    first screen (``summary``), each difference the run tested says what it found, as the
    first screen's cell of the same claim does."""
    rows = []
    for key, group in table.groupby("indicator", sort=False):
        g = group.set_index("structure")
        indicator = catalogue.get(key)
        unit = indicator.unit if indicator else str(g.iloc[0].get("unit", "") or "")
        cells, texts = row_cells(
            unit,
            [(g.loc[s]["mean"], g.loc[s]["ci_low"], g.loc[s]["ci_high"], g.loc[s]["ci_method"])
             for s in names],
            [(g.loc[s]["diff"], g.loc[s]["diff_low"], g.loc[s]["diff_high"],
              g.loc[s]["diff_method"]) for s in names[1:]],
        )  # fmt: skip
        diffs = []
        for s, text in zip(names[1:], texts, strict=True):
            r = g.loc[s]
            diffs.append({"verdict": r["verdict"], "text": text,
                          "robust": tested_note(summary, s, key)})  # fmt: skip
        rows.append({"indicator": key, "criterion": indicator.criterion if indicator else "OUTCOME",
                     "label": g.iloc[0]["label"], "better": g.iloc[0]["better"] or "",
                     "unit": RESOURCE_UNITS if unit == "units a year" else "",
                     "cells": cells, "diffs": diffs})  # fmt: skip
    return rows


def tested_note(summary: Summary | None, option: str, indicator: str) -> str:
    """What the robustness run behind ``summary`` found about ``option``'s difference on
    ``indicator`` (the claim the first screen's cell reads), in a few words; "at the default
    assumptions only" where it was given a run that did not test this claim; empty without a
    robustness run (the table then says its verdicts are at the default assumptions)."""
    if summary is None:
        return ""
    for row in summary.rows:
        for v in row["verdicts"]:
            if v.option == option and indicator in v.tested:
                found = v.tested[indicator]
                return ("across the assumptions: " + claim_note(found) if found
                        else DEFAULTS_ONLY)  # fmt: skip
    return ""


def _grouped(rows: list[dict]) -> list[dict]:
    """The rows by criterion, in the verdict's order."""
    out = []
    for criterion in ORDER:
        mine = [r for r in rows if r["criterion"] == criterion]
        if mine:
            out.append({"criterion": criterion, "text": CRITERION_TEXT[criterion], "rows": mine})
    return out


def _cell(mean: float, low: float, high: float, method: str, signed: bool = False) -> str:
    sign = "+" if signed and mean > 0 else ""
    if method == "exact":
        text = rounded(mean)
        return f"{sign}{text} (every run)" if signed else f"{text} (every run)"
    if isinstance(low, float) and math.isnan(low):
        return sign + rounded(mean)
    return (
        f"{sign}{rounded(mean, low, high)} [{rounded(low, low, high)}, {rounded(high, low, high)}]"
    )


def write_report(folder: Path, out: Path, progress: bool = False,
                 robustness: Path | None = None) -> Path:  # fmt: skip
    """The appraisal of the results in ``folder``, as one HTML page at ``out``."""
    results = load_results(folder)
    title = ", ".join(load_scenario(r.scenario).display_name for r in results)
    replace_text(out, render(results, f"Option appraisal: {title}", progress, robustness,
                             folder=Path(folder)))  # fmt: skip
    return out
