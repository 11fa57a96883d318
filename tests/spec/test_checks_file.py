"""Checks files: each check declares exactly one kind of expectation, and a band names its
structure; errors name the file and the check."""

from __future__ import annotations

import pytest
import yaml

from sim.errors import SpecError
from sim.spec.checks import load_checks

CHECK = {"name": "c", "scenario": "smoke", "indicator": "meetings_held"}
DIFFERENCE = {"of": "pilot", "minus": "five_element", "sign": "negative"}


def write(tmp_path, *checks: dict):
    path = tmp_path / "checks.yaml"
    path.write_text(yaml.safe_dump({"checks": list(checks)}))
    return path


def test_a_difference_and_a_band_load(tmp_path):
    band = {"name": "d", "structure": "pilot", "between": [0, 10], "points": 0.5}
    path = write(tmp_path, CHECK | {"difference": DIFFERENCE}, CHECK | band)
    checks = load_checks(path).checks
    assert checks[0].difference.sign == "negative" and checks[1].between == (0, 10)


@pytest.mark.parametrize(
    ("check", "field", "message"),
    [
        (CHECK, "checks[0]", "give exactly one of difference, between"),
        (CHECK | {"difference": DIFFERENCE, "between": [0, 1]}, "checks[0]", "exactly one"),
        (CHECK | {"between": [0, 1]}, "checks[0].structure", "a band check names a structure"),
    ],
)
def test_malformed_checks_are_one_line_errors(tmp_path, check, field, message):
    path = write(tmp_path, check)
    with pytest.raises(SpecError) as error:
        load_checks(path)
    assert error.value.field == field and message in error.value.message
