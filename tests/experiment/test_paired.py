"""The one paired comparison (sim.experiment.paired.PairedRuns): `sim compare` makes exactly
its runs; serial and processes give identical tables; a bad input is one line; a design of a
design space at its base is the base structure."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.cli import main
from sim.errors import SpecError
from sim.experiment.compare import comparison_runs
from sim.experiment.executors import ProcessExecutor, SerialExecutor
from sim.experiment.paired import DesignOption, PairedRuns, Point, RunSettings
from sim.experiment.seeds import run_seed
from sim.spec.loading import SCENARIO_DIR, STRUCTURE_DIR

SMOKE = str(SCENARIO_DIR / "smoke.yaml")
SERIAL = RunSettings(executor="serial", progress=False)


def test_the_compare_command_makes_exactly_the_paired_runs(tmp_path, capsys):
    """`sim compare` writes the runs a PairedRuns of the same inputs makes: the same rows,
    seeds and values, byte for byte in runs.csv, every replication's seed the root seed's
    child, shared by every option."""
    out = tmp_path / "cmp"
    code = main(["compare", SMOKE, "--structures", "five_element,do_minimum,pilot",
                 "--replications", "3", "--seeds", "7,8", "--workers", "1", "--out", str(out),
                 "--set", "attendance_base=0.7"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    paired = PairedRuns(SMOKE, ["five_element", "do_minimum", "pilot"], 3, [7, 8],
                        {"attendance_base": 0.7}, tables=("summary", "issues"))  # fmt: skip
    tables = paired.run(SERIAL)
    runs = tables["summary"]
    assert (out / "runs.csv").read_text() == runs.to_csv(index=False)
    issues = tables["issues"]
    assert (out / "issues.csv").read_text() == issues[issues["parent"] == ""].to_csv(index=False)
    assert len(runs) == 3 * 3 * 2
    for (root, rep), group in runs.groupby(["root_seed", "replication"]):
        assert set(group["seed"]) == {run_seed(root, rep)}
        assert list(group["structure"]) == ["five_element", "do_minimum", "pilot"]
    assert paired.tasks() == comparison_runs(SMOKE, ["five_element", "do_minimum", "pilot"], 3,
                                             [7, 8], {"attendance_base": 0.7}).tasks()  # fmt: skip


def test_compare_and_demo_send_their_runs_where_the_executor_flags_say(tmp_path, monkeypatch):
    """`sim compare --executor dask` makes its runs on a Dask cluster and writes the tables the
    serial command writes; `sim demo` and `sim gcm` take the same flags."""
    from sim.cli import build_parser, run_settings
    from sim.experiment import paired as paired_module
    from sim.experiment.executors import DaskExecutor

    made = []
    real = paired_module.make_executor

    def spy(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(paired_module, "make_executor", spy)
    common = [SMOKE, "--structures", "five_element,pilot", "--replications", "4", "--seed", "5"]
    assert main(["compare", *common, "--executor", "serial", "--out", str(tmp_path / "s")]) == 0
    assert main(["compare", *common, "--executor", "dask", "--workers", "2",
                 "--out", str(tmp_path / "d")]) == 0  # fmt: skip
    assert [type(e).__name__ for e in made] == ["SerialExecutor", "DaskExecutor"]
    assert isinstance(made[1], DaskExecutor)
    for name in ("runs.csv", "issues.csv", "comparison.csv"):
        assert (tmp_path / "s" / name).read_text() == (tmp_path / "d" / name).read_text()
    for command in (["demo"], ["gcm"]):
        args = build_parser().parse_args([*command, "--scheduler", "tcp://h:8786"])
        settings = run_settings(args)
        assert (settings.executor, settings.scheduler) == ("dask", "tcp://h:8786")


def test_serial_and_processes_give_identical_tables():
    paired = PairedRuns(SMOKE, ["five_element", "do_minimum", "pilot"], 4, [3, 4],
                        tables=("summary", "issues", "meetings"))  # fmt: skip
    serial = paired.run(SERIAL)
    with RunSettings("processes", workers=2, progress=False).make(len(paired)) as pool:
        assert isinstance(pool, ProcessExecutor) and pool.workers == 2  # really in parallel
        parallel = paired.run(executor=pool)
    assert len(serial["summary"]) == 24
    for name in ("summary", "issues", "meetings"):
        pd.testing.assert_frame_equal(serial[name], parallel[name])


def test_a_small_job_runs_in_this_process():
    assert isinstance(RunSettings("processes", workers=2).make(3), SerialExecutor)


@pytest.mark.parametrize(
    ("make", "where", "words"),
    [
        (lambda: PairedRuns(SMOKE, ["five_element", str(STRUCTURE_DIR / "five_element.yaml")], 2),
         str(STRUCTURE_DIR / "five_element.yaml"), "also the name of five_element"),
        (lambda: PairedRuns(SMOKE, ["five_element", "pilot"], 0), "--replications",
         "give 1 to"),
        (lambda: PairedRuns(SMOKE, ["five_element", "garbage_can"], 2), SMOKE,
         "unknown scope 'gloucester'"),
        (lambda: PairedRuns(SMOKE, ["five_element", "pilot"], 2, seeds=[]), "--seed",
         "at least one root seed"),
    ],
    ids=["one name twice", "no replications", "cannot run the scenario", "no seed"],
)  # fmt: skip
def test_a_bad_input_is_one_line_before_any_run(make, where, words):
    with pytest.raises(SpecError) as caught:
        make()
    line = caught.value.one_line()
    assert "\n" not in line and line.startswith(where) and words in line


def test_the_command_says_a_bad_option_in_one_line(capsys):
    code = main(["compare", SMOKE, "--structures", "five_element,garbage_can",
                 "--replications", "2", "--workers", "1"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1


def test_a_design_at_the_base_of_its_space_is_the_base_structure():
    """A DesignOption of scenarios/design/gloucester.yaml with every lever at its base makes
    exactly the base structure's runs, at the defaults and with a structural alternative on."""
    from sim.spec.design import load_design_space

    space = load_design_space("gloucester")
    design = DesignOption(space.source, space.base_design, space.base)
    points = [Point(0), Point(1, (("attendance_base", 0.7),),
                          ("fe_urgent_strategy_via_support_group",))]  # fmt: skip
    scenario = str(SCENARIO_DIR / "employer_closure.yaml")
    as_design = PairedRuns(scenario, [design], 2, [5], points=points, keys=True).run(SERIAL)
    as_file = PairedRuns(scenario, [space.base], 2, [5], points=points, keys=True).run(SERIAL)
    pd.testing.assert_frame_equal(as_design["summary"], as_file["summary"])
    at = as_file["summary"].groupby("point")["named_weeks_to_decision"].mean()
    assert at[0] != at[1]  # the second point's alternative acts in the runs
    assert list(as_file["summary"].columns[:7]) == ["scenario_file", "structure_file",
                                                    "structure", "point", "replication", "seed",
                                                    "root_seed"]  # fmt: skip
