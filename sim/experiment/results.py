"""Results folders: what `sim compare` writes, and how `sim report` reads it (or a sweep's store).

A comparison folder holds ``runs.csv`` (one row per run, with every indicator), ``issues.csv``
(every top-level issue of every run), ``comparison.csv`` and ``comparison.txt`` (the table,
per root seed), ``censoring.csv`` (where a scenario has named issues), ``agreement.csv``
(with several root seeds), ``indicators.csv`` (where a scenario has outcome indicators),
``compare.json`` (what was run) and ``figures/`` (drawn by :mod:`sim.analysis.compare`;
this module writes tables only, so that it needs nothing from the analysis layer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.errors import SpecError
from sim.experiment.store import ResultStore
from sim.spec import load_structure


@dataclass
class Comparison:
    """Everything a `sim compare` made: what was run, the tables, and the text it prints."""

    scenario: str  # the scenario file, resolved
    structures: dict[str, str]  # each structure's name -> the name or path it was given as
    replications: int
    seeds: list[int]  # root seeds; the first is the one the text and figures show
    parameters: dict[str, float]
    runs: pd.DataFrame  # one row per run, with ``root_seed``
    issues: pd.DataFrame  # every issue of every run, with ``root_seed``
    table: pd.DataFrame  # the comparison of every root seed, with ``root_seed``
    censoring: pd.DataFrame | None  # the named issues' censored times (first root seed)
    agreement: pd.DataFrame | None  # each verdict under each root seed (several seeds only)
    indicators: pd.DataFrame | None  # outcome indicators, week by week (where declared)
    text: str

    def write(self, out: Path) -> list[str]:
        """Write the tables, ``compare.json`` and ``comparison.txt`` to ``out`` (and make
        ``out/figures/`` for the figures); returns the names written."""
        (out / "figures").mkdir(parents=True, exist_ok=True)
        written = ["runs.csv", "issues.csv", "comparison.csv", "comparison.txt", "compare.json"]
        self.runs.to_csv(out / "runs.csv", index=False)
        self.issues[self.issues["parent"] == ""].to_csv(out / "issues.csv", index=False)
        self.table.to_csv(out / "comparison.csv", index=False)
        for name, table in (("censoring", self.censoring), ("agreement", self.agreement),
                            ("indicators", self.indicators)):  # fmt: skip
            if table is not None:
                table.to_csv(out / f"{name}.csv", index=False)
                written.append(f"{name}.csv")
        manifest = {
            "kind": "compare",
            "scenario": self.scenario,
            "structures": self.structures,
            "replications": self.replications,
            "seed": self.seeds[0],
            "seeds": self.seeds,
            "parameters": self.parameters,
        }
        (out / "compare.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        (out / "comparison.txt").write_text(self.text + "\n", encoding="utf-8")
        return written


@dataclass
class Results:
    """What a results folder holds, whichever command wrote it."""

    kind: str
    scenario: str  # path
    structures: dict[str, str]  # name -> name or path to load it by
    runs: pd.DataFrame  # one row per run: structure (name), replication, seed, indicators
    issues: pd.DataFrame | None  # one row per issue and run, where stored
    parameters: dict[str, float]
    expected: int = 0  # runs the command set out to make (0: all there by construction)
    failed: int = 0


def load_results(folder: Path) -> list[Results]:
    """Read a `sim compare` folder, or a `sim sweep` store (one Results per scenario)."""
    folder = Path(folder)
    if (folder / "compare.json").exists():
        manifest = json.loads((folder / "compare.json").read_text())
        issues = folder / "issues.csv"
        runs = _one_replication_key(pd.read_csv(folder / "runs.csv"))
        return [
            Results("compare", manifest["scenario"], manifest["structures"], runs,
                    pd.read_csv(issues) if issues.exists() else None,
                    manifest.get("parameters") or {})
        ]  # fmt: skip
    if (folder / "experiment.json").exists():
        store = ResultStore(folder)
        manifest = store.manifest()
        spec = manifest.get("spec") or {}
        everything = store.read()
        rows = everything[everything["error"] == ""]
        out = []
        paths = dict(zip(spec.get("scenarios", []), spec.get("scenario_paths", []), strict=False))
        per_scenario = manifest.get("runs", 0) // max(1, len(spec.get("scenarios", [])) or 1)
        for declared, group in rows.groupby("scenario_file", sort=False):
            group = group.copy()
            structures = {load_structure(s).name: s for s in group["structure_file"].unique()}
            group["structure"] = group["structure_file"].map({s: n for n, s in structures.items()})
            failed = int((everything[everything["scenario_file"] == declared]["error"] != "").sum())
            out.append(Results("sweep", paths.get(declared, declared), structures, group, None,
                               spec.get("fixed") or {}, per_scenario, failed))  # fmt: skip
        if not out:
            raise SpecError(str(folder), "", "no successful runs stored yet")
        return out
    raise SpecError(str(folder), "", "not a results folder (no compare.json or experiment.json)")


def _one_replication_key(runs: pd.DataFrame) -> pd.DataFrame:
    """Replications of several root seeds are independent replications: number them apart."""
    if "root_seed" not in runs or runs["root_seed"].nunique() <= 1:
        return runs
    runs = runs.copy()
    order = {seed: k for k, seed in enumerate(dict.fromkeys(runs["root_seed"]))}
    per = int(runs["replication"].max()) + 1
    runs["replication"] = runs["root_seed"].map(order) * per + runs["replication"]
    return runs
