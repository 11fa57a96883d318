"""The results store: a Parquet dataset that survives interruption, concurrency and damage.

``DIR/runs/part-*.parquet`` hold one row per finished run (its key, parameters, seed, spec
hashes, package version, error if any, and the run's summary). Each part is written to a
temporary file and renamed into place, so a part is either whole or absent; re-running the
same sweep reads the keys already stored and runs only the missing ones. ``DIR/experiment.json``
records which experiment the folder belongs to. DuckDB reads the dataset directly:
``SELECT * FROM read_parquet('DIR/runs/*.parquet', union_by_name = true)``.

What the store guarantees (docs/store.md):

- one writer at a time: a sweep holds ``DIR/.lock`` (:func:`sim.paths.folder_lock`); a second
  command pointed at the folder is told it is in use and exits 2;
- the same key stored twice (by any means) counts once: readers keep the row of the earliest
  part, so every count and table is the same as if it were stored once;
- a damaged part (truncated, empty, not Parquet) or ``experiment.json`` is moved to
  ``DIR/quarantine/`` with a one-line message naming it; its runs count as missing, so the
  next sweep runs them again. Leftover temporary files are never read.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.errors import SpecError
from sim.paths import ensure_folder, folder_lock, inside, naming

KEY = ("scenario_file", "structure_file", "point", "replication")
MANIFEST = "experiment.json"


class ResultStore:
    """Append-only, resumable store of sweep rows."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.parts = inside(self.root, "runs")
        self.quarantine = inside(self.root, "quarantine")

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for one writer; :class:`SpecError` if another command holds it."""
        with folder_lock(self.root, "sweep"):
            yield

    # -- the manifest ----------------------------------------------------------------------
    def claim(
        self,
        experiment: str,
        digest: str,
        total: int,
        spec: dict | None = None,
        keys: set[tuple] | None = None,
    ) -> None:
        """Bind the folder to one experiment; refuse to mix two experiments' rows. A damaged
        ``experiment.json`` is quarantined and rebuilt when every stored run is one of this
        experiment's (its name, and a key among ``keys``); otherwise refused. Call it holding
        :meth:`lock`."""
        ensure_folder(self.root)
        ensure_folder(self.parts)
        manifest = inside(self.root, MANIFEST)
        if manifest.exists():
            try:
                held = self._read_manifest(manifest)
            except ValueError as exc:
                moved = self._quarantine(manifest, str(exc), "it is rebuilt from the experiment")
                if not self._parts_agree(experiment, keys):
                    raise SpecError(str(self.root), "", f"{MANIFEST} was damaged (moved to "
                                    f"{moved}) and the runs stored here are not all this "
                                    "experiment's; use a new --out folder") from None  # fmt: skip
            else:
                if held.get("digest") != digest:
                    raise SpecError(
                        str(self.root),
                        "",
                        f"holds results of another experiment ('{held.get('experiment')}', "
                        f"{held.get('digest')}); use a new --out folder",
                    )
        record = {"experiment": experiment, "digest": digest, "runs": total, "spec": spec or {}}
        tmp = inside(self.root, ".tmp-" + MANIFEST)
        try:
            with naming(manifest):
                tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
                os.replace(tmp, manifest)
        finally:
            tmp.unlink(missing_ok=True)
        for stale in self.parts.glob(".tmp-*"):  # left by a crash mid-write (we hold the lock)
            stale.unlink(missing_ok=True)

    def _parts_agree(self, experiment: str, keys: set[tuple] | None) -> bool:
        for path in self.files():
            table = self._load(path, ["experiment", *KEY])
            if table is None:
                continue
            if set(table["experiment"]) - {experiment}:
                return False
            if keys is not None and set(map(tuple, table[list(KEY)].values.tolist())) - keys:
                return False
        return True

    @staticmethod
    def _read_manifest(path: Path) -> dict:
        """The manifest's record; ``ValueError`` saying why when it is damaged."""
        with naming(path):
            text = path.read_bytes()
        try:
            record = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
        if not isinstance(record, dict) or not {"experiment", "digest", "runs"} <= set(record):
            raise ValueError("not a results manifest (experiment, digest and runs missing)")
        if not isinstance(record["runs"], int):
            raise ValueError("'runs' is not a whole number")
        return record

    def manifest(self) -> dict:
        path = inside(self.root, MANIFEST)
        if not path.exists():
            raise SpecError(str(self.root), "", f"no sweep results here (no {MANIFEST})")
        try:
            return self._read_manifest(path)
        except ValueError as exc:
            raise SpecError(str(path), "", f"damaged ({exc}); run the sweep again to "
                            "rebuild it") from None  # fmt: skip

    # -- parts -----------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """The finished parts, oldest first (temporary files are never listed)."""
        return sorted(self.parts.glob("part-*.parquet"))

    def _quarantine(self, path: Path, reason: str, then: str) -> Path:
        """Move a damaged file to ``quarantine/`` and say so on one line; returns where."""
        dest = inside(self.quarantine, path.name)
        n = 1
        while dest.exists():
            dest = inside(self.quarantine, f"{path.name}.{n}")
            n += 1
        try:
            self.quarantine.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)
        except OSError:  # a read-only store: leave it, say so, and read around it
            print(f"warning: {path} is damaged ({reason}); left in place (cannot move it: the "
                  f"folder is read-only?) and skipped; {then}", file=sys.stderr)  # fmt: skip
            return path
        print(f"warning: {path} is damaged ({reason}); moved to {dest}; {then}", file=sys.stderr)
        return dest

    def _load(self, path: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
        """A part's rows (or ``columns`` of them); None, with the part quarantined, when it is
        damaged (empty, truncated, not Parquet, or without a run's key)."""
        try:
            schema = pq.read_schema(path)
            missing = set(KEY) - set(schema.names)
            if missing:
                raise ValueError(f"no {', '.join(sorted(missing))} column")
            wanted = None if columns is None else [c for c in columns if c in schema.names]
            return pq.read_table(path, columns=wanted).to_pandas()
        except FileNotFoundError:  # moved by another reader meanwhile
            return None
        except Exception as exc:  # pyarrow raises several kinds; all mean a damaged part
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self._quarantine(path, reason[:120], "its runs count as missing and the next sweep "
                             "runs them again")  # fmt: skip
            return None

    def _tables(self, columns: list[str] | None = None) -> list[tuple[Path, pd.DataFrame]]:
        out = []
        for path in self.files():
            table = self._load(path, columns)
            if table is not None:
                out.append((path, table))
        return out

    def done_keys(self) -> set[tuple]:
        keys: set[tuple] = set()
        for _, table in self._tables(list(KEY)):
            keys.update(map(tuple, table[list(KEY)].itertuples(index=False, name=None)))
        return keys

    def append(self, rows: list[dict]) -> Path | None:
        """Write rows as one new part, atomically: a temporary file renamed into place. On a
        failure (a full disk, say) the temporary file is removed and the error names the part."""
        if not rows:
            return None
        name = f"part-{pd.Timestamp.now('UTC').strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:8]}"
        tmp = inside(self.parts, f".tmp-{name}.parquet")
        final = inside(self.parts, f"{name}.parquet")
        try:
            with naming(final):
                pd.DataFrame(rows).to_parquet(tmp, index=False)
                os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    def read(self) -> pd.DataFrame:
        """Every stored run once, sorted by key (part files may differ in columns). A key
        stored twice keeps the row of the earliest part."""
        frames = [table for _, table in self._tables()]
        if not frames:
            return pd.DataFrame(columns=list(KEY))
        table = pd.concat(frames, ignore_index=True)
        table = table.drop_duplicates(list(KEY), keep="first")
        return table.sort_values(list(KEY), ignore_index=True, kind="stable")

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
        with different parameters are never averaged together as if they were replications;
        a key stored twice counts once. The parts' paths go to DuckDB as a parameter, never
        into the SQL text."""
        import duckdb

        files = [str(path) for path, _ in self._tables(list(KEY))]  # damaged parts left out
        if not files:
            return pd.DataFrame()
        source = "read_parquet(?, union_by_name = true, filename = true)"
        con = duckdb.connect()
        present = set(con.execute(f"SELECT * FROM {source} LIMIT 0", [files]).df())
        wanted = [c for c in columns if c in present]
        point_means = ", ".join(f'avg("{c}") AS "{c}"' for c in wanted)
        template = 'printf(\'%.2f / %.2f / %.2f\', min("{c}"), median("{c}"), max("{c}"))'
        spread = ", ".join(template.format(c=c) + f' AS "{c}"' for c in wanted)
        key = ", ".join(KEY)
        query = f"""
            WITH once AS (
                SELECT * FROM {source}
                QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY filename) = 1),
            points AS (
                SELECT scenario_file, structure_file, point, count(*) AS runs,
                       sum(CASE WHEN error <> '' THEN 1 ELSE 0 END) AS failed
                       {", " + point_means if point_means else ""}
                FROM once GROUP BY scenario_file, structure_file, point)
            SELECT scenario_file AS scenario, structure_file AS structure,
                   CAST(sum(runs) AS INTEGER) AS runs, CAST(sum(failed) AS INTEGER) AS failed,
                   count(*) AS points
                   {", " + spread if spread else ""}
            FROM points GROUP BY ALL ORDER BY ALL"""
        return con.execute(query, [files]).df()
