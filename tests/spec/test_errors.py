"""Bad input gets one line naming the file and the field, exit code 2, never a traceback."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import town, town_scenario

from sim.cli import main
from sim.spec.loading import SCENARIO_DIR, STRUCTURE_DIR

SMOKE = str(SCENARIO_DIR / "smoke.yaml")


def write(tmp_path: Path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def error_of(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def broken_town(**changes) -> dict:
    data = copy.deepcopy(town())
    board = data["bodies"][1]
    for key, value in changes.items():
        if key == "routing_body":
            data["routing"]["town"][1]["body"] = value
        elif key == "seat_partner":
            board["members"][5] = {"partner": value}
        else:
            board[key] = value
    return data


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quorum": 20}, "bodies[board].quorum", "quorum 20 is larger than the 15 voting members"),
        ({"cadence_weeks": 0}, "bodies[board].cadence_weeks", "more than 0 weeks"),
        ({"routing_body": "nobody"}, "routing.town[1].body", "unknown body 'nobody'"),
        ({"seat_partner": "ghost"}, "bodies[board].members.partner", "unknown partner 'ghost'"),
        ({"reports_to": "nowhere"}, "bodies[board].reports_to", "unknown body 'nowhere'"),
        ({"quorum": "five"}, "bodies[board].quorum", "valid integer"),
        ({"cadance_weeks": 4}, "bodies[board].cadance_weeks", "unknown field"),
    ],
)
def test_structure_errors_name_file_and_field(tmp_path, capsys, changes, field, message):
    path = write(tmp_path, "option.yaml", broken_town(**changes))
    line = error_of(capsys, ["validate", path])
    assert f"{path}: {field}: " in line and message in line


def test_reporting_cycle_is_an_error(tmp_path, capsys):
    data = broken_town(reports_to="team")  # team already reports to the board
    path = write(tmp_path, "cycle.yaml", data)
    line = error_of(capsys, ["validate", path])
    assert "reports_to: reporting lines form a cycle: board -> team -> board" in line


def test_missing_file(capsys):
    assert error_of(capsys, ["run", "no/such/scenario.yaml"]) == (
        "error: no/such/scenario.yaml: file not found"
    )
    line = error_of(capsys, ["run", SMOKE, "--structure", "no_such_structure"])
    assert "no_such_structure.yaml: file not found" in line


def test_yaml_that_does_not_parse(tmp_path, capsys):
    path = write(tmp_path, "bad.yaml", "name: smoke\nissues: [unclosed\n")
    line = error_of(capsys, ["validate", path])
    assert line.startswith(f"error: {path}: line ") and "YAML does not parse" in line


def test_scenario_names_unknown_partner_scope_and_body(tmp_path, capsys):
    base = yaml.safe_load(Path(SMOKE).read_text())
    cases = [
        (("issues", 0, "requires"), ["nobody_inc"], "issues[city-regeneration-plan].requires",
         "unknown partner 'nobody_inc'"),
        (("issues", 0, "scope"), "atlantis", "issues[city-regeneration-plan].scope",
         "unknown scope 'atlantis'"),
        (("issues", 1, "pathway"), [{"function": "decision", "at": "the_moon"}],
         "issues[county-flood-response].pathway[0].at", "unknown body or scope 'the_moon'"),
        (("duration_weeks",), 0, "duration_weeks", "greater than 0"),
        (("parameters",), {"attendence_base": 0.5}, "parameters", "unknown parameter"),
        (("parameters",), {"attendance_base": 2}, "parameters", "less than or equal to 1"),
    ]  # fmt: skip
    for keys, value, field, message in cases:
        data = copy.deepcopy(base)
        node = data
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
        path = write(tmp_path, "scenario.yaml", data)
        line = error_of(capsys, ["run", path])
        assert f"{path}: {field}: " in line and message in line, line


def test_bad_set_values(capsys):
    assert "unknown parameter" in error_of(capsys, ["run", SMOKE, "--set", "nonsense=1"])
    assert "not a number" in error_of(capsys, ["run", SMOKE, "--set", "attendance_base=high"])
    assert "attendance_base" in error_of(capsys, ["run", SMOKE, "--set", "attendance_base=3"])


def test_nested_structure_errors_name_the_inner_file(tmp_path, capsys):
    data = yaml.safe_load((STRUCTURE_DIR / "five_element.yaml").read_text())
    data["inside"] = str(STRUCTURE_DIR / "county.yaml")
    data["bodies"][1]["quorum"] = 16
    path = write(tmp_path, "five_element_strict.yaml", data)
    line = error_of(capsys, ["run", SMOKE, "--structure", path])
    assert f"{path}: bodies[executive].quorum: quorum 16 is larger than the 15" in line
    data["inside"] = "missing_layer"
    path = write(tmp_path, "five_element_lost.yaml", data)
    assert "inside: the outer structure 'missing_layer' was not found" in error_of(
        capsys, ["validate", path]
    )


def test_real_command_prints_no_traceback(tmp_path):
    path = write(tmp_path, "option.yaml", broken_town(quorum=99))
    sim = Path(sys.executable).parent / "sim"
    proc = subprocess.run([str(sim), "validate", path], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert proc.stdout == ""


def test_scenario_in_town_is_rejected_under_shipped_structures(tmp_path, capsys):
    path = write(tmp_path, "town.yaml", town_scenario())
    assert "unknown scope 'town'" in error_of(capsys, ["validate", path])


def test_indicator_references_are_checked(tmp_path, capsys):
    base = yaml.safe_load((SCENARIO_DIR / "employer_closure.yaml").read_text())
    data = copy.deepcopy(base)
    data["issues"][0]["effects"][0]["indicator"] = "happiness"
    path = write(tmp_path, "bad_effect.yaml", data)
    line = error_of(capsys, ["validate", path])
    assert "issues[employco-closure].effects[0].indicator: unknown indicator 'happiness'" in line
    data = copy.deepcopy(base)
    data["shocks"] = [{"at_week": 5, "indicator": "workers_supported", "district": "cotswold",
                       "change": 10}]  # fmt: skip
    path = write(tmp_path, "bad_shock.yaml", data)
    assert "shocks[0].district: no baseline for 'cotswold'" in error_of(capsys, ["run", path])
