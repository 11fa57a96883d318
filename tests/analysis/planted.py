"""A cheap synthetic model whose answer is known, for testing the robustness analysis.

Three factors: ``effect`` (0 to 1) moves claim x's difference from -3 to +3 (it holds, at
least 1 lower, where ``effect`` is below 1/3: the planted boundary); ``noise`` (0 to 1) moves
nothing; ``reading`` (a switch) makes claim y's difference -5 (off) or +5 (on). Each
replication adds normal noise with standard deviation :data:`SIGMA`. The pattern indicator is
the same everywhere, so every point is plausible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.analysis.claims import Claim
from sim.analysis.discovery import Words
from sim.experiment.robustness import Factor

FACTORS = [Factor("effect", 0.0, 1.0), Factor("noise", 0.0, 1.0),
           Factor("reading", 0.0, 1.0, switch=True)]  # fmt: skip
SIGMA = 2.0
BOUNDARY = 1 / 3
WORDS = Words({"effect": "the effect", "noise": "the noise"},
              {"reading": ("the old reading holds", "the new reading holds")})  # fmt: skip
CLAIMS = [Claim("opt.x", "x is lower", "x", "opt", "base", "lower", 1.0),
          Claim("opt.y", "y is lower", "y", "opt", "base", "lower", 1.0)]  # fmt: skip


def truth_x(effect):
    return -3 + 6 * np.asarray(effect)


def truth_y(reading):
    return np.where(np.asarray(reading) >= 0.5, 5.0, -5.0)


@dataclass
class Pattern:
    id: str
    indicator: str
    between: tuple[float, float]


@dataclass
class Patterns:
    patterns: list[Pattern]


@dataclass
class Plan:
    """What the analysis reads of a plan."""

    seed: int = 1
    factors: list[Factor] = field(default_factory=lambda: list(FACTORS))
    pattern_checks: Patterns = field(
        default_factory=lambda: Patterns([Pattern("flat", "pattern", (0.3, 0.7))])
    )


def points(n: int, seed: int) -> pd.DataFrame:
    """A Latin hypercube over the three factors, the switch rounded."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(FACTORS), seed=seed).random(n)
    table = pd.DataFrame(unit, columns=[f.column for f in FACTORS])
    table["a_reading"] = (table["a_reading"] >= 0.5).astype(float)
    table.insert(0, "point", range(n))
    return table


def evaluator(seed: int, sigma: float = SIGMA):
    """The synthetic model's paired differences: each (point, replication) draws its noise
    from a generator of its own, so a replication is the same whichever batch asks for it."""

    def evaluate(phase: str, chosen: pd.DataFrame, replications: range) -> pd.DataFrame:
        reps = np.array(list(replications))
        point = np.repeat(chosen["point"].to_numpy(), len(reps))
        rep = np.tile(reps, len(chosen))
        effect = np.repeat(chosen["p_effect"].to_numpy(), len(reps))
        reading = np.repeat(chosen["a_reading"].to_numpy(), len(reps))
        noise = np.array([np.random.default_rng([seed, int(p), int(r)]).normal(0, sigma, 2)
                          for p, r in zip(point, rep, strict=True)]).reshape(-1, 2)  # fmt: skip
        return pd.DataFrame({"point": point, "replication": rep,
                             "opt:x": truth_x(effect) + noise[:, 0],
                             "opt:y": truth_y(reading) + noise[:, 1]})  # fmt: skip

    return evaluate


def pattern_values(chosen: pd.DataFrame, replications: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [{"point": p, "replication": k, "pattern": rng.normal(0.5, 0.05)}
            for p in chosen["point"] for k in range(replications)]  # fmt: skip
    return pd.DataFrame(rows)
