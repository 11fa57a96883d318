"""Where a claim holds and where it fails, described only as far as the data bear it out.

- :func:`by_reading`: a claim's share under each reading of each structural alternative (the
  shipped reading and the other), never pooled under an implicit prior; a reading that moves
  the share beyond chance (Fisher's exact test, Bonferroni across the alternatives) is named
  in plain words, with both shares.
- :func:`discover`: scenario discovery with PRIM (EMA Workbench) on two thirds of the points,
  checked on the held-out third: a box is reported only when it is dense and covers enough
  of the failures among points it never saw, and it names only the dimensions whose
  restriction has a quasi-p value (Bryant and Lempert 2010) below 0.05. Otherwise: no simple
  description.
- :func:`morris_screen`: Morris screening with a dummy factor that changes nothing, whose
  elementary effects measure the noise: a factor is influential only above that floor.
- :func:`metamodel_sobol`: variance-based (Sobol) indices of a random-forest metamodel of the
  points, used only when the metamodel's cross-validated R² says it describes the model.

Every function takes tables and returns tables (as SALib's ``analyze`` does), so each can be
tested on a synthetic model whose answer is known.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from sim.analysis.claims import FAILS, Share, share_interval
from sim.experiment.robustness import DUMMY, Factor

READING_P = 0.05
"""A reading is named when Fisher's exact test of holds/fails by reading gives p below this,
divided by the number of alternatives tested (Bonferroni)."""
READING_GAP = 0.25
"""... and the two readings' shares differ by at least this much."""
PRIM_TRAIN_SHARE = 2 / 3
PRIM_DENSITY = 0.8  # the box chosen on the training points: the largest coverage this dense
PRIM_MASS_MIN = 0.1  # a box holds at least a tenth of the training points
PRIM_TEST_DENSITY = 0.7  # on the held-out points, at least this dense ...
PRIM_TEST_COVERAGE = 0.3  # ... and covering at least this share of their failures
PRIM_QP = 0.05  # a restricted dimension is named only with a quasi-p value below this
PRIM_MIN_CUT = 0.2  # nor when it cuts less than this share of the dimension's range
PRIM_MIN_CASES = 6  # fewer failures (or successes) than this: nothing to discover
METAMODEL_R2 = 0.5
"""Sobol indices are computed on the metamodel only when its cross-validated R² reaches this:
below it the indices would describe the metamodel, not the model."""
SOBOL_SAMPLES = 1024
UNSTABLE_CONF = 0.1  # a Sobol index whose interval half-width exceeds this is not stable


# -- plain words --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Words:
    """How to say each assumption in words: a parameter's title ("the chance that off-focus
    work is referred out"), an alternative's two readings as "if ..." clauses."""

    titles: dict[str, str] = field(default_factory=dict)  # factor name -> title
    readings: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (off, on)

    def title(self, factor: Factor) -> str:
        return self.titles.get(factor.name, factor.name.replace("_", " "))

    def reading(self, factor: Factor, on: bool) -> str:
        off_words, on_words = self.readings.get(
            factor.name, (f"{factor.name} is off", f"{factor.name} is on")
        )
        return on_words if on else off_words


def words_for(factors: list[Factor], alternatives=None) -> Words:
    """The plain words of these factors: parameters' titles (sim.spec.parameters), and the
    alternatives' readings (their ``if_default`` and ``if_alternative`` clauses)."""
    from sim.spec.parameters import Parameters, parameter_title

    titles, readings = {}, {}
    by_id = alternatives.by_id() if alternatives is not None else {}
    for f in factors:
        if f.switch and f.name in by_id:
            a = by_id[f.name]
            readings[f.name] = (a.if_default, a.if_alternative)
        elif f.name in Parameters.model_fields:
            titles[f.name] = parameter_title(f.name)
    return Words(titles, readings)


# -- readings of the alternatives -----------------------------------------------------------------
def by_reading(decisions: pd.Series, guess: pd.Series, points: pd.DataFrame,
               factors: list[Factor]) -> pd.DataFrame:  # fmt: skip
    """For each alternative (switch), the claim's share under each reading: ``decisions`` and
    each point's best ``guess`` (:func:`sim.analysis.claims.best_guess`) are indexed by point,
    ``points`` has the factor columns indexed by point. Columns: factor, off and on (each a
    :class:`Share`), p (Fisher's exact test on the decided points) and named (whether the
    reading moves the share beyond chance and by :data:`READING_GAP`)."""
    switches = [f for f in factors if f.switch]
    rows = []
    for f in switches:
        values = points.loc[decisions.index, f.column].round()
        off = share_interval(decisions[values == 0], guess)
        on = share_interval(decisions[values == 1], guess)
        table = [[off.holds, off.fails], [on.holds, on.fails]]
        decided = off.holds + off.fails > 0 and on.holds + on.fails > 0
        p = float(scipy_stats.fisher_exact(table)[1]) if decided else math.nan
        gap = abs(on.estimate - off.estimate) if decided else math.nan
        named = bool(decided and p < READING_P / max(len(switches), 1) and gap >= READING_GAP)
        rows.append({"factor": f, "off": off, "on": on, "p": p, "gap": gap, "named": named})
    return pd.DataFrame(rows, columns=["factor", "off", "on", "p", "gap", "named"])


def reading_phrase(row, words: Words, over: str = "points") -> str:
    """ "holds at 96% of plausible points if urgent business starts at the Conference; at 12%
    if it starts at the Executive Support Group"."""
    f, off, on = row["factor"], row["off"], row["on"]
    return (f"holds at {off.estimate:.0%} of {over} if {words.reading(f, False)}; at "
            f"{on.estimate:.0%} if {words.reading(f, True)}")  # fmt: skip


# -- scenario discovery ---------------------------------------------------------------------------
@dataclass
class Box:
    """A PRIM box that survived the held-out check: the named dimensions' limits, its coverage
    and density on the held-out points (and on the training points), and each named
    dimension's quasi-p value."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    train_coverage: float
    train_density: float
    qp: dict[str, float]
    held_out: int
    trajectory: pd.DataFrame = field(repr=False)

    def inside(self, x: pd.DataFrame) -> np.ndarray:
        keep = np.ones(len(x), dtype=bool)
        for column, (low, high) in self.limits.items():
            values = x[column].to_numpy(dtype=float)
            keep &= (values >= low) & (values <= high)
        return keep

    def describe(self, factors: dict[str, Factor], words: Words) -> str:
        """The box in plain words: "the chance that off-focus work is referred out is above
        0.42 and urgent strategic business starts at the Executive Support Group"."""
        parts = []
        for column, (low, high) in self.limits.items():
            f = factors[column]
            if f.switch:
                parts.append(words.reading(f, low >= 0.5))
                continue
            title = words.title(f)
            if low <= f.low + 1e-12:
                parts.append(f"{title} is below {high:.3g}")
            elif high >= f.high - 1e-12:
                parts.append(f"{title} is above {low:.3g}")
            else:
                parts.append(f"{title} is between {low:.3g} and {high:.3g}")
        return " and ".join(parts)


def _split(y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A train/test split of the indices, stratified so both parts hold cases and others."""
    train, test = [], []
    for value in (True, False):
        where = rng.permutation(np.flatnonzero(y == value))
        cut = round(len(where) * PRIM_TRAIN_SHARE)
        train += list(where[:cut])
        test += list(where[cut:])
    return np.array(sorted(train)), np.array(sorted(test))


def discover(x: pd.DataFrame, y, factors: list[Factor], seed: int) -> Box | None:
    """Where ``y`` is true (the cases of interest: the points where a claim fails), as a box
    found by PRIM on two thirds of the points and kept only if it holds on the other third
    (:data:`PRIM_TEST_DENSITY`, :data:`PRIM_TEST_COVERAGE`), naming only dimensions with a
    quasi-p value below :data:`PRIM_QP` that cut at least :data:`PRIM_MIN_CUT` of their
    range. None: no simple description."""
    y = np.asarray(y, dtype=bool)
    if y.sum() < PRIM_MIN_CASES or (~y).sum() < PRIM_MIN_CASES:
        return None
    with warnings.catch_warnings():  # it warns of optional extras we do not use
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    train, test = _split(y, np.random.default_rng(seed))
    columns = [f.column for f in factors if f.column in x]
    data = x[columns].reset_index(drop=True).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(data.iloc[train].reset_index(drop=True), y[train],
                           mass_min=PRIM_MASS_MIN)  # fmt: skip
        box = finder.find_box()
    if box is None:
        return None
    trajectory = box.peeling_trajectory.copy()
    dense = trajectory[trajectory["density"] >= PRIM_DENSITY]
    if dense.empty:
        return None
    widest = dense[dense["coverage"] == dense["coverage"].max()]
    i = int(widest["density"].idxmax())  # as wide as any, then the densest
    by_column = {f.column: f for f in factors}
    initial, chosen = box.box_lims[0], box.box_lims[i]
    limits, qps = {}, {}
    for column, sides in box.p_values[i].items():
        restricted = [q for q in sides if q is not None and q >= 0]
        qp = min(restricted) if restricted else math.inf
        low, high = float(chosen[column].iloc[0]), float(chosen[column].iloc[1])
        f = by_column[column]
        if not f.switch:  # an unrestricted side runs to the factor's bound, not the data's
            low = low if sides[0] is not None and sides[0] >= 0 else f.low
            high = high if sides[1] is not None and sides[1] >= 0 else f.high
        full_low, full_high = float(initial[column].iloc[0]), float(initial[column].iloc[1])
        if f.switch:
            cut = 1.0 if (low, high) != (full_low, full_high) else 0.0
        else:
            cut = 1 - (high - low) / (f.high - f.low) if f.high > f.low else 0.0
        if qp < PRIM_QP and cut >= PRIM_MIN_CUT:
            limits[column], qps[column] = (low, high), qp
    if not limits:
        return None
    found = Box(limits, math.nan, math.nan, math.nan, math.nan, qps, len(test), trajectory)
    for part, name in ((train, "train"), (test, "test")):
        inside = found.inside(data.iloc[part])
        cases = y[part]
        covered = (inside & cases).sum()
        coverage = covered / cases.sum() if cases.sum() else math.nan
        density = covered / inside.sum() if inside.sum() else math.nan
        if name == "train":
            found.train_coverage, found.train_density = float(coverage), float(density)
        else:
            found.coverage, found.density = float(coverage), float(density)
    if not (found.density >= PRIM_TEST_DENSITY and found.coverage >= PRIM_TEST_COVERAGE):
        return None
    return found


# -- what a claim depends on ----------------------------------------------------------------------
@dataclass
class Dependence:
    """What a claim's holding depends on: in plain words and which way (``text``, empty when
    nothing is borne out), the factors it names, the by-reading table and the PRIM box of
    its failures (None when none survives the held-out check)."""

    text: str
    factors: list[str]
    readings: pd.DataFrame
    box: Box | None


def dependence(
    decisions: pd.Series,
    guess: pd.Series,
    points: pd.DataFrame,
    factors: list[Factor],
    words: Words,
    seed: int,
    over: str = "points",
) -> Dependence:
    """What a claim's holding depends on. Readings of the alternatives come first (each
    stated with both shares); a held-out-checked PRIM box of the points where it fails (by
    each point's best guess) describes the rest ("it fails mostly where ..."), unless it only
    restates a reading already named."""
    readings = by_reading(decisions, guess, points, factors)
    named = readings[readings["named"]].sort_values("gap", ascending=False).head(2)
    phrases = [reading_phrase(row, words, over) for _, row in named.iterrows()]
    names = [row["factor"].name for _, row in named.iterrows()]
    box = None
    if len(guess):
        x = points.loc[guess.index]
        box = discover(x, (guess == FAILS).to_numpy(), factors, seed)
    if box is not None:
        by_column = {f.column: f for f in factors}
        new = [by_column[c].name for c in box.limits if by_column[c].name not in names]
        if new:
            phrases.append(f"fails mostly where {box.describe(by_column, words)} "
                           f"({box.coverage:.0%} of the held-out failures, {box.density:.0%} "
                           "of the held-out points there fail)")  # fmt: skip
            names += new
    return Dependence("; ".join(phrases), names, readings, box)


# -- switching values -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Switch:
    """Where a claim's holding switches along one parameter (a switching value, in the sense of
    an option appraisal: how far an assumption must move before the conclusion changes): the
    value where a logistic regression of holding on the parameter, over the points, crosses
    one half, with its 95% interval (delta method), the parameter's plausible range, and on
    which side the claim holds."""

    factor: Factor
    value: float
    low: float
    high: float
    holds_above: bool
    inside: bool  # the crossing lies inside the plausible range

    def text(self, words: Words) -> str:
        """ "flips where the share of members attending is near 0.62 (95% interval 0.58 to
        0.66, plausible range 0.50 to 0.90): it holds above, fails below"."""
        f, title = self.factor, words.title(self.factor)
        span = f"plausible range {f.low:.3g} to {f.high:.3g}"
        if not self.inside:
            side = "anywhere in it" if (self.value < f.low) == self.holds_above else "nowhere"
            return f"{title}: no switching value inside its {span} (it holds {side} by itself)"
        interval = (f"95% interval {max(self.low, f.low):.3g} to {min(self.high, f.high):.3g}"
                    if math.isfinite(self.low) else "its interval not estimable")  # fmt: skip
        way = "it holds above, fails below" if self.holds_above else "it holds below, fails above"
        return f"{title}: switches at {self.value:.3g} ({interval}, {span}): {way}"


SWITCH_P = 0.05
"""A switching value is given only where the logistic slope of holding on the parameter is
significant at this level (Wald test): otherwise holding does not change measurably along it."""


def switching_value(holds: pd.Series, values: pd.Series, factor: Factor) -> Switch | None:
    """The switching value of one parameter for a claim: ``holds`` says, per point, whether
    the claim holds there (its best guess at undecided points), ``values`` the parameter's
    value at each point. Logistic regression (statsmodels) of holding on the parameter; the
    crossing of one half is the switching value, its interval by the delta method. None when
    the claim holds or fails at every point, the parameter has no range, or the slope is not
    significant (:data:`SWITCH_P`). Perfectly
    separated points give the midpoint between the two sides, with no interval."""
    import statsmodels.api as sm

    y = holds.astype(float).to_numpy()
    x = values.loc[holds.index].to_numpy(dtype=float)
    if factor.switch or len(y) < 10 or y.min() == y.max() or np.ptp(x) == 0:
        return None
    centre, scale = x.mean(), x.std() or 1.0
    z = sm.add_constant((x - centre) / scale)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.Logit(y, z).fit(disp=0, maxiter=200)
            b0, b1 = (float(v) for v in fit.params)
            cov = np.asarray(fit.cov_params(), dtype=float)
            ok = math.isfinite(b1) and abs(b1) > 1e-9 and np.isfinite(cov).all()
            if ok and not float(fit.pvalues[1]) < SWITCH_P:
                return None  # holding does not change measurably along the parameter
        except Exception:  # perfect separation, singular fits: statsmodels raises its own
            ok = False
    if not ok:
        above, below = x[y == 1], x[y == 0]
        if above.min() > below.max() or above.max() < below.min():
            holds_above = above.min() > below.max()
            cut = ((above.min() + below.max()) / 2 if holds_above
                   else (above.max() + below.min()) / 2)  # fmt: skip
            return Switch(factor, cut, math.nan, math.nan, holds_above,
                          factor.low <= cut <= factor.high)  # fmt: skip
        return None
    crossing = -b0 / b1
    gradient = np.array([-1 / b1, b0 / b1**2])
    se = float(np.sqrt(max(gradient @ cov @ gradient, 0.0)))
    value = centre + scale * crossing
    low, high = value - 1.96 * scale * se, value + 1.96 * scale * se
    return Switch(factor, value, low, high, b1 > 0, factor.low <= value <= factor.high)


# -- screening and variance ---------------------------------------------------------------------
def morris_screen(problem: dict, x: np.ndarray, y: np.ndarray, levels: int,
                  seed: int) -> pd.DataFrame:  # fmt: skip
    """Morris screening of one output (SALib): mu* (mean absolute elementary effect) with its
    bootstrap 95% interval, mu and sigma per factor, and ``above_noise``: whether mu*'s
    interval lies above the dummy factor's mu* and interval (a factor's effect is told from
    the replications' noise). The dummy's row is kept (it shows the floor)."""
    from SALib.analyze import morris as analyze

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze.analyze(problem, x, y, conf_level=0.95, num_levels=levels, seed=seed)
    table = pd.DataFrame({
        "factor": problem["names"], "mu_star": res["mu_star"],
        "mu_star_conf": res["mu_star_conf"], "mu": res["mu"], "sigma": res["sigma"],
    })  # fmt: skip
    dummy = table[table["factor"] == DUMMY.column]
    floor = float((dummy["mu_star"] + dummy["mu_star_conf"]).iloc[0]) if len(dummy) else 0.0
    table["above_noise"] = (table["mu_star"] - table["mu_star_conf"] > floor) & (
        table["factor"] != DUMMY.column
    )
    return table.sort_values("mu_star", ascending=False, ignore_index=True)


def metamodel_sobol(x: pd.DataFrame, y: np.ndarray, factors: list[Factor],
                    seed: int) -> tuple[pd.DataFrame | None, float]:  # fmt: skip
    """Sobol indices (first order S1 and total ST, with 95% intervals) of every factor, on a
    random-forest metamodel of ``y`` over the points ``x``; None when the metamodel's
    5-fold cross-validated R² is below :data:`METAMODEL_R2`. Also returns that R²."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.model_selection import KFold, cross_val_score

    columns = [f.column for f in factors]
    data = x[columns].to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)
    if len(y) < 20 or not np.isfinite(y).all() or np.ptp(y) == 0:
        return None, math.nan
    model = RandomForestRegressor(n_estimators=200, min_samples_leaf=3, random_state=seed,
                                  n_jobs=1)  # fmt: skip
    folds = KFold(5, shuffle=True, random_state=seed)
    r2 = float(np.mean(cross_val_score(model, data, y, cv=folds, scoring="r2")))
    if not r2 >= METAMODEL_R2:
        return None, r2
    model.fit(data, y)
    problem = {"num_vars": len(factors), "names": columns,
               "bounds": [[f.low, f.high] for f in factors]}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid = sample.sample(problem, SOBOL_SAMPLES, calc_second_order=False, seed=seed)
        for j, f in enumerate(factors):
            if f.switch:
                grid[:, j] = (grid[:, j] >= 0.5).astype(float)
        res = analyze.analyze(problem, model.predict(grid), calc_second_order=False,
                              conf_level=0.95, seed=seed)  # fmt: skip
    table = pd.DataFrame({"factor": columns, "S1": res["S1"], "S1_conf": res["S1_conf"],
                          "ST": res["ST"], "ST_conf": res["ST_conf"]})  # fmt: skip
    table["stable"] = ~((table["S1_conf"] > UNSTABLE_CONF) | (table["ST_conf"] > UNSTABLE_CONF))
    return table.sort_values("ST", ascending=False, ignore_index=True), r2


__all__ = ["DUMMY", "Box", "Dependence", "Share", "Words", "by_reading", "dependence", "discover",
           "metamodel_sobol", "morris_screen", "reading_phrase", "words_for"]  # fmt: skip
