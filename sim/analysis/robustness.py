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
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.experiment.robustness import Factor, problem

salib_problem = problem  # the name the tests and notebooks use

ROBUST_SHARE = 0.95  # a conclusion holding at this share of the space or more is robust
SUPPORTED_SHARE = 0.5  # below this share, without a dense box of failures, not supported
NOWHERE_SHARE = 0.1  # below this share it is not supported, whatever the box
PRIM_DENSITY = 0.8  # the box PRIM reports: the largest coverage with at least this density
UNSTABLE_CONF = 0.1  # a Sobol index whose interval half-width exceeds this is not stable
PRIM_MIN_CUT = 0.2  # a box dimension cut by less than this share of its range is not reported
PRIM_MIN_DENSITY = PRIM_DENSITY  # a box less dense is not shown: it describes no flip well


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
    whatever the box; without a dense box, under half is not supported."""
    if math.isnan(share) or share < NOWHERE_SHARE:
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
                row["plausible_verdict"] = "no plausible points"
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
    """The scenario's declared conclusions among the plan's structures, each with its
    indicator's smallest difference that matters."""
    from sim.analysis.compare import outcome_indicators
    from sim.model.indicators import BY_NAME
    from sim.spec.robustness import load_conclusions

    smallest = {name: i.smallest for name, i in BY_NAME.items()}
    smallest |= {i.name: i.smallest for i in outcome_indicators(scenario)}
    out = []
    for c in load_conclusions(scenario.name):
        if c.of in plan.structures and c.minus in plan.structures and c.indicator in smallest:
            out.append(Conclusion(c.id, c.claim, c.indicator, c.of, c.minus, c.direction,
                                  float(smallest[c.indicator])))  # fmt: skip
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
    from sim.spec.robustness import load_patterns

    scenario = design.cached_scenario(plan.scenario_path)
    conclusions = declared_conclusions(plan, scenario)
    if not conclusions:
        from sim.errors import SpecError

        compared = ", ".join(plan.structures)
        raise SpecError("conclusions", scenario.name, f"no declared conclusions compare {compared}")
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

    patterns = load_patterns()
    lhs_points = design.lhs_points(plan)
    extra = design.pattern_runs(plan, lhs_points, patterns)
    design.run_phase(plan, "lhs", lhs_points, out, extra=extra, **run)
    rows = design.read_phase(out, "lhs")
    plausible = _plausible(rows, patterns, lhs_points)
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


def _plausible(rows: pd.DataFrame, patterns, points: pd.DataFrame) -> pd.Series:
    """Per LHS point, whether the pattern runs reproduce every declared pattern."""
    from sim.spec.loading import resolve

    path = str(resolve("scenario", patterns.scenario).resolve())
    mine = rows[(rows["scenario_file"] == path) & (rows["structure_file"] == patterns.structure)
                & (rows["error"] == "")]  # fmt: skip
    columns = [p.indicator for p in patterns.patterns]
    means = mine.groupby("point")[columns].mean().reindex(points["point"])
    bands = {}
    for p in patterns.patterns:
        means[p.id] = means[p.indicator]
        bands[p.id] = p.between
    return plausible_points(means, bands).fillna(False).astype(bool)


# -- what a reviewer reads ------------------------------------------------------------------------
def conclusions_markdown(table: pd.DataFrame, meta: dict) -> str:
    """The conclusions table as Markdown: each claim, where it holds (full ranges and the
    plausible set), where it flips and the verdict; ``meta`` is what :func:`metadata` keeps."""
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
        flips = row.get("flips_where")
        flips = flips if isinstance(flips, str) else ""
        box = f"{flips} ({row['box_coverage']:.0%}, {row['box_density']:.0%})" if flips else ""
        drivers = row.get("drivers") if isinstance(row.get("drivers"), str) else ""
        plausible = row.get("plausible_share", math.nan)
        shown = "" if plausible is None or math.isnan(plausible) else f"{plausible:.0%}"
        lines.append(
            f"| {row['claim']} | {row['holds_share']:.0%} | {box} | {drivers} "
            f"| **{row['verdict']}** | {shown} | {row.get('plausible_verdict', '')} |"
        )
    if meta.get("notes"):
        lines += ["", "Notes:", ""] + [f"- {note}" for note in meta["notes"]]
    return "\n".join(lines) + "\n"


def metadata(result: Robustness, plan) -> dict:
    """What a conclusions table rests on, kept beside it (``meta.json``)."""
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


def alternatives_markdown() -> str:
    """The shipped structural alternatives as a Markdown table."""
    from sim.spec.alternatives import load_alternatives

    lines = ["| id | rule | question | shipped reading | the alternative | structures |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for a in load_alternatives().alternatives:
        applies = ", ".join(a.structures) or "all"
        if a.steps:
            applies = "scenario " + ", ".join(sorted({s.scenario for s in a.steps}))
        lines.append(f"| `{a.id}` | {a.rule} | {_cell(a.question)} | {_cell(a.default)} "
                     f"| {_cell(a.alternative)} | {applies} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def patterns_markdown() -> str:
    """The declared patterns, and those the model cannot check, as Markdown."""
    from sim.spec.robustness import load_patterns

    patterns = load_patterns()
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


def page_section(folder, page=None) -> tuple[str, str]:
    """A results folder's section of a Markdown page: its scenario and its Markdown (with the
    folder's figures linked relative to ``page``, when given)."""
    import json
    import os
    from pathlib import Path

    folder = Path(folder)
    meta = json.loads((folder / "meta.json").read_text())
    table = pd.read_csv(folder / "conclusions.csv")
    body = conclusions_markdown(table, meta)
    if page is not None:
        figures = sorted((folder / "figures").glob("*.png"))
        links = [f"![{f.stem}]({Path(os.path.relpath(f, Path(page).parent)).as_posix()})"
                 for f in figures]  # fmt: skip
        if links:
            body += "\n" + "\n".join(links) + "\n"
    return meta["scenario"], body


def update_page(page, folder) -> None:
    """Put a results folder's conclusions, and the shipped alternatives and patterns, into
    the page between their markers."""
    from pathlib import Path

    page = Path(page)
    scenario, body = page_section(folder, page)
    text = page.read_text() if page.exists() else ""
    text = replace_section(text, "alternatives", alternatives_markdown())
    text = replace_section(text, "patterns", patterns_markdown())
    text = replace_section(text, f"robustness: {scenario}", body)
    page.write_text(text)


def write_robustness(result: Robustness, out, plan) -> list:
    """Tables (CSV), ``meta.json``, figures (PNG) and ``conclusions.md`` into ``out``; the
    files written."""
    import json
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    written = []

    def save_csv(table: pd.DataFrame, name: str) -> None:
        table.to_csv(out / name, index=False)
        written.append(out / name)

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
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    (out / "conclusions.md").write_text(conclusions_markdown(result.table, meta))
    written += [out / "meta.json", out / "conclusions.md"]

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
    fig.savefig(figures / "morris.png", dpi=100)
    plt.close(fig)
    written.append(figures / "morris.png")

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
        fig.savefig(figures / "prim_tradeoff.png", dpi=100)
        plt.close(fig)
        written.append(figures / "prim_tradeoff.png")

    # the conclusions chart: share of the space where each holds
    table = result.table
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["holds_share"], height=0.4, color="#0072B2", label="all points")
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
    fig.savefig(figures / "conclusions.png", dpi=100)
    plt.close(fig)
    written.append(figures / "conclusions.png")
    return written


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
