"""Issue 12, class 6: the results store under concurrency and damage. A second writer is
refused while one holds the folder; a key stored twice counts once; a damaged part or
manifest is quarantined with one line naming it and only its runs run again; leftover
temporary files and quotes in the path break nothing; a full disk names the part."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.experiment.paired import RunSettings
from sim.experiment.store import KEY, ResultStore
from sim.experiment.sweep import sweep
from sim.spec.experiment import load_experiment
from sim.spec.loading import SCENARIO_DIR

SERIAL = RunSettings(executor="serial", progress=False)

SMOKE = str(SCENARIO_DIR / "smoke.yaml")


def experiment(tmp_path: Path, name: str = "tiny") -> Path:
    data = {"name": name, "scenarios": [SMOKE], "structures": ["five_element", "pilot"],
            "replications": 2, "seed": 7, "design": {"kind": "lhs", "samples": 2},
            "parameters": {"attendance_base": {"low": 0.7, "high": 0.9}}}  # fmt: skip
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """An uninterrupted serial sweep: what every damaged store must come back to."""
    tmp = tmp_path_factory.mktemp("whole")
    out = tmp / "store"
    sweep(load_experiment(experiment(tmp)), out, settings=SERIAL)
    return out


def rows(out: Path) -> pd.DataFrame:
    return ResultStore(out).read().drop(columns=["elapsed_s"])


def copy(whole: Path, tmp_path: Path) -> Path:
    out = tmp_path / "store"
    shutil.copytree(whole, out)
    return out


def finish(tmp_path: Path, out: Path, capsys) -> tuple[int, str]:
    code = main(["sweep", str(experiment(tmp_path)), "--executor", "serial", "--out", str(out),
                 "--quiet"])  # fmt: skip
    return code, capsys.readouterr().err


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(whole, tmp_path, capsys):
    out = copy(whole, tmp_path)
    with ResultStore(out).lock():
        code, err = finish(tmp_path, out, capsys)
        assert code == 2
        assert "in use by another command" in err and str(out) in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, _ = finish(tmp_path, out, capsys)  # released: the same command now runs
    assert code == 0


@pytest.mark.parametrize("copies", [2, 3])
def test_a_key_stored_twice_counts_once_everywhere(whole, tmp_path, capsys, copies):
    out = copy(whole, tmp_path)
    for part in ResultStore(out).files():
        for n in range(1, copies):
            shutil.copy(part, part.with_name(f"part-zzz{n}-{part.name[5:]}"))
    store = ResultStore(out)
    assert len(store.read()) == 8 and not store.read().duplicated(list(KEY)).any()
    pd.testing.assert_frame_equal(rows(out), rows(whole))
    assert store.summary(("meetings_held",))["runs"].sum() == 8
    assert main(["results", str(out)]) == 0
    assert "8 of 8 runs stored" in capsys.readouterr().out


def damage_part(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "footer cut":
        path.write_bytes(data[:-9])
    elif how == "garbled":
        path.write_bytes(b"not parquet at all" * 50)
    elif how == "no key":
        pd.DataFrame({"x": [1]}).to_parquet(path)


@pytest.mark.parametrize(("how", "wrong"), [
    ("empty", "empty (0 bytes)"),
    ("truncated", "truncated (it ends before its Parquet footer)"),
    ("footer cut", "truncated (it ends before its Parquet footer)"),
    ("garbled", "not a Parquet file"),
    ("no key", "no point, replication, scenario_file, structure_file column (not a table of runs)"),
])  # fmt: skip
def test_a_damaged_part_is_named_by_results_and_set_aside_by_the_next_sweep(
    whole, tmp_path, capsys, how, wrong
):
    """Issue 19, item 11: `sim results` names each damaged part, what is wrong with it and
    what the next sweep does with it (it reads nothing and moves nothing); the sweep then
    does exactly that."""
    out = copy(whole, tmp_path)
    parts = ResultStore(out).files()
    part = parts[0]
    lost = len(pd.read_parquet(part))
    damage_part(part, how)
    assert main(["results", str(out)]) == 0  # a reader goes round it, and says so
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert f"{8 - lost} of 8 runs stored in {len(parts) - 1} parts (unfinished" in captured.out
    assert (
        f"  {part.name} is damaged: {wrong}; the next sim sweep into this folder sets it "
        f"aside as quarantine/{part.name} and runs its {lost} runs again"
    ) in captured.out
    assert part.exists() and not (out / "quarantine").exists()  # a reader moves nothing
    code = main(["sweep", str(experiment(tmp_path)), "--executor", "serial", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"{lost} new" in captured.out and f"{8 - lost} already there" in captured.out
    assert f"{part.name} is damaged: {wrong}; moved to {out / 'quarantine' / part.name}" in (
        captured.err
    )
    assert (out / "quarantine" / part.name).exists() and not part.exists()
    pd.testing.assert_frame_equal(rows(out), rows(whole))
    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    assert "8 of 8 runs stored" in text and "quarantine/ holds 1 file(s) set aside" in text


def test_a_part_of_another_experiment_copied_in_is_never_read_as_this_ones(whole, tmp_path, capsys):
    """Issue 19, item 9: a part is read only by the experiment whose digest it carries; one
    from another experiment (the same keys, other runs) changes no result and is set aside
    by the next sweep; a part without a digest (an older sim, or written by hand) likewise."""
    other = tmp_path / "other"
    data = yaml.safe_load(experiment(tmp_path).read_text()) | {"seed": 8}
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(data))
    sweep(load_experiment(tmp_path / "other.yaml"), other, settings=SERIAL)
    out = copy(whole, tmp_path)
    foreign = ResultStore(other).files()[0]
    early = out / "runs" / "part-0-foreign.parquet"  # sorts first: would win every key
    shutil.copy(foreign, early)
    legacy = out / "runs" / "part-1-legacy.parquet"
    pd.read_parquet(foreign).drop(columns=["experiment_digest"]).to_parquet(legacy)
    pd.testing.assert_frame_equal(rows(out), rows(whole))
    err = capsys.readouterr().err
    assert f"{early} is not this experiment's: experiment_digest " in err
    assert f"{legacy} is not this experiment's: no experiment_digest column" in err
    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"8 of 8 runs stored in {len(ResultStore(whole).files())} parts" in text
    assert "part-0-foreign.parquet is not this experiment's" in text
    held = len(pd.read_parquet(foreign))  # a part holds what one flush wrote: 8 runs or fewer
    assert f"sets it aside as quarantine/part-0-foreign.parquet and runs its {held} runs" in text
    code, err = finish(tmp_path, out, capsys)
    assert code == 0 and "moved to" in err
    assert sorted(p.name for p in (out / "quarantine").iterdir()) == [early.name, legacy.name]
    pd.testing.assert_frame_equal(rows(out), rows(whole))


@pytest.mark.parametrize("text", ["", "{", '{"experiment": "tiny"', "\x00\xff garbage",
                                  "[1, 2]", '{"a": 1}'])  # fmt: skip
def test_a_damaged_manifest_is_rebuilt_when_the_runs_agree(whole, tmp_path, capsys, text):
    out = copy(whole, tmp_path)
    (out / "experiment.json").write_text(text, encoding="latin-1")
    assert main(["results", str(out)]) == 2
    err = capsys.readouterr().err
    assert "experiment.json: damaged" in err and "Traceback" not in err
    code, err = finish(tmp_path, out, capsys)
    assert code == 0 and "experiment.json is damaged" in err and "quarantine" in err
    assert ResultStore(out).manifest()["runs"] == 8
    pd.testing.assert_frame_equal(rows(out), rows(whole))


def test_a_damaged_manifest_with_another_experiments_runs_is_refused(whole, tmp_path, capsys):
    out = copy(whole, tmp_path)
    (out / "experiment.json").write_text("{")
    code = main(["sweep", str(experiment(tmp_path, "other")), "--executor", "serial", "--out",
                 str(out), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "not all this experiment's" in err and "Traceback" not in err


@pytest.mark.parametrize("name", [".tmp-part-1.parquet", ".tmp-part-2.parquet.x", "part-x.tmp"])
def test_leftover_temporary_files_break_nothing(whole, tmp_path, capsys, name):
    out = copy(whole, tmp_path)
    (out / "runs" / name).write_bytes(b"half a part")
    assert main(["results", str(out)]) == 0
    assert "8 of 8 runs stored" in capsys.readouterr().out
    code, err = finish(tmp_path, out, capsys)
    assert code == 0 and "Traceback" not in err


@pytest.mark.parametrize("folder", ["it's here", 'say "x"', "a'); DROP TABLE t; --", "ü ß"])
def test_paths_with_quotes_reach_duckdb_as_parameters(whole, tmp_path, capsys, folder):
    out = tmp_path / folder
    shutil.copytree(whole, out)
    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    assert "8 of 8 runs stored" in text and "five_element" in text


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO, errno.EDQUOT])
def test_a_full_disk_during_a_write_names_the_part_and_loses_nothing(tmp_path, monkeypatch,
                                                                      capsys, code):  # fmt: skip
    out = tmp_path / "store"
    real = pd.DataFrame.to_parquet
    calls = {"n": 0}

    def full(self, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] >= 2:
            Path(path).write_bytes(b"half")  # a partial temporary file, as a real disk leaves
            raise OSError(code, "")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    monkeypatch.setattr("sim.experiment.sweep.FLUSH_ROWS", 3)
    code_ = main(["sweep", str(experiment(tmp_path)), "--executor", "serial", "--out", str(out),
                  "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code_ == 2 and "Traceback" not in err
    assert err.startswith(f"error: {out / 'runs'}/part-") and ".parquet: " in err
    assert not list((out / "runs").glob(".tmp-*"))
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    kept = len(ResultStore(out).done_keys())
    assert kept == 3
    code_, _ = finish(tmp_path, out, capsys)
    assert code_ == 0 and len(ResultStore(out).read()) == 8
