"""The runs of a robustness analysis: the assumption space, its designs (the defaults, Morris
with its dummy factor, the Latin hypercube, the reference drawn from it), alternatives switched
on inside a run task, and the phases end to end on a small space, with the adaptive batches
resumed after an interruption; the files it reads (the shipped ones unless paths are given),
checked before any run, and a resume that never mixes runs of other inputs."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.robustness import SIZES, declared_claims, run_robustness
from sim.cli import main
from sim.errors import SpecError
from sim.experiment import robustness as rb
from sim.experiment.paired import RunSettings
from sim.experiment.store import ResultStore
from sim.experiment.tasks import Files, RunTask, run_task
from sim.spec.alternatives import load_alternatives
from sim.spec.loading import SCENARIO_DIR
from sim.spec.parameters import Parameters

SERIAL = RunSettings(executor="serial", progress=False)


def small_plan(**changes) -> rb.Plan:
    factors = [
        rb.Factor("attendance_base", 0.65, 0.95, default=0.85),
        rb.Factor("substitute_probability", 0.3, 0.9, default=0.6),
        rb.Factor("fe_urgent_strategy_via_support_group", 0.0, 1.0, switch=True),
    ]
    return rb.Plan("employer_closure", ["five_element", "pilot"], **(TINY | {"factors": factors}
                                                                      | changes))  # fmt: skip


TINY = {"defaults_replications": 12, "morris_trajectories": 2, "morris_replications": 1,
        "lhs_samples": 6, "replications": 2, "max_replications": 4, "pattern_replications": 1,
        "reference_points": 2, "reference_replications": 2}  # fmt: skip
"""Every phase, a few runs each: 12 paired replications at the defaults (enough for the first
screen to make claims), looks of 2 then 4 replications at six points."""


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


def test_the_sizes_name_every_design_and_the_looks_double_up_to_the_cap():
    for size in SIZES.values():
        plan_fields = set(rb.Plan.__dataclass_fields__)
        assert set(size) <= plan_fields, set(size) - plan_fields
        assert set(size) == set(TINY)
        assert size["replications"] <= size["max_replications"]
        assert size["reference_points"] <= size["lhs_samples"]
    assert small_plan().looks() == [2, 4]
    assert small_plan(replications=4, max_replications=16).looks() == [4, 8, 16]
    assert small_plan(replications=3, max_replications=10).looks() == [3, 6, 10]
    assert small_plan(replications=4, max_replications=4).looks() == [4]
    assert small_plan(replications=1, max_replications=1000).looks() == [1, 2, 4, 8, 16, 32]
    assert len(rb.ROUNDS) == rb.MAX_ROUNDS and rb.PHASES[0] == "defaults"
    assert rb.PHASES[-1] == "reference" and rb.PHASES[1:-1] == ("morris", *rb.ROUNDS)


def test_the_designs_have_their_sizes_and_switches_are_off_or_on():
    plan = small_plan(morris_trajectories=3, lhs_samples=10, reference_points=4)
    k = len(plan.factors)
    defaults = rb.defaults_point(plan)
    assert defaults.to_dict("records") == [
        {
            "point": 0,
            "p_attendance_base": 0.85,
            "p_substitute_probability": 0.6,
            "a_fe_urgent_strategy_via_support_group": 0.0,
        }
    ]
    morris = rb.morris_points(plan)
    assert len(morris) == 3 * (k + 2)  # the factors and the dummy, one step each, and a start
    assert list(morris.columns) == ["point", *(f.column for f in plan.factors), "d_dummy"]
    assert morris["d_dummy"].between(0, 1).all() and morris["d_dummy"].nunique() > 1
    lhs = rb.lhs_points(plan)
    assert len(lhs) == 10 and "d_dummy" not in lhs
    for table in (morris, lhs):
        assert set(table["a_fe_urgent_strategy_via_support_group"]) <= {0.0, 1.0}
        assert table["p_attendance_base"].between(0.65, 0.95).all()
    assert set(lhs["a_fe_urgent_strategy_via_support_group"]) == {0.0, 1.0}
    reference = rb.reference_points(plan, lhs)
    assert len(reference) == 4 and reference["point"].is_unique
    assert reference.equals(lhs[lhs["point"].isin(reference["point"])].reset_index(drop=True))
    assert reference.equals(rb.reference_points(plan, lhs))  # drawn with the plan's seed
    assert len(rb.reference_points(small_plan(reference_points=50), lhs)) == 10  # at most all


def test_the_dummy_factor_is_recorded_but_changes_no_run():
    """Morris' noise floor: two points that differ only in the dummy make the same runs (the
    same parameters, switches and seeds); the dummy is only a label of the run's row."""
    plan = small_plan()
    morris = rb.morris_points(plan).iloc[:1]
    other = morris.assign(d_dummy=1 - morris["d_dummy"])
    a, b = (rb.point_runs(plan, "morris", t, plan.scenario_path, plan.structure_paths, range(2))
            for t in (morris, other))  # fmt: skip
    assert len(a) == len(b) == 2 * 2  # two replications of two structures
    for x, y in zip(a, b, strict=True):
        assert (x.model, x.seed, x.parameters) == (y.model, y.seed, y.parameters)
        assert "dummy" not in dict(x.parameters)
        assert dict(x.labels)["d_dummy"] != dict(y.labels)["d_dummy"]
    assert {
        t.replication
        for t in rb.point_runs(
            plan, "lhs-2", morris, plan.scenario_path, plan.structure_paths, range(2, 4)
        )
    } == {2, 3}


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


RAN = ("defaults", "morris", "lhs", "lhs-2", "reference")  # looks of 2 then 4: one more batch


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """The tiny plan's analysis, run once without interruption."""
    out = tmp_path_factory.mktemp("robustness")
    return out, run_robustness(small_plan(), out, settings=SERIAL)


def test_the_phases_run_resume_and_are_analysed(analysed):
    out, result = analysed
    plan = small_plan()
    assert [r["phase"] for r in result.rounds] == ["lhs", "lhs-2"]
    assert [r["replications"] for r in result.rounds] == [2, 4]
    assert not [p for p in rb.PHASES if p not in RAN and (out / p).exists()]
    rows = {phase: ResultStore(out / phase).read() for phase in RAN}
    for phase, table in rows.items():
        assert len(table) and (table["error"] == "").all(), phase
        assert set(table["phase"]) == {phase}
    assert len(rows["defaults"]) == 12 * 2 and set(rows["defaults"]["point"]) == {0}
    assert len(rows["morris"]) == 2 * (3 + 2) * 2 and "d_dummy" in rows["morris"]
    lhs = rows["lhs"]
    assert set(lhs["structure_file"]) == {"five_element", "pilot"}
    assert set(lhs["scenario_file"]) == {plan.scenario_path, plan.pattern_scenario_path}
    assert len(lhs) == 6 * 2 * 2 + 6  # two structures, two replications; the pattern runs
    later = rows["lhs-2"]
    assert set(later["replication"]) == {2, 3} and set(later["point"]) <= set(lhs["point"])
    assert result.rounds[1]["points"] == later["point"].nunique()
    assert len(later) == later["point"].nunique() * 2 * 2  # no pattern runs: only the first
    reference = rows["reference"]
    assert reference["point"].nunique() == 2 and set(reference["point"]) <= set(lhs["point"])
    assert reference["replication"].min() == rb.REFERENCE_FIRST  # seeds of their own
    table = result.table
    derived = table[table["source"] != "declared"]
    assert len(derived), "the first screen at the defaults made no claim"
    assert all(
        cid == f"pilot.{i}"
        for cid, i, s in zip(
            derived["conclusion"], derived["indicator"], derived["source"], strict=True
        )
        if s == "verdict"
    )
    declared = {c.id for c in declared_claims(plan, rb.cached_scenario(plan.scenario_path))}
    assert declared <= set(table["conclusion"])  # every declared claim is tested too
    assert table["points"].eq(6).all() and table["holds_share"].dropna().between(0, 1).all()
    assert table["verdict"].map(bool).all() and table["plausible_verdict"].map(bool).all()
    assert set(result.morris) == {
        f"{o}:{i}" for o, i in zip(table["option"], table["indicator"], strict=True)
    }
    decide = result.morris["pilot:named_weeks_to_decision"].set_index("factor")["mu_star"]
    assert decide.drop("d_dummy").idxmax() == "a_fe_urgent_strategy_via_support_group"
    assert result.reference["points"] == 2
    again = run_robustness(plan, out, settings=SERIAL)  # all stored
    assert again.table.equals(result.table) and again.readings.equals(result.readings)
    assert again.rounds == result.rounds


def test_a_resume_in_the_middle_of_the_adaptive_batches_gives_the_same_tables(
    analysed, tmp_path, monkeypatch
):
    """Killed while the second batch runs (after three of its runs), the analysis resumes
    where it stopped: the same points get their extra replications, nothing twice, and every
    table is the one an uninterrupted run gives."""
    _, whole = analysed
    real = rb.run_phase

    def killed(plan, phase, *args, **kwargs):
        if phase == "lhs-2":
            real(plan, phase, *args, **(kwargs | {"settings": replace(SERIAL, limit=3)}))
            raise KeyboardInterrupt
        return real(plan, phase, *args, **kwargs)

    monkeypatch.setattr(rb, "run_phase", killed)
    with pytest.raises(KeyboardInterrupt):
        run_robustness(small_plan(), tmp_path, settings=SERIAL)
    assert len(ResultStore(tmp_path / "lhs-2").read()) == 3
    assert not (tmp_path / "reference").exists()
    monkeypatch.setattr(rb, "run_phase", real)
    resumed = run_robustness(small_plan(), tmp_path, settings=SERIAL)
    for name in ("table", "readings", "tolerance", "defaults", "narrowing"):
        assert getattr(resumed, name).equals(getattr(whole, name)), name
    assert resumed.rounds == whole.rounds and resumed.reference == whole.reference
    later = ResultStore(tmp_path / "lhs-2").read()
    assert not later.duplicated(["point", "replication", "structure_file"]).any()


def test_a_phase_with_parallel_workers_equals_serial(tmp_path):
    plan = small_plan(lhs_samples=2)
    points = rb.lhs_points(plan)
    for name, executor in (("serial", "serial"), ("pool", "processes")):
        settings = RunSettings(executor=executor, workers=2, progress=False)
        rb.run_phase(plan, "lhs-2", points, tmp_path / name, range(2, 4), settings=settings)
    a = ResultStore(tmp_path / "serial" / "lhs-2").read().drop(columns=["elapsed_s"])
    b = ResultStore(tmp_path / "pool" / "lhs-2").read().drop(columns=["elapsed_s"])
    assert len(a) == 2 * 2 * 2 and set(a["replication"]) == {2, 3}
    assert a.equals(b)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["robustness", "employer_closure", "--structures", "pilot"], "give two or more"),
        (["robustness", "employer_closure", "--size", "tiny"], "invalid choice: 'tiny'"),
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
    assert len(declared_claims(plan, rb.cached_scenario(plan.scenario_path))) == 9
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
     "expect[0].conclusion: no claim 'fewer_meeting' can be made: give a declared claim's id "
     "or OPTION.INDICATOR"),
    ("--check", "ci_checks.yaml", "conclusion: pilot.lead_priority_share",
     "conclusion: five_element.lead_priority_share", "expect[1].conclusion: no claim "
     "'five_element.lead_priority_share' can be made"),
    ("--check", "ci_checks.yaml", "verdict: robust}", "verdict: robsut}",
     "expect[0].verdict: 'robsut' is not a verdict the analysis can give"),
    ("--check", "ci_checks.yaml", "verdict: depends on pi_focus_deprioritised}",
     "verdict: depends on pi_focus_deprioritized}", "expect[2].verdict: 'depends on "
     "pi_focus_deprioritized' is not a verdict the analysis can give"),
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
    one = range(1)
    rb.run_phase(
        plan,
        "lhs",
        points,
        tmp_path,
        one,
        settings=RunSettings(executor="serial", progress=False, limit=2),
    )
    changed = misspelt(tmp_path, "alternatives.yaml", "meets at least six times a year",
                       "meets at least four times a year")  # fmt: skip
    parts = ResultStore(tmp_path / "lhs").files()
    with pytest.raises(SpecError) as caught:
        rb.run_phase(small_plan(lhs_samples=2, alternatives=changed), "lhs", points, tmp_path,
                     one, settings=SERIAL)  # fmt: skip
    line = caught.value.one_line()
    assert line.startswith(f"{tmp_path / 'lhs'}: its runs were made from another alternatives "
                           "file (robustness/alternatives.yaml (shipped), sha256 ")  # fmt: skip
    assert f"this run reads {changed}, sha256 " in line and "to run this phase afresh" in line
    assert ResultStore(tmp_path / "lhs").files() == parts
    report = rb.run_phase(plan, "lhs", points, tmp_path, one, settings=SERIAL)
    assert report.already == 2 and report.ran == 2  # the same inputs resume


def test_resuming_an_adaptive_batch_from_changed_claims_is_refused(tmp_path):
    """Item 7 for the adaptive batches: which points get more replications follows from the
    claims, so a later batch's runs are never mixed with runs chosen by other declared
    claims: a changed conclusions file is one line naming it."""
    plan = small_plan(lhs_samples=2)
    points = rb.lhs_points(plan)
    rb.run_phase(plan, "lhs-2", points, tmp_path, range(1, 2),
                 settings=RunSettings(executor="serial", progress=False, limit=1))  # fmt: skip
    changed = misspelt(tmp_path, "conclusions.yaml", "the pilot holds fewer meetings",
                       "the pilot meets less often")  # fmt: skip
    with pytest.raises(SpecError) as caught:
        rb.run_phase(small_plan(lhs_samples=2, conclusions=changed), "lhs-2", points, tmp_path,
                     range(1, 2), settings=SERIAL)  # fmt: skip
    line = caught.value.one_line()
    assert line.startswith(f"{tmp_path / 'lhs-2'}: its runs were made from another conclusions "
                           "file (robustness/conclusions.yaml (shipped), sha256 ")  # fmt: skip
    assert len(ResultStore(tmp_path / "lhs-2").read()) == 1
    assert "conclusions" not in plan.inputs("lhs")  # the first batch does not follow them
    assert "conclusions" in plan.inputs("lhs-3")


def test_a_damaged_phase_manifest_is_rebuilt_on_resume(tmp_path, capsys):
    """Item 8: a damaged lhs/experiment.json on resume was `KeyError: 'experiment'` (a phase's
    rows have no experiment column); now it is set aside and rebuilt from the parts' digest."""
    plan = small_plan(lhs_samples=2)
    points = rb.lhs_points(plan)
    one = range(1)
    rb.run_phase(plan, "lhs", points, tmp_path, one, settings=SERIAL)
    (tmp_path / "lhs" / "experiment.json").write_text('{"experiment": ')
    report = rb.run_phase(plan, "lhs", points, tmp_path, one, settings=SERIAL)
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
    monkeypatch.setitem(SIZES, "small", TINY | {"defaults_replications": 2})  # declared only
    monkeypatch.setattr(
        rb, "parameter_factors", lambda: [rb.Factor("attendance_base", 0.65, 0.95, default=0.85)]
    )
    check = tmp_path / "check.yaml"
    check.write_text(
        "expect:\n  - {conclusion: fewer_meetings, over: all, verdict: too few points to tell}\n"
    )  # six points: never more
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
    assert (
        "PASS fewer_meetings over all points: too few points to tell (6) (expected too few "
        "points to tell)"
    ) in captured.out
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
                                       "the stores defaults/, morris/, lhs/, lhs-2/, reference/ "
                                       "(sim results out/lhs)\n")  # fmt: skip
