"""The results store: a Parquet dataset that survives interruption.

``DIR/runs/part-*.parquet`` hold one row per finished run (its key, parameters, seed, spec
hashes, package version, error if any, and the run's summary). Each part is written to a
temporary file and renamed into place, so a part is either whole or absent; re-running the
same sweep reads the keys already stored and runs only the missing ones. ``DIR/experiment.json``
records which experiment the folder belongs to. DuckDB reads the dataset directly:
``SELECT * FROM read_parquet('DIR/runs/*.parquet', union_by_name = true)``.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.errors import SpecError

KEY = ("scenario_file", "structure_file", "point", "replication")


class ResultStore:
    """Append-only, resumable store of sweep rows."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.parts = self.root / "runs"

    def claim(self, experiment: str, digest: str, total: int, spec: dict | None = None) -> None:
        """Bind the folder to one experiment; refuse to mix two experiments' rows."""
        self.parts.mkdir(parents=True, exist_ok=True)
        manifest = self.root / "experiment.json"
        if manifest.exists():
            held = json.loads(manifest.read_text())
            if held.get("digest") != digest:
                raise SpecError(
                    str(self.root),
                    "",
                    f"holds results of another experiment ('{held.get('experiment')}', "
                    f"{held.get('digest')}); use a new --out folder",
                )
        tmp = manifest.with_suffix(".tmp")
        record = {"experiment": experiment, "digest": digest, "runs": total, "spec": spec or {}}
        tmp.write_text(json.dumps(record, indent=2))
        os.replace(tmp, manifest)
        for stale in self.parts.glob(".tmp-*"):  # left by a crash mid-write
            stale.unlink()

    def manifest(self) -> dict:
        path = self.root / "experiment.json"
        if not path.exists():
            raise SpecError(str(self.root), "", "no sweep results here (no experiment.json)")
        return json.loads(path.read_text())

    def files(self) -> list[Path]:
        return sorted(self.parts.glob("part-*.parquet"))

    def done_keys(self) -> set[tuple]:
        keys: set[tuple] = set()
        for path in self.files():
            table = pq.read_table(path, columns=list(KEY)).to_pandas()
            keys.update(map(tuple, table.itertuples(index=False, name=None)))
        return keys

    def append(self, rows: list[dict]) -> Path | None:
        """Write rows as one new part, atomically."""
        if not rows:
            return None
        name = f"part-{pd.Timestamp.now('UTC').strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:8]}"
        tmp = self.parts / f".tmp-{name}.parquet"
        pd.DataFrame(rows).to_parquet(tmp, index=False)
        final = self.parts / f"{name}.parquet"
        os.replace(tmp, final)
        return final

    def read(self) -> pd.DataFrame:
        """Every stored row, sorted by key (part files may differ in columns)."""
        frames = [pd.read_parquet(p) for p in self.files()]
        if not frames:
            return pd.DataFrame(columns=list(KEY))
        table = pd.concat(frames, ignore_index=True)
        return table.sort_values(list(KEY), ignore_index=True)

    def first_errors(self, n: int = 3) -> list[str]:
        """The first ``n`` different errors of failed runs, in key order."""
        rows = self.read()
        if "error" not in rows:
            return []
        return list(rows.loc[rows["error"] != "", "error"].unique()[:n])

    def glob(self) -> str:
        return str(self.parts / "part-*.parquet")

    def summary(self, columns: tuple[str, ...]) -> pd.DataFrame:
        """Per scenario and structure: runs, failures, design points, and for each of
        ``columns`` the spread of the per-point means (smallest / median / largest). Points
        with different parameters are never averaged together as if they were replications.
        The store's path goes to DuckDB as a parameter, never into the SQL text."""
        import duckdb

        if not self.files():
            return pd.DataFrame()
        source = "read_parquet(?, union_by_name = true)"
        con = duckdb.connect()
        present = set(con.execute(f"SELECT * FROM {source} LIMIT 0", [self.glob()]).df())
        wanted = [c for c in columns if c in present]
        point_means = ", ".join(f'avg("{c}") AS "{c}"' for c in wanted)
        template = 'printf(\'%.2f / %.2f / %.2f\', min("{c}"), median("{c}"), max("{c}"))'
        spread = ", ".join(template.format(c=c) + f' AS "{c}"' for c in wanted)
        query = f"""
            WITH points AS (
                SELECT scenario_file, structure_file, point, count(*) AS runs,
                       sum(CASE WHEN error <> '' THEN 1 ELSE 0 END) AS failed
                       {", " + point_means if point_means else ""}
                FROM {source} GROUP BY ALL)
            SELECT scenario_file AS scenario, structure_file AS structure,
                   CAST(sum(runs) AS INTEGER) AS runs, CAST(sum(failed) AS INTEGER) AS failed,
                   count(*) AS points
                   {", " + spread if spread else ""}
            FROM points GROUP BY ALL ORDER BY ALL"""
        return con.execute(query, [self.glob()]).df()
