"""A sweep's paired differences across its design points, summarised by one regression per
indicator and option.

A sweep's points have different parameters, so they are not replications of one comparison,
and a test at each point on its own has few pairs (and a family of many indicators to
survive). Instead, for every indicator of the family and every option against the baseline,
the per-replication paired differences (option minus baseline, paired by replication within
a point) are averaged over each point's replications, and the point means *d* regressed on
the swept parameters::

    d = b0 + sum_j b_j x_j + e,   x_j = (theta_j - mid_j) / (max_j - min_j)

Each parameter is centred on the middle of the values run and scaled by their range, so
``b0`` is the predicted difference at the centre of the design (every parameter at the
middle of its swept range) and ``b_j`` the predicted change of the difference from the
lowest value of parameter j run to the highest, the others at their centre.

OLS (``statsmodels``) with the design point as the unit: the replications of a point share
its parameters, so they say nothing more about the slopes than their mean does. With equal
replications at every point the estimates are those of OLS on the per-replication
differences; the errors are the classical ones of the point means, with t intervals on
G - k - 1 degrees of freedom (G points, k slopes). Standard errors of the per-replication
regression clustered by point (CR1, t on G - 1 degrees of freedom) were the alternative; in
a simulation of this design their 95% intervals covered the true centre 74% of the time with
4 points, 86% with 6 and 93% with 8 to 20, the point-level ones 95% to 97%. The slopes are
estimated only with at least :data:`MIN_DF` degrees of freedom left (G >= k + 4): with fewer,
a t interval is too wide to settle anything (its 97.5% point is 12.7 on one degree of
freedom, 4.3 on two, 3.2 on three), and the model is the intercept alone, the mean
difference over the design, on G - 1.

- **Verdict** on ``b0``: the words of :func:`sim.analysis.stats.verdict`, with its 95%
  interval and its p-value Holm-adjusted across the family (every indicator, every option).
- **Depends on a parameter** when a slope is significant (Holm across every slope of the
  family) and the predicted difference at the two ends of that parameter's range changes
  sign or crosses the smallest difference that matters: "depends on P (better where it is
  low)", naming each end where the difference matters and which way (higher/lower for an
  indicator with no better direction).
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd

from sim.analysis import stats
from sim.model.indicators import Indicator

PREFIX = "p_"  # a sweep's run rows carry each varied parameter as p_NAME
MIN_DF = 3  # degrees of freedom the slopes must leave for their t intervals


def swept(runs: pd.DataFrame) -> list[str]:
    """The parameters that vary between the design points of ``runs`` (``p_NAME`` columns)."""
    columns = [c for c in runs.columns if c.startswith(PREFIX)]
    per_point = runs.groupby("point")[columns].first() if columns else pd.DataFrame()
    return [c.removeprefix(PREFIX) for c in columns if per_point[c].nunique() > 1]


def scaled(runs: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """Each swept parameter centred on the middle of the values run and divided by their
    range: -0.5 at the lowest, 0 at the centre, 0.5 at the highest."""
    out = pd.DataFrame(index=runs.index)
    for name in parameters:
        values = runs[PREFIX + name].astype(float)
        low, high = values.min(), values.max()
        out[name] = (values - (low + high) / 2) / (high - low)
    return out


def _differences(runs: pd.DataFrame, base: str, option: str, key: str) -> pd.DataFrame:
    """Per point and replication where both were measured: ``d`` (option minus base) and
    the point's parameters."""
    wide = runs.pivot_table(index=["point", "replication"], columns="structure", values=key,
                            aggfunc="first", dropna=False)  # fmt: skip
    if base not in wide or option not in wide:
        return pd.DataFrame(columns=["point", "replication", "d"])
    d = (wide[option] - wide[base]).dropna().rename("d").reset_index()
    return d


def _fit(d: pd.DataFrame, x: pd.DataFrame) -> dict:
    """The regression of the point means of ``d["d"]`` on ``x`` (one row of scaled parameters
    per point, in ``d["point"]``'s sorted order): coefficient, 95% interval and p-value per
    term ("centre" and each parameter). The variance of a point's mean is never taken as
    less than its replications' own spread implies (the within-point variance over the
    replications; a random-effects floor), so that point means that agree by chance do not
    pass for certainty. Identical differences are exact (p = 0; slopes exactly 0)."""
    import statsmodels.api as sm
    from scipy import stats as distributions

    values = d["d"].to_numpy(dtype=float)
    if np.all(values == values[0]):
        out = {"centre": (values[0], values[0], values[0], 0.0 if values[0] else 1.0)}
        return out | {t: (0.0, 0.0, 0.0, 1.0) for t in x.columns}
    by_point = d.groupby("point")["d"]
    y = by_point.mean().to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(y)), x.to_numpy(dtype=float)])
    fit = sm.OLS(y, design).fit()
    scale = float(fit.scale) if fit.df_resid > 0 else math.nan
    counts = by_point.size().to_numpy()
    if len(values) > len(y):  # some point has replications to show its own spread
        within = float(((d["d"] - by_point.transform("mean")) ** 2).sum()) / (len(values) - len(y))
        scale = max(scale, within * float(np.mean(1 / counts)))
    df = max(int(fit.df_resid), 1)
    errors = np.sqrt(scale * np.diag(fit.normalized_cov_params))
    reach = distributions.t.ppf(1 - stats.ALPHA / 2, df) * errors
    out = {}
    for i, term in enumerate(["centre", *x.columns]):
        value = float(fit.params[i])
        if errors[i] > 0:
            p = float(2 * distributions.t.sf(abs(value) / errors[i], df))
        else:
            p = 0.0 if value else 1.0
        out[term] = (value, value - float(reach[i]), value + float(reach[i]), p)
    return out


def sweep_regression(
    runs: pd.DataFrame, structures: list[str], indicators: list[Indicator]
) -> pd.DataFrame:
    """One row per indicator and option (against ``structures[0]``): design points and pairs,
    the difference at the centre of the design (``diff``, ``diff_low``, ``diff_high``,
    ``p_value``, ``p_adjusted``, ``verdict``), and for each swept parameter P its slope
    (``P_slope``, ``P_low``, ``P_high``, ``P_p_adjusted``) and the predicted difference at
    the lowest and highest value run (``P_at_low``, ``P_at_high``, the others at their
    centre); ``depends`` says on which parameters, and which way, when any. ``parameters``
    names the swept parameters the model has slopes for (none with fewer than k + 4 points,
    or when one parameter's values are a mix of the others'; an indicator measured at too few
    points has none either)."""
    base = structures[0]
    varied = swept(runs)
    points = runs.groupby("point")[[PREFIX + v for v in varied]].first()
    design = np.column_stack([np.ones(len(points)), scaled(points, varied).to_numpy()])
    identified = np.linalg.matrix_rank(design) == len(varied) + 1  # no parameter a mix of others
    slopes = varied if identified and len(points) >= len(varied) + 1 + MIN_DF else []
    rows = []
    for indicator in indicators:
        for option in structures[1:]:
            d = _differences(runs, base, option, indicator.name)
            row = {"indicator": indicator.name, "label": indicator.label, "unit": indicator.unit,
                   "better": indicator.better, "smallest": indicator.smallest,
                   "structure": option, "diff_vs": base, "points": d["point"].nunique(),
                   "pairs": len(d), "parameters": ", ".join(slopes)}  # fmt: skip
            if row["points"] >= 2:
                fitted = slopes if row["points"] >= len(slopes) + 1 + MIN_DF else []
                x = _scaled_for(runs, d, fitted)
                fit = _fit(d, x)
                exact = bool(np.all(d["d"] == d["d"].iloc[0]))
                value, low, high, p = fit["centre"]
                row |= {"diff": value, "diff_low": low, "diff_high": high,
                        "diff_method": "exact" if exact else "ols", "p_value": p}  # fmt: skip
                for name in fitted:
                    slope, s_low, s_high, s_p = fit[name]
                    row |= {f"{name}_slope": slope, f"{name}_low": s_low,
                            f"{name}_high": s_high, f"{name}_p_value": s_p,
                            f"{name}_at_low": value - slope / 2,
                            f"{name}_at_high": value + slope / 2}  # fmt: skip
            rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    for column in ("diff", "diff_low", "diff_high", "p_value"):
        if column not in table:
            table[column] = math.nan
    table["diff_method"] = table.get("diff_method", pd.Series(dtype=str)).fillna("none")
    table["p_adjusted"] = stats.adjust(table["p_value"])
    table["tests"] = int(table["p_value"].notna().sum())
    slope_p = [f"{name}_p_value" for name in slopes]
    for column in slope_p:
        if column not in table:
            table[column] = math.nan
    if slope_p:
        adjusted = stats.adjust(table[slope_p].to_numpy().ravel())
        table[[f"{name}_p_adjusted" for name in slopes]] = adjusted.reshape(len(table), -1)
    table["verdict"] = [_verdict(row) for row in table.itertuples()]
    table["depends"] = [depends(row, slopes) for _, row in table.iterrows()]
    return table


def _scaled_for(runs: pd.DataFrame, d: pd.DataFrame, slopes: list[str]) -> pd.DataFrame:
    """The scaled parameters of each point with pairs in ``d``, in sorted order (ranges over
    every point of ``runs``)."""
    points = sorted(d["point"].unique())
    if not slopes:
        return pd.DataFrame(index=points)
    per_point = runs.groupby("point")[[PREFIX + s for s in slopes]].first()
    return scaled(per_point, slopes).loc[points]


def _verdict(row) -> str:
    """The verdict on the difference at the centre of the design."""
    if row.points < 2 or math.isnan(row.diff):
        return stats.NOT_AVAILABLE
    estimate = stats.Estimate(row.diff, row.diff_low, row.diff_high, row.pairs, row.diff_method)
    return stats.verdict(estimate, row.p_adjusted, row.smallest, row.better, needed=0)


def depends(row: pd.Series, slopes: list[str]) -> str:
    """The words "depends on P (better where it is low)" for each parameter P whose slope is
    significant after adjustment and whose range takes the predicted difference across 0 or
    across the smallest difference that matters (a change of sign with both ends inside that
    band does not count: it makes no practical difference). The brackets name each end of
    P's range where the predicted difference matters, and which way: "better where it is
    low, worse where it is high". Empty when no parameter does."""
    said = []
    for name in slopes:
        p = row.get(f"{name}_p_adjusted", math.nan)
        if not (p < stats.ALPHA):
            continue
        at_low, at_high = row[f"{name}_at_low"], row[f"{name}_at_high"]
        flips = at_low * at_high < 0
        crosses = (abs(at_low) < row["smallest"]) != (abs(at_high) < row["smallest"])
        matters = max(abs(at_low), abs(at_high)) >= row["smallest"]  # not all inside the band
        if not (matters and (flips or crosses)):
            continue
        ends = [f"{_word(value, row['better'])} where it is {end}"
                for end, value in (("low", at_low), ("high", at_high))
                if abs(value) >= row["smallest"]]  # fmt: skip
        said.append(f"{_title(name)} ({', '.join(ends)})")
    return f"depends on {'; '.join(said)}" if said else ""


def _title(name: str) -> str:
    """A swept parameter in plain words (its title), never its identifier."""
    from sim.spec.parameters import Parameters, parameter_title

    return parameter_title(name) if name in Parameters.model_fields else name


def _word(difference: float, better: str) -> str:
    """A difference that matters in a word: better or worse (higher or lower where neither
    direction is better)."""
    if better:
        return stats.BETTER if (difference > 0) == (better == "higher") else stats.WORSE
    return stats.HIGHER if difference > 0 else stats.LOWER


def format_regression(table: pd.DataFrame, shown: set[str] | None = None) -> str:
    """The regression in plain text: one line per indicator and option (``shown`` keeps those
    indicators), the difference at the centre with its interval and verdict, then each
    slope with its interval, and what the difference depends on; a footer says how."""
    rows = table if shown is None else table[table["indicator"].isin(shown)]
    slopes = [s for s in (table["parameters"].iloc[0].split(", ") if len(table) else []) if s]
    width = max([34, *(len(label) + 2 for label in rows["label"])])
    lines = [
        f"{'indicator':<{width}}{'option - baseline':>26}  {'at the centre [95%]':>24}"
        f"  {'verdict':<24}" + "".join(f"  {s + ' low->high':>26}" for s in slopes)
    ]
    for row in rows.itertuples(index=False):
        centre = _interval(row.diff, row.diff_low, row.diff_high, row.diff_method)
        mark = "*" if row.p_adjusted < stats.ALPHA else " "
        cells = [f"{row.label:<{width}}", f"{row.structure + ' - ' + row.diff_vs:>26}",
                 f"  {centre + mark:>24}", f"  {row.verdict:<24}"]  # fmt: skip
        for s in slopes:
            text = _interval(getattr(row, f"{s}_slope", math.nan),
                             getattr(row, f"{s}_low", math.nan),
                             getattr(row, f"{s}_high", math.nan), row.diff_method)  # fmt: skip
            star = "*" if getattr(row, f"{s}_p_adjusted", math.nan) < stats.ALPHA else " "
            cells.append(f"  {text + star:>26}")
        lines.append("".join(cells).rstrip() + (f"  {row.depends}" if row.depends else ""))
    points = int(table["points"].max()) if len(table) else 0
    tests = int(table["tests"].iloc[0]) if len(table) else 0
    on = ", ".join(slopes) if slopes else "nothing (too few points for the slopes)"
    text = (
        f"Across {points} design points: each row regresses the points' mean paired "
        f"differences on {on}, each parameter centred on the middle of the values run and "
        "scaled by their range: 'at the centre' is the difference with every parameter at the "
        "middle of its range, 'low->high' the change from its lowest value to its highest. "
        "OLS with the design point as the unit (each point's mean difference), 95% t "
        f"intervals with {points - len(slopes) - 1} degrees of freedom; * = p < 0.05 after "
        f"Holm adjustment across the {tests} differences (for slopes, across every slope); "
        "'depends on' = a significant slope takes the difference across 0 or across the "
        "smallest difference that matters within the range."
    )
    lines += ["", *textwrap.wrap(text, 100)]
    return "\n".join(lines)


def _interval(value: float, low: float, high: float, method: str) -> str:
    from sim.analysis.compare import fmt

    if method == "exact":
        return f"{fmt(value)} (exact)"
    if math.isnan(low):
        return fmt(value)
    return f"{fmt(value)} [{fmt(low)}, {fmt(high)}]"


def summaries(folder) -> list[str]:
    """For each scenario of a sweep store with two or more structures and design points: its
    regression (:func:`sweep_regression`) over the family of the verdict's catalogue, as
    text showing the headline indicators. Empty when there is nothing to compare."""
    from sim.analysis.compare import headline_indicators
    from sim.analysis.verdict import catalogue
    from sim.errors import SpecError
    from sim.experiment.results import load_results
    from sim.spec import load_scenario

    try:
        results = load_results(folder)
    except SpecError:  # no successful run yet: nothing to summarise
        return []
    out = []
    for r in results:
        names = list(r.structures)
        if len(names) < 2 or r.runs["point"].nunique() < 2:
            continue
        scenario = load_scenario(r.scenario)
        family = catalogue(r.runs, scenario)
        table = sweep_regression(r.runs, names, list(family.values()))
        shown = {i.name for i in headline_indicators(r.runs, scenario)}
        out.append(f"{scenario.name}: the paired difference across the design points, "
                   f"against {names[0]}\n{format_regression(table, shown)}")  # fmt: skip
    return out
