"""Robust conclusions: every claim the first screen makes, tested across the assumptions, each
decided beyond noise, stated per reading of the sources.

A robustness analysis runs two (or more) structures on one scenario across the whole
assumption space: every parameter over its plausible range (`docs/parameters.md`) and every
structural alternative (`scenarios/robustness/alternatives.yaml`) off or on. At each point
the structures run with the same seeds, so each point gives **paired differences**. This
module turns them into what a reviewer reads:

1. **Claims from the verdict** (:mod:`sim.analysis.claims`): the comparison at the default
   assumptions, as the first screen makes it, gives a claim per indicator that decides a
   cell (better and worse sides, every option against the baseline); declared claims add
   to them.
2. **Each point decided beyond noise**: at each Latin hypercube point a claim holds, fails
   or is undecided by the interval of its paired difference; points where any claim is
   undecided get more replications, in batches, up to a cap (:func:`adaptive`). Each share
   comes with a 95% interval that counts the sampling of points and the undecided ones; the
   decisions' misclassification is measured against a high-replication reference
   (:func:`misclassification`).
3. **Conditional on the readings, direction in words** (:mod:`sim.analysis.discovery`): a
   claim's share under each reading of each alternative, a reading that matters named in
   plain words with both shares, and a PRIM box of the failures checked on held-out points.
4. **Screening that tells effects from noise**: Morris with a dummy factor (the noise floor),
   and Sobol indices on a random-forest metamodel only where its cross-validated R² says it
   describes the model.
5. **Thresholds shown**: each claim's share at 1x, 2x and 4x its smallest difference.
6. **Plausibility weighed** (:func:`plausible_points`): a point is plausible when each
   reported pattern lies within the 90% spread of its replications there; the plausible set
   and every share are given as the patterns' tolerance narrows and widens.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.claims import (
    DECISION_CONFIDENCE,
    DEPENDS,
    FAILS,
    FEW,
    HOLDS,
    NO_PLAUSIBLE,
    NO_POINTS,
    NO_SIMPLE,
    NOISY,
    NOT_SUPPORTED,
    ONE_WAY,
    ROBUST,
    ROBUST_LOW,
    UNDECIDED,
    Claim,
    Share,
    best_guess,
    claim_verdict,
    claims_from_comparison,
    decide,
    merge_declared,
    point_intervals,
    share_interval,
)
from sim.analysis.discovery import (
    Box,
    Words,
    dependence,
    metamodel_sobol,
    morris_screen,
    words_for,
)
from sim.experiment.robustness import (
    DUMMY,
    MORRIS_LEVELS,
    PHASES,
    REFERENCE_FIRST,
    ROUNDS,
    Factor,
    problem,
)

salib_problem = problem  # the name the tests and notebooks use

SCALES = (1.0, 2.0, 4.0)  # a claim's share at 1x, 2x and 4x its smallest difference
TOLERANCES = (0.5, 1.0, 2.0)  # the patterns' bands, narrowed, as declared, and widened
PATTERN_SPREAD = (0.05, 0.95)  # a pattern is reproduced when its band meets this spread
EQUIFINAL_SHARE = 0.8  # a plausible set keeping this share of the points narrows little
REFERENCE_CONFIDENCE = 0.95

SIZES: dict[str, dict[str, int]] = {
    # the CI's and the tests' size: every phase runs, nothing is trusted
    "small": {"defaults_replications": 20, "morris_trajectories": 4,
              "morris_replications": 1, "lhs_samples": 40, "replications": 2,
              "max_replications": 8, "pattern_replications": 4, "reference_points": 4,
              "reference_replications": 16},
    # the size `make bench` times and the docs' tables come from
    "full": {"defaults_replications": 30, "morris_trajectories": 30,
             "morris_replications": 2, "lhs_samples": 200, "replications": 4,
             "max_replications": 16, "pattern_replications": 8, "reference_points": 12,
             "reference_replications": 48},
}  # fmt: skip


# -- paired differences -----------------------------------------------------------------------
def key(of: str, indicator: str) -> str:
    """The column of a paired difference: ``of`` minus the baseline on ``indicator``."""
    return f"{of}:{indicator}"


def paired_differences(rows: pd.DataFrame, base: str, keys: list[tuple[str, str]]) -> pd.DataFrame:
    """One row per point and replication, a column per (option, indicator) in ``keys``: the
    option's value minus the baseline's, paired by replication (``rows``: runs with columns
    ``structure``, ``point``, ``replication`` and the indicators)."""
    if rows.empty:
        return pd.DataFrame(columns=["point", "replication", *(key(*k) for k in keys)])
    keyed = rows.set_index(["point", "replication"])
    a = keyed[keyed["structure"] == base]
    out = pd.DataFrame(index=a.index)
    for of, indicator in keys:
        b = keyed[keyed["structure"] == of]
        both = a.index.intersection(b.index)
        column = pd.Series(np.nan, index=a.index)
        if indicator in b and indicator in a:
            column.loc[both] = (b.loc[both, indicator].astype(float)
                                - a.loc[both, indicator].astype(float))  # fmt: skip
        out[key(of, indicator)] = column
    return out.reset_index()


def decisions(diffs: pd.DataFrame, claim: Claim, scale: float = 1.0,
              confidence: float = DECISION_CONFIDENCE) -> pd.Series:  # fmt: skip
    """At each point with runs, whether ``claim`` holds, fails or is undecided."""
    values = diffs[["point", key(claim.of, claim.indicator)]]
    values = values.rename(columns={key(claim.of, claim.indicator): "value"})
    return decide(point_intervals(values, confidence), claim.direction, claim.smallest, scale)


Evaluate = Callable[[str, pd.DataFrame, range], pd.DataFrame]
"""Runs ``replications`` of each of ``points`` in a phase and returns their paired
differences (:func:`paired_differences`): the model's runs, or a synthetic model's."""


def adaptive(evaluate: Evaluate, points: pd.DataFrame, claims: list[Claim],
             looks: list[int]) -> tuple[pd.DataFrame, list[dict]]:  # fmt: skip
    """Every point's first batch of replications, then, batch after batch (``looks``: the
    replications per point after each), more at the points where some claim is still
    undecided, up to the last look. The paired differences and what each batch did."""
    diffs = evaluate(ROUNDS[0], points, range(looks[0]))
    done = [{"phase": ROUNDS[0], "points": len(points), "replications": looks[0]}]
    for k in range(1, len(looks)):
        pending = undecided_points(diffs, claims)
        if not pending:
            break
        chosen = points[points["point"].isin(pending)]
        more = evaluate(ROUNDS[k], chosen, range(looks[k - 1], looks[k]))
        diffs = pd.concat([diffs, more], ignore_index=True)
        done.append({"phase": ROUNDS[k], "points": len(chosen), "replications": looks[k]})
    return diffs, done


def undecided_points(diffs: pd.DataFrame, claims: list[Claim]) -> list[int]:
    """The points where some claim is undecided."""
    pending: set[int] = set()
    for claim in claims:
        d = decisions(diffs, claim)
        pending |= set(d.index[d == UNDECIDED])
    return sorted(pending)


# -- plausibility -------------------------------------------------------------------------------
def plausible_points(values: pd.DataFrame, patterns, points: pd.Index,
                     tolerance: float = 1.0) -> pd.Series:  # fmt: skip
    """Rejection (approximate Bayesian computation over the design), through the spread of
    the replications: a point is plausible when, for every pattern, the band it declares
    (narrowed or widened about its middle by ``tolerance``) meets the 5th to 95th percentile
    of the pattern indicator over the point's replications (``values``: point, replication,
    indicators). A point with no pattern runs is not plausible."""
    keep = pd.Series(True, index=points)
    if values.empty:  # no pattern run succeeded: no point reproduces anything
        return ~keep
    grouped = values.groupby("point")
    for p in patterns:
        low, high = p.between
        middle, half = (low + high) / 2, (high - low) / 2 * tolerance
        spread = grouped[p.indicator].quantile(list(PATTERN_SPREAD)).unstack()
        spread = spread.reindex(points)
        meets = (spread[PATTERN_SPREAD[0]] <= middle + half) & (
            spread[PATTERN_SPREAD[1]] >= middle - half
        )
        keep &= meets.fillna(False).astype(bool)
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


# -- the reference --------------------------------------------------------------------------------
def misclassification(diffs: pd.DataFrame, reference: pd.DataFrame,
                      claims: list[Claim]) -> dict:  # fmt: skip
    """How often the adaptive decisions disagree with a high-replication reference at the
    reference's points: of the (claim, point) pairs decided both ways (holds or fails), the
    share decided differently, with its 95% interval (Clopper-Pearson)."""
    compared = wrong = 0
    for claim in claims:
        mine = decisions(diffs, claim)
        theirs = decisions(reference, claim, confidence=REFERENCE_CONFIDENCE)
        both = mine.index.intersection(theirs.index)
        a, b = mine.loc[both], theirs.loc[both]
        decided = a.isin([HOLDS, FAILS]) & b.isin([HOLDS, FAILS])
        compared += int(decided.sum())
        wrong += int((a[decided] != b[decided]).sum())
    share = share_interval(pd.Series([FAILS] * wrong + [HOLDS] * (compared - wrong)))
    rate = wrong / compared if compared else math.nan
    low = 1 - share.high if compared else math.nan  # the interval of the wrong share
    high = 1 - share.low if compared else math.nan
    return {"compared": compared, "wrong": wrong, "rate": rate, "low": low, "high": high,
            "points": int(reference["point"].nunique()) if len(reference) else 0}  # fmt: skip


# -- what drives a difference -------------------------------------------------------------------
def morris_tables(
    diffs: pd.DataFrame,
    raw: np.ndarray,
    points: pd.DataFrame,
    keys: list[str],
    factors: list[Factor],
    seed: int,
) -> dict[str, pd.DataFrame]:
    """Morris screening of each paired difference's point mean (with the dummy's noise
    floor); switches' effects scaled to their whole flip."""
    with_dummy = [*factors, DUMMY]
    means = diffs.groupby("point")[keys].mean().reindex(points["point"])
    out = {}
    for column in keys:
        y = means[column]
        y = y.fillna(y.mean() if y.notna().any() else 0.0).to_numpy(dtype=float)
        table = morris_screen(problem(with_dummy), raw, y, MORRIS_LEVELS, seed)
        out[column] = _per_range(table, with_dummy)
    return out


def _per_range(table: pd.DataFrame, factors: list[Factor]) -> pd.DataFrame:
    """Morris effects as the effect of moving over a factor's whole range: SALib divides by
    the step (2/3 of the range at four levels), but a switch's step is the whole flip, so
    its effects are scaled back by 2/3."""
    delta = MORRIS_LEVELS / (2 * (MORRIS_LEVELS - 1))
    switches = {f.column for f in factors if f.switch}
    table = table.copy()
    rows = table["factor"].isin(switches)
    for column in ("mu_star", "mu_star_conf", "mu", "sigma"):
        table.loc[rows, column] = table.loc[rows, column] * delta
    return table.sort_values("mu_star", ascending=False, ignore_index=True)


def drivers(column: str, sobol: dict[str, pd.DataFrame], morris: dict[str, pd.DataFrame],
            factors: dict[str, Factor], words: Words) -> list[str]:  # fmt: skip
    """A difference's drivers in words: the factors with the largest stable total-effect
    index on the metamodel (at least 0.1), else those Morris finds above the noise floor."""
    table = sobol.get(column)
    if table is not None and len(table):
        chosen = table[table["stable"] & (table["ST"] >= 0.1)]["factor"].tolist()[:3]
    else:
        table = morris.get(column)
        chosen = [] if table is None else table[table["above_noise"]]["factor"].tolist()[:3]
    out = []
    for c in chosen:
        f = factors[c]
        out.append(f"which reading of {f.name}" if f.switch else words.title(f))
    return out


# -- the claims at the defaults -----------------------------------------------------------------
def claims_at_defaults(rows: pd.DataFrame, plan, scenario) -> tuple[list[Claim], pd.DataFrame]:
    """The claims the first screen makes at the default assumptions (its verdicts over the
    defaults' replications), with the declared ones added; and that comparison's table."""
    from sim.analysis.compare import paired_comparison
    from sim.analysis.verdict import catalogue as judged
    from sim.experiment.tasks import cached_structure

    runs = rows.drop(columns=["point"]).reset_index(drop=True)
    names = list(plan.structures)
    catalogue = judged(runs, scenario)
    table = paired_comparison(runs, names, list(catalogue.values()))
    titles = {n: cached_structure(p).display_name for n, p in plan.structure_paths.items()}
    derived = claims_from_comparison(table, names, titles, catalogue)
    return merge_declared(derived, declared_claims(plan, scenario)), table


def declared_claims(plan, scenario) -> list[Claim]:
    """The scenario's declared claims (the plan's conclusions file) among the plan's
    structures, each with its indicator's smallest difference that matters. A claim naming
    an indicator without one, or a structure that is neither shipped nor compared, is an
    error naming the file and field: never silently left out."""
    from sim.analysis.compare import outcome_indicators
    from sim.errors import SpecError
    from sim.model.indicators import BY_NAME
    from sim.spec.loading import shipped_names
    from sim.spec.robustness import load_conclusions

    smallest = {name: i.smallest for name, i in BY_NAME.items()}
    smallest |= {i.name: i.smallest for i in outcome_indicators(scenario)}
    criteria = {name: i.criterion for name, i in BY_NAME.items()}
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
        if c.of in plan.structures and c.minus == plan.structures[0]:
            out.append(Claim(c.id, c.claim, c.indicator, c.of, c.minus, c.direction,
                             float(smallest[c.indicator]),
                             criteria.get(c.indicator, "OUTCOME"), "", "declared"))  # fmt: skip
    return out


# -- the analysis, end to end ---------------------------------------------------------------------
@dataclass
class Robustness:
    """What `sim robustness` found."""

    claims: list[Claim]
    table: pd.DataFrame  # one row per claim: conclusions.csv
    readings: pd.DataFrame  # a claim's share under each reading of each alternative
    tolerance: pd.DataFrame  # the plausible set and each claim's share as the bands move
    morris: dict[str, pd.DataFrame]
    sobol: dict[str, pd.DataFrame]
    boxes: dict[str, Box | None]
    narrowing: pd.DataFrame | None
    defaults: pd.DataFrame  # the comparison at the default assumptions
    rounds: list[dict]
    reference: dict
    plausible_points: int
    lhs_points: int
    notes: list[str] = field(default_factory=list)


class ModelRuns:
    """The model's runs of a phase, as paired differences (:data:`Evaluate`): each phase's
    missing runs go into its store (resumable), then its rows are read back."""

    def __init__(self, plan, out: Path, keys: list[tuple[str, str]], settings=None) -> None:
        self.plan, self.out, self.keys, self.settings = plan, Path(out), keys, settings
        self.rows: dict[str, pd.DataFrame] = {}

    def __call__(self, phase: str, points: pd.DataFrame, replications: range) -> pd.DataFrame:
        from sim.experiment import robustness as design

        extra = design.pattern_runs(self.plan, points) if phase == ROUNDS[0] else None
        design.run_phase(self.plan, phase, points, self.out, replications, extra=extra,
                         settings=self.settings)  # fmt: skip
        self.rows[phase] = design.read_phase(self.out, phase)
        mine = _compared_runs(self.rows[phase], self.plan)
        return paired_differences(mine, self.plan.structures[0], self.keys)


def _compared_runs(rows: pd.DataFrame, plan) -> pd.DataFrame:
    """The runs of the compared structures on the analysed scenario that did not fail, with
    ``structure`` the structure's name."""
    if rows.empty:
        return rows
    mine = rows[(rows["scenario_file"] == plan.scenario_path) & (rows["error"] == "")]
    return mine.drop(columns=["structure"]).rename(columns={"structure_file": "structure"})


def pattern_values(rows: pd.DataFrame, plan) -> pd.DataFrame:
    """The pattern runs' values: point, replication and each pattern's indicator."""
    patterns = plan.pattern_checks
    columns = [p.indicator for p in patterns.patterns]
    if rows.empty or not {"error", *columns} <= set(rows):  # no pattern run succeeded
        return pd.DataFrame(columns=["point", "replication", *columns])
    mine = rows[(rows["scenario_file"] == plan.pattern_scenario_path)
                & (rows["structure_file"] == patterns.structure)
                & (rows["error"] == "")]  # fmt: skip
    return mine[["point", "replication", *dict.fromkeys(columns)]]


def run_robustness(plan, out, settings=None) -> Robustness:
    """Run every phase (each resumable, where ``settings`` say: a
    :class:`sim.experiment.paired.RunSettings`, by default processes on every core with a
    progress bar) and analyse them: the defaults give the claims;
    Morris screens the factors; the Latin hypercube, with its extra batches where a claim is
    undecided, decides each claim at each point; the reference measures the misclassification;
    the pattern runs give the plausible set."""
    from sim.experiment import robustness as design
    from sim.spec.alternatives import load_alternatives

    scenario = design.cached_scenario(plan.scenario_path)
    notes: list[str] = []

    defaults = design.defaults_point(plan)
    design.run_phase(plan, "defaults", defaults, out, range(plan.defaults_replications),
                     settings=settings)  # fmt: skip
    claims, at_defaults = claims_at_defaults(
        _compared_runs(design.read_phase(out, "defaults"), plan), plan, scenario
    )
    keys = list(dict.fromkeys((c.of, c.indicator) for c in claims))
    columns = [key(*k) for k in keys]
    runs = ModelRuns(plan, out, keys, settings)

    morris_points = design.morris_points(plan)
    morris_diffs = runs("morris", morris_points, range(plan.morris_replications))
    morris = morris_tables(morris_diffs, design.morris_raw(plan), morris_points, columns,
                           plan.factors, plan.seed)  # fmt: skip

    points = design.lhs_points(plan)
    diffs, rounds = adaptive(runs, points, claims, plan.looks())
    values = pattern_values(runs.rows[ROUNDS[0]], plan)
    reference_points = design.reference_points(plan, points)
    first = REFERENCE_FIRST
    reference = runs("reference", reference_points,
                     range(first, first + plan.reference_replications))  # fmt: skip
    alternatives = load_alternatives(plan.alternatives_path)
    result = analyse(plan, claims, diffs, points, values, morris, reference,
                     words_for(plan.factors, alternatives), notes)  # fmt: skip
    result.defaults, result.rounds = at_defaults, rounds
    return result


def analyse(plan, claims: list[Claim], diffs: pd.DataFrame, points: pd.DataFrame,
            values: pd.DataFrame, morris: dict[str, pd.DataFrame], reference: pd.DataFrame,
            words: Words, notes: list[str]) -> Robustness:  # fmt: skip
    """Judge every claim over the Latin hypercube's points (``diffs``, ``points``), over all
    of them and over the plausible set (``values``: the pattern runs), with its dependence,
    its shares at larger thresholds and as the plausible set moves, its drivers, and the
    decisions' misclassification against the ``reference``."""
    factors = plan.factors
    by_column = {f.column: f for f in factors}
    x = points.set_index("point")
    patterns = plan.pattern_checks.patterns
    plausible = {t: plausible_points(values, patterns, x.index, t) for t in TOLERANCES}
    kept = plausible[1.0]
    missing = len(x) - diffs.dropna(how="all", subset=diffs.columns[2:])["point"].nunique()
    if missing:
        notes.append(f"{missing} Latin hypercube points have no runs (every run failed); "
                     "they are left out")  # fmt: skip
    sobol: dict[str, pd.DataFrame] = {}
    means = diffs.groupby("point")[list(diffs.columns[2:])].mean()
    for column in means.columns:
        y = means[column].dropna()
        table, r2 = metamodel_sobol(x.loc[y.index], y.to_numpy(), factors, plan.seed)
        if table is None:
            fit = (f"predicts it no better than the points' mean (cross-validated R\u00b2 "
                   f"{r2:.2f})" if r2 <= 0 else
                   f"explains only {r2:.0%} of its variance (cross-validated)")  # fmt: skip
            why = ("too few points or no variation" if math.isnan(r2)
                   else f"a random-forest metamodel of the points {fit}, so variance-based "
                        "indices would describe the metamodel, not the model")  # fmt: skip
            notes.append(f"Sobol indices of {column} not computed: {why}; its drivers are "
                         "Morris' factors above the noise floor")  # fmt: skip
        else:
            table["r2"] = r2
            sobol[column] = table
    rows, readings, tolerance, boxes = [], [], [], {}
    for claim in claims:
        column = key(claim.of, claim.indicator)
        decided = decisions(diffs, claim)
        guess = best_guess(decided, means[column], claim.direction, claim.smallest)
        every = share_interval(decided, guess)
        inside = kept.reindex(decided.index, fill_value=False)
        within, guessed = decided[inside], guess[inside]
        plaus = share_interval(within, guessed)
        on_all = dependence(decided, guess, x, factors, words, plan.seed, "points")
        on = dependence(within, guessed, x, factors, words, plan.seed, "plausible points")
        box = on.box
        boxes[claim.id] = box
        row = {
            "conclusion": claim.id, "claim": claim.claim, "indicator": claim.indicator,
            "option": claim.of, "baseline": claim.minus, "direction": claim.direction,
            "smallest": claim.smallest, "criterion": claim.criterion, "side": claim.side,
            "source": claim.source,
            **_share_columns("", every),
            "verdict": claim_verdict(every, on_all.text, over_plausible=False),
            "depends": on_all.text,
            "depends_factors": ", ".join(on_all.factors),
            **_share_columns("plausible_", plaus),
            "plausible_verdict": claim_verdict(plaus, on.text),
            "plausible_depends": on.text,
            "plausible_depends_factors": ", ".join(on.factors),
            "switching": _switching(guess, x, factors, on_all.factors, words),
            "plausible_switching": _switching(guessed, x, factors, on.factors, words),
            "flips_where": box.describe(by_column, words) if box is not None else "",
            "box_coverage": box.coverage if box is not None else math.nan,
            "box_density": box.density if box is not None else math.nan,
            "drivers": ", ".join(drivers(column, sobol, morris, by_column, words)),
        }  # fmt: skip
        for scale in SCALES[1:]:
            wider = decisions(diffs, claim, scale)
            wider_guess = best_guess(wider, means[column], claim.direction,
                                     claim.smallest * scale)  # fmt: skip
            inside_wider = kept.reindex(wider.index, fill_value=False)
            share = share_interval(wider[inside_wider], wider_guess[inside_wider])
            row[f"plausible_share_{scale:g}x"] = share.estimate
        rows.append(row)
        for over, table in (("all", on_all.readings), ("plausible", on.readings)):
            for r in table.itertuples():
                readings.append({"conclusion": claim.id, "over": over, "alternative": r.factor.name,
                                 "if_off": words.reading(r.factor, False),
                                 "share_off": r.off.estimate, "low_off": r.off.low,
                                 "high_off": r.off.high, "points_off": r.off.points,
                                 "if_on": words.reading(r.factor, True),
                                 "share_on": r.on.estimate, "low_on": r.on.low,
                                 "high_on": r.on.high, "points_on": r.on.points,
                                 "p_value": r.p, "named": r.named})  # fmt: skip
        for t in TOLERANCES:
            chosen = plausible[t].reindex(decided.index, fill_value=False)
            share = share_interval(decided[chosen], guess[chosen])
            tolerance.append({"conclusion": claim.id, "tolerance": t,
                              "plausible_points": int(plausible[t].sum()),
                              "share": share.estimate, "low": share.low,
                              "high": share.high})  # fmt: skip
    table = pd.DataFrame(rows)
    if kept.mean() >= EQUIFINAL_SHARE:
        notes.append(f"The patterns narrow the assumptions little: {kept.mean():.0%} of the "
                     "points reproduce them (equifinality: many combinations of assumptions "
                     "fit the sources equally well), so the plausible set is nearly the whole "
                     "space")  # fmt: skip
    return Robustness(claims, table, pd.DataFrame(readings), pd.DataFrame(tolerance), morris,
                      sobol, boxes, narrowing(x, kept, factors), pd.DataFrame(), [],
                      misclassification(diffs, reference, claims), int(kept.sum()), len(x),
                      notes)  # fmt: skip


def _switching(guess: pd.Series, x: pd.DataFrame, factors: list[Factor], named: list[str],
               words: Words) -> str:  # fmt: skip
    """The switching value of each parameter a claim's verdict names (never an alternative,
    whose other reading is its switch), in plain words, "; " between them: where the claim's
    holding (its best guess at undecided points) crosses one half along the parameter."""
    from sim.analysis.claims import HOLDS
    from sim.analysis.discovery import switching_value

    texts = []
    for f in factors:
        if f.name in named and not f.switch and len(guess):
            found = switching_value(guess == HOLDS, x[f.column], f)
            if found is not None:
                texts.append(found.text(words))
    return "; ".join(texts)


def _share_columns(prefix: str, share: Share) -> dict:
    name = "plausible" if prefix else ""
    return {
        f"{prefix}points": share.points,
        f"{prefix}holds": share.holds,
        f"{prefix}fails": share.fails,
        f"{prefix}undecided": share.undecided,
        f"{name or 'holds'}_share": share.estimate,
        f"{prefix}low": share.low,
        f"{prefix}high": share.high,
    }


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


def _interval(row: dict, prefix: str = "") -> str:
    """A claim's share over a set of points with its 95% interval and undecided count."""
    name = "plausible_share" if prefix else "holds_share"
    points = _count(row.get(f"{prefix}points"))
    if not points:
        return ""
    undecided = _count(row.get(f"{prefix}undecided"))
    extra = f", {undecided} undecided" if undecided else ""
    return (f"{_share(row.get(name))} ({_share(row.get(f'{prefix}low'))} to "
            f"{_share(row.get(f'{prefix}high'))}) of {int(points)}{extra}")  # fmt: skip


def _bold(text: str) -> str:
    return f"**{text}**" if text else ""


def _count(value) -> int:
    """A count cell as a whole number (0 when empty)."""
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return int(number) if math.isfinite(number) else 0


def conclusions_markdown(table: pd.DataFrame, meta: dict) -> str:
    """The conclusions table as Markdown: each claim (from the verdict, declared, or both),
    where it holds over the plausible set with its interval, at larger thresholds, what it
    depends on in plain words, and its verdict; then the same over every point; ``meta`` is
    what :func:`metadata` keeps. A share with no points to judge is left empty, and the
    verdict says why."""
    structures = ", ".join(f"`{s}`" for s in meta["structures"])
    looks = meta.get("looks") or [meta["replications"]]
    wrong = meta.get("misclassification") or {}
    lines = [
        f"Scenario `{meta['scenario']}`, structures {structures} (differences: each later "
        f"structure minus the first). The claims are the first screen's at the default "
        f"assumptions ({meta.get('defaults_replications', '?')} paired replications), on its "
        "better and worse sides, with any declared ones. Each is decided at "
        f"{meta['lhs_points']} points of a Latin hypercube over every assumption "
        f"({meta['parameters']} parameters over their plausible ranges, "
        f"{len(meta['alternatives'])} structural alternatives off or on) by the "
        f"{meta.get('decision_confidence', DECISION_CONFIDENCE):.1%} interval of its paired "
        f"difference, with {' then '.join(str(n) for n in looks)} replications at points "
        "still undecided; "
        f"{meta['plausible_points']} points reproduce the declared patterns (the plausible "
        "set). Shares: the share of decided points where the claim holds, with a 95% interval "
        "that counts the sampling of points and the undecided ones.",
    ]
    if wrong.get("compared"):
        lines.append(
            f"\nMisclassification against a {meta.get('reference_replications', '?')}-"
            f"replication reference at {wrong['points']} points: {wrong['wrong']} of "
            f"{wrong['compared']} decisions differ ({_share(wrong['rate'])}, 95% interval "
            f"{_share(wrong['low'])} to {_share(wrong['high'])})."
        )
    lines += [
        "",
        "| claim | side | holds (plausible points) | at 2x / 4x the smallest difference "
        "| depends on | verdict (plausible) | holds (all points) | verdict (all) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in table.to_dict("records"):
        side = _text(row.get("side")) or "declared"
        if _text(row.get("source")) == "both":
            side += ", declared"
        wider = " / ".join(_share(row.get(f"plausible_share_{s:g}x")) or "n/a"
                           for s in SCALES[1:])  # fmt: skip
        lines.append(
            f"| {_cell(_text(row['claim']))} | {side} | {_interval(row, 'plausible_')} "
            f"| {wider} | {_cell(_text(row.get('plausible_depends')))} "
            f"| {_bold(_text(row.get('plausible_verdict')))} | {_interval(row)} "
            f"| {_text(row['verdict'])} |"
        )
    tolerance = meta.get("tolerance") or {}
    if tolerance:
        kept = ", ".join(f"{n} at {t}x" for t, n in tolerance.items())
        lines += ["", f"Plausible points as the patterns' bands narrow and widen: {kept} "
                  "(tolerance.csv gives each claim's share at each)."]  # fmt: skip
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

    sizes = ("defaults_replications", "morris_trajectories", "morris_replications",
             "lhs_samples", "replications", "max_replications", "pattern_replications",
             "reference_points", "reference_replications")  # fmt: skip
    tolerance = result.tolerance.drop_duplicates("tolerance") if len(result.tolerance) else None
    return {
        "scenario": plan.scenario_name,
        "structures": list(plan.structures),
        "seed": plan.seed,
        "replications": plan.replications,
        "looks": plan.looks(),
        "defaults_replications": plan.defaults_replications,
        "reference_replications": plan.reference_replications,
        "decision_confidence": DECISION_CONFIDENCE,
        "sizes": {k: getattr(plan, k) for k in sizes},
        "parameters": sum(not f.switch for f in plan.factors),
        "alternatives": [f.name for f in plan.factors if f.switch],
        "factors": [[f.name, f.low, f.high, f.switch] for f in plan.factors],
        "lhs_points": result.lhs_points,
        "plausible_points": result.plausible_points,
        "tolerance": {} if tolerance is None else {
            f"{t:g}": int(n) for t, n in zip(tolerance["tolerance"],
                                             tolerance["plausible_points"], strict=True)},
        "rounds": result.rounds,
        "misclassification": result.reference,
        "claims": len(result.claims),
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

    lines = ["| id | rule | question | shipped reading | the alternative | in a verdict | "
             "structures |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for a in load_alternatives(path).alternatives:
        applies = ", ".join(a.structures) or "all"
        if a.steps:
            applies = "scenario " + ", ".join(sorted({s.scenario for s in a.steps}))
        said = f"if {_cell(a.if_default)} / if {_cell(a.if_alternative)}"
        lines.append(f"| `{a.id}` | {a.rule} | {_cell(a.question)} | {_cell(a.default)} "
                     f"| {_cell(a.alternative)} | {said} | {applies} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def patterns_markdown(path: str | Path = "patterns") -> str:
    """The declared patterns (the shipped ones unless a path is given), and those the model
    cannot check, as Markdown."""
    from sim.spec.robustness import load_patterns

    patterns = load_patterns(path)
    lines = [
        f"Measured on `{patterns.scenario}` under `{patterns.structure}` at every point: a "
        "point reproduces a pattern when its band meets the 5th-to-95th-percentile spread of "
        "the point's replications:",
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
TEXT_COLUMNS = ("conclusion", "claim", "indicator", "option", "direction", "verdict")
SHARE_COLUMNS = ("holds_share", "low", "high", "plausible_share", "plausible_low",
                 "plausible_high", "box_coverage", "box_density",
                 *(f"plausible_share_{s:g}x" for s in SCALES[1:]))  # fmt: skip
COUNT_COLUMNS = ("points", "holds", "fails", "undecided", "plausible_points",
                 "plausible_holds", "plausible_fails", "plausible_undecided")  # fmt: skip
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
            why = ("written by an older sim robustness" if column == "option"
                   else "damaged")  # fmt: skip
            raise SpecError(str(path), "", f"{why} (no {column} column); {AGAIN}")
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
        for column in (c for c in COUNT_COLUMNS if c in row):
            value = row[column]
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            if _text(value) and (math.isnan(number) or number < 0 or number != int(number)):
                raise SpecError(str(path), f"{where}.{column}", f"'{value}' is not a count "
                                f"(a whole number from 0); {AGAIN}")  # fmt: skip
    for column in (c for c in (*SHARE_COLUMNS, *COUNT_COLUMNS) if c in table):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    for column in (
        "switching",
        "plausible_switching",
        "flips_where",
        "drivers",
        "plausible_verdict",
        "depends",
        "plausible_depends",
        "side",
        "source",
        "criterion",
        "baseline",
    ):
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


OUTPUT_PATTERNS = ("conclusions.csv", "readings.csv", "tolerance.csv", "defaults.csv",
                   "narrowing.csv", "morris_*.csv", "sobol_*.csv", "prim_*.csv",
                   "conclusions.md", "figures/*.png")  # fmt: skip


def _file_name(text: str) -> str:
    """A claim's or a difference's id as part of a file name."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)


def _figures(result: Robustness, save_figure) -> None:
    """The figures: each claim's plausible share with its interval; Morris' effects against
    the noise floor; PRIM's peeling trajectories where a box was kept."""
    import matplotlib.pyplot as plt

    table = result.table
    if len(table):
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(table) + 1.4))
        y = np.arange(len(table))
        share = table["plausible_share"].to_numpy(dtype=float)
        low = table["plausible_low"].to_numpy(dtype=float)
        high = table["plausible_high"].to_numpy(dtype=float)
        known = np.isfinite(share) & np.isfinite(low) & np.isfinite(high)
        ax.errorbar(share[known], y[known], xerr=[share[known] - low[known],
                    high[known] - share[known]], fmt="o", color="#0072B2", capsize=3,
                    label="plausible points: share (95% interval)")  # fmt: skip
        ax.axvline(ROBUST_LOW, color="black", lw=0.8, ls="--")
        ax.axvline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_yticks(y, [_wrap(c, 70) for c in table["claim"]], fontsize=7)
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_xlabel("share of the plausible points where the claim holds")
        ax.legend(fontsize=7, loc="lower left")
        fig.tight_layout()
        save_figure(fig, "conclusions.png")
    if result.morris:
        columns = list(result.morris)
        ratio = {}
        for column, t in result.morris.items():
            floor = t.loc[t["factor"] == DUMMY.column, "mu_star"]
            floor = float(floor.iloc[0]) if len(floor) and floor.iloc[0] > 0 else math.nan
            ratio[column] = t.set_index("factor")["mu_star"] / floor
        grid = pd.DataFrame(ratio).drop(index=DUMMY.column, errors="ignore")
        grid = grid.loc[grid.max(axis=1).sort_values(ascending=False).index[:15]]
        fig, ax = plt.subplots(figsize=(3.5 + 0.45 * len(columns), 0.35 * len(grid) + 3.5),
                               layout="constrained")  # fmt: skip
        shown = np.log10(grid.clip(lower=0.1).to_numpy(dtype=float))
        image = ax.imshow(shown, cmap="Blues", aspect="auto", vmin=-1, vmax=2)
        ax.set_yticks(range(len(grid)), [f[2:] for f in grid.index], fontsize=7)
        ax.set_xticks(range(len(columns)), [c.replace(":", "\n") for c in columns],
                      fontsize=6, rotation=90)  # fmt: skip
        fig.colorbar(image, ax=ax, label="log10(mu* / the dummy's mu*)")
        ax.set_title("Morris: each factor's effect against the noise floor", fontsize=9)
        save_figure(fig, "morris.png")
    flips = {cid: box for cid, box in result.boxes.items() if box is not None}
    if flips:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
        for (cid, box), colour in zip(flips.items(), palette * 5, strict=False):
            t = box.trajectory
            ax.plot(t["coverage"], t["density"], "-", color=colour, label=cid, lw=1)
            ax.plot([box.coverage], [box.density], "o", color=colour)
        ax.set_xlabel("coverage (share of the failures inside the box)")
        ax.set_ylabel("density (share of the box's points that fail)")
        ax.set_title("PRIM on the training points; dots: each kept box on held-out points",
                     fontsize=8)  # fmt: skip
        ax.legend(fontsize=6)
        fig.tight_layout()
        save_figure(fig, "prim_tradeoff.png")


def _wrap(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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
    save_csv(result.readings, "readings.csv")
    save_csv(result.tolerance, "tolerance.csv")
    save_csv(result.defaults, "defaults.csv")
    if result.narrowing is not None:
        save_csv(result.narrowing, "narrowing.csv")
    for column, table in result.morris.items():
        save_csv(table, f"morris_{_file_name(column)}.csv")
    for column, table in result.sobol.items():
        save_csv(table, f"sobol_{_file_name(column)}.csv")
    for cid, box in result.boxes.items():
        if box is not None:
            trajectory = box.trajectory.drop(columns=["id"], errors="ignore")
            save_csv(trajectory, f"prim_{_file_name(cid)}.csv")
    meta = metadata(result, plan)
    text = conclusions_markdown(result.table, meta) + inputs_markdown(meta)
    save("conclusions.md", text.encode("utf-8"))

    _figures(result, save_figure)

    for pattern in OUTPUT_PATTERNS:  # an earlier run's outputs this one did not write
        for stale in out.glob(pattern):
            if stale.relative_to(out).as_posix() not in outputs:
                stale.unlink()
    meta["outputs"] = outputs
    replace_text(meta_path, json.dumps(meta, indent=2))
    return [out / name for name in [*outputs, "meta.json"]]


def verdict_matches(got: str, factors: str, expected: str) -> bool:
    """Whether a verdict is the one expected: the same words (a verdict with a count in
    brackets matches its words alone), or for "depends on A, B" a "depends" whose named
    factors (``factors``, comma-separated) include A and B."""
    counted = re.fullmatch(r"(.*?) \((?=[^)]*\d)[^)]*\)", got)  # "(12)", "(undecided at ...)"
    if got == expected or (counted is not None and counted.group(1) == expected):
        return True
    prefix = "depends on "
    if expected.startswith(prefix) and got == DEPENDS:
        wanted = {n.strip() for n in expected[len(prefix) :].split(",")}
        return wanted <= {n.strip() for n in factors.split(",")}
    return False


def check_verdicts(table: pd.DataFrame, checks, file: str) -> list[tuple[bool, str]]:
    """Each expectation against the conclusions table: (passed, one line saying so). A claim
    the first screen did not make this time fails, saying so."""
    rows = table.set_index("conclusion")
    out = []
    for e in checks.expect:
        if e.conclusion not in rows.index:
            out.append((False, f"FAIL {e.conclusion}: the first screen at the default "
                               "assumptions makes no such claim this time"))  # fmt: skip
            continue
        prefix = "" if e.over == "all" else "plausible_"
        row = rows.loc[e.conclusion]
        got = _text(row.get(f"{prefix}verdict"))
        ok = verdict_matches(got, _text(row.get(f"{prefix}depends_factors")), e.verdict)
        shown = got + (f" on {row.get(f'{prefix}depends_factors')}" if got == DEPENDS else "")
        out.append((ok, f"{'PASS' if ok else 'FAIL'} {e.conclusion} over {e.over} points: "
                        f"{shown} (expected {e.verdict})"))  # fmt: skip
    return out


FIXED_VERDICTS = (ROBUST, NOT_SUPPORTED, DEPENDS, NO_SIMPLE, NOISY, FEW, *ONE_WAY,
                  NO_POINTS, NO_PLAUSIBLE)  # fmt: skip


def possible_verdict(text: str, assumptions: set[str]) -> bool:
    """Whether a run can give this verdict: one of the fixed words, or "depends on A[, B]"
    naming assumptions of the analysis."""
    if text in FIXED_VERDICTS:
        return True
    prefix = "depends on "
    names = [n.strip() for n in text.removeprefix(prefix).split(",")]
    return text.startswith(prefix) and all(names) and set(names) <= assumptions


def possible_claims(plan, scenario) -> set[str] | None:
    """The ids of the claims an analysis can make, known before any run: the declared ones
    and "OPTION.INDICATOR" for every option after the first and every indicator the first
    screen can judge."""
    from sim.analysis.compare import outcome_indicators
    from sim.model.indicators import BY_NAME

    indicators = set(BY_NAME) | {i.name for i in outcome_indicators(scenario)}
    derived = {f"{o}.{i}" for o in plan.structures[1:] for i in indicators}
    return derived | {c.id for c in declared_claims(plan, scenario)}


def check_expectations(checks, plan, scenario, file: str) -> None:
    """A robustness check file against the analysis it is to judge, before any run: every
    expectation names a claim the analysis can make and a verdict it can give."""
    from sim.errors import SpecError

    ids = possible_claims(plan, scenario)
    names = {f.name for f in plan.factors}
    for i, e in enumerate(checks.expect):
        if e.conclusion not in ids:
            raise SpecError(file, f"expect[{i}].conclusion", f"no claim '{e.conclusion}' can "
                            "be made: give a declared claim's id or OPTION.INDICATOR (an option "
                            f"after the first of {', '.join(plan.structures)}, an indicator of "
                            "`sim indicators`)")  # fmt: skip
        if not possible_verdict(e.verdict, names):
            raise SpecError(file, f"expect[{i}].verdict", f"'{e.verdict}' is not a verdict the "
                            f"analysis can give: {', '.join(FIXED_VERDICTS)}, or depends on "
                            "NAME[, NAME] (assumptions it varies)")  # fmt: skip
