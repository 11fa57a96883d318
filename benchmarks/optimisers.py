"""Which optimiser for `sim search`? A measurement on a planted problem of the search's shape.

The planted problem has the shipped design space's twelve levers (230,400 designs), of which
six matter: the Executive's cadence (a, 10 values, scaled to 0..1) and, in b, the mean of
five others' distances from their best value (the Executive's quorum, the Support Group's
cadence, substitutes, three absences, a programme team; each scaled to 0..1). Worse than
today by f1 = a - 0.5 and f2 = 1 - sqrt(a) + b - 0.5 (plus noise, sd 0.02 a run, two
replications at four points, as the search scores); its Pareto front is the ten designs with
b = 0, one in 2,400 of the space's designs. Each optimiser gets the same number of
evaluations; what counts is how much of the true front its final set holds (recall) and the
true hypervolume of that set.

Run: ``make bench-optimisers`` (about a minute; it installs pymoo and Optuna, the ``bench``
extra, first). docs/design-search.md reports the result.
"""

from __future__ import annotations

import importlib.util
import random
import zlib

import numpy as np

from sim.experiment.paired import Point
from sim.experiment.search import DesignProblem, epsilons
from sim.spec.design import Objective, load_design_space

BUDGET = 480  # evaluations, as one seed of the full search (population 32 x 15)
SEEDS = range(1, 9)
NOISE = 0.02


class Planted:
    indicators = ("named_weeks_to_decision", "cycle_member_hours_per_year")

    def __init__(self, space):
        self.space = space

    def ensure(self, *args):
        pass

    def truth(self, key):
        values = dict(zip((lv.id for lv in self.space.levers), self.space.from_key(key),
                          strict=True))  # fmt: skip
        a = (values["executive_cadence"] - 4) / 9
        b = np.mean([(values["executive_quorum"] - 3) / 5,
                     (values["support_group_cadence"] - 4) / 4,
                     values["substitutes"] == "yes", values["three_absences"] == "yes",
                     values["programme_team"] == "yes"])  # fmt: skip
        return np.array([a - 0.5, 1 - np.sqrt(a) + b - 0.5])

    def worse(self, key, points, first, reps):
        out = []
        for point in points:
            noise = [np.random.default_rng(zlib.crc32(f"{key}/{point.index}/{r}".encode()))
                     .normal(0, NOISE, 2) for r in range(first, first + reps)]  # fmt: skip
            out.append(self.truth(key) + np.mean(noise, axis=0))
        return np.array(out)


def final_set(name: str, problem: DesignProblem, seed: int) -> list[str]:
    from platypus import NSGAII, EpsNSGAII, nondominated

    from sim.experiment.search import _evaluator

    random.seed(seed)
    if name == "random sampling":
        designs = [problem.design([random.randrange(len(lv.values)) for lv in problem.space.levers])
                   for _ in range(BUDGET)]  # fmt: skip
        problem.evaluate(designs)
        keys = {problem.space.key(d) for d in designs}
        objs = {k: problem.evaluated[k].objectives for k in keys}
        front = [k for k in keys if not any(
            all(o <= p for o, p in zip(objs[j], objs[k], strict=True)) and objs[j] != objs[k]
            for j in keys)]  # fmt: skip
        return front
    if name == "pymoo mixed-variable GA":
        return pymoo_set(problem, seed)
    if name == "Optuna NSGA-II":
        return optuna_set(problem, seed)
    kind = EpsNSGAII if name == "epsilon-NSGA-II" else NSGAII
    extra = {"epsilons": epsilons(problem.space)} if kind is EpsNSGAII else {}
    algorithm = kind(problem.problem, population_size=32, evaluator=_evaluator(problem), **extra)
    algorithm.run(BUDGET)
    found = algorithm.archive if kind is EpsNSGAII else nondominated(algorithm.result)
    return sorted({problem.space.key(problem.decode(s)) for s in found})


def _objectives(problem: DesignProblem, designs: list[tuple]) -> list[list[float]]:
    problem.evaluate(designs)
    return [problem.evaluated[problem.space.key(d)].objectives for d in designs]


def pymoo_set(problem: DesignProblem, seed: int) -> list[str]:
    """pymoo's mixed-variable genetic algorithm with NSGA-II's survival (rank and crowding),
    each lever an integer variable, a population of 32 as the search's, the same budget; the
    set is its final population's non-dominated designs."""
    from pymoo.algorithms.moo.nsga2 import RankAndCrowding
    from pymoo.core.mixed import MixedVariableGA
    from pymoo.core.problem import Problem
    from pymoo.core.variable import Integer
    from pymoo.optimize import minimize

    levers = problem.space.levers

    class Levers(Problem):
        def __init__(self):
            variables = {lv.id: Integer(bounds=(0, len(lv.values) - 1)) for lv in levers}
            super().__init__(vars=variables, n_obj=2)

        def _evaluate(self, X, out, *args, **kwargs):
            designs = [problem.design([x[lv.id] for lv in levers]) for x in X]
            out["F"] = np.array(_objectives(problem, designs))

    result = minimize(Levers(), MixedVariableGA(pop_size=32, survival=RankAndCrowding()),
                      ("n_eval", BUDGET), seed=seed, verbose=False)  # fmt: skip
    chosen = np.atleast_1d(result.X)
    return sorted({problem.space.key(problem.design([x[lv.id] for lv in levers]))
                   for x in chosen})  # fmt: skip


def optuna_set(problem: DesignProblem, seed: int) -> list[str]:
    """Optuna's NSGA-II sampler (population 32), number levers as integers and choice levers
    as categories, the same budget; the set is its Pareto-optimal trials (over every trial,
    as random sampling's)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    levers = problem.space.levers

    def objective(trial):
        indices = [trial.suggest_int(lv.id, 0, len(lv.values) - 1) if lv.number
                   else trial.suggest_categorical(lv.id, list(range(len(lv.values))))
                   for lv in levers]  # fmt: skip
        return tuple(_objectives(problem, [problem.design(indices)])[0])

    sampler = optuna.samplers.NSGAIISampler(population_size=32, seed=seed)
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(objective, n_trials=BUDGET)
    return sorted({problem.space.key(problem.design([t.params[lv.id] for lv in levers]))
                   for t in study.best_trials})  # fmt: skip


OPTIMISERS = ("epsilon-NSGA-II", "NSGA-II", "pymoo mixed-variable GA", "Optuna NSGA-II",
              "random sampling")  # fmt: skip


def main() -> None:
    space = load_design_space("gloucester", check=False)
    space = space.model_copy(update={
        "objectives": [Objective(indicator=i, epsilon=0.02) for i in Planted.indicators],
        "constraints": []})  # fmt: skip
    scores = Planted(space)
    true_front = np.array([[k / 9 - 0.5, 1 - np.sqrt(k / 9) - 0.5] for k in range(10)])
    low = true_front.min(axis=0)
    ref = true_front.max(axis=0) + 0.1 * (true_front.max(axis=0) - low)
    sample = np.random.default_rng(0).uniform(low, ref, size=(50_000, 2))

    def volume_of(front: np.ndarray) -> float:  # one box for every set: the true front's
        return float(np.any(np.all(sample[:, None, :] >= front[None], axis=2), axis=1).mean())

    best = volume_of(true_front)
    print(f"planted problem, {BUDGET} evaluations, seeds {SEEDS.start}-{SEEDS.stop - 1}")
    print(
        f"{'optimiser':24} {'front found (of 10)':>20} {'hypervolume / best':>20} "
        f"{'distinct designs run':>22}"
    )
    for name in OPTIMISERS:
        library = {"pymoo mixed-variable GA": "pymoo", "Optuna NSGA-II": "optuna"}.get(name)
        if library and importlib.util.find_spec(library) is None:
            print(f"{name:24} not measured: {library} is not installed (make bench-optimisers "
                  "installs it)")  # fmt: skip
            continue
        recall, volume, distinct = [], [], []
        for seed in SEEDS:
            problem = DesignProblem(space, scores, [Point(i) for i in range(4)], 2)
            keys = final_set(name, problem, seed)
            distinct.append(len(problem.evaluated))  # what runs cost: the store keeps the rest
            truths = np.array([scores.truth(k) for k in keys])
            on = {round((t[0] + 0.5) * 9) for t in truths if abs(t[1] - (0.5 - np.sqrt(t[0]
                  + 0.5))) < 1e-9}  # fmt: skip
            recall.append(len(on))
            volume.append(volume_of(truths) / best)
        print(f"{name:24} {np.mean(recall):>14.1f} ({min(recall)}-{max(recall)}) "
              f"{np.mean(volume):>14.3f} ({min(volume):.3f}-{max(volume):.3f}) "
              f"{np.mean(distinct):>14.0f} ({min(distinct)}-{max(distinct)})")  # fmt: skip


if __name__ == "__main__":
    main()
