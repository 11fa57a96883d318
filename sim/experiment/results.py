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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.errors import SpecError
from sim.experiment.store import ResultStore
from sim.paths import ensure_folder, inside, naming, replace_text
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

    def write(self, out: Path, figures: Callable[[Path], object] | None = None) -> list[str]:
        """Write the tables, ``comparison.txt`` and ``compare.json`` to ``out`` (and make
        ``out/figures/``, where ``figures`` draws); returns the names written.

        ``compare.json`` is what marks a folder as a finished comparison: it is removed first
        and written last, and every file goes to a temporary name renamed into place, so a
        write stopped half-way (Ctrl-C, kill -9, a full disk) leaves a folder that `sim report`
        refuses as unfinished, never a mixture it would read as complete."""
        ensure_folder(out)
        inside(out, "compare.json").unlink(missing_ok=True)
        ensure_folder(inside(out, "figures"))
        written = ["runs.csv", "issues.csv", "comparison.csv", "comparison.txt", "compare.json"]
        _csv(self.runs, inside(out, "runs.csv"))
        _csv(self.issues[self.issues["parent"] == ""], inside(out, "issues.csv"))
        _csv(self.table, inside(out, "comparison.csv"))
        for name, table in (("censoring", self.censoring), ("agreement", self.agreement),
                            ("indicators", self.indicators)):  # fmt: skip
            path = inside(out, f"{name}.csv")
            if table is not None:
                _csv(table, path)
                written.append(f"{name}.csv")
            else:  # a stale table of an earlier comparison must not pass as this one's
                path.unlink(missing_ok=True)
        manifest = {
            "kind": "compare",
            "scenario": self.scenario,
            "structures": self.structures,
            "replications": self.replications,
            "seed": self.seeds[0],
            "seeds": self.seeds,
            "parameters": self.parameters,
        }
        replace_text(inside(out, "comparison.txt"), self.text + "\n")
        if figures is not None:
            figures(inside(out, "figures"))
        replace_text(inside(out, "compare.json"), json.dumps(manifest, indent=2))
        return written


def _csv(table: pd.DataFrame, path: Path) -> None:
    """A table as CSV, atomically (a temporary file renamed into place)."""
    replace_text(path, table.to_csv(index=False))


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
    """Read a `sim compare` folder, or a `sim sweep` store (one Results per scenario). A
    folder that is unfinished, damaged or missing a table is refused with one line naming
    the file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SpecError(str(folder), "", "no such folder" if not folder.exists() else
                        "not a folder")  # fmt: skip
    if (folder / "compare.json").exists():
        manifest = _read_json(inside(folder, "compare.json"))
        missing = {"scenario", "structures"} - set(manifest)
        if missing or not isinstance(manifest.get("structures"), dict):
            raise SpecError(str(folder / "compare.json"), "", "damaged: not what sim compare "
                            "writes; run the comparison again")  # fmt: skip
        issues = inside(folder, "issues.csv")
        runs = _one_replication_key(_read_csv(inside(folder, "runs.csv"), RUN_COLUMNS))
        return [
            Results("compare", manifest["scenario"], manifest["structures"], runs,
                    _read_csv(issues, ()) if issues.exists() else None,
                    manifest.get("parameters") or {})
        ]  # fmt: skip
    if (folder / "experiment.json").exists():
        store = ResultStore(folder)
        manifest = store.manifest()
        spec = manifest.get("spec") or {}
        everything = store.read()
        if "error" not in everything:
            raise SpecError(str(folder), "", "no successful runs stored yet")
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
    if (folder / "runs.csv").exists():
        raise SpecError(str(folder), "", "unfinished: a sim compare writing here did not "
                        "finish (no compare.json); run the comparison again")  # fmt: skip
    raise SpecError(str(folder), "", "not a results folder (no compare.json or experiment.json)")


RUN_COLUMNS = ("structure", "replication", "seed")


def _read_json(path: Path) -> dict:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError(str(path), "", f"damaged (not valid JSON: {exc}); run the comparison "
                        "again") from None  # fmt: skip
    if not isinstance(record, dict):
        raise SpecError(str(path), "", "damaged (not a JSON object); run the comparison again")
    return record


def _read_csv(path: Path, needed: tuple[str, ...]) -> pd.DataFrame:
    """A table of a results folder, with the columns ``needed``; one clear line otherwise."""
    if not path.exists():
        raise SpecError(str(path), "", "missing: the folder is incomplete; run the comparison "
                        "again")  # fmt: skip
    try:
        with naming(path):
            table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecError(str(path), "", f"damaged ({first}); run the comparison "
                        "again") from None  # fmt: skip
    missing = [c for c in needed if c not in table.columns]
    if missing or (needed and table.empty):
        what = f"no {', '.join(missing)} column" if missing else "no rows"
        raise SpecError(str(path), "", f"damaged ({what}); run the comparison again")
    return table


def _one_replication_key(runs: pd.DataFrame) -> pd.DataFrame:
    """Replications of several root seeds are independent replications: number them apart."""
    if "root_seed" not in runs or runs["root_seed"].nunique() <= 1:
        return runs
    runs = runs.copy()
    order = {seed: k for k, seed in enumerate(dict.fromkeys(runs["root_seed"]))}
    per = int(runs["replication"].max()) + 1
    runs["replication"] = runs["root_seed"].map(order) * per + runs["replication"]
    return runs
