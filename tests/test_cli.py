"""The command line: one run, its tables, validation, traces, a researcher's own option."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.cli import main
from sim.model import TABLES
from sim.spec.loading import SCENARIO_DIR, STRUCTURE_DIR

SMOKE = str(SCENARIO_DIR / "smoke.yaml")


def test_run_prints_summary_and_writes_tables(tmp_path, capsys):
    assert main(["run", SMOKE, "--structure", "pilot", "--seed", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for label in ("issues raised", "median weeks to decision", "median weeks to delivery",
                  "meetings held", "inquorate meetings", "member-hours"):  # fmt: skip
        assert label in out
    for name in TABLES:
        assert (tmp_path / f"{name}.csv").exists()
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary["structure"].iloc[0] == "pilot"
    issues = pd.read_csv(tmp_path / "issues.csv")
    assert len(issues) == summary["issues_raised"].iloc[0]


def test_parquet_tables_match_csv(tmp_path, capsys):
    main(["run", SMOKE, "--seed", "2", "--out", str(tmp_path / "c")])
    main(["run", SMOKE, "--seed", "2", "--out", str(tmp_path / "p"), "--format", "parquet"])
    capsys.readouterr()
    a = pd.read_csv(tmp_path / "c" / "meetings.csv", keep_default_na=False)
    b = pd.read_parquet(tmp_path / "p" / "meetings.parquet")
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_set_overrides_a_parameter(capsys):
    main(["run", SMOKE, "--set", "attendance_base=0.3"])
    low = capsys.readouterr().out
    main(["run", SMOKE])
    normal = capsys.readouterr().out

    def inquorate(text: str) -> int:
        line = next(x for x in text.splitlines() if "inquorate meetings" in x)
        return int(line.split()[-1])

    assert inquorate(low) > inquorate(normal)


def test_validate_shipped_files(capsys):
    files = [str(p) for p in sorted(STRUCTURE_DIR.glob("*.yaml"))] + [SMOKE]
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out
    assert out.count("ok  ") == len(files)


def test_trace_prints_the_named_issues_pathways(capsys):
    assert main(["trace", SMOKE, "--structure", "five_element", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "city-regeneration-plan" in out and "county-flood-response" in out
    assert "The Gloucester Partnership in Conference" in out and "deliberated" in out
    main(["trace", SMOKE, "--structure", "pilot", "--seed", "1"])
    out = capsys.readouterr().out
    assert "Gloucester Partnership Strategic Group" in out  # bodies by their names, not ids
    assert "strategic_group" not in out


def test_a_new_structure_option_in_yaml_alone(tmp_path, capsys):
    """A researcher writes another cadence, another quorum and another body, no Python."""
    data = yaml.safe_load((STRUCTURE_DIR / "five_element.yaml").read_text())
    data["name"] = "five_element_monthly"
    data["inside"] = str(STRUCTURE_DIR / "county.yaml")
    executive = next(b for b in data["bodies"] if b["id"] == "executive")
    executive["cadence_weeks"] = 4
    executive["quorum"] = 8
    data["bodies"].append(
        {
            "id": "city_centre_task_group",
            "name": "City centre task group",
            "scope": "gloucester",
            "functions": ["delivery"],
            "on_demand": True,
            "reports_to": "executive",
            "members": [{"partner": "ghurc", "chair": True}, {"partner": "gloucester_city_homes"}],
        }
    )
    data["routing"]["gloucester"].insert(3, {"function": "delivery", "theme": "regeneration",
                                             "body": "city_centre_task_group"})  # fmt: skip
    path = tmp_path / "option.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["run", SMOKE, "--structure", str(path), "--out", str(tmp_path / "o")]) == 0
    assert "five_element_monthly" in capsys.readouterr().out
    meetings = pd.read_csv(tmp_path / "o" / "meetings.csv")
    exe = meetings[meetings["body"] == "executive"]
    assert np.allclose(np.diff(exe["time"]), 4.0) and (exe["quorum"] == 8).all()
    history = pd.read_csv(tmp_path / "o" / "history.csv")
    regen = history[history["issue_id"] == "city-regeneration-plan"]
    assert "city_centre_task_group" in set(regen["body"])


def test_demo_compares_business_as_usual_the_do_minimum_and_the_pilot(capsys):
    assert main(["demo", "--replications", "2"]) == 0
    out = capsys.readouterr().out
    assert "option 1: Five-element structure (2007) (business as usual, the baseline)" in out
    assert "option 2: Do-minimum" in out and "option 3: Strategic / executive" in out
    assert "median weeks to decision" in out
    assert "the board's appraisal: out/demo/employer_closure/report.html" in out


def test_help_runs():
    import subprocess
    import sys

    sim = Path(sys.executable).parent / "sim"
    out = subprocess.run([str(sim), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "validate" in out.stdout


def test_the_command_starts_without_the_heavy_libraries():
    """Issue 11, item 9: `sim --help` answers at once because the command line imports none of
    mesa, pandas, numpy, matplotlib, scipy or pyarrow until a command needs them."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from sim.cli import build_parser\n"
        "build_parser()\n"
        "heavy = ('mesa', 'pandas', 'numpy', 'matplotlib', 'scipy', 'pyarrow', 'tqdm')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_parameters_page_is_current(capsys):
    """docs/parameters.md is exactly what `sim parameters` prints (regenerate if this fails)."""
    main(["parameters"])
    page = (Path(__file__).resolve().parents[1] / "docs" / "parameters.md").read_text()
    assert capsys.readouterr().out == page


def test_documented_flood_scenario_runs(tmp_path, capsys):
    """The worked example in docs/scenarios.md is valid and runs under both structures."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "scenarios.md").read_text()
    section = page[page.index("## Writing a new scenario: a flood") :]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "flood.yaml"
    path.write_text(block)
    assert main(["validate", str(path)]) == 0
    assert main(["trace", str(path), "--structure", "pilot"]) == 0
    assert "flood-recovery/Tewkesbury" in capsys.readouterr().out  # the district in words


def test_every_option_with_a_default_says_it_in_its_help():
    """`--help` hides no default: an option that has one names it in its help text."""
    import argparse

    from sim.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    silent = [
        f"sim {name} {action.option_strings[0]} (default {action.default!r})"
        for name, parser in sub.choices.items()
        for action in parser._actions
        if action.option_strings
        and not isinstance(action, argparse._HelpAction | argparse._VersionAction)
        and action.default not in (None, False, [], argparse.SUPPRESS)
        and "default" not in (action.help or "")
    ]
    assert silent == []
