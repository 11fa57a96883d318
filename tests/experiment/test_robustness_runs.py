"""The runs of a robustness analysis: the assumption space, its three designs, alternatives
switched on inside a run task, and the phases end to end on a small space; the files it reads
(the shipped ones unless paths are given), checked before any run, and a resume that never
mixes runs of other inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.robustness import SIZES, declared_conclusions, run_robustness
from sim.cli import main
from sim.errors import SpecError
from sim.experiment import robustness as rb
from sim.experiment.store import ResultStore
from sim.experiment.tasks import Files, RunTask, run_task
from sim.spec.alternatives import load_alternatives
from sim.spec.loading import SCENARIO_DIR
from sim.spec.parameters import Parameters


def small_plan(**changes) -> rb.Plan:
    factors = [
        rb.Factor("attendance_base", 0.65, 0.95, default=0.85),
        rb.Factor("substitute_probability", 0.3, 0.9, default=0.6),
        rb.Factor("fe_urgent_strategy_via_support_group", 0.0, 1.0, switch=True),
    ]
    sizes = {"replications": 1, "morris_trajectories": 2, "sobol_samples": 2,
             "lhs_samples": 8, "pattern_replications": 1, "factors": factors}  # fmt: skip
    return rb.Plan("employer_closure", ["five_element", "pilot"], **(sizes | changes))


def test_every_parameter_with_a_plausible_width_is_a_factor():
    names = {f.name for f in rb.parameter_factors()}
    for name, info in Parameters.model_fields.items():
        low, high = info.json_schema_extra["plausible"]
        assert (name in names) == (high > low)
    for f in rb.parameter_factors():
        assert f.low <= f.default <= f.high or not math.isfinite(f.default)


def test_alternatives_apply_only_where_they_can_change_a_run():
    """SC-COHESION's alternative rewrites a step of the cohesion scenario only; FE-EXEC-CADENCE's
    changes the five-element Executive only."""
    known = load_alternatives().by_id()
    cohesion = known["sc_cohesion_lsps_review"]
    assert rb.applies(cohesion, ["five_element", "pilot"], "community_cohesion")
    assert not rb.applies(cohesion, ["five_element", "pilot"], "employer_closure")
    early = known["fe_executive_called_early"]
    assert rb.applies(early, ["five_element", "pilot"], "employer_closure")
    assert not rb.applies(early, ["pilot", "county_scs_chapters"], "employer_closure")
    ids = {f.name for f in rb.alternative_factors(["five_element", "pilot"], "employer_closure")}
    assert "fe_executive_called_early" in ids and "sc_cohesion_lsps_review" not in ids


def test_the_three_designs_have_their_sizes_and_switches_are_off_or_on():
    plan = small_plan(morris_trajectories=3, sobol_samples=4, lhs_samples=10)
    k = len(plan.factors)
    morris = rb.morris_points(plan)
    assert len(morris) == 3 * (k + 1)
    lhs = rb.lhs_points(plan)
    assert len(lhs) == 10
    for table in (morris, lhs):
        assert set(table["a_fe_urgent_strategy_via_support_group"]) <= {0.0, 1.0}
        assert table["p_attendance_base"].between(0.65, 0.95).all()
    assert set(lhs["a_fe_urgent_strategy_via_support_group"]) == {0.0, 1.0}
    sobol = rb.sobol_points(plan, ["p_attendance_base"])
    assert len(sobol) == 4 * (1 + 2)
    assert (sobol["p_substitute_probability"] == 0.6).all()  # not chosen: at its default
    assert (sobol["a_fe_urgent_strategy_via_support_group"] == 0).all()  # off


def test_an_alternative_switched_on_in_a_run_task_changes_the_run():
    """FE-SUPPORT, the other reading: urgent strategic business starts at the Executive Support
    Group, so the five-element structure decides the Employco response far sooner."""
    path = str(rb.shipped_or_path("scenario", "employer_closure").resolve())
    plain = run_task(RunTask(Files(path, "five_element"), 3, 0, evaluate=True))
    switched = run_task(RunTask(Files(path, "five_element",
                                      ("fe_urgent_strategy_via_support_group",)), 3, 0,
                                evaluate=True))  # fmt: skip
    assert plain.error == switched.error == ""
    assert switched.row["named_weeks_to_decision"] < plain.row["named_weeks_to_decision"] - 4
    pilot = run_task(RunTask(Files(path, "pilot", ("fe_urgent_strategy_via_support_group",)),
                             3, 0, evaluate=True))  # fmt: skip
    same = run_task(RunTask(Files(path, "pilot"), 3, 0, evaluate=True))
    assert pilot.row == same.row  # it applies to the five-element structure only


def test_the_phases_run_resume_and_are_analysed(tmp_path):
    plan = small_plan()
    result = run_robustness(plan, tmp_path, executor="serial", progress=False)
    for phase in rb.PHASES:
        rows = ResultStore(tmp_path / phase).read()
        assert len(rows) and (rows["error"] == "").all()
    lhs = ResultStore(tmp_path / "lhs").read()
    assert set(lhs["structure_file"]) == {"five_element", "pilot"}
    assert len(lhs) == 8 * 2 + 8  # two structures, plus the pattern scenario, at every point
    assert set(result.table["conclusion"]) >= {"decides_sooner", "fewer_meetings"}
    assert result.table["holds_share"].between(0, 1).all()
    assert set(result.morris) == set(result.table["conclusion"])
    again = run_robustness(plan, tmp_path, executor="serial", progress=False)  # all stored
    assert again.table.equals(result.table)
    decide = result.morris["decides_sooner"].set_index("factor")["mu_star"]
    assert decide.idxmax() == "a_fe_urgent_strategy_via_support_group"


def test_a_phase_with_parallel_workers_equals_serial(tmp_path):
    plan = small_plan()
    points = rb.lhs_points(plan)
    rb.run_phase(plan, "lhs", points, tmp_path / "serial", executor="serial", progress=False)
    rb.run_phase(plan, "lhs", points, tmp_path / "pool", executor="processes", workers=2,
                 progress=False)  # fmt: skip
    a = ResultStore(tmp_path / "serial" / "lhs").read().drop(columns=["elapsed_s"])
    b = ResultStore(tmp_path / "pool" / "lhs").read().drop(columns=["elapsed_s"])
    assert a.equals(b)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["robustness", "employer_closure", "--structures", "pilot"], "give two or more"),
        (["robustness", "smoke"], "no declared conclusions"),
        (["robustness", "employer_closure", "--structures", "pilot,nowhere"], "nowhere"),
        (["robustness", "employer_closure", "--structures", "pilot,pilot"], "named twice"),
        (["robustness", "employer_closure", "--replications", "0"], "at least 1"),
        (["robustness", "employer_closure", "--replications", "100000"], "at most 1,000"),
        (["robustness", "employer_closure", "--seed", "-1"], "at least 0"),
        (["robustness", "employer_closure", "--workers", "0"], "at least 1"),
        (["robustness", "employer_closure", "--check", "nowhere.yaml"], "not found"),
        (["robustness", "nowhere"], "nowhere: no shipped scenario file of this name"),
    ],
)
def test_robustness_command_errors_are_one_line(argv, message, capsys, tmp_path):
    try:
        code = main([*argv, "--out", str(tmp_path / "o"), "--quiet"])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_switch_columns_round_at_one_half():
    table = rb._table(np.array([[0.2, 0.49], [0.7, 0.5]]),
                      [rb.Factor("x", 0, 1), rb.Factor("s", 0, 1, switch=True)])  # fmt: skip
    assert table["a_s"].tolist() == [0.0, 1.0] and table["p_x"].tolist() == [0.2, 0.7]


# -- issue 19, items 7 to 9: the files read, checked before any run; resuming never mixes -------
HOSTILE = {
    "alternatives.yaml": "alternatives: []\n",
    "patterns.yaml": "scenario: smoke\n",
    "conclusions.yaml": "employer_closure: []\n",
    "employer_closure.yaml": (SCENARIO_DIR / "smoke.yaml").read_text(),
    "pilot.yaml": "name: not_the_pilot\n",
    "ci_checks.yaml": "expect: []\n",
}


def test_bare_names_are_the_shipped_files_whatever_the_working_folder_holds(tmp_path, monkeypatch):
    """Item 7: `alternatives: []` in the working folder no longer empties the analysis, nor
    does a file named like a shipped scenario or structure replace it; a path means the file."""
    monkeypatch.chdir(tmp_path)
    for name, text in HOSTILE.items():
        (tmp_path / name).write_text(text)
    plan = rb.Plan("employer_closure", ["five_element", "pilot"])
    assert plan.scenario_path == str(SCENARIO_DIR / "employer_closure.yaml")
    assert plan.structure_paths["pilot"] == str(SCENARIO_DIR / "structures" / "pilot.yaml")
    assert "fe_urgent_strategy_via_support_group" in {f.name for f in plan.factors if f.switch}
    assert all(r["file"].endswith("(shipped)") for r in plan.inputs().values())
    assert len(declared_conclusions(plan, rb.cached_scenario(plan.scenario_path))) == 9
    switched = Files(plan.scenario_path, plan.structure_paths["five_element"],
                     ("fe_urgent_strategy_via_support_group",))  # fmt: skip
    assert run_task(RunTask(switched, 3, 0)).error == ""  # the worker reads the shipped file
    own = rb.Plan("employer_closure", ["five_element", "pilot"], alternatives="./alternatives.yaml")
    assert not [f for f in own.factors if f.switch]
    assert own.inputs()["alternatives"]["file"] == str(tmp_path / "alternatives.yaml")


def misspelt(tmp_path: Path, shipped: str, old: str, new: str) -> str:
    path = tmp_path / f"my_{shipped}"
    text = (SCENARIO_DIR / "robustness" / shipped).read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return str(path)


@pytest.mark.parametrize(("option", "shipped", "old", "new", "says"), [
    ("--patterns", "patterns.yaml", "indicator: named_targets_met_share", "indicator: nmd",
     "patterns[fifteen_of_twenty_seven].indicator: 'nmd' is not an indicator the runs of "
     "'scs_delivery' record"),
    ("--patterns", "patterns.yaml", "scenario: scs_delivery", "scenario: scs_delivry",
     "scenario: no shipped scenario file of this name"),
    ("--conclusions", "conclusions.yaml", "indicator: named_weeks_to_decision",
     "indicator: named_weeks_to_decison", "employer_closure[decides_sooner].indicator: "
     "'named_weeks_to_decison' is not an indicator with a smallest difference that matters"),
    ("--conclusions", "conclusions.yaml", "of: pilot", "of: pilto",
     "employer_closure[decides_sooner].of: no structure 'pilto'"),
    ("--alternatives", "alternatives.yaml", "body: executive_support_group",
     "body: support_group", "alternatives[fe_urgent_strategy_via_support_group]: unknown "
     "body 'support_group'"),
    ("--check", "ci_checks.yaml", "conclusion: fewer_meetings", "conclusion: fewer_meeting",
     "expect[0].conclusion: no conclusion 'fewer_meeting'"),
    ("--check", "ci_checks.yaml", "verdict: robust}", "verdict: robsut}",
     "expect[0].verdict: 'robsut' is not a verdict the analysis can give"),
])  # fmt: skip
def test_a_file_that_cannot_be_judged_is_one_line_before_any_run(
    tmp_path, capsys, monkeypatch, option, shipped, old, new, says
):
    """Items 7 to 9: a misspelt indicator, structure or scenario in any file the analysis
    reads, an alternative that does not apply, a check that cannot be judged: one line naming
    the file and field, exit 2, and nothing run (never a conclusion silently dropped, never a
    KeyError after every run)."""
    monkeypatch.setattr("sim.analysis.robustness.run_robustness", None)  # never reached
    path = misspelt(tmp_path, shipped, old, new)
    out = tmp_path / "out"
    code = main(["robustness", "employer_closure", option, path, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"error: {path}: {says}"), err
    assert not out.exists()


@pytest.mark.parametrize(("page", "says"), [
    ("folder", "is a folder, not a Markdown page"),
    ("nowhere/page.md", "no folder to write this page in"),
    ("twice.md", "must each come once, the first before the second"),
])  # fmt: skip
def test_a_page_that_cannot_take_the_section_is_one_line_before_any_run(
    tmp_path, capsys, monkeypatch, page, says
):
    monkeypatch.setattr("sim.analysis.robustness.run_robustness", None)  # never reached
    (tmp_path / "folder").mkdir()
    (tmp_path / "twice.md").write_text("<!-- patterns -->\n<!-- patterns -->\n")
    code = main(["robustness", "employer_closure", "--docs", str(tmp_path / page), "--out",
                 str(tmp_path / "out"), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: {tmp_path / page}: ") and says in err, err
    assert not (tmp_path / "out").exists()


def test_resuming_from_changed_input_files_is_refused_naming_the_file(tmp_path, capsys):
    """Item 7: a phase's stored runs are never mixed with runs of other inputs: resuming with
    a changed alternatives file (the same ids, another reading) is one line naming it, and
    adds nothing."""
    plan = small_plan(lhs_samples=2)
    points = rb.lhs_points(plan)
    rb.run_phase(plan, "lhs", points, tmp_path, executor="serial", progress=False, limit=2)
    changed = misspelt(tmp_path, "alternatives.yaml", "meets at least six times a year",
                       "meets at least four times a year")  # fmt: skip
    parts = ResultStore(tmp_path / "lhs").files()
    with pytest.raises(SpecError) as caught:
        rb.run_phase(small_plan(lhs_samples=2, alternatives=changed), "lhs", points, tmp_path,
                     executor="serial", progress=False)  # fmt: skip
    line = caught.value.one_line()
    assert line.startswith(f"{tmp_path / 'lhs'}: its runs were made from another alternatives "
                           "file (robustness/alternatives.yaml (shipped), sha256 ")  # fmt: skip
    assert f"this run reads {changed}, sha256 " in line and "to run this phase afresh" in line
    assert ResultStore(tmp_path / "lhs").files() == parts
    report = rb.run_phase(plan, "lhs", points, tmp_path, executor="serial", progress=False)
    assert report.already == 2 and report.ran == 2  # the same inputs resume


def test_a_damaged_phase_manifest_is_rebuilt_on_resume(tmp_path, capsys):
    """Item 8: a damaged lhs/experiment.json on resume was `KeyError: 'experiment'` (a phase's
    rows have no experiment column); now it is set aside and rebuilt from the parts' digest."""
    plan = small_plan(lhs_samples=2)
    points = rb.lhs_points(plan)
    rb.run_phase(plan, "lhs", points, tmp_path, executor="serial", progress=False)
    (tmp_path / "lhs" / "experiment.json").write_text('{"experiment": ')
    report = rb.run_phase(plan, "lhs", points, tmp_path, executor="serial", progress=False)
    assert report.ran == 0 and report.already == 4
    err = capsys.readouterr().err
    assert "lhs/experiment.json is damaged (not valid JSON" in err and "rebuilt" in err


def test_the_command_reads_the_shipped_files_and_says_which(tmp_path, monkeypatch, capsys):
    """Items 7 and 9 end to end, on a tiny space: in a folder full of hostile namesakes the
    command reads the shipped files, writes their hashes into meta.json and conclusions.md,
    updates a page and passes a check; `sim results` reads a phase."""
    monkeypatch.chdir(tmp_path)
    for name, text in HOSTILE.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setitem(SIZES, "small", {"replications": 1, "morris_trajectories": 2,
                                         "sobol_samples": 2, "lhs_samples": 6,
                                         "pattern_replications": 1})  # fmt: skip
    monkeypatch.setattr(
        rb, "parameter_factors", lambda: [rb.Factor("attendance_base", 0.65, 0.95, default=0.85)]
    )
    check = tmp_path / "check.yaml"
    check.write_text("expect:\n  - {conclusion: fewer_meetings, over: all, verdict: robust}\n")
    code = main(
        [
            "robustness",
            "employer_closure",
            "--size",
            "small",
            "--executor",
            "serial",
            "--quiet",
            "--out",
            "out",
            "--docs",
            "page.md",
            "--check",
            "./check.yaml",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "PASS fewer_meetings over all points: robust" in captured.out
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert meta["inputs"]["scenario"]["file"] == "employer_closure.yaml (shipped)"
    assert len(meta["alternatives"]) == 8
    assert "- alternatives: `robustness/alternatives.yaml (shipped)`" in captured.out
    page = (tmp_path / "page.md").read_text()
    assert "<!-- robustness: employer_closure -->" in page and "fe_executive_called_early" in page
    assert main(["results", "out/lhs"]) == 0
    assert "experiment 'robustness-lhs'" in capsys.readouterr().out
    assert main(["results", "out"]) == 2  # the folder, not one of its stores: said so
    assert capsys.readouterr().err == ("error: out: a sim robustness folder: its runs are in "
                                       "the stores morris/, sobol/, lhs/ (sim results "
                                       "out/lhs)\n")  # fmt: skip
