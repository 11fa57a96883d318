"""Benchmarks, run by `make bench`. Prints figures; asserts nothing (targets live in README).

Measures the median wall-clock milliseconds of one run of each shipped scenario under each
Gloucester structure (county layer included), over repeated seeds on one core.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from sim.model import run_once
from sim.spec import load_scenario, load_structure

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 30


def time_runs(structure_name: str, scenario_path: Path) -> tuple[float, float, int]:
    structure = load_structure(structure_name)
    scenario = load_scenario(scenario_path)
    run_once(structure, scenario, seed=0)  # warm-up
    times, meetings = [], 0
    for seed in range(1, REPEATS + 1):
        start = time.perf_counter()
        result = run_once(structure, scenario, seed=seed)
        times.append(time.perf_counter() - start)
        meetings += len(result.meetings)
    return statistics.median(times) * 1000, min(times) * 1000, meetings // REPEATS


def main() -> None:
    scenarios = sorted(ROOT.glob("scenarios/*.yaml"))
    print(f"median ms per run over {REPEATS} seeds (one core)")
    print(f"{'scenario':<28} {'structure':<14} {'median ms':>10} {'best ms':>9} {'meetings':>9}")
    for path in scenarios:
        for structure in ("five_element", "pilot"):
            median, best, meetings = time_runs(structure, path)
            print(f"{path.stem:<28} {structure:<14} {median:>10.1f} {best:>9.1f} {meetings:>9}")


if __name__ == "__main__":
    main()
