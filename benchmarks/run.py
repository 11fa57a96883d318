"""Benchmarks, run by `make bench`. Prints figures; asserts nothing (targets live in README).

1. Median milliseconds per run of each shipped scenario under each structure (one core).
2. Sweep throughput (runs per second) of `sim sweep` with 1 worker and with all workers.
3. The same design through `mesa.batch_run` and through `sim sweep`, side by side: runs per
   second and peak memory (RSS of the process and its workers), at two sizes, to show
   whether memory stays flat as the run count grows.

4. The Garbage Can Model's 81 variants x 100 random-entry replications (8,100 runs) through
   `sim gcm`'s runner, on one worker and on all cores, against a plain numpy port of the
   original on one core (benchmarks/gcm_numpy_port.py); the target is under 20 s.

Each measurement of 2, 3 and 4 runs in a fresh subprocess (its start-up and peak memory are
its own). `BENCH_FULL=1 make bench` also times a 10,000-run sweep.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

import mesa

from sim.model import PartnershipModel, collect

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = str(ROOT / "scenarios" / "employer_closure.yaml")
REPEATS = 30


def per_run_table() -> None:
    from sim.model import run_once
    from sim.spec import load_scenario, load_structure

    print(f"1. median ms per run over {REPEATS} seeds (one core, county layer included)")
    print(f"   {'scenario':<22} {'structure':<13} {'median ms':>9} {'best ms':>8} {'meetings':>9}")
    for path in sorted(ROOT.glob("scenarios/*.yaml")):
        for name in load_scenario(path).structures or ("five_element", "pilot"):
            structure, scenario = load_structure(name), load_scenario(path)
            run_once(structure, scenario, seed=0)
            times, meetings = [], 0
            for seed in range(1, REPEATS + 1):
                start = time.perf_counter()
                result = run_once(structure, scenario, seed=seed)
                times.append(time.perf_counter() - start)
                meetings += result.summary["meetings_held"].iloc[0]
            print(f"   {path.stem:<22} {name:<13} {statistics.median(times) * 1000:>9.1f} "
                  f"{min(times) * 1000:>8.1f} {meetings // REPEATS:>9}")  # fmt: skip


def design(replications: int) -> dict:
    """The shared design: employer closure x both structures x 2 attendance levels x reps."""
    return {
        "name": f"bench-{replications}",
        "scenarios": [SCENARIO],
        "structures": ["five_element", "pilot"],
        "replications": replications,
        "seed": 1,
        "design": {"kind": "grid"},
        "parameters": {"attendance_base": {"values": [0.75, 0.85]}},
    }


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def measure_sim_sweep(replications: int, workers: int) -> dict:
    from sim.experiment.sweep import sweep
    from sim.spec.experiment import ExperimentSpec

    spec = ExperimentSpec.model_validate(design(replications))
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        report = sweep(spec, Path(out), executor="processes", workers=workers, progress=False)
        seconds = time.perf_counter() - start
    return {"runs": report.ran, "seconds": seconds, "peak_mb": peak_rss_mb()}


@cache
def _specs():
    from sim.spec import load_scenario, load_structure

    return {n: load_structure(n) for n in ("five_element", "pilot")}, load_scenario(SCENARIO)


class BatchPartnership(PartnershipModel):
    """Adapter for mesa.batch_run: keyword parameters in, a DataCollector out."""

    def __init__(self, structure="five_element", attendance_base=0.85, rng=None):
        structures, scenario = _specs()
        super().__init__(structures[structure], scenario, rng=rng,
                         parameters={"attendance_base": attendance_base})  # fmt: skip
        for key in REPORTED:
            setattr(self, key, None)
        self.datacollector = mesa.DataCollector(model_reporters={k: k for k in REPORTED})

    def step(self):
        super().step()
        if self.time >= self.scenario_spec.duration_weeks:
            summary = collect(self).summary.iloc[0]
            for key in REPORTED:
                setattr(self, key, summary[key])
            self.running = False
            self.datacollector.collect(self)


REPORTED = ("issues_decided", "named_weeks_to_decision", "meetings_held")


def measure_batch_run(replications: int, workers: int) -> dict:
    import numpy as np

    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(1).spawn(replications)]
    start = time.perf_counter()
    results = mesa.batch_run(
        BatchPartnership,
        parameters={"structure": ["five_element", "pilot"], "attendance_base": [0.75, 0.85]},
        number_processes=workers,
        rng=seeds,
        data_collection_period=-1,
        max_steps=200,
        display_progress=False,
    )
    seconds = time.perf_counter() - start
    return {"runs": len(results), "seconds": seconds, "peak_mb": peak_rss_mb()}


def in_subprocess(kind: str, replications: int, workers: int) -> dict:
    cmd = [sys.executable, __file__, "--measure", kind, str(replications), str(workers)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def throughput_table() -> None:
    """Throughput with 1 and all workers; start-up is measured apart (a sweep of one run per
    worker) so that the steady rate of a long sweep can be read off too."""
    cores = os.cpu_count() or 1
    print(f"\n2. sim sweep throughput, employer closure, processes executor ({cores} cores)")
    rates = {}
    for w in sorted({1, cores}):
        r = in_subprocess("sweep", 100, w)
        tiny = in_subprocess("sweep", 1, w)  # 4 runs: start-up plus a few runs
        startup = max(0.0, tiny["seconds"] - tiny["runs"] * r["seconds"] / r["runs"])
        steady = r["runs"] / max(r["seconds"] - startup, 1e-9)
        rates[w] = steady
        print(f"   {w} worker(s): {r['runs']} runs in {r['seconds']:.1f} s = "
              f"{r['runs'] / r['seconds']:.1f} runs/s; start-up {startup:.1f} s; "
              f"steady {steady:.1f} runs/s")  # fmt: skip
    if len(rates) > 1:
        print(f"   speed-up 1 -> {cores} workers (steady): {rates[cores] / rates[1]:.2f}x")
        print(f"   a 10,000-run sweep at the steady rate: {10_000 / rates[cores] / 60:.1f} minutes")


def batch_run_table() -> None:
    cores = os.cpu_count() or 1
    print(f"\n3. the same design through mesa.batch_run and sim sweep ({cores} processes each)")
    print(f"   {'runs':>5} {'batch_run runs/s':>17} {'sim sweep runs/s':>17} {'ratio':>6} "
          f"{'batch_run peak MB':>18} {'sim sweep peak MB':>18}")  # fmt: skip
    for replications in (25, 100):
        b = in_subprocess("batch_run", replications, cores)
        s = in_subprocess("sweep", replications, cores)
        rb, rs = b["runs"] / b["seconds"], s["runs"] / s["seconds"]
        print(f"   {s['runs']:>5} {rb:>17.1f} {rs:>17.1f} {rs / rb:>5.2f}x "
              f"{b['peak_mb']:>18.0f} {s['peak_mb']:>18.0f}")  # fmt: skip


GCM_TARGET_SECONDS = 20.0


def measure_gcm(replications: int, workers: int) -> dict:
    """`sim gcm --random-entry`'s work in this process: the 81 variants x replications."""
    from sim.experiment.gcm import run_gcm

    start = time.perf_counter()
    result = run_gcm(replications=replications, random_entry=True, workers=workers)
    return {"runs": len(result.runs), "seconds": time.perf_counter() - start}


def gcm_table() -> None:
    """The Garbage Can design (81 variants x 100 random-entry runs): engine and numpy port."""
    cores = os.cpu_count() or 1
    print("\n4. the Garbage Can Model, 81 variants x 100 random-entry replications "
          f"(target: under {GCM_TARGET_SECONDS:.0f} s on {cores} cores)")  # fmt: skip
    for workers in sorted({1, cores}):
        r = in_subprocess("gcm", 100, workers)
        verdict = "meets" if r["seconds"] < GCM_TARGET_SECONDS else "MISSES"
        note = "" if workers == 1 else f", {verdict} the target"
        print(f"   engine (sim gcm), {workers} worker(s): {r['runs']} runs in {r['seconds']:.1f} s"
              f" ({r['runs'] / r['seconds']:.0f} runs/s){note}")  # fmt: skip
        last = r
    port = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gcm_numpy_port.py"), "100"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    print(f"   {port}")
    seconds = float(port.split(" runs in ")[1].split(" s")[0])
    print(f"   engine on {cores} cores against the port on one: {seconds / last['seconds']:.2f}x")


def full_sweep() -> None:
    r = in_subprocess("sweep", 2500, os.cpu_count() or 1)
    print(f"\n5. full: {r['runs']} runs in {r['seconds'] / 60:.1f} minutes "
          f"({r['runs'] / r['seconds']:.1f} runs/s), peak {r['peak_mb']:.0f} MB")  # fmt: skip


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        kind, replications, workers = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        measures = {"sweep": measure_sim_sweep, "gcm": measure_gcm}
        measure = measures.get(kind, measure_batch_run)
        print(json.dumps(measure(replications, workers)))
        return
    per_run_table()
    throughput_table()
    batch_run_table()
    gcm_table()
    if os.environ.get("BENCH_FULL"):
        full_sweep()


if __name__ == "__main__":
    main()
