"""The package people install: every package under sim/ is built into the wheel, the shipped
YAML files go with it as package data, and shipped files are found by name from any folder."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sim.errors import SpecError
from sim.spec.loading import SCENARIO_DIR, STRUCTURE_DIR, resolve, shipped_names

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_under_sim_is_built_into_the_wheel():
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")
    }
    assert found <= set(CONFIG["packages"])


def test_every_shipped_yaml_file_is_package_data():
    globs = CONFIG["package-data"]["sim.shipped"]
    folder = ROOT / CONFIG["package-dir"]["sim.shipped"]
    covered = {p for pattern in globs for p in folder.glob(pattern)}
    assert covered == set(folder.rglob("*.yaml"))
    assert SCENARIO_DIR.samefile(folder)


def test_shipped_files_are_found_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve("structure", "pilot").name == "pilot.yaml"
    assert resolve("scenario", "employer_closure").is_file()
    assert resolve("experiment", "ci_smoke").parent.name == "experiments"
    assert resolve("gcm design", "design").parent.name == "gcm"
    assert "county_scs_chapters" in shipped_names("structure")


def test_a_bare_name_is_the_shipped_file_and_a_path_the_users_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pilot.yaml").write_text("name: mine\n")
    assert resolve("structure", "pilot") == STRUCTURE_DIR / "pilot.yaml"
    assert resolve("structure", "pilot.yaml") == Path("pilot.yaml")
    assert resolve("structure", "./pilot") == Path("pilot.yaml")


def test_an_unknown_name_lists_the_shipped_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as err:
        resolve("scenario", "employer_closur")
    assert "nor a shipped scenario" in err.value.message and "employer_closure" in err.value.message


def test_the_worked_examples_robustness_runs_are_package_data(tmp_path, monkeypatch):
    """`sim demo` and the app find the worked examples' robustness runs from any folder: the
    project's docs/robustness/ is installed as sim.worked_examples, every file they read with it."""
    from sim.spec.loading import WORKED_EXAMPLES_DIR

    folder = ROOT / CONFIG["package-dir"]["sim.worked_examples"]
    globs = CONFIG["package-data"]["sim.worked_examples"]
    covered = {p for pattern in globs for p in folder.glob(pattern)}
    wanted = {p for p in folder.rglob("*") if p.suffix in (".csv", ".json", ".png")}
    assert covered == wanted and any(p.name == "meta.json" for p in covered)
    monkeypatch.chdir(tmp_path)
    assert WORKED_EXAMPLES_DIR.samefile(folder)
    assert (WORKED_EXAMPLES_DIR / "employer_closure" / "meta.json").is_file()
