"""Sensitivity of an indicator to the varied parameters: Morris screening, Sobol indices.

The model is stochastic, so each parameter point's output is the mean of the indicator over
its replications; SALib then computes the indices, with bootstrap 95% confidence intervals.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.errors import SpecError
from sim.experiment.design import design_points, salib_problem
from sim.paths import inside, naming
from sim.spec.experiment import ExperimentSpec


def point_means(runs: pd.DataFrame, indicator: str) -> pd.Series:
    if indicator not in runs.columns:
        known = ", ".join(c for c in runs.columns if runs[c].dtype.kind in "fi")
        raise SpecError("--indicator", indicator, f"not in the results (numeric columns: {known})")
    ok = runs[runs["error"] == ""]
    return ok.groupby("point")[indicator].mean()


def sensitivity(spec: ExperimentSpec, runs: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """Indices per parameter for one scenario x structure slice of the results."""
    kind = spec.design.kind
    if kind not in ("morris", "sobol"):
        raise SpecError(
            spec.source, "design.kind", f"sensitivity needs morris or sobol, not {kind}"
        )
    problem = salib_problem(spec)
    points = design_points(spec)
    y = point_means(runs, indicator).reindex(points["point"]).to_numpy(dtype=float)
    if np.isnan(y).any():
        missing = int(np.isnan(y).sum())
        raise SpecError(str(spec.source), "", f"{missing} design points have no results yet")
    x = points[problem["names"]].to_numpy(dtype=float)
    if kind == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, x, y, conf_level=0.95, num_levels=spec.design.levels,
                             seed=spec.seed)  # fmt: skip
        return pd.DataFrame({
            "parameter": problem["names"],
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "sigma": res["sigma"],
            "mu": res["mu"],
        }).sort_values("mu_star", ascending=False, ignore_index=True)  # fmt: skip
    from SALib.analyze import sobol

    res = sobol.analyze(problem, y, calc_second_order=spec.design.second_order,
                        conf_level=0.95, seed=spec.seed)  # fmt: skip
    return pd.DataFrame({
        "parameter": problem["names"],
        "S1": res["S1"],
        "S1_conf": res["S1_conf"],
        "ST": res["ST"],
        "ST_conf": res["ST_conf"],
    }).sort_values("ST", ascending=False, ignore_index=True)  # fmt: skip


def plot_sensitivity(table: pd.DataFrame, title: str, path: Path | None = None):
    """A bar chart of the indices; saved to ``path`` if given, else returned."""
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.5))
    y = np.arange(len(table))[::-1]
    if "mu_star" in table:
        ax.barh(y, table["mu_star"], xerr=table["mu_star_conf"], color="tab:blue", alpha=0.7,
                label="mu* (Morris)")  # fmt: skip
        ax.scatter(table["sigma"], y, color="black", zorder=3, label="sigma")
    else:
        ax.barh(y + 0.2, table["ST"], height=0.4, xerr=table["ST_conf"], label="total ST")
        ax.barh(y - 0.2, table["S1"], height=0.4, xerr=table["S1_conf"], label="first order S1")
    ax.set_yticks(y, table["parameter"])
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    if path is None:
        return fig
    try:
        with naming(path):
            fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return None


def write_sensitivity(
    spec: ExperimentSpec, runs: pd.DataFrame, indicators: list[str], out: Path
) -> list[str]:
    """For each indicator and each scenario x structure of a sweep's ``runs``: the indices, as
    a table and a plot in ``out``; returns the text to print (a title and the table each)."""
    lines = []
    for indicator in indicators:
        for (scenario, structure), rows in runs.groupby(["scenario_file", "structure_file"]):
            table = sensitivity(spec, rows, indicator)
            title = f"{indicator}: {scenario} under {structure} ({spec.design.kind})"
            lines.append(f"\n{title}; 95% confidence intervals")
            lines.append(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
            stem = f"sensitivity_{indicator}_{Path(scenario).stem}_{Path(structure).stem}"
            with naming(inside(out, f"{stem}.csv")):
                table.to_csv(inside(out, f"{stem}.csv"), index=False)
            plot_sensitivity(table, title, inside(out, f"{stem}.png"))
    return lines
