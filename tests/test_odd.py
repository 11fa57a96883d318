"""docs/ODD.md against the code: the ODD sections in order, every parameter with its default,
source and swept ranges, every dotted path resolving, every rule of docs/sources.md accounted
for."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

from sim.spec.parameters import Parameters, parameter_source

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
SOURCES = ROOT / "docs" / "sources.md"
EXPERIMENTS = ROOT / "scenarios" / "experiments"

SECTIONS = [
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialisation",
    "Input data",
    "Submodels",
]
DESIGN_CONCEPTS = [
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
]
DOTTED = re.compile(r"(?<![\w./-])sim(?:\.[A-Za-z_]\w*)+")


def odd() -> str:
    return ODD.read_text(encoding="utf-8")


def section(number: str) -> str:
    """The text of ``## N.`` up to the next level-2 heading."""
    match = re.search(rf"^## {number}\. .*?(?=^## |\Z)", odd(), re.M | re.S)
    assert match, f"no section {number} in docs/ODD.md"
    return match.group(0)


def table(header_start: str) -> list[list[str]]:
    """The rows of the first markdown table whose header row starts with ``header_start``."""
    lines = odd().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def parameter_rows() -> dict[str, dict[str, str]]:
    columns = ["parameter", "default", "swept", "source", "used_by"]
    out = {}
    for cells in table("| parameter | default | range in shipped sweeps | source | used by |"):
        row = dict(zip(columns, cells, strict=True))
        out[row["parameter"].strip("`")] = row
    return out


def resolves(path: str) -> bool:
    """Import the longest module prefix of ``path``, then follow the rest as attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue
            raise
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_the_seven_odd_sections_in_order():
    found = re.findall(r"^## (\d)\. (.+)$", odd(), re.M)
    assert found == [(str(n), title) for n, title in enumerate(SECTIONS, start=1)]


def test_the_eleven_design_concepts_in_order():
    found = re.findall(r"^### 4\.\d+ (.+)$", section("4"), re.M)
    assert found == DESIGN_CONCEPTS


def test_every_parameter_in_the_table_with_the_codes_default_and_source():
    rows = parameter_rows()
    assert list(rows) == list(Parameters.model_fields)  # all of them, no others, code order
    for name, field in Parameters.model_fields.items():
        assert float(rows[name]["default"]) == pytest.approx(field.default), name
        assert rows[name]["source"] == parameter_source(name), name


def test_parameter_sources_are_assumption_a_rule_calibration_or_literature():
    rule = re.compile(r"^[A-Z]{2}-[A-Z0-9-]+(, [A-Z]{2}-[A-Z0-9-]+)* \(value assumed\)$")
    for name in Parameters.model_fields:
        source = parameter_source(name)
        assert (
            source == "assumption"
            or source.startswith("calibration (docs/")
            or rule.match(source)
            or re.search(r"\b(1[89]|20)\d\d$", source)  # a citation: authors and year
        ), f"{name}: {source!r}"
    assert parameter_source("outcome_probability").startswith("calibration")


def test_swept_ranges_are_those_of_the_experiment_files():
    expected: dict[str, list[str]] = {}
    for path in sorted(EXPERIMENTS.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "name" not in spec:
            continue  # a checks file, not an experiment
        for name, factor in (spec.get("parameters") or {}).items():
            if factor.get("values") is not None:
                span = ", ".join(f"{v:g}" for v in factor["values"])
            else:
                span = f"{factor['low']:g} to {factor['high']:g}"
            expected.setdefault(name, []).append(f"`{spec['name']}` {span}")
        for name, value in (spec.get("fixed") or {}).items():
            expected.setdefault(name, []).append(f"`{spec['name']}` fixed at {value:g}")
    assert expected, "no experiment varies any parameter"
    for name, row in parameter_rows().items():
        assert row["swept"] == ("; ".join(expected[name]) if name in expected else "not swept"), (
            name
        )


def test_every_dotted_path_resolves():
    paths = sorted(set(DOTTED.findall(odd())))
    assert len(paths) > 40
    assert [p for p in paths if not resolves(p)] == []


def test_the_resolver_rejects_what_does_not_exist():
    assert resolves("sim.model.meeting.Meeting.decide")
    assert not resolves("sim.model.meeting.Meeting.no_such_method")
    assert not resolves("sim.model.no_such_module.Thing")


def test_every_submodel_names_the_function_that_implements_it():
    submodels = re.split(r"^### ", section("7"), flags=re.M)[1:]
    assert len(submodels) >= 20
    for text in submodels:
        assert DOTTED.search(text), f"submodel without a function: {text.splitlines()[0]}"
    titles = [text.splitlines()[0] for text in submodels]
    assert any("Garbage-can attachment" in t for t in titles)
    assert "`sim.model.garbage_can.GarbageCan.period`" in section("7")


def test_every_source_document_rule_is_accounted_for_in_the_appendix():
    """Appendix A has one row for each rule id of docs/sources.md, in the same order."""
    ids = re.findall(r"^\| ([A-Z]{2}-[A-Z0-9-]+) \|", SOURCES.read_text(encoding="utf-8"), re.M)
    appendix = odd().split("## Appendix A.", 1)[1]
    listed = re.findall(r"^\| ([A-Z]{2}-[A-Z0-9-]+) \|", appendix, re.M)
    assert len(ids) > 40
    assert listed == ids


def test_the_calibration_datum_says_where_it_comes_from_and_that_it_is_one_datum():
    """Issue 10, provenance: the 15-of-27 figure is from the Partnership's own performance
    reporting, not the source documents, and it is a single datum; both pages say so."""
    calibration = " ".join((ROOT / "docs" / "calibration.md").read_text().split())
    odd = " ".join(ODD.read_text().split())
    assert "*not* in the five source documents" in calibration
    assert "own public performance reporting" in calibration and "**one datum**" in calibration
    assert "not from the five source documents" in odd and "single datum" in odd
    patterns = next(line for line in ODD.read_text().splitlines() if line.startswith("| About 15"))
    assert "not the source documents; one datum" in patterns
