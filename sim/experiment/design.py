"""Parameter designs: grid, Latin hypercube (scipy.stats.qmc), Sobol and Morris (SALib)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim.spec.experiment import ExperimentSpec


def salib_problem(spec: ExperimentSpec) -> dict:
    names = list(spec.parameters)
    bounds = [[spec.parameters[n].low, spec.parameters[n].high] for n in names]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def design_points(spec: ExperimentSpec) -> pd.DataFrame:
    """One row per parameter point (column ``point`` numbers them), seeded by the
    experiment's seed. Fixed parameters are not columns here; they apply to every run."""
    names = list(spec.parameters)
    design = spec.design
    if design.kind == "none" or not names:
        return pd.DataFrame({"point": [0]})
    if design.kind == "grid":
        axes = []
        for n in names:
            f = spec.parameters[n]
            axes.append(f.values if f.values is not None
                        else list(np.linspace(f.low, f.high, design.levels)))  # fmt: skip
        rows = list(itertools.product(*axes))
        values = np.array(rows, dtype=float)
    elif design.kind == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), seed=spec.seed).random(design.samples)
        problem = salib_problem(spec)
        lows, highs = np.array(problem["bounds"]).T
        values = qmc.scale(unit, lows, highs)
    elif design.kind == "sobol":
        from SALib.sample import sobol

        values = sobol.sample(salib_problem(spec), design.samples,
                              calc_second_order=design.second_order, seed=spec.seed)  # fmt: skip
    else:
        from SALib.sample import morris

        values = morris.sample(salib_problem(spec), design.samples,
                               num_levels=design.levels, seed=spec.seed)  # fmt: skip
    table = pd.DataFrame(values, columns=names)
    table.insert(0, "point", range(len(table)))
    return table
