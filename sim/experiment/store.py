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
- every part carries its experiment's digest (the ``experiment_digest`` column): a part of
  another experiment copied in is never read as this one's;
- a damaged part (truncated, empty, not Parquet, without a run's key) or a foreign one is
  skipped by readers with a one-line warning naming it, and moved to ``DIR/quarantine/`` by
  the next sweep (the one writer), which runs its runs again; a damaged ``experiment.json``
  is refused by readers and rebuilt by the sweep when the parts are all this experiment's.
  Leftover temporary files are never read.
"""

from __future__ import annotations

import json
import os
import re
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
DIGEST = "experiment_digest"  # the column every row of a part carries: its experiment's digest
PART_RUNS = re.compile(r"-n(\d+)\.parquet$")  # a part's name ends with its number of runs


class Damaged(Exception):
    """A part this store will not read: damaged, or written for another experiment."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ResultStore:
    """Append-only, resumable store of sweep rows."""

    def __init__(self, root: Path, warn: bool = True) -> None:
        self.root = Path(root)
        self.parts = inside(self.root, "runs")
        self.quarantine = inside(self.root, "quarantine")
        self.warn = warn  # say on standard error when a part is skipped
        self.damaged: dict[Path, str] = {}  # parts skipped so far, and why
        self._digest: str | None = None
        self._writing = False

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for one writer; :class:`SpecError` if another command holds it.
        While it is held, damaged and foreign parts are moved to ``quarantine/``."""
        with folder_lock(self.root, "sweep"):
            self._writing = True
            try:
                yield
            finally:
                self._writing = False

    # -- the manifest ----------------------------------------------------------------------
    def claim(self, experiment: str, digest: str, total: int, spec: dict | None = None) -> None:
        """Bind the folder to one experiment; refuse to mix two experiments' rows. A damaged
        ``experiment.json`` is quarantined and rebuilt when every stored part carries this
        experiment's digest; otherwise refused. Call it holding :meth:`lock`."""
        ensure_folder(self.root)
        ensure_folder(self.parts)
        manifest = inside(self.root, MANIFEST)
        if manifest.exists():
            try:
                held = self.read_manifest(manifest)
            except ValueError as exc:
                moved = self._quarantine(manifest, f"damaged ({exc})",
                                         "it is rebuilt from the experiment")  # fmt: skip
                if not self._parts_agree(digest):
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
        self._digest = digest
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

    def _parts_agree(self, digest: str) -> bool:
        """Whether every readable part carries ``digest`` (damaged ones are set aside)."""
        for path in self.files():
            try:
                table = self._check(path, [*KEY, DIGEST], None)
            except FileNotFoundError:
                continue
            except Damaged as exc:
                self._skip(path, exc.reason)
                continue
            if DIGEST not in table or set(table[DIGEST].astype(str)) != {digest}:
                return False
        return True

    @staticmethod
    def read_manifest(path: Path) -> dict:
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
            return self.read_manifest(path)
        except ValueError as exc:
            raise SpecError(str(path), "", f"damaged ({exc}); run the sweep again to "
                            "rebuild it") from None  # fmt: skip

    # -- parts -----------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """The finished parts, oldest first (temporary files are never listed)."""
        return sorted(self.parts.glob("part-*.parquet"))

    def quarantined_as(self, path: Path) -> Path:
        """Where a damaged file goes in ``quarantine/`` (never over an earlier one)."""
        dest = inside(self.quarantine, path.name)
        n = 1
        while dest.exists():
            dest = inside(self.quarantine, f"{path.name}.{n}")
            n += 1
        return dest

    def _quarantine(self, path: Path, reason: str, then: str) -> Path:
        """Move a damaged file to ``quarantine/`` and say so on one line; returns where."""
        dest = self.quarantined_as(path)
        try:
            self.quarantine.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)
        except OSError:  # a read-only store: leave it, say so, and read around it
            print(f"warning: {path} is {reason}; left in place (cannot move it: the "
                  f"folder is read-only?) and skipped; {then}", file=sys.stderr)  # fmt: skip
            return path
        print(f"warning: {path} is {reason}; moved to {dest}; {then}", file=sys.stderr)
        return dest

    def expected_digest(self) -> str:
        """The digest every part must carry: the claimed experiment's, else the manifest's."""
        if self._digest is None:
            self._digest = str(self.manifest()["digest"])
        return self._digest

    @staticmethod
    def runs_in(path: Path) -> int | None:
        """How many runs a part holds, from its name (or its footer); None when unknown."""
        named = PART_RUNS.search(path.name)
        if named:
            return int(named[1])
        try:
            return pq.read_metadata(path).num_rows
        except Exception:  # a damaged footer: pyarrow raises several kinds
            return None

    @staticmethod
    def _check(path: Path, columns: list[str] | None, digest: str | None) -> pd.DataFrame:
        """A part's rows (or ``columns`` of them, without the digest column unless asked);
        :class:`Damaged` saying why when it is damaged or, given ``digest``, another
        experiment's."""
        try:
            size = path.stat().st_size
            if size == 0:
                raise Damaged("damaged: empty (0 bytes)")
            schema = pq.read_schema(path)
            missing = set(KEY) - set(schema.names)
            if missing:
                missing_text = ", ".join(sorted(missing))
                raise Damaged(f"damaged: no {missing_text} column (not a table of runs)")
            wanted = None if columns is None else [c for c in columns if c in schema.names]
            if digest is not None and wanted is not None and DIGEST not in wanted:
                wanted.append(DIGEST)
            if digest is not None and DIGEST not in schema.names:
                raise Damaged(f"not this experiment's: no {DIGEST} column (written by an "
                              "older sim, or not by a sweep)")  # fmt: skip
            table = pq.read_table(path, columns=wanted).to_pandas()
        except (FileNotFoundError, Damaged):
            raise
        except Exception as exc:  # pyarrow raises several kinds; all mean a damaged part
            raise Damaged(_why(path, exc)) from None
        if digest is not None:
            found = set(table[DIGEST].astype(str))
            if found != {digest}:
                other = ", ".join(sorted(found - {digest}))
                raise Damaged(f"not this experiment's: {DIGEST} {other}, this folder's is "
                              f"{digest}")  # fmt: skip
            if columns is not None and DIGEST not in columns:
                table = table.drop(columns=[DIGEST])
        return table

    def _skip(self, path: Path, reason: str) -> None:
        """A part not read: moved to ``quarantine/`` by the writer; skipped, and said once, by
        a reader (the next sweep moves it)."""
        self.damaged[path] = reason
        if self._writing:
            self._quarantine(path, reason, "its runs count as missing: this sweep runs them again")
        elif self.warn:
            print(f"warning: {path} is {reason}; skipped; the next sweep into {self.root} "
                  f"moves it to {self.quarantine}/ and runs its runs again",
                  file=sys.stderr)  # fmt: skip

    def _load(self, path: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
        """A part's rows (or ``columns`` of them); None when it is damaged or another
        experiment's (see :meth:`_skip`)."""
        if path in self.damaged:
            return None
        try:
            return self._check(path, columns, self.expected_digest())
        except FileNotFoundError:  # moved by the writer meanwhile
            return None
        except Damaged as exc:
            self._skip(path, exc.reason)
            return None

    def _tables(self, columns: list[str] | None = None) -> list[tuple[Path, pd.DataFrame]]:
        """Every part that can be read as this experiment's, with its rows; none before the
        folder is claimed (no ``experiment.json``: nothing says whose parts are whose)."""
        if self._digest is None and not inside(self.root, MANIFEST).exists():
            return []
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
        digest = self.expected_digest()
        name = f"part-{pd.Timestamp.now('UTC').strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:8]}"
        name += f"-n{len(rows)}"
        tmp = inside(self.parts, f".tmp-{name}.parquet")
        final = inside(self.parts, f"{name}.parquet")
        try:
            with naming(final):
                pd.DataFrame(rows).assign(**{DIGEST: digest}).to_parquet(tmp, index=False)
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


def _why(path: Path, exc: Exception) -> str:
    """What is wrong with a part pyarrow cannot read, in words."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "magic bytes not found" in text.lower():
        with open(path, "rb") as handle:
            head = handle.read(4)
        if head == b"PAR1":
            return "damaged: truncated (it ends before its Parquet footer)"
        return "damaged: not a Parquet file"
    return f"damaged: {text[:120]}"
