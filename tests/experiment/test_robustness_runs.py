"""The runs of a robustness analysis: the assumption space, its three designs, alternatives
switched on inside a run task, and the phases end to end on a small space."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.robustness import run_robustness
from sim.cli import main
from sim.experiment import robustness as rb
from sim.experiment.store import ResultStore
from sim.experiment.tasks import Files, RunTask, run_task
from sim.spec.alternatives import load_alternatives
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
    path = str(rb.resolve("scenario", "employer_closure").resolve())
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
        (["robustness", "nowhere"], "no such file"),
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
