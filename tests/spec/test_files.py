"""File kinds: `sim validate` tells each kind of YAML file by its keys and reports what it
holds in a few words; reading and checking files needs none of the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from sim.errors import SpecError
from sim.spec.files import detect_kind, validate_file
from sim.spec.loading import SCENARIO_DIR, STRUCTURE_DIR

EXPERIMENTS = SCENARIO_DIR / "experiments"


@pytest.mark.parametrize(
    ("path", "kind", "summary"),
    [
        (EXPERIMENTS / "ci_checks.yaml", "checks", "6 checks"),
        (SCENARIO_DIR / "gcm" / "design.yaml", "gcm_design",
         "garbage-can design 'garbage_can_81', 81 variants"),
        (EXPERIMENTS / "ci_smoke.yaml", "experiment", "experiment 'ci_smoke', 300 runs"),
        (STRUCTURE_DIR / "pilot.yaml", "structure", "structure 'pilot', 22 bodies, 23 partners"),
        (SCENARIO_DIR / "smoke.yaml", "scenario",
         "scenario 'smoke', 2 named issues, 3 streams; runs under five_element, do_minimum, "
         "pilot"),
    ],
)  # fmt: skip
def test_each_kind_is_told_by_its_keys_and_summarised(path, kind, summary):
    assert detect_kind(path) == kind
    assert validate_file(path) == summary


def test_a_scenario_is_checked_against_the_structures_it_runs_under(tmp_path):
    data = yaml.safe_load((SCENARIO_DIR / "smoke.yaml").read_text())
    data["issues"][0]["scope"] = "atlantis"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    assert detect_kind(path) == "scenario"
    with pytest.raises(SpecError) as error:
        validate_file(path)
    assert error.value.file == str(path) and "atlantis" in error.value.message


def test_a_missing_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="file not found"):
        detect_kind(tmp_path / "nothing.yaml")


def test_validating_imports_no_model_nor_tables():
    """Item 9 of issue 11: `sim validate` starts in well under a second because the spec layer
    pulls in neither mesa nor pandas, numpy, matplotlib or scipy."""
    code = (
        "import sys\n"
        "from sim.spec.files import validate_file\n"
        f"for name in ('smoke.yaml', 'experiments/ci_smoke.yaml', 'experiments/ci_checks.yaml',"
        f" 'gcm/design.yaml'):\n"
        f"    validate_file({str(SCENARIO_DIR)!r} + '/' + name)\n"
        "heavy = ('mesa', 'pandas', 'numpy', 'matplotlib', 'scipy', 'pyarrow')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
