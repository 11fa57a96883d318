"""A plain numpy port of the Garbage Can Model (Cohen, March & Olsen 1972).

A direct translation in the manner of the paper's Fortran: state lives in arrays over entities
(problem -> choice assignment, decision maker -> choice assignment, energy spent per choice),
and each period loops over problems, decision makers and choices in turn. It is kept
independent of the Mesa engine in `sim` on purpose, so that it can serve

(a) as the reference the engine's Garbage Can results are cross-checked against in tests, and
(b) as the one-core speed baseline printed by `make bench`.

Usage:
    python benchmarks/gcm_numpy_port.py [N]     # 81 variants x N random-entry runs (default 100)
    python benchmarks/gcm_numpy_port.py --fixed  # the 81-row table under the paper's entry orders

Rules (both implementations follow them to the letter):
10 choices, 10 decision makers (DMs), 20 problems, periods 1..20; number 1 is the most
important of each. In period t:
1. entry: choice_entry[t-1] opens, problems problem_entry[2t-2] and [2t-1] become active (t<=10);
2. deficit of each choice = requirements of the problems attached to it at the end of t-1 minus
   the effective energy spent on it up to the end of t-1, rounded to 9 decimal places;
3. every active, unsolved problem attaches to the accessible open choice with the smallest
   deficit (ties to the lowest-numbered choice), or stays unattached if none is open;
4. every DM does the same over the choices it may attend (same deficits, same tie rule);
5. each open choice's spent energy grows by 0.6 x the raw energy of the DMs attached to it;
6. every open choice whose spent energy covers the requirements of the problems attached now
   (within 1e-9) is made; its problems are solved. Style: resolution (a problem attached),
   flight (none attached now, some attached earlier), oversight (never any attached).
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time

import numpy as np

N_CHOICES = 10
N_DMS = 10
N_PROBLEMS = 20
N_PERIODS = 20
SOLUTION_COEFFICIENT = 0.6
TOLERANCE = 1e-9
DEFICIT_DECIMALS = 9

LOADS = {"light": 1.1, "moderate": 2.2, "heavy": 3.3}
ENERGIES = {
    "less": tuple(k / 10 for k in range(1, N_DMS + 1)),  # DM 1 (most important) gets 0.1
    "equal": (0.55,) * N_DMS,
    "more": tuple(k / 10 for k in range(N_DMS, 0, -1)),  # DM 1 gets 1.0
}
STRUCTURES = ("unsegmented", "hierarchical", "specialized")

VARIANTS = [
    {"load": load, "energy": energy, "access": access, "decision": decision}
    for load, energy, access, decision in itertools.product(LOADS, ENERGIES, STRUCTURES, STRUCTURES)
]

FIXED_CHOICE_ENTRY = (10, 7, 9, 5, 2, 3, 4, 1, 6, 8)
FIXED_PROBLEM_ENTRY = (8, 20, 14, 16, 6, 7, 15, 17, 2, 13, 11, 19, 4, 9, 3, 12, 1, 10, 5, 18)

COUNT_KEYS = (
    "resolutions",
    "oversights",
    "flights",
    "choices_made",
    "choices_unmade",
    "problems_solved",
    "problems_unsolved",
    "problem_activity",
    "problem_latency",
    "problem_moves",
    "dm_activity",
    "dm_attached",
    "decision_difficulty",
)
ENERGY_KEYS = ("energy_spent", "energy_wasted", "energy_reserve")

UNATTACHED = -1  # value of an assignment array entry for "attached to no choice"


def access_matrix(structure: str) -> np.ndarray:
    """access[p, c]: problem p+1 may attach to choice c+1."""
    access = np.zeros((N_PROBLEMS, N_CHOICES), dtype=bool)
    for p in range(N_PROBLEMS):
        for c in range(N_CHOICES):
            lowest = math.ceil((p + 1) / 2)
            if structure == "unsegmented":
                access[p, c] = True
            elif structure == "hierarchical":
                access[p, c] = c + 1 >= lowest
            elif structure == "specialized":
                access[p, c] = c + 1 == lowest
            else:
                raise ValueError(f"unknown access structure {structure!r}")
    return access


def decision_matrix(structure: str) -> np.ndarray:
    """decision[d, c]: decision maker d+1 may attend choice c+1."""
    decision = np.zeros((N_DMS, N_CHOICES), dtype=bool)
    for d in range(N_DMS):
        for c in range(N_CHOICES):
            if structure == "unsegmented":
                decision[d, c] = True
            elif structure == "hierarchical":
                decision[d, c] = c >= d
            elif structure == "specialized":
                decision[d, c] = c == d
            else:
                raise ValueError(f"unknown decision structure {structure!r}")
    return decision


def random_entries(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A random entry order of the choices and of the problems (1-based numbers)."""
    choice_entry = tuple(int(c) + 1 for c in rng.permutation(N_CHOICES))
    problem_entry = tuple(int(p) + 1 for p in rng.permutation(N_PROBLEMS))
    return choice_entry, problem_entry


def _check_entry(entry, n: int, what: str) -> tuple[int, ...]:
    entry = tuple(int(x) for x in entry)
    if sorted(entry) != list(range(1, n + 1)):
        raise ValueError(f"{what} must be a permutation of 1..{n}, got {entry}")
    return entry


def _best_choice(allowed: np.ndarray, is_open: np.ndarray, deficit: list[float]) -> int:
    """The allowed open choice with the smallest deficit, lowest number on ties; or UNATTACHED."""
    best = UNATTACHED
    for c in range(N_CHOICES):
        if allowed[c] and is_open[c] and (best == UNATTACHED or deficit[c] < deficit[best]):
            best = c
    return best


def run(variant: dict, choice_entry, problem_entry) -> dict:
    """One run of the model; returns its statistics and the fate of each choice and problem."""
    choice_entry = _check_entry(choice_entry, N_CHOICES, "choice_entry")
    problem_entry = _check_entry(problem_entry, N_PROBLEMS, "problem_entry")
    requirement = LOADS[variant["load"]]
    raw_energy = np.array(ENERGIES[variant["energy"]], dtype=float)
    access = access_matrix(variant["access"])
    decision = decision_matrix(variant["decision"])

    # Choice state.
    choice_open = np.zeros(N_CHOICES, dtype=bool)  # opened and not yet made
    choice_made = np.zeros(N_CHOICES, dtype=bool)
    choice_made_at = np.zeros(N_CHOICES, dtype=int)  # 0 = not made
    choice_style = [""] * N_CHOICES
    choice_had_problem = np.zeros(N_CHOICES, dtype=bool)  # some problem attached at some time
    spent = np.zeros(N_CHOICES, dtype=float)  # cumulative effective energy spent
    # Problem state.
    problem_active = np.zeros(N_PROBLEMS, dtype=bool)  # entered and not yet solved
    problem_solved = np.zeros(N_PROBLEMS, dtype=bool)
    problem_solved_at = np.zeros(N_PROBLEMS, dtype=int)  # 0 = not solved
    problem_choice = np.full(N_PROBLEMS, UNATTACHED, dtype=int)
    # Decision maker state.
    dm_choice = np.full(N_DMS, UNATTACHED, dtype=int)

    stats = dict.fromkeys(COUNT_KEYS, 0) | dict.fromkeys(ENERGY_KEYS, 0.0)

    for t in range(1, N_PERIODS + 1):
        # 1. Entry.
        if t <= N_CHOICES:
            choice_open[choice_entry[t - 1] - 1] = True
        if t <= N_PROBLEMS // 2:
            problem_active[problem_entry[2 * t - 2] - 1] = True
            problem_active[problem_entry[2 * t - 1] - 1] = True

        # 2. Deficits as of the end of period t-1 (a choice that just opened has none).
        required = np.zeros(N_CHOICES, dtype=float)
        for p in range(N_PROBLEMS):
            if problem_choice[p] != UNATTACHED:
                required[problem_choice[p]] += requirement
        deficit = [round(float(required[c] - spent[c]), DEFICIT_DECIMALS) for c in range(N_CHOICES)]

        # 3. Problems choose simultaneously, all against last period's deficits.
        new_problem_choice = np.full(N_PROBLEMS, UNATTACHED, dtype=int)
        for p in range(N_PROBLEMS):
            if not problem_active[p]:
                continue
            c = _best_choice(access[p], choice_open, deficit)
            new_problem_choice[p] = c
            if c == UNATTACHED:
                stats["problem_latency"] += 1
            else:
                stats["problem_activity"] += 1
                choice_had_problem[c] = True
                if problem_choice[p] != UNATTACHED and problem_choice[p] != c:
                    stats["problem_moves"] += 1
        problem_choice = new_problem_choice

        # 4. Decision makers choose in the same way.
        new_dm_choice = np.full(N_DMS, UNATTACHED, dtype=int)
        for d in range(N_DMS):
            c = _best_choice(decision[d], choice_open, deficit)
            new_dm_choice[d] = c
            if c != UNATTACHED:
                stats["dm_attached"] += 1
                if dm_choice[d] != UNATTACHED and dm_choice[d] != c:
                    stats["dm_activity"] += 1
        dm_choice = new_dm_choice

        # 5. Energy.
        for d in range(N_DMS):
            if dm_choice[d] == UNATTACHED:
                stats["energy_reserve"] += SOLUTION_COEFFICIENT * raw_energy[d]
        for c in range(N_CHOICES):
            if not choice_open[c]:
                continue
            raw = 0.0
            for d in range(N_DMS):
                if dm_choice[d] == c:
                    raw += raw_energy[d]
            spent[c] += SOLUTION_COEFFICIENT * raw
            stats["energy_spent"] += SOLUTION_COEFFICIENT * raw

        # 6. Decisions.
        required_now = np.zeros(N_CHOICES, dtype=float)
        attached_now = np.zeros(N_CHOICES, dtype=int)
        for p in range(N_PROBLEMS):
            if problem_choice[p] != UNATTACHED:
                required_now[problem_choice[p]] += requirement
                attached_now[problem_choice[p]] += 1
        for c in range(N_CHOICES):
            if not choice_open[c] or spent[c] < required_now[c] - TOLERANCE:
                continue
            choice_open[c] = False
            choice_made[c] = True
            choice_made_at[c] = t
            if attached_now[c] > 0:
                choice_style[c] = "resolution"
            elif choice_had_problem[c]:
                choice_style[c] = "flight"
            else:
                choice_style[c] = "oversight"
            for p in range(N_PROBLEMS):
                if problem_choice[p] == c:
                    problem_active[p] = False
                    problem_solved[p] = True
                    problem_solved_at[p] = t
                    problem_choice[p] = UNATTACHED

        for c in range(N_CHOICES):
            if choice_open[c]:
                stats["decision_difficulty"] += 1

    stats["resolutions"] = choice_style.count("resolution")
    stats["oversights"] = choice_style.count("oversight")
    stats["flights"] = choice_style.count("flight")
    stats["choices_made"] = int(choice_made.sum())
    stats["choices_unmade"] = N_CHOICES - stats["choices_made"]
    stats["problems_solved"] = int(problem_solved.sum())
    stats["problems_unsolved"] = N_PROBLEMS - stats["problems_solved"]
    stats["energy_spent"] = float(stats["energy_spent"])
    stats["energy_reserve"] = float(stats["energy_reserve"])
    stats["energy_wasted"] = stats["energy_spent"] - stats["problems_solved"] * requirement
    stats["choices"] = [
        {
            "choice": c + 1,
            "made": bool(choice_made[c]),
            "style": choice_style[c],
            "made_at": int(choice_made_at[c]) if choice_made[c] else None,
        }
        for c in range(N_CHOICES)
    ]
    stats["problems"] = [
        {
            "problem": p + 1,
            "solved": bool(problem_solved[p]),
            "solved_at": int(problem_solved_at[p]) if problem_solved[p] else None,
        }
        for p in range(N_PROBLEMS)
    ]
    return stats


def fixed_table() -> list[dict]:
    """All 81 variants under the paper's fixed entry orders."""
    return [run(v, FIXED_CHOICE_ENTRY, FIXED_PROBLEM_ENTRY) for v in VARIANTS]


def print_fixed_table() -> None:
    columns = ("load", "energy", "access", "decision", *COUNT_KEYS, *ENERGY_KEYS)
    print("\t".join(columns))
    for variant, result in zip(VARIANTS, fixed_table(), strict=True):
        cells = [variant[k] for k in ("load", "energy", "access", "decision")]
        cells += [str(result[k]) for k in COUNT_KEYS]
        cells += [f"{result[k]:.4f}" for k in ENERGY_KEYS]
        print("\t".join(cells))


def benchmark(replications: int) -> tuple[int, float]:
    """All 81 variants x `replications` random-entry runs on one core: (runs, seconds)."""
    runs = 0
    start = time.perf_counter()
    for variant in VARIANTS:
        for replication in range(replications):
            rng = np.random.default_rng(replication)
            choice_entry, problem_entry = random_entries(rng)
            run(variant, choice_entry, problem_entry)
            runs += 1
    return runs, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("replications", nargs="?", type=int, default=100)
    parser.add_argument("--fixed", action="store_true", help="print the fixed-entry table")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.fixed:
        print_fixed_table()
        return
    runs, seconds = benchmark(args.replications)
    print(f"numpy port: {runs} runs in {seconds:.1f} s on one core ({runs / seconds:.0f} runs/s)")


if __name__ == "__main__":
    main()
