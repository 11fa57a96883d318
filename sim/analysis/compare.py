"""Paired comparison of structures: means, paired differences, verdicts and figures, made from
tables of runs (nothing here runs a model). `sim compare` makes its runs with
:func:`sim.experiment.compare.comparison_runs` and compares them with :func:`comparison_of`.

Replication i of every structure shares its seed (common random numbers), so the difference
between two structures is estimated from the per-replication differences. How the intervals,
tests, multiplicity adjustment and verdicts are made is in :mod:`sim.analysis.stats`; which
difference matters for each indicator is declared in :mod:`sim.model.indicators` (and, for
a scenario's outcome indicators, in the scenario file).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis import stats
from sim.analysis.verdict import catalogue
from sim.experiment.paired import PairedRuns
from sim.experiment.results import Comparison
from sim.model.indicators import BY_NAME, HEADLINE_INDICATORS, Indicator
from sim.paths import inside, naming
from sim.progress import bar
from sim.spec import load_scenario
from sim.spec.scenario import ScenarioSpec

HEADLINE: dict[str, str] = {i.name: i.label for i in HEADLINE_INDICATORS}


def outcome_indicators(scenario: ScenarioSpec) -> list[Indicator]:
    """A scenario's outcome indicators as measures: the value at the end of the run, and the
    mean over the run's weeks (which rewards getting there sooner)."""
    out = []
    for spec in scenario.indicators:
        words = spec.name.replace("_", " ")
        over = f"{spec.aggregate} over districts"
        smallest = spec.smallest(scenario.duration_weeks)
        limits = ("Moves only by the scenario's declared baseline, trend, shocks and effects "
                  "of delivered work; nothing outside the scenario acts on it.")  # fmt: skip
        out.append(Indicator(f"outcome_{spec.name}", "OUTCOME", f"outcome: {words} (end)",
                             f"{spec.description or words} at the end of the run ({over}).",
                             spec.good, spec.unit, smallest, limits))  # fmt: skip
        out.append(Indicator(f"outcome_{spec.name}_average", "OUTCOME",
                             f"outcome: {words} (mean)",
                             f"{spec.description or words}, mean over the run's weeks ({over}).",
                             spec.good, spec.unit, smallest, limits))  # fmt: skip
    return out


def headline_indicators(runs: pd.DataFrame, scenario: ScenarioSpec | None = None) -> list:
    """The headline measures present in these runs, then the scenario's outcome indicators."""
    out = [i for i in HEADLINE_INDICATORS if i.name in runs.columns]
    if scenario is not None:
        out += [i for i in outcome_indicators(scenario) if i.name in runs.columns]
    return out


def evaluation_indicators(runs: pd.DataFrame) -> list[Indicator]:
    from sim.model.indicators import INDICATORS

    return [i for i in INDICATORS if i.name in runs.columns]


def paired_comparison(
    runs: pd.DataFrame,
    structures: list[str],
    indicators: list[Indicator],
    pair_on: tuple[str, ...] = ("replication",),
    quick: bool = False,
    intervals: bool = True,
) -> pd.DataFrame:
    """One row per indicator and structure: the mean with its 95% interval; and, for every
    structure after the first, the paired difference from the first (paired on ``pair_on``)
    with its interval, p-value, and Holm-adjusted p-value across the family of every
    difference in the table (each indicator, each structure against the first), significance
    and verdict (:func:`sim.analysis.stats.verdict`). ``tests`` is the family's size and
    ``pairs_needed`` the fewest pairs at which any of its differences can be significant
    (:func:`sim.analysis.stats.pairs_needed`). The family is whatever ``indicators`` are
    given: the command, the report and the app all give the verdict's catalogue
    (:func:`sim.analysis.verdict.catalogue`). ``quick`` uses 500 bootstrap resamples, not
    2,000 (for the many small tables of a sweep's points); the test is the same. Without
    ``intervals`` each option's own mean has no interval (``ci_method`` "not computed"): the
    paired differences, their intervals, tests and verdicts are the same."""
    resamples = 500 if quick else stats.RESAMPLES
    base = structures[0]
    wide = {
        s: runs[runs["structure"] == s].set_index(list(pair_on)).sort_index() for s in structures
    }
    keys = wide[base].index
    rows, differences = [], []
    for indicator in indicators:
        key = indicator.name
        for s in structures:
            values = wide[s][key].to_numpy(dtype=float)
            if intervals:
                est = stats.mean_interval(values, resamples=resamples)
            else:
                known = values[~np.isnan(values)]
                mean = float(known.mean()) if len(known) else math.nan
                est = stats.Estimate(mean, math.nan, math.nan, len(known), "not computed")
            row = {"indicator": key, "label": indicator.label, "unit": indicator.unit,
                   "better": indicator.better, "smallest": indicator.smallest, "structure": s,
                   "n": est.n, "mean": est.value, "ci_low": est.low, "ci_high": est.high,
                   "ci_method": est.method}  # fmt: skip
            diff = None
            if s != base:
                other = wide[s][key].reindex(keys).to_numpy(dtype=float)
                diff = stats.paired_differences(wide[base][key].to_numpy(dtype=float), other)
                d = stats.mean_interval(diff, resamples=resamples)
                row |= {"diff_vs": base, "diff": d.value, "diff_low": d.low,
                        "diff_high": d.high, "diff_n": d.n, "diff_method": d.method}  # fmt: skip
            rows.append(row)
            differences.append(diff)
    table = pd.DataFrame(rows)
    if len(structures) < 2 or table.empty:
        return table
    tests = sum(1 for d in differences if d is not None and len(d) >= 2)  # those with a p
    permutations = stats.permutations_for(tests)
    table["p_value"] = [math.nan if d is None else stats.sign_flip_p(d, permutations=permutations)
                        for d in differences]  # fmt: skip
    others = table["structure"] != base
    table.loc[others, "p_adjusted"] = stats.adjust(table.loc[others, "p_value"])
    table.loc[others, "adjustment"] = stats.ADJUSTMENT
    needed = stats.pairs_needed(tests, permutations=permutations)
    table.loc[others, "tests"] = tests
    table.loc[others, "pairs_needed"] = needed
    verdicts, significant = [], []
    for row in table.itertuples():
        if row.structure == base:
            verdicts.append("")
            significant.append(False)
            continue
        est = stats.Estimate(row.diff, row.diff_low, row.diff_high, row.diff_n, row.diff_method)
        verdicts.append(stats.verdict(est, row.p_adjusted, row.smallest, row.better,
                                      needed=needed))  # fmt: skip
        significant.append(bool(row.diff_n >= needed) and bool(row.p_adjusted < stats.ALPHA))
    table["verdict"] = verdicts
    table["significant"] = significant
    return table


def across_points(
    runs: pd.DataFrame, structures: list[str], indicators: list[Indicator]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A sweep's design points one by one, a detail beside its regression
    (:func:`sim.analysis.sweeps.sweep_regression`): structures are compared within each
    point (paired by replication there), never by pooling points with different parameters
    as if they were replications. Returns the per-point comparisons and, per indicator and
    structure, the spread across points: the smallest, median and largest point difference
    and how many points gave each verdict. Each point's table is the family of
    ``indicators`` (its own Holm adjustment) with 500 bootstrap resamples (``quick``), and
    no interval for each option's own mean at a point (nothing here shows it)."""
    per_point = []
    for point, rows in runs.groupby("point", sort=True):
        table = paired_comparison(rows, structures, indicators, quick=True, intervals=False)
        per_point.append(table.assign(point=point))
    points = pd.concat(per_point, ignore_index=True)
    diffs = points[points["structure"] != structures[0]]
    summary = []
    for (key, structure), g in diffs.groupby(["indicator", "structure"], sort=False):
        counts = g["verdict"].map(word).value_counts()
        summary.append({
            "indicator": key, "label": g["label"].iloc[0], "structure": structure,
            "points": len(g), "diff_min": g["diff"].min(), "diff_median": g["diff"].median(),
            "diff_max": g["diff"].max(), "replications_per_point": int(g["diff_n"].min()),
            "pairs_needed": int(g["pairs_needed"].max()),
            **{verdict_column(v): int(counts.get(v, 0)) for v in VERDICTS},
        })  # fmt: skip
    return points, pd.DataFrame(summary)


def word(verdict: str) -> str:
    """A verdict's word without its detail: "too few runs (at least 11 pairs needed)" is
    "too few runs"."""
    return verdict.split(" (", 1)[0]


def verdict_column(verdict: str) -> str:
    """The column of :func:`across_points`' summary that counts points with ``verdict``."""
    return "points_" + "".join(c if c.isalnum() else "_" for c in verdict)


VERDICTS = stats.VERDICTS


def format_across_points(summary: pd.DataFrame) -> str:
    """The spread of a sweep's per-point differences, one line per indicator and structure."""
    lines = [f"{'indicator':<42} {'structure':>20}  {'point differences: min / median / max':>40}"
             "  verdicts at the points"]  # fmt: skip
    for row in summary.itertuples(index=False):
        spread = f"{fmt(row.diff_min)} / {fmt(row.diff_median)} / {fmt(row.diff_max)}"
        tally = {v: getattr(row, verdict_column(v)) for v in VERDICTS}
        counts = ", ".join(f"{n} {v}" for v, n in tally.items() if n)
        lines.append(f"{row.label:<42} {row.structure:>20}  {spread:>40}  {counts}")
    return "\n".join(lines)


def too_small(table: pd.DataFrame) -> int | None:
    """The number of pairs when a comparison has too few of them for any difference of its
    family to be significant (fewer than its ``pairs_needed``), else None."""
    pairs = table["diff_n"].dropna() if "diff_n" in table else pd.Series(dtype=float)
    if pairs.empty:
        return 0
    n = int(pairs.max())
    return n if n < needed(table) else None


def needed(table: pd.DataFrame) -> int:
    """The fewest pairs at which any difference of the table's family can be significant."""
    return int(table["pairs_needed"].dropna().max())


def family_size(table: pd.DataFrame) -> int:
    """How many differences the table's Holm adjustment runs over (its family)."""
    return int(table["tests"].dropna().max())


def fmt(value: float, digits: int = 2) -> str:
    """A number as a table shows it: thousands separated, no false precision."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    text = f"{value:.{digits}f}"
    return "0.00" if text in ("-0.00", "-0.0") else text


def _interval(mean: float, low: float, high: float, method: str) -> str:
    if method == "exact":
        return f"{fmt(mean)} (exact)"
    if method in ("single", "none") or math.isnan(low):
        return f"{fmt(mean)}"
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


def option_keys(names: list[str]) -> dict[str, str]:
    """Each option's short key in a plain-text table: "option 1", "option 2", ... (the
    legend above the table names each by its title)."""
    return {n: f"option {i}" for i, n in enumerate(names, start=1)}


def option_legend(keys: dict[str, str], specs: list) -> list[str]:
    """The options in words, one line each: "option 1: Five-element structure (2007), business
    as usual (the baseline)"."""
    from sim.analysis.verdict import ROLE_WORDS

    lines = []
    for k, spec in enumerate(specs):
        role = ROLE_WORDS.get(spec.appraisal, "")
        said = ", ".join(w for w in (role, "the baseline" if k == 0 else "") if w)
        lines.append(f"{keys[spec.name]}: {spec.display_name}" + (f" ({said})" if said else ""))
    return lines


def format_comparison(table: pd.DataFrame, structures: list[str],
                      keys: dict[str, str] | None = None, notes: bool = True) -> str:  # fmt: skip
    """The comparison as one plain-text table: mean [95% interval] per structure, then the
    paired difference from the first structure with its interval and verdict, every number in
    its indicator's unit and a row's numbers with one number of decimals, as the report and
    the app show them (:func:`sim.analysis.verdict.row_cells`), and a footer that says how
    the numbers were made (leave it out with ``notes=False``; the warning that a comparison is
    too small is always kept)."""
    from sim.analysis.verdict import group_cells

    keys = keys or {s: s for s in structures}
    base = structures[0]
    rows = []
    for _, group in table.groupby("indicator", sort=False):
        g = group.set_index("structure")
        means, diffs = group_cells(g, structures)
        marks = ["*" if g.loc[s]["significant"] else " " for s in structures[1:]]
        verdicts = [str(g.loc[s]["verdict"]) for s in structures[1:]]
        rows.append((str(g["label"].iloc[0]), means, [d + m for d, m in zip(diffs, marks,
                                                                            strict=True)],
                     verdicts))  # fmt: skip
    label_width = max(34, *(len(r[0]) + 2 for r in rows)) if rows else 34
    width = {s: max(26, len(keys[s]) + 2, *(len(r[1][k]) + 2 for r in rows))
             for k, s in enumerate(structures)}  # fmt: skip
    dwidth = {s: max(len(f"{keys[s]} - {keys[base]}") + 2, *(len(r[2][k]) + 2 for r in rows))
              for k, s in enumerate(structures[1:])}  # fmt: skip
    head = [f"{'indicator':<{label_width}}"] + [f"{keys[s]:>{width[s]}}" for s in structures]
    head += [f"{f'{keys[s]} - {keys[base]}':>{dwidth[s]}}  {'verdict':<23}"
             for s in structures[1:]]  # fmt: skip
    lines = ["".join(head).rstrip()]
    for label, means, diffs, verdicts in rows:
        cells = [f"{label:<{label_width}}"]
        cells += [m.rjust(width[s]) for m, s in zip(means, structures, strict=True)]
        cells += [f"{d:>{dwidth[s]}}  {v:<23}"
                  for d, v, s in zip(diffs, verdicts, structures[1:], strict=True)]  # fmt: skip
        lines.append("".join(cells).rstrip())
    if notes:
        return "\n".join([*lines, *footer(table)])
    n = too_small(table)
    warning = [f"TOO SMALL: only {n} paired replications."] if n is not None else []
    return "\n".join([*lines, *warning])


def footer(table: pd.DataFrame) -> list[str]:
    """How the table was made, and the warnings that matter. ``table`` holds the rows shown;
    the family its adjusted p-values come from may be larger (``tests``)."""
    shown = int((table["structure"] != table["structure"].iloc[0]).sum()) if len(table) else 0
    tests, n_needed = family_size(table), needed(table)
    rows = "" if shown == tests else f"; {shown} of them shown here, all in comparison.csv"
    intervals = (
        "Intervals: 95% bootstrap of the mean (BCa, 2,000 resamples; percentile where BCa is "
        "undefined); differences paired by replication; '(every run)' = the same in every "
        "replication. Shares in percent, their differences in percentage points."
    )
    stars = (
        f"* = significant after Holm adjustment across the comparison's {tests} differences "
        "(every indicator the report and the app judge, every option against the first"
        f"{rows}; paired sign-flip permutation test, p < 0.05; unadjusted p-values in the "
        "p_value column of comparison.csv; the intervals are not adjusted). With "
        f"{tests} differences at least {n_needed} pairs are needed before any can be "
        "significant (with n pairs the exact test's smallest p is 2/2^n). Verdicts compare "
        "each difference with the indicator's smallest difference that matters "
        "(docs/indicators.md): 'no practical difference' lies inside it (or is significant but "
        "smaller); 'not clear' is not significant and not shown to be negligible."
    )
    notes = ["", *textwrap.wrap(intervals, 90), *textwrap.wrap(stars, 90)]
    n = too_small(table)
    if n is not None:
        notes.insert(1, f"TOO SMALL: only {n} paired replications; with {tests} differences "
                        f"nothing can be significant below {n_needed}.")  # fmt: skip
    return notes


# -- times that end censored ---------------------------------------------------------------
def censoring_table(issues: pd.DataFrame, structures: list[str], weeks: float) -> pd.DataFrame:
    """For the scenario's named issues, per structure: the share whose decision (delivery) was
    still to come when the run ended (and the share dropped before it, censored when
    dropped), the Kaplan-Meier median weeks with a bootstrap interval over replications, and
    the paired difference of the medians from the first structure.

    ``issues`` holds every run's issues (columns structure, replication, source, raised_at,
    weeks_to_decision, weeks_to_delivery, dropped_at)."""
    named = issues[issues["source"] == "named"]
    base = structures[0]
    rows = []
    for event in ("decision", "delivery"):
        column = f"weeks_to_{event}"
        per_rep = {s: _per_replication(named[named["structure"] == s], column, weeks)
                   for s in structures}  # fmt: skip
        reps = sorted(set.intersection(*(set(p) for p in per_rep.values())))
        for s in structures:
            items = [per_rep[s][r] for r in reps]
            times = [t for item in items for t in item[0]]
            seen = [o for item in items for o in item[1]]
            dropped = [d for item in items for d in item[2]]
            median = stats.km_median(times, seen)
            low, high = stats.bootstrap_statistic([items], _pooled_median, resamples=1000)
            still_open = [not (o or d) for o, d in zip(seen, dropped, strict=True)]
            row = {"event": event, "structure": s, "issues": len(times),
                   "censored_share": float(np.mean(still_open)) if times else math.nan,
                   "dropped_share": float(np.mean(dropped)) if times else math.nan,
                   "km_median": median, "km_low": low, "km_high": high}  # fmt: skip
            if s != base:
                pairs = [per_rep[base][r] for r in reps]
                diff = _pooled_median(items) - _pooled_median(pairs)
                d_low, d_high = stats.bootstrap_statistic(
                    [pairs, items],
                    lambda a, b: _pooled_median(b) - _pooled_median(a),
                    resamples=1000,
                )
                row |= {"diff_vs": base, "km_diff": diff, "km_diff_low": d_low,
                        "km_diff_high": d_high}  # fmt: skip
            rows.append(row)
    return pd.DataFrame(rows)


def _per_replication(rows: pd.DataFrame, column: str, weeks: float) -> dict:
    out: dict = {}
    for rep, group in rows.groupby("replication"):
        seen = group[column].notna().to_numpy()
        stop = group["dropped_at"].fillna(weeks).to_numpy(dtype=float)
        times = np.where(seen, group[column].to_numpy(dtype=float),
                         stop - group["raised_at"].to_numpy(dtype=float))  # fmt: skip
        out[rep] = (times.tolist(), seen.tolist(), group["dropped_at"].notna().tolist())
    return out


def _pooled_median(items: list) -> float:
    times = [t for item in items for t in item[0]]
    seen = [o for item in items for o in item[1]]
    return stats.km_median(times, seen)


def format_censoring(table: pd.DataFrame, structures: list[str],
                     keys: dict[str, str] | None = None) -> str:  # fmt: skip
    """The censoring table in words and numbers."""
    keys = keys or {s: s for s in structures}
    base = structures[0]
    lines = ["Named issues, censoring allowed for (Kaplan-Meier over replications; "
             "n/a = fewer than half reached it):"]  # fmt: skip
    from sim.analysis.verdict import row_cells

    for event, group in table.groupby("event", sort=False):
        g = group.set_index("structure")
        medians, diffs = row_cells(
            "weeks",
            [(g.loc[s]["km_median"], g.loc[s]["km_low"], g.loc[s]["km_high"], "bca")
             for s in structures],
            [(g.loc[s]["km_diff"], g.loc[s]["km_diff_low"], g.loc[s]["km_diff_high"], "bca")
             for s in structures[1:]],
        )  # fmt: skip
        shown = dict(zip(structures, medians, strict=True))
        differences = dict(zip(structures[1:], diffs, strict=True))
        for s in structures:
            r = g.loc[s]
            median = shown[s]
            waiting = f"{r['censored_share']:.0%} of {int(r['issues'])} still to come at the end"
            if r["dropped_share"]:
                waiting += f", {r['dropped_share']:.0%} dropped"
            text = f"  weeks to {event:<9} {keys[s]:>10}: median {median}; {waiting}"
            if s != base:
                text += f"; difference from {keys[base]} {differences[s]}"
            lines.append(text)
    return "\n".join(lines)


# -- the sim compare workflow ------------------------------------------------------------
def comparison_of(paired: PairedRuns, tables: dict[str, pd.DataFrame]) -> Comparison:
    """The comparison of a comparison's runs (``tables``, as
    :func:`sim.experiment.compare.comparison_runs` gave them, made by ``paired.run``): the
    first root seed's table, the named issues' censoring, and whether the conclusions agree
    across root seeds. Each root seed's table is the whole family the report and the app
    judge (:func:`sim.analysis.verdict.catalogue`, every option against the first), so a
    row's adjusted p-value and verdict are theirs; the text shows the headline rows of it.
    Only tables: no run is made here."""
    scenario, names, seeds = paired.scenario, paired.names, paired.seeds
    runs, issues = tables["summary"], tables["issues"]
    family = list(catalogue(runs, scenario).values())  # the report's and the app's
    by_seed = {seed: paired_comparison(runs[runs["root_seed"] == seed], names, family)
               for seed in seeds}  # fmt: skip
    shown = {i.name for i in headline_indicators(runs, scenario)}
    printed = {seed: t[t["indicator"].isin(shown)] for seed, t in by_seed.items()}
    first = seeds[0]
    named = issues[(issues["parent"] == "") & (issues["root_seed"] == first)]
    keys = option_keys(names)
    text = [f"{scenario.display_name}: {scenario.description}",
            *option_legend(keys, paired.specs),
            f"{paired.replications} paired replications per option, root seed {first}; "
            "mean [95% interval]",
            format_comparison(printed[first], names, keys)]  # fmt: skip
    censoring = None
    if (named["source"] == "named").any():
        censoring = censoring_table(named, names, scenario.duration_weeks)
        text += ["", format_censoring(censoring, names, keys)]
    agreement = None
    if len(seeds) > 1:
        agreement = seed_agreement(printed, names)
        text += ["", format_agreement(agreement, seeds, names, keys)]
    return Comparison(
        scenario=str(Path(scenario.source).resolve()),
        structures={n: paired.origin(o) for n, o in zip(names, paired.options, strict=True)},
        replications=paired.replications,
        seeds=list(seeds),
        parameters=dict(paired.parameters),
        runs=runs,
        issues=issues,
        table=pd.concat([t.assign(root_seed=s) for s, t in by_seed.items()], ignore_index=True),
        censoring=censoring,
        agreement=agreement,
        indicators=tables.get("indicators"),
        text="\n".join(text),
    )


def draw_figures(comparison: Comparison, figures: Path, progress: bool = True) -> None:
    """One figure per headline indicator, and one per outcome indicator over time, of the
    first root seed's runs, into ``figures``."""
    scenario = load_scenario(comparison.scenario)
    names = list(comparison.structures)
    first = comparison.seeds[0]
    runs = comparison.runs[comparison.runs["root_seed"] == first]
    indicators = headline_indicators(comparison.runs, scenario)
    outcomes = scenario.indicators if comparison.indicators is not None else []
    with bar(len(indicators) + len(outcomes), "figures", progress) as done:
        for indicator in indicators:
            plot_indicator(runs, names, indicator.name, indicator.label,
                           inside(figures, f"{indicator.name}.png"))  # fmt: skip
            done.update()
        for spec in outcomes:
            series = comparison.indicators[comparison.indicators["root_seed"] == first]
            path = inside(figures, f"outcome_{spec.name}_over_time.png")
            plot_outcome_series(series, spec.name, spec.aggregate, path)
            done.update()


def seed_agreement(by_seed: dict[int, pd.DataFrame], structures: list[str]) -> pd.DataFrame:
    """Per indicator and structure, the verdict under each root seed and whether they agree
    (every verdict the same)."""
    frames = []
    for seed, table in by_seed.items():
        rows = table[table["structure"] != structures[0]]
        frames.append(rows[["indicator", "label", "structure", "verdict"]].assign(root_seed=seed))
    long = pd.concat(frames, ignore_index=True)
    wide = long.pivot_table(index=["indicator", "label", "structure"], columns="root_seed",
                            values="verdict", aggfunc="first", sort=False)  # fmt: skip
    wide.columns = [f"seed_{c}" for c in wide.columns]
    wide["agree"] = wide.nunique(axis=1) == 1
    return wide.reset_index()


def format_agreement(agreement: pd.DataFrame, seeds: list[int], structures: list[str],
                     keys: dict[str, str] | None = None) -> str:  # fmt: skip
    """Each conclusion's verdict under every root seed, and whether they agree."""
    keys = keys or {s: s for s in structures}
    columns = [f"seed_{s}" for s in seeds]
    lines = [f"Across root seeds {', '.join(map(str, seeds))} (verdict under each):"]
    for row in agreement.itertuples(index=False):
        verdicts = " | ".join(str(getattr(row, c)) for c in columns)
        mark = "agree" if row.agree else "DISAGREE"
        lines.append(f"  {row.label:<40} {keys[row.structure]:>10}: {verdicts}  -> {mark}")
    agree = int(agreement["agree"].sum())
    lines.append(f"{agree} of {len(agreement)} conclusions agree across the {len(seeds)} root "
                 "seeds; a conclusion that does not is not yet one.")  # fmt: skip
    return "\n".join(lines)


# -- figures -----------------------------------------------------------------------------------
def plot_indicator(runs: pd.DataFrame, structures: list[str], key: str, label: str, path: Path):
    """Left: each run per structure, mean and 95% interval; right: paired differences."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), width_ratios=[3, 2])
    wide = {s: runs[runs["structure"] == s].set_index("replication")[key] for s in structures}
    rng = np.random.default_rng(0)  # jitter for display only
    for i, s in enumerate(structures):
        values = wide[s].to_numpy(dtype=float)
        left.scatter(i + rng.uniform(-0.12, 0.12, len(values)), values, s=10, alpha=0.5)
        est = stats.mean_interval(values)
        _errorbar(left, i, est, vertical=True)
    left.set_xticks(range(len(structures)), structures)
    left.set_title(label)
    base = structures[0]
    for i, s in enumerate(structures[1:]):
        diff = (wide[s] - wide[base]).to_numpy(dtype=float)
        right.scatter(diff, i + rng.uniform(-0.12, 0.12, len(diff)), s=10, alpha=0.5)
        _errorbar(right, i, stats.mean_interval(diff), vertical=False)
    right.axvline(0, color="grey", lw=1)
    right.set_yticks(range(len(structures) - 1), [f"{s} - {base}" for s in structures[1:]])
    right.set_title("paired difference, 95% interval")
    fig.tight_layout()
    _save(fig, path)


def _save(fig, path: Path) -> None:
    """Save a figure; an error names its file."""
    try:
        with naming(path):
            fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)


def _errorbar(ax, position: float, est: stats.Estimate, vertical: bool) -> None:
    if math.isnan(est.value):
        return
    err = None
    if not math.isnan(est.low):
        err = [[est.value - est.low], [est.high - est.value]]
    if vertical:
        ax.errorbar(position, est.value, yerr=err, fmt="o", color="black", capsize=6)
    else:
        ax.errorbar(est.value, position, xerr=err, fmt="o", color="black", capsize=6)


def plot_outcome_series(series: pd.DataFrame, indicator: str, aggregate: str, path: Path):
    """An outcome indicator over time: mean over replications per structure, with the range
    between the 2.5th and 97.5th percentiles of the replications' values shaded."""
    rows = series[series["indicator"] == indicator]
    per_run = rows.groupby(["structure", "replication", "week"])["value"]
    per_run = (per_run.sum() if aggregate == "sum" else per_run.mean()).reset_index()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for s, g in per_run.groupby("structure", sort=False):
        by_week = g.groupby("week")["value"]
        mean = by_week.mean()
        ax.plot(mean.index, mean, label=s)
        ax.fill_between(mean.index, by_week.quantile(0.025), by_week.quantile(0.975), alpha=0.2)
    ax.set_xlabel("week")
    ax.set_title(f"{indicator.replace('_', ' ')} ({aggregate} over districts; band: 95% of runs)")
    ax.legend()
    fig.tight_layout()
    _save(fig, path)


__all__ = [
    "BY_NAME",
    "HEADLINE",
    "VERDICTS",
    "across_points",
    "censoring_table",
    "comparison_of",
    "draw_figures",
    "evaluation_indicators",
    "fmt",
    "format_across_points",
    "format_agreement",
    "format_censoring",
    "format_comparison",
    "headline_indicators",
    "outcome_indicators",
    "paired_comparison",
    "plot_indicator",
    "plot_outcome_series",
    "seed_agreement",
    "too_small",
    "verdict_column",
]
