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
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors exit (code 2) before main's try
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def edited(base: dict, keys: tuple, value) -> dict:
    """A deep copy of ``base`` with the value at the nested ``keys`` replaced."""
    data = copy.deepcopy(base)
    node = data
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return data


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
        ({"seat_partner": "ghost"}, "bodies[board].members[5].partner", "unknown partner 'ghost'"),
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
    assert line.startswith("error: no_such_structure: no such file, nor a shipped structure")
    assert "pilot" in line and "five_element" in line  # the shipped names it could have meant


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
        path = write(tmp_path, "scenario.yaml", edited(base, keys, value))
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


def test_typos_in_vocabulary_and_timing_are_errors(tmp_path, capsys):
    """A mistyped kind, theme or sector, or an arrival after the run ends, fails loudly."""
    base = yaml.safe_load(Path(SMOKE).read_text())
    cases = [
        (("issues", 0, "kind"), "Strategic", "issues[city-regeneration-plan].kind", "strategic"),
        (("issues", 0, "theme"), "helth", "issues[city-regeneration-plan].theme",
         "unknown theme 'helth'"),
        (("streams", 0, "themes"), ["children", "helth"], "streams[gloucester-routine].themes",
         "unknown theme 'helth'"),
        (("issues", 0, "at_week"), 300, "issues[city-regeneration-plan].at_week",
         "after the run ends"),
        (("shocks",), [{"at_week": 5, "sectors": ["helth"], "budget_factor": 0.5}],
         "shocks[0].sectors", "unknown sector 'helth'"),
    ]  # fmt: skip
    for keys, value, field, message in cases:
        path = write(tmp_path, "scenario.yaml", edited(base, keys, value))
        line = error_of(capsys, ["validate", path])
        assert f"{path}: {field}: " in line and message in line, line


def test_duplicate_ids_and_names(tmp_path, capsys):
    data = broken_town()
    data["bodies"].append(copy.deepcopy(data["bodies"][1]))
    path = write(tmp_path, "dup.yaml", data)
    assert "bodies[board].id: the body id 'board' is used twice" in error_of(
        capsys, ["validate", path]
    )
    pilot = yaml.safe_load((STRUCTURE_DIR / "pilot.yaml").read_text())
    copy_path = write(tmp_path, "copy.yaml", pilot | {"inside": str(STRUCTURE_DIR / "county.yaml")})
    line = error_of(capsys, ["compare", SMOKE, "--structures", f"pilot,{copy_path}",
                             "--replications", "1"])  # fmt: skip
    assert "'pilot' is also the name of pilot" in line


def test_validate_reads_every_kind_of_file_and_reports_each(tmp_path, capsys):
    experiments = SCENARIO_DIR / "experiments"
    bad = write(tmp_path, "bad.yaml", "name: x\nissues: [\n")
    code = main(["validate", str(experiments / "ci_smoke.yaml"), bad,
                 str(experiments / "ci_checks.yaml"), SMOKE])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2
    assert "experiment 'ci_smoke', 300 runs" in captured.out
    assert "6 checks" in captured.out and "scenario 'smoke'" in captured.out
    assert captured.err.count("error: ") == 1


def test_experiment_errors_name_their_field(tmp_path, capsys):
    data = {"name": "e", "scenarios": [SMOKE], "structures": ["pilot"],
            "parameters": {"attendence_base": {"low": 0.1, "high": 0.2}}}  # fmt: skip
    path = write(tmp_path, "e.yaml", data)
    line = error_of(capsys, ["validate", path])
    assert f"{path}: parameters: unknown parameter 'attendence_base'" in line
    data = {"name": "e", "scenarios": [SMOKE], "structures": ["pilot"], "replication": 2}
    assert "see docs/experiments.md" in error_of(
        capsys, ["validate", write(tmp_path, "e.yaml", data)]
    )
    data = {"name": "e", "scenarios": [SMOKE], "structures": ["pilot"],
            "design": {"kind": "sobol", "samples": 3},
            "parameters": {"attendance_base": {"low": 0.5, "high": 0.9}}}  # fmt: skip
    assert "power of 2" in error_of(capsys, ["validate", write(tmp_path, "e.yaml", data)])


def test_no_traceback_for_pipes_zero_replications_or_unwritable_output(capsys):
    assert "must be at least 1" in error_of(capsys, ["compare", SMOKE, "--replications", "0"])
    line = error_of(capsys, ["run", SMOKE, "--out", "/proc/no-such-place"])
    assert "/proc/no-such-place" in line
    sim = str(Path(sys.executable).parent / "sim")
    proc = subprocess.run(f"{sim} trace {SMOKE} --all | head -1", shell=True,
                          capture_output=True, text=True)  # fmt: skip
    assert "Traceback" not in proc.stderr and proc.stdout.count("\n") == 1
