"""One run as a worker sees it: a task in, plain rows and tables out (never model objects),
labels first, and a failure recorded rather than raised."""

from __future__ import annotations

import pickle

import pandas as pd

from sim.experiment.gcm import DEFAULT_DESIGN, STATS
from sim.experiment.tasks import Files, GcmVariant, RunTask, run_batch, run_task
from sim.spec.loading import SCENARIO_DIR

SMOKE = str(SCENARIO_DIR / "smoke.yaml")
LABELS = (("structure", "the pilot"), ("replication", 2), ("seed", 11))


def test_a_run_returns_its_row_and_tables_led_by_the_labels():
    task = RunTask(Files(SMOKE, "pilot"), 11, 2, (("attendance_base", 0.8),), LABELS,
                   evaluate=True, tables=("issues", "meetings"))  # fmt: skip
    output = run_task(task)
    assert output.error == "" and output.seconds > 0
    assert list(output.row)[:3] == ["structure", "replication", "seed"]
    assert output.row["structure"] == "the pilot"  # a label wins over the summary's column
    assert "issues_decided" in output.row and "lead_priority_share" in output.row
    for name in ("issues", "meetings"):
        table = output.tables[name]
        assert isinstance(table, pd.DataFrame)
        assert list(table.columns[:3]) == ["structure", "replication", "seed"]
    assert "PartnershipModel" not in str(pickle.dumps(output))


def test_without_evaluate_the_row_is_the_summary_alone():
    output = run_task(RunTask(Files(SMOKE, "pilot"), 11, 0))
    assert "issues_decided" in output.row and "lead_priority_share" not in output.row
    assert output.tables == {}


def test_a_run_that_raises_becomes_an_error_with_its_labels():
    output = run_task(RunTask(Files(SMOKE, "nowhere"), 1, 0, labels=LABELS))
    assert output.row == dict(LABELS)
    assert output.error.startswith("SpecError:") and "nowhere" in output.error


def test_a_garbage_can_variant_returns_its_statistics_and_plain_tuples():
    task = RunTask(GcmVariant(str(DEFAULT_DESIGN), 5, random_entry=True), 3, 0,
                   tables=("choices", "problems"))  # fmt: skip
    [output] = run_batch([task])
    assert set(STATS) <= set(output.row)
    assert len(output.tables["choices"]) == 10 and len(output.tables["problems"]) == 20
    assert all(isinstance(row, tuple) for row in output.tables["problems"])
    assert run_task(task).row == output.row  # the seed decides everything
