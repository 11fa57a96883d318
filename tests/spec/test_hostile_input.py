"""Hostile input, class by class: every attack ends in one line ``error: FILE: FIELD: MESSAGE``
on stderr and exit code 2, at once: never a traceback, a hang, or nonsense silently run.

Each case writes its files into a fresh folder and names the command to attack; the test runs
it through :func:`sim.cli.main` and checks the line names the file (or option) and the field.
The classes are those of docs/inputs.md: 1 undecodable or absurd files, 2 unbounded sizes, 3
non-finite and inverted values, 4 duplicates and collisions, 5 names that would become paths,
10 what would fail only after the runs, and other options of every command.
"""

from __future__ import annotations

import copy
import random
import time
from pathlib import Path

import pytest
import yaml
from conftest import town, town_scenario

from sim.cli import main
from sim.errors import SpecError
from sim.spec.limits import MAX_NAMED_ISSUES
from sim.spec.loading import SCENARIO_DIR, read_yaml
from sim.spec.scenario import load_scenario, scenario_from_dict

SMOKE_FILE = SCENARIO_DIR / "smoke.yaml"
SMOKE = str(SMOKE_FILE)
SMOKE_DATA = yaml.safe_load(SMOKE_FILE.read_text(encoding="utf-8"))
GCM = str(SCENARIO_DIR / "gcm" / "design.yaml")
EXPERIMENT = {"name": "e", "scenarios": [SMOKE], "structures": ["pilot"], "replications": 1}
CHECK = {
    "name": "c",
    "scenario": "smoke",
    "indicator": "meetings_held",
    "structure": "pilot",
    "between": [0, 1000],
}
GCM_DATA = {
    **yaml.safe_load(Path(GCM).read_text(encoding="utf-8")),
    "scenario": str(SCENARIO_DIR / "garbage_can.yaml"),
}
GCM_TEXT = yaml.safe_dump(GCM_DATA, sort_keys=False)
SECONDS = 10.0


class Case:
    """One attack: files to write (name -> text or data), the command, and what the error line
    must name (``where``: the file or option; ``field``: the field; ``message``: a phrase)."""

    def __init__(self, files: dict, argv: list[str], where: str, field: str, message: str = ""):
        self.files, self.argv = files, argv
        self.where, self.field, self.message = where, field, message


def refused(tmp_path: Path, capsys, case: Case) -> str:
    for name, content in case.files.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in case.argv]
    start = time.perf_counter()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors exit before main's try
        code = exc.code
    seconds = time.perf_counter() - start
    captured = capsys.readouterr()
    err = captured.err
    assert code == 2, (code, err, captured.out[-500:])
    assert "Traceback" not in err and "Traceback" not in captured.out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    line = lines[0]
    where = case.where.replace("{tmp}", str(tmp_path))
    assert line.startswith(f"error: {where}"), line
    assert case.field in line and case.message in line, line
    assert seconds < SECONDS, f"took {seconds:.1f} s"
    return line


def file_case(kind: str, data, field: str, message: str = "", name: str | None = None) -> Case:
    """``data`` written as a file of ``kind`` and checked: scenarios by `sim run`,
    experiments by `sim sweep`, others by `sim validate`."""
    name = name or f"{kind}.yaml"
    path = f"{{tmp}}/{name}"
    argv = {"scenario": ["run", path], "experiment": ["sweep", path, "--out", "{tmp}/out"]}
    return Case({name: data}, argv.get(kind, ["validate", path]), path, field, message)


def scenario(**changes) -> dict:
    data = copy.deepcopy(SMOKE_DATA)
    data.update(changes)
    return data


def smoke_with(path: tuple, value) -> dict:
    data = copy.deepcopy(SMOKE_DATA)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def structure_with(body: dict | None = None, **top) -> dict:
    data = copy.deepcopy(town())
    data["bodies"][1].update(body or {})
    data.update(top)
    return data


def experiment(**changes) -> dict:
    return {**EXPERIMENT, **changes}


def issue(**fields) -> dict:
    return {"id": "extra", "scope": "gloucester", **fields}


def bomb(levels: int = 8, width: int = 10) -> str:
    """A 'billion laughs' file: each anchor lists the one before it ``width`` times."""
    lines = ["name: bomb", "duration_weeks: 10", "a0: &a0 [lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def follow_up_bomb(levels: int = 7, width: int = 10) -> str:
    """The same through an issue's follow-ups: each level raises the one before it 10 times."""
    lines = ["name: bomb", "duration_weeks: 10", "x:", "  - &f0 {after_step: 1, issue: {id: leaf}}"]
    for i in range(1, levels):
        lines.append(
            f"  - &f{i} {{after_step: 1, issue: {{id: l{i}, follow_ups: "
            f"[{', '.join([f'*f{i - 1}'] * width)}]}}}}"
        )
    lines.append(f"issues: [{{id: root, follow_ups: [*f{levels - 1}]}}]")
    return "\n".join(lines) + "\n"


def shared_follow_ups(levels: int = 7, width: int = 9) -> str:
    """Issue 19, item 10: ``&f{n}`` an issue whose ``width`` follow-ups each raise ``*f{n-1}``,
    ``levels`` deep: the alias sits inside each follow-up's own mapping, so ``width``
    mappings share it (9 x 7: 5,380,840 issues if built)."""
    lines = ["name: bomb", "duration_weeks: 10", "x:", "  - &f0 {id: leaf}"]
    for i in range(1, levels + 1):
        raised = ", ".join([f"{{after_step: 1, issue: *f{i - 1}}}"] * width)
        lines.append(f"  - &f{i} {{id: {'i0' if i == levels else f'l{i}'}, "
                     f"follow_ups: [{raised}]}}")  # fmt: skip
    lines.append(f"issues: [*f{levels}]")
    return "\n".join(lines) + "\n"


def shared_follow_ups_data(levels: int = 7, width: int = 9) -> dict:
    """The same as a mapping (a notebook's): one dict per level, shared by its raisers."""
    issue: dict = {"id": "leaf"}
    for i in range(1, levels + 1):
        raised = [{"after_step": 1, "issue": issue}] * width
        issue = {"id": "i0" if i == levels else f"l{i}", "follow_ups": raised}
    return {"name": "bomb", "duration_weeks": 10, "issues": [issue]}


def named_issues(count: int, per_issue: int = 100) -> dict:
    """``count`` issues written out (ids all different), ``per_issue`` to a named issue: the
    first and its follow-ups."""
    issues = []
    for n in range(0, count, per_issue):
        raised = [{"after_step": 1, "issue": {"id": f"i{n + k}"}}
                  for k in range(1, min(per_issue, count - n))]  # fmt: skip
        issues.append({"id": f"i{n}", "follow_ups": raised})
    return {"name": "many", "duration_weeks": 10, "issues": issues}


def mapping_bomb(levels: int = 8, width: int = 10) -> str:
    """A billion laughs whose aliases sit each in a mapping of its own (``{k: *a}``), so that
    many mappings share one node."""
    lines = ["name: bomb", "duration_weeks: 10", "a0: &a0 [lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'{{k: *a{i - 1}}}'] * width)}]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 30) -> str:
    """Merge keys doubling a mapping at each level (2**30 keys if flattened)."""
    lines = ["name: bomb", "m0: &m0 {a: 1, b: 2}"]
    for i in range(1, levels):
        lines.append(f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: 1}}")
    return "\n".join(lines) + "\n"


def deep(levels: int, opener: str = "[", closer: str = "]") -> str:
    return "name: deep\nduration_weeks: " + opener * levels + closer * levels + "\n"


def deep_mapping(levels: int) -> str:
    return "name: deep\nx: " + "{a: " * levels + "1" + "}" * levels + "\n"


# -- class 1: undecodable or absurd files ------------------------------------------------------
RANDOM_BYTES = random.Random(12).randbytes(4000)
CLASS_1 = {
    "invalid UTF-8": file_case("s", b"name: caf\xe9\n", "line 1", "not UTF-8", "s.yaml"),
    "random bytes": file_case("s", RANDOM_BYTES, "", "", "s.yaml"),
    "UTF-16 text": file_case("s", "name: x\n".encode("utf-16"), "line 1", "not UTF-8", "s.yaml"),
    "a raw NUL byte": file_case("s", b"name: a\x00b\n", "line 1", "character 0x00", "s.yaml"),
    "a raw escape character": file_case(
        "s", b"name: a\x1bb\n", "line 1", "character 0x1b", "s.yaml"
    ),
    "a NUL escape in a name": file_case(
        "scenario", scenario(name="a\0b"), "name", "not a safe name"
    ),
    "a NUL escape in an issue id": file_case(
        "scenario", smoke_with(("issues", 0, "id"), "x\0y"), "issues[", "not a safe name"
    ),
    "a terminal escape in a title": file_case(
        "scenario", smoke_with(("issues", 0, "title"), "\x1b[2J"), "title", "control character"
    ),
    "a bell in a description": file_case(
        "structure", structure_with(description="a\ab"), "description", "control character"
    ),
    "a NUL in a partner id": file_case(
        "structure",
        structure_with(partners=[{"id": "p\0", "sector": "public"}]),
        "partners[",
        "not a safe name",
    ),
    "a billion laughs": file_case("scenario", bomb(), "line ", "expands to more than"),
    "a billion laughs through follow-ups": file_case(
        "scenario", follow_up_bomb(), "line ", "expands to more than"
    ),
    "a billion laughs through follow-ups shared by mappings": file_case(
        "scenario", shared_follow_ups(), "line ", "expands to more than"
    ),
    "a billion laughs through mappings": file_case(
        "structure", mapping_bomb(), "line ", "expands to more than"
    ),
    "a merge-key bomb": file_case("structure", merge_bomb(), "line ", "expands to more than"),
    "a billion laughs in an experiment": file_case(
        "experiment", bomb(), "line ", "expands to more than"
    ),
    "deeply nested lists": file_case("scenario", deep(5000), "line 2", "nested more than"),
    "deeply nested mappings": file_case("structure", deep_mapping(3000), "line 2", "nested more"),
    "nesting just past the bound": file_case("scenario", deep(101), "line 2", "nested more"),
    "a file too large": file_case(
        "scenario", "name: big\n" + "# padding\n" * 500_000, "", "the largest read is"
    ),
    "an empty file": file_case("scenario", "", "", "the file is empty"),
    "only comments": file_case("scenario", "# nothing here\n", "", "the file is empty"),
    "a top-level list": file_case("scenario", "- name: x\n", "", "not a list"),
    "a top-level string": file_case("scenario", "just words\n", "", "not a string"),
    "a top-level number": file_case("structure", "42\n", "", "not a number"),
    "a number as a top-level key": file_case("structure", "1: 2\nname: x\n", "1", "a top-level"),
    "an unhashable key": file_case("structure", "? [a, b]\n: 1\n", "line", "YAML does not parse"),
    "a Python object tag": file_case(
        "scenario", "name: !!python/object:os.system x\n", "line", "YAML does not parse"
    ),
    "tab indentation": file_case(
        "scenario", "name: x\n\tduration_weeks: 3\n", "line", "YAML does not parse"
    ),
    "two documents": file_case("scenario", "name: a\n---\nname: b\n", "line", "YAML does not"),
    "a folder as a file": Case({}, ["validate", "{tmp}"], "{tmp}", "", "is a folder"),
    "a device as a scenario": Case({}, ["run", "/dev/zero"], "/dev/zero", "", "not found"),
    "an experiment of bytes": file_case("experiment", b"\xff\xfe\xfd", "line 1", "not UTF-8"),
    "a checks file of bytes": file_case("checks", b"checks: \x80\n", "line 1", "not UTF-8"),
}

# -- class 2: unbounded sizes ------------------------------------------------------------------
MANY_BODIES = [
    {
        "id": f"b{i}",
        "scope": "gloucester",
        "functions": ["deliberation"],
        "members": [],
        "cadence_weeks": 0.1,
    }
    for i in range(25)
]
CLASS_2 = {
    "a run of a billion weeks": file_case(
        "scenario", scenario(duration_weeks=1e9), "duration_weeks", "less than or equal to 5200"
    ),
    "a run of infinite weeks": file_case(
        "scenario", "name: x\nduration_weeks: .inf\n", "duration_weeks", "finite number"
    ),
    "a stream of a billion a year": file_case(
        "scenario", smoke_with(("streams", 0, "per_year"), 1e9), "per_year", "less than or equal"
    ),
    "a stream of infinite issues": file_case(
        "scenario", smoke_with(("streams", 0, "per_year"), float("inf")), "per_year", "finite"
    ),
    "streams expecting a million issues": file_case(
        "scenario",
        scenario(duration_weeks=5200, streams=[{**SMOKE_DATA["streams"][0], "per_year": 9000}]),
        "streams[gloucester-routine].per_year",
        "would expect",
    ),
    "follow-ups expanding to 11,111 issues": file_case(
        "scenario",
        shared_follow_ups(levels=4, width=10),
        "issues[i0].follow_ups",
        "the named issues expand to 11,111 issues with their follow-ups; the most is 10,000",
    ),
    "a cadence of a billionth of a week": file_case(
        "structure",
        structure_with({"cadence_weeks": 1e-9}),
        "bodies[board].cadence_weeks",
        "at least 0.1",
    ),
    "scenario bodies meeting a million times": file_case(
        "scenario", scenario(duration_weeks=5200, bodies=MANY_BODIES), "bodies[b", "meetings"
    ),
    "a scenario body meeting every nanosecond": file_case(
        "scenario",
        scenario(bodies=[{**MANY_BODIES[0], "cadence_weeks": 1e-9}]),
        "bodies[b0].cadence_weeks",
        "at least 0.1",
    ),
    "an issue at week 1e300": file_case(
        "scenario", smoke_with(("issues", 0, "at_week"), 1e300), "at_week", "less than or equal"
    ),
    "an issue needing 1e300 resources": file_case(
        "scenario", smoke_with(("issues", 0, "resources"), 1e300), "resources", "less than"
    ),
    "an issue taking a billion weeks": file_case(
        "scenario", smoke_with(("issues", 0, "effort_weeks"), 1e9), "effort_weeks", "less than"
    ),
    "a shock repeated a billion times": file_case(
        "scenario",
        scenario(shocks=[{"at_week": 1, "every_weeks": 1, "times": 10**9}]),
        "shocks[0].times",
        "less than",
    ),
    "a quorum of 10**12": file_case(
        "structure", structure_with({"quorum": 10**12}), "bodies[board].quorum", "less than"
    ),
    "an agenda of 10**12": file_case(
        "structure",
        structure_with({"agenda_capacity": 10**12}),
        "bodies[board].agenda_capacity",
        "less than",
    ),
    "a budget of 1e300": file_case(
        "structure",
        structure_with(partners=[{"id": "rich", "sector": "public", "budget": 1e300}]),
        "partners[rich].budget",
        "less",
    ),
    "an experiment of 10**12 replications": file_case(
        "experiment", experiment(replications=10**12), "replications", "less than"
    ),
    "an experiment of a billion samples": file_case(
        "experiment",
        experiment(
            design={"kind": "lhs", "samples": 10**6},
            parameters={"attendance_base": {"low": 0.5, "high": 0.9}},
            replications=10,
        ),
        "design",
        "runs",
    ),
    "a grid of too many points": file_case(
        "experiment",
        experiment(
            design={"kind": "grid", "levels": 1000},
            parameters={
                n: {"low": 0.1, "high": 0.9}
                for n in ("attendance_base", "load_penalty", "consensus_probability")
            },
        ),
        "design",
        "runs",
    ),
    "an experiment seed of 2**70": file_case("experiment", experiment(seed=2**70), "seed", "less"),
    "compare with 10**12 replications": Case(
        {}, ["compare", SMOKE, "--replications", str(10**12)], "--replications", "", "at most"
    ),
    "compare with too many runs in all": Case(
        {},
        ["compare", SMOKE, "--replications", "1000000", "--seeds", "1,2,3,4,5,6"],
        "--replications",
        "1000000",
        "runs",
    ),
    "compare with 10**12 written 10**12": Case(
        {}, ["compare", SMOKE, "--replications", "10**12"], "--replications", "", "whole number"
    ),
    "a parameter set to infinity": Case(
        {}, ["run", SMOKE, "--set", "agenda_capacity_scale=inf"], "--set", "agenda", "finite"
    ),
    "a parameter set to 1e308": Case(
        {}, ["run", SMOKE, "--set", "meeting_hours=1e308"], "--set", "meeting_hours", "less than"
    ),
    "sweep --limit 10**13": Case(
        {}, ["sweep", "ci_smoke", "--limit", str(10**13)], "--limit", "", "at most"
    ),
    "sweep --workers a million": Case(
        {}, ["sweep", "ci_smoke", "--workers", "1000000"], "--workers", "", "at most"
    ),
    "gcm with 8 million runs": Case(
        {}, ["gcm", "--replications", "100000"], "--replications", "100000", "runs"
    ),
    "a name of 200 characters": file_case("scenario", scenario(name="n" * 200), "name", "at most"),
    "a garbage-can design of 10**8 variants": file_case(
        "gcm",
        {
            **GCM_DATA,
            "loads": {f"l{i}": 1.0 for i in range(100)},
            "energy": {f"e{i}": [1.0] for i in range(101)},
        },
        "energy",
        "at most 100",
    ),
}

# -- class 3: non-finite and inverted values ---------------------------------------------------
CLASS_3 = {
    "a cadence of NaN": file_case(
        "structure",
        "name: x\nbodies: [{id: b, scope: s, functions: "
        "[decision], members: [], cadence_weeks: .nan}]\n",
        "bodies[b].cadence_weeks",
        "finite",
    ),
    "a cadence of infinity": file_case(
        "structure", structure_with({"cadence_weeks": float("inf")}), "cadence_weeks", "finite"
    ),
    "meeting hours of infinity": file_case(
        "structure", structure_with({"meeting_hours": float("inf")}), "meeting_hours", "finite"
    ),
    "meeting hours of NaN": file_case(
        "structure", structure_with({"meeting_hours": float("nan")}), "meeting_hours", "finite"
    ),
    "a negative cadence": file_case(
        "structure", structure_with({"cadence_weeks": -4}), "cadence_weeks", "more than 0"
    ),
    "a commitment of NaN": file_case(
        "structure",
        structure_with(partners=[{"id": "p", "sector": "public", "commitment": float("nan")}]),
        "commitment",
        "finite",
    ),
    "a capacity of infinity": file_case(
        "structure",
        structure_with(partners=[{"id": "p", "sector": "public", "capacity": float("inf")}]),
        "capacity",
        "finite",
    ),
    "resources drawn from 8 down to 2": file_case(
        "scenario",
        smoke_with(("streams", 0, "resources"), {"low": 8, "high": 2}),
        "streams[gloucester-routine].resources",
        "above high",
    ),
    "effort drawn from 39 down to 13": file_case(
        "scenario",
        smoke_with(("streams", 0, "effort_weeks"), {"low": 39, "high": 13}),
        "effort_weeks",
        "above high",
    ),
    "a shock repeated with no interval": file_case(
        "scenario", scenario(shocks=[{"at_week": 1, "times": 3}]), "shocks[0]", "every_weeks"
    ),
    "a NaN scenario parameter": file_case(
        "scenario", scenario(parameters={"attendance_base": float("nan")}), "parameters", "finite"
    ),
    "an indicator baseline of NaN": file_case(
        "scenario",
        scenario(indicators=[{"name": "i", "baseline": {"gloucester": float("nan")}}]),
        "baseline",
        "finite",
    ),
    "an issue change of infinity": file_case(
        "scenario",
        smoke_with(
            ("issues", 0, "effects"), [{"indicator": "i", "district": "d", "change": float("inf")}]
        ),
        "change",
        "finite",
    ),
    "a factor from high to low": file_case(
        "experiment",
        experiment(
            parameters={"attendance_base": {"low": 0.9, "high": 0.5}},
            design={"kind": "lhs", "samples": 2},
        ),
        "parameters.attendance_base",
        "must be below high",
    ),
    "a factor outside the valid range": file_case(
        "experiment",
        experiment(
            parameters={"attendance_base": {"low": 0.5, "high": 3}},
            design={"kind": "lhs", "samples": 2},
        ),
        "parameters",
        "attendance_base",
    ),
    "a factor value of NaN": file_case(
        "experiment",
        experiment(
            parameters={"attendance_base": {"values": [0.5, float("nan")]}}, design={"kind": "grid"}
        ),
        "parameters.attendance_base.values",
        "finite",
    ),
    "a fixed value of infinity": file_case(
        "experiment", experiment(fixed={"meeting_hours": float("inf")}), "fixed", "finite"
    ),
    "a negative experiment seed": file_case("experiment", experiment(seed=-1), "seed", "greater"),
    "zero replications in an experiment": file_case(
        "experiment", experiment(replications=0), "replications", "greater"
    ),
    "a band from high to low": file_case(
        "checks", {"checks": [{**CHECK, "between": [5, 1]}]}, "checks[c].between", "above high"
    ),
    "a band of NaN": file_case(
        "checks", {"checks": [{**CHECK, "between": [float("nan"), 1]}]}, "between", "finite"
    ),
    "a difference of a structure with itself": file_case(
        "checks",
        {
            "checks": [
                {
                    **CHECK,
                    "between": None,
                    "structure": None,
                    "difference": {"of": "pilot", "minus": "pilot", "sign": "negative"},
                }
            ]
        },
        "checks[c].difference.minus",
        "the same structure",
    ),
    "a negative garbage-can energy": file_case(
        "gcm",
        {**GCM_DATA, "energy": {"e": [-1.0]}},
        "energy",
        "greater than or equal",
    ),
    "--seed -1": Case({}, ["run", SMOKE, "--seed", "-1"], "--seed", "", "at least 0"),
    "--seed 2**64": Case({}, ["run", SMOKE, "--seed", str(2**64)], "--seed", "", "at most"),
    "--seed 1.5": Case({}, ["trace", SMOKE, "--seed", "1.5"], "--seed", "", "whole number"),
    "--seeds with a negative": Case(
        {}, ["compare", SMOKE, "--seeds", "1,-2"], "--seeds", "-2", "at least 0"
    ),
    "--workers 0": Case({}, ["compare", SMOKE, "--workers", "0"], "--workers", "", "at least 1"),
    "--workers -1": Case({}, ["sweep", "ci_smoke", "--workers", "-1"], "--workers", "", "least"),
    "--limit -1": Case({}, ["sweep", "ci_smoke", "--limit", "-1"], "--limit", "", "at least 0"),
    "--replications 0": Case(
        {}, ["compare", SMOKE, "--replications", "0"], "--replications", "", "at least 1"
    ),
    "--replications -5 on gcm": Case(
        {}, ["gcm", "--replications", "-5"], "--replications", "", "at least 1"
    ),
    "--replications 0 on demo": Case(
        {}, ["demo", "--replications", "0"], "--replications", "", "at least 1"
    ),
    "--set a NaN": Case(
        {}, ["run", SMOKE, "--set", "attendance_base=nan"], "--set", "attendance_base", "finite"
    ),
    "--set below the valid range": Case(
        {}, ["run", SMOKE, "--set", "meeting_hours=0.1"], "--set", "meeting_hours", "greater"
    ),
}
CLASS_3["a stream ending before it starts"] = file_case(
    "scenario",
    smoke_with(("streams", 0), {**SMOKE_DATA["streams"][0], "start_week": 50, "end_week": 10}),
    "streams[gloucester-routine].end_week",
    "not after start_week",
)

# -- class 4: duplicates and collisions --------------------------------------------------------
SMOKE_TEXT = SMOKE_FILE.read_text(encoding="utf-8")
CLASS_4 = {
    "a top-level key twice": file_case(
        "scenario",
        SMOKE_TEXT + "duration_weeks: 5\n",
        "line ",
        "the key 'duration_weeks' is given twice",
    ),
    "a key twice inside an issue": file_case(
        "scenario",
        SMOKE_TEXT.replace("    at_week: 4\n", "    at_week: 4\n    at_week: 9\n"),
        f"line {SMOKE_TEXT.splitlines().index('    at_week: 4') + 2}",
        "the key 'at_week' is given twice",
    ),
    "a key twice in a flow mapping": file_case(
        "structure", "name: a\nx: {p: 1, p: 2}\n", "line 2", "'p' is given twice"
    ),
    "an issue id twice": file_case(
        "scenario",
        scenario(issues=[*SMOKE_DATA["issues"], SMOKE_DATA["issues"][0]]),
        "issues",
        "issue id 'city-regeneration-plan' is given twice",
    ),
    "an issue id repeated by a follow-up": file_case(
        "scenario",
        smoke_with(
            ("issues", 1, "follow_ups"),
            [{"after_step": 1, "issue": {"id": "city-regeneration-plan", "scope": "county"}}],
        ),
        "issues",
        "given twice",
    ),
    "a stream name twice": file_case(
        "scenario", scenario(streams=[SMOKE_DATA["streams"][0]] * 2), "streams", "given twice"
    ),
    "an indicator name twice": file_case(
        "scenario",
        scenario(indicators=[{"name": "i", "baseline": {"gloucester": 1}}] * 2),
        "indicators",
        "indicator name 'i'",
    ),
    "an issue id a stream also makes": file_case(
        "scenario",
        smoke_with(("issues", 0, "id"), "gloucester-routine-001"),
        "issues[",
        "stream 'gloucester-routine' makes issues",
    ),
    "a scenario body replacing the pilot's ABG": Case(
        {
            "s.yaml": scenario(
                bodies=[
                    {
                        "id": "abg",
                        "scope": "county",
                        "functions": ["decision"],
                        "members": [],
                        "cadence_weeks": 4,
                    }
                ]
            )
        },
        ["run", "{tmp}/s.yaml", "--structure", "pilot"],
        "{tmp}/s.yaml",
        "bodies[abg].id",
        "already has a body 'abg'",
    ),
    "a scenario partner replacing a structure's": Case(
        {"s.yaml": scenario(partners=[{"id": "gloucester_city_council", "sector": "public"}])},
        ["run", "{tmp}/s.yaml"],
        "{tmp}/s.yaml",
        "partners[gloucester_city_council].id",
        "already has a partner",
    ),
    "a scenario body id twice": file_case(
        "scenario", scenario(bodies=[MANY_BODIES[0]] * 2), "bodies", "body id 'b0' is given twice"
    ),
    "a scenario structure twice": file_case(
        "scenario", scenario(structures=["pilot", "pilot"]), "structures", "given twice"
    ),
    "structures: [pilot, pilot]": file_case(
        "experiment", experiment(structures=["pilot", "pilot"]), "structures", "given twice"
    ),
    "a scenario twice in an experiment": file_case(
        "experiment", experiment(scenarios=[SMOKE, SMOKE]), "scenarios", "given twice"
    ),
    "one scenario under two spellings": file_case(
        "experiment", experiment(scenarios=["smoke", SMOKE]), "scenarios[1]", "the same file"
    ),
    "an output twice": file_case(
        "experiment", experiment(outputs=["meetings_held"] * 2), "outputs", "given twice"
    ),
    "a parameter both varied and fixed": file_case(
        "experiment",
        experiment(
            parameters={"attendance_base": {"low": 0.5, "high": 0.9}},
            fixed={"attendance_base": 0.7},
            design={"kind": "lhs", "samples": 2},
        ),
        "",
        "both varied and fixed",
    ),
    "a grid value twice": file_case(
        "experiment",
        experiment(parameters={"attendance_base": {"values": [0.5, 0.5]}}, design={"kind": "grid"}),
        "parameters.attendance_base",
        "value '0.5' is given twice",
    ),
    "a check name twice": file_case(
        "checks", {"checks": [CHECK, CHECK]}, "checks", "check name 'c'"
    ),
    "a structure body id twice": file_case(
        "structure",
        structure_with(bodies=[*town()["bodies"], town()["bodies"][0]]),
        "bodies[forum].id",
        "used twice",
    ),
    "a body function twice": file_case(
        "structure",
        structure_with({"functions": ["decision", "decision"]}),
        "functions",
        "function 'decision' is given twice",
    ),
    "a body replaced twice": file_case(
        "structure",
        {
            **yaml.safe_load((SCENARIO_DIR / "structures/pilot.yaml").read_text()),
            "inside": str(SCENARIO_DIR / "structures/county.yaml"),
            "replaces": ["gloucester_lsp", "gloucester_lsp"],
        },
        "replaces[1]",
        "replaced twice",
    ),
    "replaces without inside": file_case(
        "structure", structure_with(replaces=["board"]), "replaces", "inside"
    ),
    "--seeds 1,1": Case({}, ["compare", SMOKE, "--seeds", "1,1"], "--seeds", "", "twice"),
    "--set the same name twice": Case(
        {},
        ["run", SMOKE, "--set", "meeting_hours=2", "--set", "meeting_hours=4"],
        "--set",
        "meeting_hours",
        "given twice",
    ),
    "--structures pilot,pilot": Case(
        {},
        ["compare", SMOKE, "--structures", "pilot,pilot"],
        "--structures",
        "pilot",
        "named twice",
    ),
    "a garbage-can level twice": file_case(
        "gcm",
        GCM_TEXT.replace("loads:\n", "loads:\n  low: 1.1\n  low: 2.2\n", 1),
        "line",
        "the key 'low' is given twice",
    ),
}

# -- class 5: names that would become paths ----------------------------------------------------
BAD_NAMES = [
    "../escape",
    "/etc/passwd",
    "a/b",
    ".hidden",
    "-rf",
    "a\\b",
    "with space",
    "nul\0byte",
    "",
    "dots/../../x",
    "C:evil",
    "tab\tname",
]
CLASS_5 = {}
for n, bad in enumerate(BAD_NAMES):
    CLASS_5[f"experiment name {bad!r}"] = file_case(
        "experiment", experiment(name=bad), "name", name=f"e{n}.yaml"
    )
for bad in ("../../x", "/tmp/x", "a/b"):
    CLASS_5[f"structure name {bad!r}"] = file_case("structure", structure_with(name=bad), "name")
    CLASS_5[f"scenario name {bad!r}"] = file_case("scenario", scenario(name=bad), "name")
    CLASS_5[f"issue id {bad!r}"] = file_case(
        "scenario", smoke_with(("issues", 0, "id"), bad), "issues[", "not a safe name"
    )
    CLASS_5[f"stream name {bad!r}"] = file_case(
        "scenario", smoke_with(("streams", 0, "name"), bad), "streams[0].name", "not a safe name"
    )
    CLASS_5[f"indicator name {bad!r}"] = file_case(
        "scenario",
        scenario(indicators=[{"name": bad, "baseline": {"gloucester": 1}}]),
        "indicators[0].name",
        "not a safe name",
    )
    CLASS_5[f"body id {bad!r}"] = file_case(
        "structure", structure_with({"id": bad}), "bodies[", "not a safe name"
    )
CLASS_5 |= {
    "a partner id with a slash": file_case(
        "structure",
        structure_with(partners=[{"id": "a/b", "sector": "public"}]),
        "partners[0].id",
        "not a safe name",
    ),
    "a design name with a slash": file_case(
        "gcm", {**GCM_DATA, "name": "../gcm"}, "name", "not a safe name"
    ),
    "a design level with a slash": file_case(
        "gcm",
        {**GCM_DATA, "loads": {"../x": 1.0}},
        "loads",
        "not a safe name",
    ),
    "an output with a slash": file_case(
        "experiment", experiment(outputs=["../x"]), "outputs[0]", "not a safe name"
    ),
    "--indicator with a slash": Case(
        {},
        ["sensitivity", "morris_screening", "--indicator", "../../x", "--out", "{tmp}/o"],
        "--indicator",
        "../../x",
        "not an indicator",
    ),
}

# -- class 10: what would fail only after the runs ---------------------------------------------
MORRIS = {
    **EXPERIMENT,
    "design": {"kind": "morris", "samples": 2},
    "parameters": {"attendance_base": {"low": 0.5, "high": 0.9}},
}
CLASS_10 = {
    "an unknown output": file_case(
        "experiment", experiment(outputs=["meetings_hled"]), "outputs[0]", "not an indicator"
    ),
    "an evaluation output without evaluate": file_case(
        "experiment", experiment(outputs=["lead_priority_share"]), "outputs[0]", "evaluate: true"
    ),
    "an outcome the scenario does not have": file_case(
        "experiment", experiment(outputs=["outcome_workers_supported"]), "outputs[0]", "not an"
    ),
    "a check of an unknown indicator": Case(
        {"e.yaml": EXPERIMENT, "c.yaml": {"checks": [{**CHECK, "indicator": "meetings"}]}},
        ["sweep", "{tmp}/e.yaml", "--check", "{tmp}/c.yaml", "--out", "{tmp}/o"],
        "{tmp}/c.yaml",
        "checks[0].indicator",
        "not an indicator",
    ),
    "a check of a scenario not swept": Case(
        {"e.yaml": EXPERIMENT, "c.yaml": {"checks": [{**CHECK, "scenario": "truancy"}]}},
        ["sweep", "{tmp}/e.yaml", "--check", "{tmp}/c.yaml", "--out", "{tmp}/o"],
        "{tmp}/c.yaml",
        "checks[0].scenario",
        "not a scenario of experiment 'e'",
    ),
    "a band of a structure not swept": Case(
        {"e.yaml": EXPERIMENT, "c.yaml": {"checks": [{**CHECK, "structure": "five_element"}]}},
        ["sweep", "{tmp}/e.yaml", "--check", "{tmp}/c.yaml", "--out", "{tmp}/o"],
        "{tmp}/c.yaml",
        "checks[0].structure",
        "not a structure of experiment",
    ),
    "a difference with a structure not swept": Case(
        {
            "e.yaml": EXPERIMENT,
            "c.yaml": {
                "checks": [
                    {
                        **CHECK,
                        "between": None,
                        "difference": {"of": "pilot", "minus": "county", "sign": "negative"},
                    }
                ]
            },
        },
        ["sweep", "{tmp}/e.yaml", "--check", "{tmp}/c.yaml", "--out", "{tmp}/o"],
        "{tmp}/c.yaml",
        "checks[0].difference.minus",
        "not a structure",
    ),
    "a checks file that is not there": Case(
        {"e.yaml": EXPERIMENT},
        ["sweep", "{tmp}/e.yaml", "--check", "{tmp}/none.yaml"],
        "{tmp}/none.yaml",
        "",
        "not found",
    ),
    "sensitivity of an unknown indicator": Case(
        {"e.yaml": MORRIS},
        ["sensitivity", "{tmp}/e.yaml", "--indicator", "meetings", "--out", "{tmp}/o"],
        "--indicator",
        "meetings",
        "not an indicator",
    ),
    "sensitivity of an lhs design": Case(
        {"e.yaml": {**MORRIS, "design": {"kind": "lhs", "samples": 2}}},
        ["sensitivity", "{tmp}/e.yaml", "--out", "{tmp}/o"],
        "{tmp}/e.yaml",
        "design.kind",
        "needs morris or sobol",
    ),
    "compare with an unknown structure": Case(
        {}, ["compare", SMOKE, "--structures", "pilot,no_such"], "no_such", "", "shipped"
    ),
    "an experiment with an unknown structure": file_case(
        "experiment", experiment(structures=["pilot", "no_such"]), "structures[1]", "not found"
    ),
    "gcm --validation into a missing folder": Case(
        {},
        ["gcm", "--validation", "{tmp}/no/such/page.md"],
        "--validation",
        "page.md",
        "no folder",
    ),
}

# -- other inputs of every command -------------------------------------------------------------
OTHER = {
    "an unknown option": Case({}, ["run", SMOKE, "--sed", "1"], "sim", "", "unrecognized"),
    "an unknown command": Case({}, ["rnu"], "command", "", "invalid choice"),
    "no scenario given": Case({}, ["run"], "sim run", "", "required"),
    "an unknown format": Case(
        {}, ["run", SMOKE, "--format", "xml"], "--format", "", "invalid choice"
    ),
    "an unknown executor": Case(
        {}, ["sweep", "ci_smoke", "--executor", "threads"], "--executor", "", "invalid choice"
    ),
    "--set without a value": Case(
        {}, ["run", SMOKE, "--set", "meeting_hours"], "--set", "meeting_hours", "NAME=VALUE"
    ),
    "--set of an unknown name": Case({}, ["run", SMOKE, "--set", "x=1"], "--set", "x", "unknown"),
    "--set of a word": Case(
        {}, ["run", SMOKE, "--set", "meeting_hours=lots"], "--set", "meeting_hours", "not a number"
    ),
    "--structures of one": Case(
        {}, ["compare", SMOKE, "--structures", "pilot"], "--structures", "", "at least two"
    ),
    "a diagram to a text file": Case(
        {}, ["diagram", "pilot", "--out", "{tmp}/x.txt"], "--out", "x.txt", "png or .svg"
    ),
    "a scenario under a missing structure file": Case(
        {}, ["run", SMOKE, "--structure", "{tmp}/none.yaml"], "{tmp}/none.yaml", "", "not found"
    ),
    "an unknown field in an issue": file_case(
        "scenario", smoke_with(("issues", 0, "urgnet"), True), "issues[", "unknown field"
    ),
    "an issue with an empty pathway": file_case(
        "scenario", smoke_with(("issues", 0, "pathway"), []), "pathway", "at least 1"
    ),
    "a stream with no themes": file_case(
        "scenario", smoke_with(("streams", 0, "themes"), []), "themes", "at least 1"
    ),
    "a body with no functions": file_case(
        "structure", structure_with({"functions": []}), "functions", "at least 1"
    ),
    "an indicator with no baseline": file_case(
        "scenario", scenario(indicators=[{"name": "i", "baseline": {}}]), "baseline", "at least 1"
    ),
    "a checks file with no checks": file_case("checks", {"checks": []}, "checks", "at least 1"),
    "a checks file of a string": file_case("checks", {"checks": "all"}, "checks", "valid list"),
    "a structure of the wrong types": file_case(
        "structure", structure_with(bodies="many"), "bodies", "valid list"
    ),
    "a list for a number": file_case(
        "scenario", scenario(duration_weeks=[1, 2]), "duration_weeks", "valid number"
    ),
    "a follow-up after step 0": file_case(
        "scenario",
        smoke_with(("issues", 0, "follow_ups"), [{"after_step": 0, "issue": issue()}]),
        "after_step",
        "greater than or equal to 1",
    ),
    "a shock every 0 weeks": file_case(
        "scenario",
        scenario(shocks=[{"at_week": 1, "every_weeks": 0, "times": 2}]),
        "every_weeks",
        "greater than or equal",
    ),
    "a garbage-can design that is not there": Case(
        {}, ["gcm", "{tmp}/none.yaml"], "{tmp}/none.yaml", "", "not found"
    ),
}
OTHER["a results folder that is not there"] = Case(
    {}, ["results", "{tmp}/nothing"], "{tmp}/nothing", "", ""
)

CLASSES: dict[str, dict[str, Case]] = {
    "1": CLASS_1,
    "2": CLASS_2,
    "3": CLASS_3,
    "4": CLASS_4,
    "5": CLASS_5,
    "10": CLASS_10,
    "other": OTHER,
}
CASES = [(f"{k}: {name}", case) for k, cases in CLASSES.items() for name, case in cases.items()]


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_every_attack_gets_one_clean_line_and_exit_code_2(tmp_path, capsys, name, case):
    refused(tmp_path, capsys, case)


def test_there_are_over_a_hundred_attacks():
    assert len(CASES) >= 100


def test_no_attack_on_sweep_leaves_a_results_folder(tmp_path, capsys):
    """Checks that cannot be judged fail before any run: nothing is written."""
    for case in CLASS_10.values():
        if case.argv[0] in ("sweep", "sensitivity"):
            refused(tmp_path, capsys, case)
            assert not (tmp_path / "o").exists()


def test_the_alias_bomb_is_refused_not_expanded(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(levels=10), encoding="utf-8")  # 10**9 values if expanded
    start = time.perf_counter()
    with pytest.raises(SpecError, match="expands to more than"):
        read_yaml(path)
    assert time.perf_counter() - start < 2


def test_merge_keys_and_modest_aliases_still_load(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("a: &x {p: 1, q: 2}\nb:\n  <<: *x\n  p: 3\nc: [*x, *x]\n", encoding="utf-8")
    assert read_yaml(path) == {
        "a": {"p": 1, "q": 2},
        "b": {"p": 3, "q": 2},
        "c": [{"p": 1, "q": 2}, {"p": 1, "q": 2}],
    }


def test_a_duplicate_key_names_both_lines(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\nother: 1\nname: b\n", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        read_yaml(path)
    assert info.value.field == "line 3, column 1"
    assert "first at line 1, column 1" in info.value.message


def test_a_town_scenario_still_runs_with_its_own_names(tmp_path):
    """The bounds refuse nonsense, not ordinary names: dots, dashes, underscores, digits."""
    data = town_scenario()
    data["name"] = "town-test_2.v1"
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert read_yaml(path)["name"] == "town-test_2.v1"


def test_follow_ups_shared_by_mappings_are_refused_by_the_reader(tmp_path):
    """Issue 19, item 10: the reader counted a node shared by several mappings once, not once
    for each (its order was not children-first), so 9 x 7 aliased follow-ups got through
    and were built: 5 million issues, over 3 GB. Now each alias counts in full."""
    path = tmp_path / "f.yaml"
    path.write_text(shared_follow_ups(), encoding="utf-8")
    with pytest.raises(SpecError, match="expands to more than 1,000,000 values") as info:
        read_yaml(path)
    assert info.value.field.startswith("line ")
    path.write_text(mapping_bomb(levels=10), encoding="utf-8")
    with pytest.raises(SpecError, match="expands to more than"):
        read_yaml(path)


def test_the_reader_still_counts_what_is_shared_once_per_alias(tmp_path):
    """Just under the bound, mappings sharing a node still load, as shared objects."""
    path = tmp_path / "ok.yaml"
    path.write_text(mapping_bomb(levels=5, width=10), encoding="utf-8")  # 5e4 lols
    data = read_yaml(path)
    assert data["a4"][0]["k"] is data["a4"][1]["k"] is data["a3"]


def test_nine_by_seven_follow_ups_are_counted_not_built():
    """The cap on named issues counts before anything is built (multiplying what aliases
    share), so a scenario given as a mapping, which no reader bounds, fails at once."""
    with pytest.raises(SpecError) as info:
        scenario_from_dict(shared_follow_ups_data(), "f.yaml")
    assert str(info.value) == (
        "f.yaml: issues[i0].follow_ups: the named issues expand to 5,380,840 issues with "
        "their follow-ups; the most is 10,000 (docs/inputs.md)"
    )
    with pytest.raises(SpecError, match="expand to more than 1,000,000,000,000,000 issues"):
        scenario_from_dict(shared_follow_ups_data(levels=40), "f.yaml")


def test_a_follow_up_that_raises_itself_is_counted_once_and_named():
    data = shared_follow_ups_data(levels=1, width=1)
    issue = data["issues"][0]
    issue["follow_ups"][0]["issue"] = issue
    with pytest.raises(SpecError, match="cyclic"):
        scenario_from_dict(data, "c.yaml")


def test_named_issues_up_to_the_cap_are_accepted(tmp_path):
    assert MAX_NAMED_ISSUES == 10_000
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(named_issues(MAX_NAMED_ISSUES)), encoding="utf-8")
    spec = load_scenario(path)
    assert len(spec.issues) == 100 and len(spec.issues[-1].follow_ups) == 99
    with pytest.raises(SpecError, match="expand to 10,001 issues") as info:
        scenario_from_dict(named_issues(MAX_NAMED_ISSUES + 1), "many.yaml")
    assert info.value.field == "issues"  # the 10,001st is a named issue of its own
