"""Paired comparison of structures: means with 95% intervals, paired differences, figures.

Replication i of every structure shares its seed, so the difference between two structures
is estimated from the per-replication differences (a paired t interval), which is much
tighter than comparing two independent means.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

HEADLINE: dict[str, str] = {
    "named_weeks_to_decision": "named issues: weeks to decision",
    "named_weeks_to_delivery": "named issues: weeks to delivery",
    "named_targets_met_share": "named issues: share on target",
    "issues_decided": "issues decided",
    "issues_delivered": "issues delivered",
    "issues_closed": "issues closed (full cycle)",
    "issues_dropped": "issues dropped",
    "median_weeks_to_decision": "median weeks to decision",
    "median_weeks_to_delivery": "median weeks to delivery",
    "targets_met": "targets met",
    "meetings_held": "meetings held",
    "inquorate_meetings": "inquorate meetings",
    "member_hours": "member-hours",
    "attendance_rate": "attendance rate",
    "stalls_caught": "stalled deliveries caught",
}


def headline_indicators(runs: pd.DataFrame) -> dict[str, str]:
    """The headline indicators present in these runs, outcome indicators included."""
    out = {k: v for k, v in HEADLINE.items() if k in runs.columns}
    for column in runs.columns:
        if column.startswith("outcome_"):
            name = column.removeprefix("outcome_")
            if name.endswith("_average"):
                out[column] = f"outcome: {name.removesuffix('_average').replace('_', ' ')} (mean)"
            else:
                out[column] = f"outcome: {name.replace('_', ' ')} (end)"
    return out


def _interval(values: np.ndarray) -> tuple[float, float, float, int]:
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(values.mean())
    if n == 1:
        return mean, np.nan, np.nan, 1
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def paired_comparison(
    runs: pd.DataFrame, structures: list[str], indicators: dict[str, str] | None = None
) -> pd.DataFrame:
    """One row per indicator and structure: mean and 95% CI; and, for every structure after
    the first, the paired difference from the first with its 95% CI and whether it excludes 0."""
    indicators = indicators or headline_indicators(runs)
    wide = {s: runs[runs["structure"] == s].set_index("replication") for s in structures}
    base = structures[0]
    rows = []
    for key, label in indicators.items():
        for s in structures:
            mean, low, high, n = _interval(wide[s][key].to_numpy(dtype=float))
            row = {"indicator": key, "label": label, "structure": s, "mean": mean,
                   "ci_low": low, "ci_high": high, "n": n}  # fmt: skip
            if s != base:
                diff = (wide[s][key] - wide[base][key]).to_numpy(dtype=float)
                d, d_low, d_high, dn = _interval(diff)
                row |= {
                    "diff_vs": base,
                    "diff": d,
                    "diff_low": d_low,
                    "diff_high": d_high,
                    "diff_n": dn,
                    "significant": bool(dn > 1 and (d_low > 0 or d_high < 0)),
                }
            rows.append(row)
    return pd.DataFrame(rows)


def _fmt(value: float) -> str:
    if np.isnan(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def format_comparison(table: pd.DataFrame, structures: list[str]) -> str:
    """The comparison as one plain-text table: mean [95% CI] per structure, then the paired
    difference from the first structure with its interval (* = interval excludes zero)."""
    base = structures[0]
    head = [f"{'indicator':<34}"] + [f"{s:>26}" for s in structures]
    widths = {s: max(30, len(f"{s} - {base}") + 2) for s in structures[1:]}
    head += [f"{f'{s} - {base}':>{widths[s]}}" for s in structures[1:]]
    lines = ["".join(head)]
    for key, group in table.groupby("indicator", sort=False):
        g = group.set_index("structure")
        cells = [f"{g['label'].iloc[0]:<34}"]
        for s in structures:
            r = g.loc[s]
            cells.append(
                f"{_fmt(r['mean']):>9} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]".rjust(26)
            )
        for s in structures[1:]:
            r = g.loc[s]
            mark = "*" if r["significant"] else " "
            text = f"{_fmt(r['diff'])} [{_fmt(r['diff_low'])}, {_fmt(r['diff_high'])}]{mark}"
            cells.append(text.rjust(widths[s]))
        del key
        lines.append("".join(cells))
    return "\n".join(lines)


def plot_indicator(runs: pd.DataFrame, structures: list[str], key: str, label: str, path: Path):
    """Left: each run per structure, mean and 95% CI; right: paired differences."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), width_ratios=[3, 2])
    wide = {s: runs[runs["structure"] == s].set_index("replication")[key] for s in structures}
    rng = np.random.default_rng(0)  # jitter for display only
    for i, s in enumerate(structures):
        values = wide[s].to_numpy(dtype=float)
        left.scatter(i + rng.uniform(-0.12, 0.12, len(values)), values, s=10, alpha=0.5)
        mean, low, high, _ = _interval(values)
        left.errorbar(i, mean, yerr=[[mean - low], [high - mean]] if not np.isnan(low) else None,
                      fmt="o", color="black", capsize=6)  # fmt: skip
    left.set_xticks(range(len(structures)), structures)
    left.set_title(label)
    base = structures[0]
    for i, s in enumerate(structures[1:]):
        diff = (wide[s] - wide[base]).to_numpy(dtype=float)
        right.scatter(diff, i + rng.uniform(-0.12, 0.12, len(diff)), s=10, alpha=0.5)
        mean, low, high, _ = _interval(diff)
        if not np.isnan(low):
            right.errorbar(mean, i, xerr=[[mean - low], [high - mean]], fmt="o", color="black",
                           capsize=6)  # fmt: skip
    right.axvline(0, color="grey", lw=1)
    right.set_yticks(range(len(structures) - 1), [f"{s} - {base}" for s in structures[1:]])
    right.set_title("paired difference, 95% CI")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_outcome_series(series: pd.DataFrame, indicator: str, aggregate: str, path: Path):
    """An outcome indicator over time: mean over replications per structure, with a 95% band."""
    rows = series[series["indicator"] == indicator]
    per_run = rows.groupby(["structure", "replication", "week"])["value"]
    per_run = (per_run.sum() if aggregate == "sum" else per_run.mean()).reset_index()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for s, g in per_run.groupby("structure", sort=False):
        by_week = g.groupby("week")["value"]
        mean, sd, n = by_week.mean(), by_week.std(ddof=1), by_week.count()
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        ax.plot(mean.index, mean, label=s)
        ax.fill_between(mean.index, mean - half, mean + half, alpha=0.2)
    ax.set_xlabel("week")
    ax.set_title(f"{indicator.replace('_', ' ')} ({aggregate} over districts)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
