"""Which file a name means (sim/spec/loading.py: resolve): a bare name is the shipped file
wherever `sim` runs; a path is that file."""

from __future__ import annotations

import pytest

from sim.errors import SpecError
from sim.spec import load_scenario, load_structure
from sim.spec.loading import SCENARIO_DIR, STRUCTURE_DIR, resolve


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A working folder holding files named like shipped ones, but different."""
    (tmp_path / "pilot.yaml").write_text(
        (STRUCTURE_DIR / "pilot.yaml").read_text().replace("name: pilot", "name: impostor", 1)
    )
    (tmp_path / "employer_closure.yaml").write_text((SCENARIO_DIR / "smoke.yaml").read_text())
    (tmp_path / "my_option.yaml").write_text(
        (STRUCTURE_DIR / "pilot.yaml").read_text().replace("name: pilot", "name: mine", 1)
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_bare_shipped_name_is_the_shipped_file_whatever_the_working_folder_holds(folder):
    assert resolve("structure", "pilot") == STRUCTURE_DIR / "pilot.yaml"
    assert load_structure("pilot").name == "pilot"
    assert resolve("scenario", "employer_closure") == SCENARIO_DIR / "employer_closure.yaml"
    assert load_scenario(resolve("scenario", "employer_closure")).name == "employer_closure"


def test_a_path_is_that_file(folder):
    assert load_structure("./pilot.yaml").name == "impostor"
    assert load_structure(str(folder / "pilot.yaml")).name == "impostor"
    assert load_scenario("employer_closure.yaml").name == "smoke"


def test_a_bare_name_that_is_not_shipped_is_looked_for_in_the_working_folder(folder):
    assert load_structure("my_option").name == "mine"
    with pytest.raises(SpecError, match="no such file, nor a shipped structure"):
        resolve("structure", "nobody")
    with pytest.raises(SpecError, match="file not found"):
        resolve("structure", "nobody.yaml")


def test_inside_looks_beside_the_file_first(folder):
    (folder / "options").mkdir()
    (folder / "options" / "county.yaml").write_text(
        (STRUCTURE_DIR / "county.yaml").read_text().replace("name: county", "name: my_county", 1)
    )
    option = (STRUCTURE_DIR / "pilot.yaml").read_text().replace("name: pilot", "name: o", 1)
    (folder / "options" / "o.yaml").write_text(option)  # inside: county, beside it
    spec = load_structure("options/o.yaml")
    assert spec.sources["body:gsp"].endswith("options/county.yaml")
