"""Behaviour is unchanged by restructuring: every shipped scenario, under every structure it
runs under, for three seeds, gives exactly the golden summary, evaluation indicators and
digests of its issue, meeting and history tables (tests/golden/summaries.csv)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd

from sim.spec.loading import SCENARIO_DIR

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(GOLDEN))
from make_golden import golden_rows  # noqa: E402


def test_every_shipped_scenario_runs_exactly_as_before():
    expected = pd.read_csv(GOLDEN / "summaries.csv")
    fresh = golden_rows(SCENARIO_DIR)
    buffer = io.StringIO()
    fresh.to_csv(buffer, index=False, float_format="%.17g")
    buffer.seek(0)
    pd.testing.assert_frame_equal(pd.read_csv(buffer), expected, check_exact=True)
