"""Issue 22: a design space as data. Every lever is tied to a rule id and source words; every
design of the space is a valid structure, or the file is refused at once with one line
naming the levers; the design at base is the base structure (FE-EXEC-CADENCE, FE-SUPPORT,
PI-SUBSTITUTE, FE-ROLES levers act in the compiled structure)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.errors import SpecError
from sim.spec.design import design_from_values, designs_to_check, load_design_space
from sim.spec.loading import SCENARIO_DIR
from sim.spec.structure import load_structure

SIM = str(Path(sys.executable).parent / "sim")
GLOUCESTER = SCENARIO_DIR / "design" / "gloucester.yaml"


@pytest.fixture(scope="module")
def space():
    return load_design_space("gloucester")


def test_the_design_at_base_is_the_base_structure(space):
    assert space.compile(space.base_design) == load_structure("five_element")
    assert space.key(space.base_design) == "base"
    assert space.words(space.base_design) == []


def test_every_lever_is_grounded_in_a_rule_and_the_sources_words(space):
    import re

    sources = (Path(__file__).resolve().parents[2] / "docs" / "sources.md").read_text()
    rules = set(re.findall(r"^\| ([A-Z]{2}-[A-Z0-9-]+) \|", sources, re.M))
    for lever in space.levers:
        assert lever.rule in rules, lever.rule
        assert len(lever.source) > 20


def test_levers_act_in_the_compiled_structure(space):
    design = design_from_values(space, {"executive_cadence": 6, "substitutes": "yes",
                                        "urgent_strategic": "executive",
                                        "no_conference": "drop"})  # fmt: skip
    spec = space.compile(design)
    executive = spec.body("executive")
    assert executive.cadence_weeks == 6  # FE-EXEC-CADENCE
    assert executive.substitutes  # PI-SUBSTITUTE
    assert "conference" not in spec.body_ids  # FE-ROLES: no Conference
    first = spec.routing["gloucester"][0]
    assert (first.body, first.urgent, first.kind) == ("executive", True, "strategic")
    assert "deliberation" in executive.functions
    assert space.words(design)[0] == "the Executive meets every 6 weeks"


def test_a_number_lever_on_a_dropped_body_is_the_same_design(space):
    dropped = design_from_values(space, {"no_conference": "drop"})
    also = design_from_values(space, {"no_conference": "drop", "conference_cadence": 52})
    assert space.canonical(also) == dropped
    assert "the Conference meets every 52 weeks" not in space.words(also)


def test_the_check_covers_every_value_and_every_three_levers_values(space):
    import itertools

    checked = designs_to_check(space)
    for i, lever in enumerate(space.levers):
        assert {d[i] for d in checked} == set(lever.values)
    ends = [[lv.values[0], lv.values[-1]] if lv.number else lv.values for lv in space.levers]
    for group in itertools.combinations(range(len(ends)), 3):
        met = {tuple(d[i] for i in group) for d in checked}
        assert met >= set(itertools.product(*(ends[i] for i in group))), group
    assert len(checked) < 200 < space.size  # a covering array, not the whole product


def write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(GLOUCESTER.read_text())
    change(data)
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def lever(data, lever_id):
    return next(lv for lv in data["levers"] if lv["id"] == lever_id)


def test_an_invalid_combination_is_refused_when_the_file_is_read(tmp_path):
    def drop_support_group(data):  # urgent business to a body another lever removes
        lever(data, "no_conference")["options"]["drop"]["drop"] = ["executive_support_group"]

    path = write(tmp_path, drop_support_group)
    with pytest.raises(SpecError) as err:
        load_design_space(str(path))
    line = err.value.one_line()
    assert "\n" not in line and str(path) in line
    assert "no_conference=drop" in line and "add it to exclude" in line


def test_a_combination_of_three_levers_invalid_together_is_refused(tmp_path):
    """Taking the vote from the Executive's two officers, or from its two police members,
    leaves 13 voting members, and a quorum of 12 is possible with either; with both, 11
    voting members cannot make a quorum of 12 (FE-EXEC-QUORUM). No two of the three levers
    are invalid together: only the three are, and the line names just those three."""

    def three(data):
        lever(data, "executive_quorum")["high"] = 12
        for who in ("officer", "police"):
            data["levers"].append({
                "id": f"{who}_vote", "rule": "FE-EXEC-MEMBERS", "base": "yes",
                "source": "Fifteen voting members, two of them officers and two police.",
                "options": {
                    "yes": {"says": f"the {who} members vote"},
                    "no": {"says": f"the {who} members do not vote", "bodies": [
                        {"body": "executive", "seats_with_role": who,
                         "set": {"voting": False}}]}}})  # fmt: skip

    path = write(tmp_path, three)
    with pytest.raises(SpecError) as err:
        load_design_space(str(path))
    line = err.value.one_line()
    assert "\n" not in line and str(path) in line and "quorum 12" in line
    levers = err.value.field[len("levers (") : -1].split(", ")
    assert sorted(levers) == ["executive_quorum=12", "officer_vote=no", "police_vote=no"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: lever(d, "executive_cadence").update(base=14), "levers", "base must be one"),
        (lambda d: lever(d, "executive_cadence").update(says="every week"), "levers",
         "{value}"),
        (lambda d: lever(d, "executive_cadence").update(bodies=["nobody"]), "levers",
         "no body 'nobody'"),
        (lambda d: d.update(exclude=[{"nothing": 1}]), "", "unknown lever"),
        (lambda d: d["objectives"].append({"indicator": "issues_decided"}), "objectives",
         "no better direction"),
        (lambda d: d["objectives"].append({"indicator": "happiness"}), "objectives",
         "unknown indicator"),
        (lambda d: lever(d, "focus")["options"].pop("people"), "levers", "at least two"),
    ],
)  # fmt: skip
def test_a_bad_space_is_one_line_naming_the_file_and_field(tmp_path, change, field, words):
    from sim.experiment.search import check_objectives

    path = write(tmp_path, change)
    with pytest.raises(SpecError) as err:
        check_objectives(load_design_space(str(path)))
    assert str(path) in err.value.one_line() and words in err.value.message
    assert err.value.field.startswith(field)


def test_an_excluded_combination_is_never_checked_or_proposed(tmp_path):
    from sim.experiment.search import DesignProblem

    def exclude(data):
        data["exclude"] = [{"no_conference": "drop", "urgent_strategic": "support_group"}]

    space = load_design_space(str(write(tmp_path, exclude)))
    design = design_from_values(space, {"no_conference": "drop", "urgent_strategic":
                                        "support_group"})  # fmt: skip
    assert space.excluded(design) and design not in designs_to_check(space)

    class NoRuns:
        indicators = ("named_weeks_to_decision",)

        def ensure(self, keys, *args):
            assert space.key(design) not in keys  # never run

    problem = DesignProblem(space, NoRuns(), [], 1)
    problem.evaluate([design])
    assert not problem.evaluated[space.key(design)].feasible


def test_the_command_refuses_a_bad_space_with_exit_2_and_no_traceback(tmp_path):
    path = write(tmp_path, lambda d: lever(d, "executive_cadence").update(high=2))
    done = subprocess.run([SIM, "search", str(path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()  # no run, no folder
    done = subprocess.run([SIM, "search", "nowhere"], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 2 and "nowhere" in done.stderr and "Traceback" not in done.stderr
