"""Robust conclusions: what each verdict rests on, and where it flips.

A robustness analysis runs two (or more) structures on one scenario across the whole
assumption space: every parameter over its plausible range (`docs/parameters.md`) and every
structural alternative (`scenarios/robustness/alternatives.yaml`) switched off or on. At each
design point the structures run with the same seeds, so each point gives a **paired
difference** per headline indicator (mean over the point's replications). This module turns
those differences into what a reviewer reads:

- :func:`morris` and :func:`sobol`: global sensitivity of the paired differences (not the
  levels) to each assumption (SALib), with confidence intervals and a warning where they are
  not stable;
- :func:`conclusion_status`: at which points a declared conclusion holds (the difference is
  at least the indicator's smallest difference that matters, in the claimed direction);
- :func:`prim_box`: scenario discovery with PRIM (EMA Workbench) of where a conclusion flips:
  the box of assumptions, its coverage and density, and the peeling trade-off;
- :func:`plausible_points`: the points whose runs reproduce the declared patterns of the
  source documents (rejection, approximate Bayesian computation), and how far that narrows
  each assumption's range;
- :func:`conclusions_table`: each conclusion, the share of the space where it holds (over
  the full ranges and over the plausible set), the box where it flips, the assumptions that
  drive it and a one-word verdict: robust / depends / not supported.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiment.robustness import PHASES, Factor, problem

salib_problem = problem  # the name the tests and notebooks use

ROBUST_SHARE = 0.95  # a conclusion holding at this share of the space or more is robust
SUPPORTED_SHARE = 0.5  # below this share, without a dense box of failures, not supported
NOWHERE_SHARE = 0.1  # below this share it is not supported, whatever the box
PRIM_DENSITY = 0.8  # the box PRIM reports: the largest coverage with at least this density
UNSTABLE_CONF = 0.1  # a Sobol index whose interval half-width exceeds this is not stable
PRIM_MIN_CUT = 0.2  # a box dimension cut by less than this share of its range is not reported
PRIM_MIN_DENSITY = PRIM_DENSITY  # a box less dense is not shown: it describes no flip well
NO_POINTS = "not judged: no points with runs"  # every run of every point failed
NO_PLAUSIBLE = "not judged: no plausible points"  # no point reproduces the declared patterns


def point_differences(
    runs: pd.DataFrame, base: str, other: str, indicators: list[str], factors: list[Factor]
) -> pd.DataFrame:
    """One row per design point: its factor values and, per indicator, the mean over the
    point's replications of ``other - base`` (paired by replication)."""
    columns = [f.column for f in factors]
    keyed = runs.set_index(["point", "replication"])
    a = keyed[keyed["structure"] == base][indicators]
    b = keyed[keyed["structure"] == other][indicators]
    diffs = (b - a.reindex(b.index)).groupby(level="point").mean()
    values = runs.groupby("point")[columns].first()
    out = values.join(diffs, how="inner").reset_index()
    return out


# -- global sensitivity -------------------------------------------------------------------------
def morris(problem: dict, x: np.ndarray, y: np.ndarray, levels: int, seed: int) -> pd.DataFrame:
    """Morris screening of one output: mu* (mean absolute elementary effect) with its
    bootstrap 95% interval, mu and sigma, one row per factor, most influential first."""
    from SALib.analyze import morris as analyze

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze.analyze(problem, x, y, conf_level=0.95, num_levels=levels, seed=seed)
    return pd.DataFrame({
        "factor": problem["names"], "mu_star": res["mu_star"],
        "mu_star_conf": res["mu_star_conf"], "mu": res["mu"], "sigma": res["sigma"],
    }).sort_values("mu_star", ascending=False, ignore_index=True)  # fmt: skip


def influential(table: pd.DataFrame, share: float = 0.05, at_most: int = 8) -> list[str]:
    """The factors whose mu* is at least ``share`` of the largest (at most ``at_most``)."""
    if table.empty or not np.isfinite(table["mu_star"]).any() or table["mu_star"].max() <= 0:
        return []
    top = table["mu_star"].max()
    chosen = table[table["mu_star"] >= share * top]["factor"].tolist()
    return chosen[:at_most]


def sobol(problem: dict, y: np.ndarray, seed: int) -> pd.DataFrame:
    """Variance-based indices of one output (Saltelli design, no second order): first-order
    S1 and total ST with 95% intervals; ``stable`` is False where an interval is wider than
    :data:`UNSTABLE_CONF` or an index leaves [0, 1] by more than its interval."""
    from SALib.analyze import sobol as analyze

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=seed)
    table = pd.DataFrame({
        "factor": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
        "ST": res["ST"], "ST_conf": res["ST_conf"],
    })  # fmt: skip
    table["stable"] = stable(table)
    return table.sort_values("ST", ascending=False, ignore_index=True)


def stable(table: pd.DataFrame) -> pd.Series:
    """Whether each row's Sobol indices are estimated well enough to read."""
    wide = (table["S1_conf"] > UNSTABLE_CONF) | (table["ST_conf"] > UNSTABLE_CONF)
    outside = (table["ST"] - table["ST_conf"] > 1) | (table["S1"] + table["S1_conf"] < 0)
    outside |= table["ST"] + table["ST_conf"] < 0
    return ~(wide | outside | ~np.isfinite(table["ST"]))


# -- conclusions --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Conclusion:
    """A headline conclusion: ``of`` minus ``minus`` on ``indicator`` is ``direction`` (lower or
    higher by at least ``smallest``, or the ``same`` within it)."""

    id: str
    claim: str
    indicator: str
    of: str
    minus: str
    direction: str
    smallest: float


def conclusion_status(differences: pd.Series, conclusion: Conclusion) -> pd.Series:
    """At each point, whether the conclusion holds (NaN differences never hold)."""
    d, s = differences, conclusion.smallest
    if conclusion.direction == "lower":
        return d <= -s
    if conclusion.direction == "higher":
        return d >= s
    return d.abs() < s


@dataclass
class Box:
    """A PRIM box: ranges of the assumptions that matter, and how good a description it is."""

    limits: dict[str, tuple[float, float] | set]  # restricted dimensions only
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame = field(repr=False)

    def describe(self, factors: dict[str, Factor]) -> str:
        """The box in words: each restricted assumption and its range."""
        parts = []
        for column, lim in self.limits.items():
            factor = factors.get(column)
            name = factor.name if factor else column
            if isinstance(lim, set):
                parts.append(f"{name} {'on' if lim == {True} or lim == {1} else 'off'}")
            elif factor and factor.switch:
                parts.append(f"{name} {'on' if lim[0] > 0.5 else 'off'}")
            else:
                parts.append(f"{name} {lim[0]:.3g} to {lim[1]:.3g}")
        return "; ".join(parts) if parts else "everywhere"


def prim_box(x: pd.DataFrame, y: np.ndarray, factors: list[Factor]) -> Box | None:
    """Where ``y`` is true (the cases of interest, e.g. a conclusion fails), found by PRIM
    (``ema_workbench.analysis.prim``): of the boxes on the peeling trajectory with density of
    at least :data:`PRIM_DENSITY`, the one with the largest coverage (else the densest).
    None when there are no cases of interest."""
    y = np.asarray(y, dtype=bool)
    if not y.any():
        return None
    with warnings.catch_warnings():  # it warns of optional extras we do not use
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    data = x.copy()
    for f in factors:
        if f.switch and f.column in data:
            data[f.column] = pd.Categorical(data[f.column].round().astype(int).astype(bool))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(data.reset_index(drop=True), y)
        box = finder.find_box()
    trajectory = box.peeling_trajectory.copy()
    good = trajectory[trajectory["density"] >= PRIM_DENSITY]
    i = int(good["coverage"].idxmax()) if len(good) else int(trajectory["density"].idxmax())
    limits = _restricted(box.box_lims[0], box.box_lims[i])
    row = trajectory.loc[i]
    return Box(limits, float(row["coverage"]), float(row["density"]), float(row["mass"]),
               trajectory)  # fmt: skip


def _restricted(initial: pd.DataFrame, chosen: pd.DataFrame) -> dict:
    """The box's restricted dimensions that matter, most restricted first: a switch held on
    or off, or a range cut by at least :data:`PRIM_MIN_CUT` of its width (PRIM peels many
    dimensions a little on the way; those slivers describe noise, not where a conclusion
    flips)."""
    cuts: list[tuple[float, str, object]] = []
    for column in chosen.columns:
        a, b = chosen[column].iloc[0], chosen[column].iloc[1]
        low, high = initial[column].iloc[0], initial[column].iloc[1]
        if isinstance(a, set):
            if a != low:
                cuts.append((1.0, column, a))
        elif (a, b) != (low, high):
            cut = 1 - (float(b) - float(a)) / (float(high) - float(low)) if high > low else 0.0
            if cut >= PRIM_MIN_CUT:
                cuts.append((cut, column, (float(a), float(b))))
    cuts.sort(key=lambda c: -c[0])
    return {column: lim for _, column, lim in cuts}


# -- plausibility -------------------------------------------------------------------------------
def plausible_points(
    pattern_values: pd.DataFrame, bands: dict[str, tuple[float, float]]
) -> pd.Series:
    """Rejection (approximate Bayesian computation over the design): a point is plausible when
    every pattern's value at that point (a column of ``pattern_values``, indexed by point) lies
    in its declared band."""
    keep = pd.Series(True, index=pattern_values.index)
    for name, (low, high) in bands.items():
        values = pattern_values[name]
        keep &= values.between(low, high)
    return keep


def narrowing(points: pd.DataFrame, plausible: pd.Series, factors: list[Factor]) -> pd.DataFrame:
    """How far the plausible set narrows each assumption: its range over all points and over
    the plausible ones (5th to 95th percentile), and the share of the width that remains."""
    rows = []
    kept = points[plausible.reindex(points.index, fill_value=False).to_numpy()]
    for f in factors:
        if f.switch:
            share_on = float(kept[f.column].round().mean()) if len(kept) else math.nan
            rows.append({"factor": f.name, "kind": "alternative", "full": "off or on",
                         "plausible": f"on in {share_on:.0%} of plausible points"
                         if len(kept) else "none plausible", "width_kept": math.nan})  # fmt: skip
            continue
        low, high = np.percentile(kept[f.column], [5, 95]) if len(kept) else (math.nan,) * 2
        width = (high - low) / (f.high - f.low) if f.high > f.low else math.nan
        rows.append({"factor": f.name, "kind": "parameter", "full": f"{f.low:g} to {f.high:g}",
                     "plausible": f"{low:.3g} to {high:.3g}" if len(kept) else "none plausible",
                     "width_kept": width})  # fmt: skip
    return pd.DataFrame(rows)


# -- the conclusions table ----------------------------------------------------------------------
def verdict(share: float, box: Box | None, factors: dict[str, Factor]) -> str:
    """robust / depends on X / not supported, from the share of the space where a conclusion
    holds and the PRIM box where it fails. A conclusion that fails inside a dense box (one
    reading of a rule switched on, say) depends on that box's assumptions even when the box
    is half the space; one that holds in under :data:`NOWHERE_SHARE` of it is not supported
    whatever the box; without a dense box, under half is not supported. With no points to
    judge (the share is undefined) it is not judged."""
    if math.isnan(share):
        return NO_POINTS
    if share < NOWHERE_SHARE:
        return "not supported"
    if share >= ROBUST_SHARE:
        return "robust"
    if box is not None and box.limits and box.density >= PRIM_DENSITY:
        names = [factors[c].name if c in factors else c for c in box.limits][:3]
        return f"depends on {', '.join(names)}"
    if share < SUPPORTED_SHARE:
        return "not supported"
    return "depends (no simple box)"


def conclusions_table(
    points: pd.DataFrame,
    conclusions: list[Conclusion],
    factors: list[Factor],
    plausible: pd.Series | None,
    drivers: dict[str, list[str]] | None = None,
) -> tuple[pd.DataFrame, dict[str, Box | None]]:
    """Each conclusion over the full space and over the plausible set: share of points where
    it holds, the PRIM box where it fails, its drivers (most influential assumptions of its
    difference) and the verdict. ``points`` is :func:`point_differences`' table."""
    by_column = {f.column: f for f in factors}
    x = points[[f.column for f in factors]]
    rows, boxes = [], {}
    for c in conclusions:
        holds = conclusion_status(points[c.indicator], c)
        share = float(holds.mean()) if len(holds) else math.nan
        box = prim_box(x, ~holds.to_numpy(), factors) if 0 < share < 1 else None
        boxes[c.id] = box
        described = box is not None and box.limits and box.density >= PRIM_MIN_DENSITY
        row = {
            "conclusion": c.id, "claim": c.claim, "indicator": c.indicator,
            "points": len(holds), "holds_share": share,
            "flips_where": box.describe(by_column) if described else "",
            "box_coverage": box.coverage if box else math.nan,
            "box_density": box.density if box else math.nan,
            "drivers": ", ".join(by_column[d].name if d in by_column else d
                                 for d in (drivers or {}).get(c.indicator, [])[:3]),
            "verdict": verdict(share, box, by_column),
        }  # fmt: skip
        if plausible is not None:
            kept = plausible.reindex(points["point"]).fillna(False).to_numpy()
            row["plausible_points"] = int(kept.sum())
            row["plausible_share"] = float(holds[kept].mean()) if kept.any() else math.nan
            if kept.any():
                sub_box = None
                p_share = row["plausible_share"]
                if 0 < p_share < 1:
                    sub_box = prim_box(x[kept], ~holds[kept].to_numpy(), factors)
                row["plausible_verdict"] = verdict(p_share, sub_box, by_column)
            else:
                row["plausible_verdict"] = NO_PLAUSIBLE
        rows.append(row)
    return pd.DataFrame(rows), boxes


# -- the analysis, end to end ---------------------------------------------------------------------
SIZES: dict[str, dict[str, int]] = {
    # the CI's and the tests' size: every phase runs, nothing is stable
    "small": {"replications": 2, "morris_trajectories": 3, "sobol_samples": 8,
              "lhs_samples": 40, "pattern_replications": 2},
    # the size `make bench` times and the docs' tables come from
    "full": {"replications": 4, "morris_trajectories": 10, "sobol_samples": 64,
             "lhs_samples": 400, "pattern_replications": 4},
}  # fmt: skip


def declared_conclusions(plan, scenario) -> list[Conclusion]:
    """The scenario's declared conclusions (in the plan's conclusions file) among the plan's
    structures, each with its indicator's smallest difference that matters. A conclusion
    naming an indicator without one, or a structure that is neither shipped nor compared,
    is an error naming the file and field: never silently left out."""
    from sim.analysis.compare import outcome_indicators
    from sim.errors import SpecError
    from sim.model.indicators import BY_NAME
    from sim.spec.loading import shipped_names
    from sim.spec.robustness import load_conclusions

    smallest = {name: i.smallest for name, i in BY_NAME.items()}
    smallest |= {i.name: i.smallest for i in outcome_indicators(scenario)}
    file = plan.conclusions_path
    structures = set(shipped_names("structure")) | set(plan.structures)
    out = []
    for c in load_conclusions(scenario.name, file):
        where = f"{scenario.name}[{c.id}]"
        if c.indicator not in smallest:
            raise SpecError(file, f"{where}.indicator", f"'{c.indicator}' is not an indicator "
                            "with a smallest difference that matters; see docs/indicators.md "
                            "and `sim indicators`")  # fmt: skip
        for side in ("of", "minus"):
            if getattr(c, side) not in structures:
                raise SpecError(file, f"{where}.{side}", f"no structure '{getattr(c, side)}' "
                                f"(compared: {', '.join(plan.structures)})")  # fmt: skip
        if c.of in plan.structures and c.minus in plan.structures:
            out.append(Conclusion(c.id, c.claim, c.indicator, c.of, c.minus, c.direction,
                                  float(smallest[c.indicator])))  # fmt: skip
    if not out:
        compared = ", ".join(plan.structures)
        raise SpecError(file, scenario.name, f"no declared conclusions compare {compared}")
    return out


def _differences(rows: pd.DataFrame, plan, c: Conclusion) -> pd.DataFrame:
    """Per point of a phase: factor values and the mean paired difference ``of - minus``."""
    mine = rows[(rows["scenario_file"] == plan.scenario_path) & (rows["error"] == "")]
    mine = mine.drop(columns=["structure"]).rename(columns={"structure_file": "structure"})
    return point_differences(mine, c.minus, c.of, [c.indicator], plan.factors)


def _complete(points: pd.DataFrame, diffs: pd.DataFrame, column: str) -> tuple[np.ndarray, int]:
    """The output in the design's point order; points with no difference (every run failed)
    take the mean, and are counted."""
    y = points[["point"]].merge(diffs[["point", column]], on="point", how="left")[column]
    missing = int(y.isna().sum())
    return y.fillna(y.mean() if y.notna().any() else 0.0).to_numpy(dtype=float), missing


@dataclass
class Robustness:
    """What `sim robustness` found."""

    conclusions: list[Conclusion]
    morris: dict[str, pd.DataFrame]
    sobol: dict[str, pd.DataFrame]
    table: pd.DataFrame
    boxes: dict[str, Box | None]
    narrowing: pd.DataFrame | None
    plausible_points: int
    lhs_points: int
    notes: list[str]


def run_robustness(plan, out, executor="processes", workers=None, scheduler=None,
                   progress=True) -> Robustness:  # fmt: skip
    """Run the three phases (each resumable) and analyse them. The Sobol phase varies the
    factors the Morris phase found influential for any conclusion."""
    from sim.experiment import robustness as design

    scenario = design.cached_scenario(plan.scenario_path)
    conclusions = declared_conclusions(plan, scenario)
    notes: list[str] = []
    run = {"executor": executor, "workers": workers, "scheduler": scheduler,
           "progress": progress}  # fmt: skip

    morris_points = design.morris_points(plan)
    design.run_phase(plan, "morris", morris_points, out, **run)
    rows = design.read_phase(out, "morris")
    raw = _morris_raw(plan)
    morris_tables: dict[str, pd.DataFrame] = {}
    for c in conclusions:
        y, missing = _complete(morris_points, _differences(rows, plan, c), c.indicator)
        if missing:
            notes.append(f"morris, {c.id}: {missing} points with no runs took the mean")
        table = morris(problem(plan.factors), raw, y, design.MORRIS_LEVELS, plan.seed)
        morris_tables[c.id] = _per_range(table, plan.factors)
    chosen = most_influential(morris_tables, plan.influential_at_most)

    sobol_points = design.sobol_points(plan, chosen)
    sobol_tables: dict[str, pd.DataFrame] = {}
    if len(sobol_points):
        design.run_phase(plan, "sobol", sobol_points, out, **run)
        rows = design.read_phase(out, "sobol")
        varied = [f for f in plan.factors if f.column in chosen]
        for c in conclusions:
            y, missing = _complete(sobol_points, _differences(rows, plan, c), c.indicator)
            if missing:
                notes.append(f"sobol, {c.id}: {missing} points with no runs took the mean")
            table = sobol(problem(varied), y, plan.seed)
            unstable = table.loc[~table["stable"], "factor"].tolist()
            if unstable:
                notes.append(
                    f"sobol, {c.id}: indices not stable for {', '.join(unstable)} "
                    "(interval wider than 0.1 or outside [0, 1]; more samples)"
                )
            sobol_tables[c.id] = table

    lhs_points = design.lhs_points(plan)
    extra = design.pattern_runs(plan, lhs_points)
    design.run_phase(plan, "lhs", lhs_points, out, extra=extra, **run)
    rows = design.read_phase(out, "lhs")
    plausible = _plausible(rows, plan, lhs_points)
    tables, boxes = [], {}
    for c in conclusions:
        diffs = _differences(rows, plan, c)
        drivers = {c.indicator: _drivers(c.id, sobol_tables, morris_tables)}
        table, found = conclusions_table(diffs, [c], plan.factors, plausible, drivers)
        tables.append(table)
        boxes |= found
    table = pd.concat(tables, ignore_index=True)
    narrowed = narrowing(lhs_points.set_index("point", drop=False), plausible, plan.factors)
    return Robustness(conclusions, morris_tables, sobol_tables, table, boxes, narrowed,
                      int(plausible.sum()), len(lhs_points), notes)  # fmt: skip


def _morris_raw(plan) -> np.ndarray:
    """The Morris sample before switches are rounded (SALib reads the steps from it)."""
    from SALib.sample import morris as sample

    from sim.experiment.robustness import MORRIS_LEVELS

    return sample.sample(problem(plan.factors), plan.morris_trajectories,
                         num_levels=MORRIS_LEVELS, seed=plan.seed)  # fmt: skip


def _per_range(table: pd.DataFrame, factors: list[Factor]) -> pd.DataFrame:
    """Morris effects as the effect of moving over a factor's whole range: SALib divides by
    the step (2/3 of the range at four levels), but a switch's step is the whole flip, so
    its effects are scaled back by 2/3."""
    from sim.experiment.robustness import MORRIS_LEVELS

    delta = MORRIS_LEVELS / (2 * (MORRIS_LEVELS - 1))
    switches = {f.column for f in factors if f.switch}
    table = table.copy()
    rows = table["factor"].isin(switches)
    for column in ("mu_star", "mu_star_conf", "mu", "sigma"):
        table.loc[rows, column] = table.loc[rows, column] * delta
    return table.sort_values("mu_star", ascending=False, ignore_index=True)


def most_influential(tables: dict[str, pd.DataFrame], at_most: int) -> list[str]:
    """The factors influential for any conclusion (mu* at least 5% of that conclusion's
    largest), ranked by their largest share, at most ``at_most``."""
    score: dict[str, float] = {}
    for table in tables.values():
        top = table["mu_star"].max()
        if not np.isfinite(top) or top <= 0:
            continue
        for name in influential(table, at_most=len(table)):
            share = float(table.loc[table["factor"] == name, "mu_star"].iloc[0] / top)
            score[name] = max(score.get(name, 0.0), share)
    return sorted(score, key=lambda n: -score[n])[:at_most]


def _drivers(cid: str, sobol_tables: dict, morris_tables: dict) -> list[str]:
    """A conclusion's drivers: the factors with the largest total-effect index (stable ones
    first), else the largest Morris mu*."""
    table = sobol_tables.get(cid)
    if table is not None and len(table):
        ranked = table.sort_values(["stable", "ST"], ascending=[False, False])
        return ranked[ranked["ST"] > UNSTABLE_CONF]["factor"].tolist()[:3]
    table = morris_tables.get(cid)
    return [] if table is None else table["factor"].tolist()[:3]


def _plausible(rows: pd.DataFrame, plan, points: pd.DataFrame) -> pd.Series:
    """Per LHS point, whether the pattern runs reproduce every declared pattern (the plan
    checked, before any run, that each pattern's indicator is one the runs record)."""
    patterns = plan.pattern_checks
    columns = [p.indicator for p in patterns.patterns]
    if not {"error", *columns} <= set(rows):  # no pattern run succeeded
        return pd.Series(False, index=points["point"])
    mine = rows[(rows["scenario_file"] == plan.pattern_scenario_path)
                & (rows["structure_file"] == patterns.structure)
                & (rows["error"] == "")]  # fmt: skip
    means = mine.groupby("point")[columns].mean().reindex(points["point"])
    bands = {}
    for p in patterns.patterns:
        means[p.id] = means[p.indicator]
        bands[p.id] = p.between
    return plausible_points(means, bands).fillna(False).astype(bool)


# -- what a reviewer reads ------------------------------------------------------------------------
def _text(value) -> str:
    """A table cell as text: empty for a missing value (never "nan")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _share(value) -> str:
    """A share as a percentage; empty when it is undefined (no points to judge)."""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return ""
    return f"{value:.0%}"


def conclusions_markdown(table: pd.DataFrame, meta: dict) -> str:
    """The conclusions table as Markdown: each claim, where it holds (full ranges and the
    plausible set), where it flips and the verdict; ``meta`` is what :func:`metadata` keeps.
    A share with no points to judge is left empty, and the verdict says why."""
    structures = ", ".join(f"`{s}`" for s in meta["structures"])
    lines = [
        f"Scenario `{meta['scenario']}`, structures {structures} (differences: each later "
        f"structure minus the first), {meta['replications']} replications per point: "
        f"{meta['lhs_points']} points of a Latin hypercube over every assumption "
        f"({meta['parameters']} parameters over their plausible ranges, "
        f"{len(meta['alternatives'])} structural alternatives off or on), of which "
        f"{meta['plausible_points']} reproduce the declared patterns (the plausible set).",
        "",
        "| conclusion | holds (all points) | flips where (PRIM box: coverage, density) "
        "| drivers | verdict | holds (plausible) | verdict (plausible) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.to_dict("records"):
        flips = _text(row.get("flips_where"))
        coverage, density = _share(row.get("box_coverage")), _share(row.get("box_density"))
        box = f"{flips} ({coverage}, {density})" if flips else ""
        lines.append(
            f"| {_text(row['claim'])} | {_share(row['holds_share'])} | {box} "
            f"| {_text(row.get('drivers'))} | **{_text(row['verdict'])}** "
            f"| {_share(row.get('plausible_share'))} | {_text(row.get('plausible_verdict'))} |"
        )
    if meta.get("notes"):
        lines += ["", "Notes:", ""] + [f"- {note}" for note in meta["notes"]]
    return "\n".join(lines) + "\n"


def inputs_markdown(meta: dict) -> str:
    """The files the analysis read, with their SHA-256 (``meta.json``'s ``inputs``)."""
    inputs = meta.get("inputs") or {}
    lines = ["", "Read from (SHA-256):", ""]
    lines += [f"- {role}: `{record['file']}` `{record['sha256']}`"
              for role, record in inputs.items()]  # fmt: skip
    return "\n".join(lines) + "\n" if inputs else ""


def metadata(result: Robustness, plan) -> dict:
    """What a conclusions table rests on, kept beside it (``meta.json``): the plan, the
    files read (``inputs``, each with its SHA-256) and what was found. The outputs are added
    by :func:`write_robustness`, which writes this file last."""
    from sim import __version__

    return {
        "scenario": plan.scenario_name,
        "structures": list(plan.structures),
        "seed": plan.seed,
        "replications": plan.replications,
        "sizes": {k: getattr(plan, k) for k in ("morris_trajectories", "sobol_samples",
                                                 "lhs_samples", "pattern_replications")},
        "parameters": sum(not f.switch for f in plan.factors),
        "alternatives": [f.name for f in plan.factors if f.switch],
        "factors": [[f.name, f.low, f.high, f.switch] for f in plan.factors],
        "lhs_points": result.lhs_points,
        "plausible_points": result.plausible_points,
        "notes": result.notes,
        "inputs": plan.inputs(),
        "sim_version": __version__,
    }  # fmt: skip


def replace_section(text: str, key: str, body: str) -> str:
    """``text`` with the part between ``<!-- KEY -->`` and ``<!-- end KEY -->`` replaced by
    ``body`` (the markers added at the end when absent)."""
    start, end = f"<!-- {key} -->", f"<!-- end {key} -->"
    block = f"{start}\n{body}{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        return before + block + after
    return text.rstrip("\n") + f"\n\n{block}\n"


def section(text: str, key: str) -> str | None:
    """The part of ``text`` between a key's markers (None when absent)."""
    start, end = f"<!-- {key} -->\n", f"<!-- end {key} -->"
    if start not in text or end not in text:
        return None
    return text.split(start, 1)[1].split(end, 1)[0]


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def alternatives_markdown(path: str | Path = "alternatives") -> str:
    """The structural alternatives (the shipped ones unless a path is given) as Markdown."""
    from sim.spec.alternatives import load_alternatives

    lines = ["| id | rule | question | shipped reading | the alternative | structures |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for a in load_alternatives(path).alternatives:
        applies = ", ".join(a.structures) or "all"
        if a.steps:
            applies = "scenario " + ", ".join(sorted({s.scenario for s in a.steps}))
        lines.append(f"| `{a.id}` | {a.rule} | {_cell(a.question)} | {_cell(a.default)} "
                     f"| {_cell(a.alternative)} | {applies} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def patterns_markdown(path: str | Path = "patterns") -> str:
    """The declared patterns (the shipped ones unless a path is given), and those the model
    cannot check, as Markdown."""
    from sim.spec.robustness import load_patterns

    patterns = load_patterns(path)
    lines = [
        f"Measured on `{patterns.scenario}` under `{patterns.structure}` at every point (the "
        "mean over the point's replications):",
        "",
        "| pattern | indicator | plausible between | source |",
        "|---|---|---|---|",
    ]
    for p in patterns.patterns:
        low, high = p.between
        lines.append(f"| `{p.id}` | `{p.indicator}` | {low:g} to {high:g} | {_cell(p.source)} |")
    if patterns.not_checked:
        lines += ["", "Reported, but not checked (and why):", ""]
        lines += [f"- `{n.id}`: {_cell(n.source)} *Not checked:* {_cell(n.why)}"
                  for n in patterns.not_checked]  # fmt: skip
    return "\n".join(lines) + "\n"


# -- a robustness folder, written and read --------------------------------------------------------
MAX_META_BYTES = 4_000_000  # meta.json and conclusions.csv are far smaller
TEXT_COLUMNS = ("conclusion", "claim", "indicator", "verdict")
SHARE_COLUMNS = ("holds_share", "plausible_share", "box_coverage", "box_density")
META_FIELDS = {"scenario": str, "structures": list, "replications": int, "lhs_points": int,
               "parameters": int, "alternatives": list, "plausible_points": int}  # fmt: skip
AGAIN = "run sim robustness again"


def _own_file(folder: Path, name: str) -> bytes:
    """The bytes of a file of a robustness folder: its own regular file, not a symbolic link
    nor anything that resolves outside the folder, and not larger than a folder writes."""
    from sim.errors import SpecError

    path = folder / name
    if path.is_symlink() or not path.resolve().is_relative_to(folder.resolve()):
        raise SpecError(str(path), "", "is a symbolic link; a robustness folder's files must "
                        "be its own (copy the file in)")  # fmt: skip
    if not path.is_file():
        raise SpecError(str(path), "", "not a regular file")
    with open(path, "rb") as handle:
        data = handle.read(MAX_META_BYTES + 1)
    if len(data) > MAX_META_BYTES:
        raise SpecError(str(path), "", f"larger than {MAX_META_BYTES:,} bytes: not what sim "
                        f"robustness writes; {AGAIN}")  # fmt: skip
    return data


def _read_meta(path: Path, data: bytes) -> dict:
    """``meta.json``, checked to be what :func:`write_robustness` writes."""
    import json

    from sim.errors import SpecError

    try:
        meta = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError(str(path), "", f"damaged (not valid JSON: {exc}); {AGAIN}") from None
    except RecursionError:
        raise SpecError(str(path), "", f"damaged (nested too deeply to be what sim robustness "
                        f"writes); {AGAIN}") from None  # fmt: skip
    if not isinstance(meta, dict):
        raise SpecError(str(path), "", f"damaged (not a JSON object); {AGAIN}")
    for name, kind in META_FIELDS.items():
        value = meta.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            shown = {"str": "text", "int": "whole number"}.get(kind.__name__, kind.__name__)
            raise SpecError(str(path), name, f"damaged (missing, or not a {shown}); {AGAIN}")
    if len(meta["structures"]) < 2 or not all(isinstance(s, str) for s in meta["structures"]):
        raise SpecError(str(path), "structures", f"damaged (not two or more names); {AGAIN}")
    notes = meta.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise SpecError(str(path), "notes", f"damaged (not a list of text); {AGAIN}")
    record = (meta.get("outputs") or {}) if isinstance(meta.get("outputs"), dict) else {}
    record = record.get("conclusions.csv")
    if not (isinstance(record, dict) and isinstance(record.get("sha256"), str)
            and isinstance(record.get("rows"), int)):  # fmt: skip
        raise SpecError(str(path), "outputs", "records no conclusions.csv (its SHA-256 and "
                        "rows): written by an older sim robustness, or not by sim robustness; "
                        f"{AGAIN}")  # fmt: skip
    return meta


def _read_table(path: Path, data: bytes, record: dict) -> pd.DataFrame:
    """``conclusions.csv``, checked against what ``meta.json`` records of it (its SHA-256
    and rows: a file cut short by an interrupted write, or changed since, is refused) and
    cell by cell."""
    import hashlib
    import io

    from sim.errors import SpecError

    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        raise SpecError(str(path), "", "does not match meta.json (its SHA-256 differs: changed "
                        f"since, or cut short by an interrupted write); {AGAIN}")  # fmt: skip
    try:
        table = pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecError(str(path), "", f"damaged ({first}); {AGAIN}") from None
    if len(table) != record["rows"]:
        raise SpecError(str(path), "", f"holds {len(table)} rows; meta.json records "
                        f"{record['rows']}; {AGAIN}")  # fmt: skip
    for column in (*TEXT_COLUMNS, "holds_share"):
        if column not in table:
            raise SpecError(str(path), "", f"damaged (no {column} column); {AGAIN}")
    for i, row in enumerate(table.to_dict("records"), start=1):
        where = f"row {i}"
        for column in TEXT_COLUMNS:
            if not _text(row[column]).strip():
                raise SpecError(str(path), f"{where}.{column}", f"empty; {AGAIN}")
        for column in (c for c in SHARE_COLUMNS if c in row):
            value = row[column]
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            if _text(value) and (math.isnan(number) or not 0 <= number <= 1):
                raise SpecError(str(path), f"{where}.{column}", f"'{value}' is not a share "
                                f"(a number from 0 to 1); {AGAIN}")  # fmt: skip
    for column in (c for c in SHARE_COLUMNS if c in table):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    for column in ("flips_where", "drivers", "plausible_verdict"):
        if column in table:
            table[column] = table[column].map(_text)
    return table


def read_folder(folder: str | Path) -> tuple[dict, pd.DataFrame]:
    """A `sim robustness` folder's ``meta.json`` and ``conclusions.csv``, each refused in one
    line naming it when it is not what a finished `sim robustness` wrote: a link or a file
    outside the folder, damaged JSON (however deeply nested), a table that does not match
    what ``meta.json`` records of it, an empty verdict or text in a share."""
    from sim.errors import SpecError

    folder = Path(folder)
    if not folder.is_dir():
        raise SpecError(str(folder), "", "not a folder" if folder.exists() else "no such folder")
    meta_path, table_path = folder / "meta.json", folder / "conclusions.csv"
    if not os.path.lexists(meta_path):
        started = [folder / phase for phase in PHASES]
        if os.path.lexists(table_path) or any(p.is_dir() for p in started):
            raise SpecError(str(folder), "", "unfinished: a sim robustness writing here did "
                            f"not finish (no meta.json); {AGAIN}")  # fmt: skip
        raise SpecError(str(folder), "", "not a sim robustness folder (no meta.json and "
                        "conclusions.csv)")  # fmt: skip
    meta = _read_meta(meta_path, _own_file(folder, "meta.json"))
    if not os.path.lexists(table_path):
        raise SpecError(str(table_path), "", f"missing; {AGAIN}")
    table = _read_table(table_path, _own_file(folder, "conclusions.csv"),
                        meta["outputs"]["conclusions.csv"])  # fmt: skip
    return meta, table


def page_section(folder, page=None) -> tuple[str, str]:
    """A results folder's section of a Markdown page: its scenario and its Markdown (with the
    folder's figures linked relative to ``page``, when given)."""
    folder = Path(folder)
    meta, table = read_folder(folder)
    body = conclusions_markdown(table, meta)
    if page is not None:
        figures = sorted((folder / "figures").glob("*.png"))
        links = [f"![{f.stem}]({Path(os.path.relpath(f, Path(page).parent)).as_posix()})"
                 for f in figures]  # fmt: skip
        if links:
            body += "\n" + "\n".join(links) + "\n"
    return meta["scenario"], body


def check_page(page: str | Path, scenario: str) -> None:
    """Whether ``sim robustness --docs PAGE`` can write the scenario's section (checked before
    any run): a UTF-8 page, or none yet in a folder that exists, writable (it is replaced
    whole), whose alternatives, patterns and scenario markers each come once, start before
    end, or not at all (the section is then added at the end)."""
    from sim.errors import SpecError

    page = Path(page)
    folder = page.parent
    if page.exists():
        if page.is_dir():
            raise SpecError(str(page), "", "is a folder, not a Markdown page")
        if not page.is_file():
            raise SpecError(str(page), "", "not a regular file")
        try:
            text = page.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise SpecError(str(page), "", "not UTF-8 text") from None
        for key in ("alternatives", "patterns", f"robustness: {scenario}"):
            start, end = f"<!-- {key} -->", f"<!-- end {key} -->"
            counts = (text.count(start), text.count(end))
            backwards = counts == (1, 1) and text.index(start) > text.index(end)
            if counts not in ((0, 0), (1, 1)) or backwards:
                raise SpecError(str(page), start, f"'{start}' and '{end}' must each come once, "
                                "the first before the second (or neither, to add the section "
                                "at the end)")  # fmt: skip
        if not os.access(page, os.W_OK):
            raise SpecError(str(page), "", "not writable")
    elif not folder.is_dir():
        raise SpecError(str(page), "", "no folder to write this page in")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SpecError(str(page), "", f"its folder {folder} is not writable (the page is "
                        "replaced whole)")  # fmt: skip


def update_page(page, folder, alternatives: str | Path = "alternatives",
                patterns: str | Path = "patterns") -> None:  # fmt: skip
    """Put a results folder's conclusions, and the alternatives and patterns it read (the
    shipped ones unless given), into the page between their markers; the page is replaced
    whole, atomically."""
    from sim.paths import replace_text

    page = Path(page)
    scenario, body = page_section(folder, page)
    check_page(page, scenario)
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    text = replace_section(text, "alternatives", alternatives_markdown(alternatives))
    text = replace_section(text, "patterns", patterns_markdown(patterns))
    text = replace_section(text, f"robustness: {scenario}", body)
    replace_text(page, text)


def _replace_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, renamed into place."""
    from sim.paths import naming

    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        with naming(path):
            tmp.write_bytes(data)
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


OUTPUT_PATTERNS = ("conclusions.csv", "narrowing.csv", "morris_*.csv", "sobol_*.csv",
                   "prim_*.csv", "conclusions.md", "figures/*.png")  # fmt: skip


def write_robustness(result: Robustness, out, plan) -> list:
    """Tables (CSV), figures (PNG), ``conclusions.md`` and, last, ``meta.json`` into ``out``;
    the files written. Each file is written whole (a temporary file renamed into place);
    ``meta.json`` goes first and comes back last, recording each output's SHA-256 (and a
    table's rows), so an interrupted write is never read as a finished folder. Outputs of an
    earlier run that this one does not write (a conclusion since removed) are removed."""
    import hashlib
    import io
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.paths import ensure_folder, inside, replace_text

    out = ensure_folder(out)
    meta_path = inside(out, "meta.json")
    meta_path.unlink(missing_ok=True)  # unfinished from here until it is written again
    ensure_folder(inside(out, "figures"))
    outputs: dict[str, dict] = {}

    def save(name: str, data: bytes, rows: int | None = None) -> None:
        _replace_bytes(inside(out, name), data)
        outputs[name] = {"sha256": hashlib.sha256(data).hexdigest()}
        if rows is not None:
            outputs[name]["rows"] = rows

    def save_csv(table: pd.DataFrame, name: str) -> None:
        save(name, table.to_csv(index=False).encode("utf-8"), len(table))

    def save_figure(fig, name: str) -> None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        plt.close(fig)
        save(f"figures/{name}", buffer.getvalue())

    save_csv(result.table, "conclusions.csv")
    if result.narrowing is not None:
        save_csv(result.narrowing, "narrowing.csv")
    for cid, table in result.morris.items():
        save_csv(table, f"morris_{cid}.csv")
    for cid, table in result.sobol.items():
        save_csv(table, f"sobol_{cid}.csv")
    for cid, box in result.boxes.items():
        if box is not None:
            save_csv(box.trajectory.drop(columns=["id"], errors="ignore"), f"prim_{cid}.csv")
    meta = metadata(result, plan)
    text = conclusions_markdown(result.table, meta) + inputs_markdown(meta)
    save("conclusions.md", text.encode("utf-8"))

    # Morris mu*-sigma of each conclusion's difference
    n = len(result.morris)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 4 * rows), squeeze=False)
    for ax, (cid, table) in zip(axes.flat, result.morris.items(), strict=False):
        ax.scatter(table["mu_star"], table["sigma"], s=14, color="#0072B2")
        for r in table.head(4).itertuples():
            ax.annotate(r.factor[2:], (r.mu_star, r.sigma), fontsize=7)
        ax.set_title(cid, fontsize=9)
        ax.set_xlabel("mu* (effect over the range)")
        ax.set_ylabel("sigma")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle("Morris screening of the paired differences")
    fig.tight_layout()
    save_figure(fig, "morris.png")

    # PRIM peeling trade-off of each conclusion that flips somewhere
    flips = {cid: box for cid, box in result.boxes.items() if box is not None}
    if flips:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
        for (cid, box), colour in zip(flips.items(), palette * 3, strict=False):
            t = box.trajectory
            ax.plot(t["coverage"], t["density"], "-", color=colour, label=cid, lw=1)
            ax.plot([box.coverage], [box.density], "o", color=colour)
        ax.set_xlabel("coverage (share of the flips inside the box)")
        ax.set_ylabel("density (share of the box's points that flip)")
        ax.set_title("PRIM peeling trajectories; dots: the boxes reported")
        ax.legend(fontsize=7)
        fig.tight_layout()
        save_figure(fig, "prim_tradeoff.png")

    # the conclusions chart: share of the space where each holds
    table = result.table
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["holds_share"].fillna(0), height=0.4, color="#0072B2",
            label="all points")  # fmt: skip
    if "plausible_share" in table:
        ax.barh(y + 0.2, table["plausible_share"].fillna(0), height=0.4, color="#E69F00",
                label="plausible points")  # fmt: skip
    ax.axvline(ROBUST_SHARE, color="black", lw=0.8, ls="--")
    ax.axvline(SUPPORTED_SHARE, color="grey", lw=0.8, ls=":")
    ax.set_yticks(y, table["conclusion"], fontsize=8)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of the assumption space where the conclusion holds")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    save_figure(fig, "conclusions.png")

    for pattern in OUTPUT_PATTERNS:  # an earlier run's outputs this one did not write
        for stale in out.glob(pattern):
            if stale.relative_to(out).as_posix() not in outputs:
                stale.unlink()
    meta["outputs"] = outputs
    replace_text(meta_path, json.dumps(meta, indent=2))
    return [out / name for name in [*outputs, "meta.json"]]


def verdict_matches(got: str, expected: str) -> bool:
    """Whether a verdict is the one expected: the same words, or for "depends on A, B" a
    "depends on ..." that names A and B among its assumptions (PRIM may name one more)."""
    if got == expected:
        return True
    prefix = "depends on "
    if expected.startswith(prefix) and got.startswith(prefix):
        wanted = {n.strip() for n in expected[len(prefix) :].split(",")}
        return wanted <= {n.strip() for n in got[len(prefix) :].split(",")}
    return False


def check_verdicts(table: pd.DataFrame, checks, file: str) -> list[tuple[bool, str]]:
    """Each expectation against the conclusions table: (passed, one line saying so). An
    expectation naming a conclusion the table lacks is an error naming the file."""
    from sim.errors import SpecError

    rows = table.set_index("conclusion")
    out = []
    for i, e in enumerate(checks.expect):
        if e.conclusion not in rows.index:
            known = ", ".join(rows.index)
            message = f"no conclusion '{e.conclusion}' (the analysis has: {known})"
            raise SpecError(file, f"expect[{i}].conclusion", message)
        column = "verdict" if e.over == "all" else "plausible_verdict"
        got = str(rows.loc[e.conclusion].get(column, ""))
        ok = verdict_matches(got, e.verdict)
        out.append((ok, f"{'PASS' if ok else 'FAIL'} {e.conclusion} over {e.over} points: "
                        f"{got} (expected {e.verdict})"))  # fmt: skip
    return out


def possible_verdict(text: str, assumptions: set[str]) -> bool:
    """Whether a run can give this verdict: one of the fixed words, or "depends on A[, B]"
    naming assumptions of the analysis."""
    fixed = {"robust", "not supported", "depends (no simple box)", NO_POINTS, NO_PLAUSIBLE}
    if text in fixed:
        return True
    prefix = "depends on "
    names = [n.strip() for n in text.removeprefix(prefix).split(",")]
    return text.startswith(prefix) and all(names) and set(names) <= assumptions


def check_expectations(checks, conclusions: list[Conclusion], factors: list[Factor],
                       file: str) -> None:  # fmt: skip
    """A robustness check file against the analysis it is to judge, before any run: every
    expectation names one of its conclusions and a verdict it can give."""
    from sim.errors import SpecError

    ids = [c.id for c in conclusions]
    names = {f.name for f in factors}
    for i, e in enumerate(checks.expect):
        if e.conclusion not in ids:
            raise SpecError(file, f"expect[{i}].conclusion", f"no conclusion '{e.conclusion}' "
                            f"(the analysis has: {', '.join(ids)})")  # fmt: skip
        if not possible_verdict(e.verdict, names):
            raise SpecError(file, f"expect[{i}].verdict", f"'{e.verdict}' is not a verdict the "
                            "analysis can give: robust, depends on NAME[, NAME] (assumptions it "
                            f"varies), depends (no simple box), not supported, {NO_PLAUSIBLE}"
                            )  # fmt: skip
