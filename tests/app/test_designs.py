"""The app's Designs page without a browser: the shipped searches listed (and a damaged or
foreign folder reported in one line, naming no path of the server), the set as a board reads
it (findings first, the others set apart and said to be so, every word from a file escaped),
a pick building the comparison's three options from the shipped files, and a hostile index
refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.app import designs, logic
from sim.errors import SpecError
from sim.spec import load_structure
from sim.spec.loading import WORKED_SEARCHES_DIR

HOSTILE = "<img src=x onerror=alert(1)> {{ 7*191 }}"


@pytest.fixture(scope="module")
def shipped():
    found, problems = designs.shipped_searches()
    assert not problems, problems
    assert found, "no shipped search (docs/search/SCENARIO/set.json)"
    return found


def a_search(root: Path, name: str = "employer_closure") -> Path:
    """A copy of a shipped search's folder under ``root``, with a set of three: design 1
    confirmed (as shipped), design 2 with no advantage and design 3 not confirmed (its gains
    hostile text); the three share the shipped design's structure file."""
    source = next(p for p in sorted(WORKED_SEARCHES_DIR.iterdir()) if (p / "set.json").is_file())
    folder = root / name
    shutil.copytree(source, folder)
    data = json.loads((folder / "set.json").read_text())
    first = data["designs"][0]
    data["designs"] = [first]
    for number, status, gains in ((2, "no advantage", []),
                                  (3, "not confirmed", [HOSTILE + ", not confirmed"])):  # fmt: skip
        file = f"designs/design-{number:02d}.yaml"
        shutil.copy(folder / first["file"], folder / file)
        data["designs"].append({**first, "number": number, "status": status, "gains": gains,
                                "losses": ["member-hours a year: 9 hours more"],
                                "needs": [f"need {number}"], "file": file})  # fmt: skip
    (folder / "set.json").write_text(json.dumps(data))
    return folder


# -- the list --------------------------------------------------------------------------------------
def test_every_shipped_folder_with_a_set_is_listed_by_its_scenarios_title(shipped):
    folders = [p for p in WORKED_SEARCHES_DIR.iterdir() if (p / "set.json").is_file()]
    assert sorted(s.name for s in shipped) == sorted(p.name for p in folders)
    for search in shipped:
        scenario = logic.load_shipped_scenario(search.saved.scenario)
        assert search.title.startswith(f"{scenario.display_name}: ")
        assert search.saved.scenario not in search.title  # the scenario in words, not its id
        assert search.saved.designs and search.saved.base in logic.structure_names()


def test_a_damaged_or_foreign_folder_is_reported_in_one_line_naming_no_path(tmp_path):
    a_search(tmp_path, "good")
    broken = a_search(tmp_path, "damaged")
    (broken / "set.json").write_text("{not json")
    escape = a_search(tmp_path, "escape")
    data = json.loads((escape / "set.json").read_text())
    data["designs"][0]["file"] = "../../../etc/passwd"
    (escape / "set.json").write_text(json.dumps(data))
    foreign = a_search(tmp_path, "foreign")
    data = json.loads((foreign / "set.json").read_text())
    data["scenario"] = "/etc/passwd"
    (foreign / "set.json").write_text(json.dumps(data))
    missing = a_search(tmp_path, "missing")
    (missing / "designs" / "design-03.yaml").unlink()
    (tmp_path / "no_set").mkdir()  # a folder without a set.json is not a search

    found, problems = designs.shipped_searches(tmp_path)
    assert [s.name for s in found] == ["good"]
    assert len(problems) == 4, problems
    for problem in problems:
        assert "\n" not in problem and str(tmp_path) not in problem, problem
    said = "\n".join(problems)
    assert "the search damaged: damaged" in said
    assert "the search escape: designs[1]: '../../../etc/passwd' is not design 1's file" in said
    assert "the search foreign: scenario: '/etc/passwd' is not a shipped scenario" in said
    assert "the search missing: designs[3]: its structure file" in said


# -- the set in words ------------------------------------------------------------------------------
def test_findings_come_first_and_the_others_are_set_apart_and_said_to_be(tmp_path):
    a_search(tmp_path)
    search = designs.shipped_searches(tmp_path)[0][0]
    assert [d.number for d in search.findings] == [1]
    assert [d.number for d in search.set_apart] == [2, 3]
    text = designs.set_html(search)
    finding = text.index('data-number="1"')
    apart = text.index('<div class="set-apart">')
    assert text.index("Designs whose advantages held out of sample") < finding < apart
    assert apart < text.index('data-number="2"') and apart < text.index('data-number="3"')
    assert "they are not findings" in text
    assert text.count("design-not-finding") == 2 and text.count("design-finding") == 1
    assert "not confirmed: none of the advantages it claimed held" in text
    assert "no advantage: it claimed no advantage over business as usual" in text
    assert "need 3" in text and "member-hours a year: 9 hours more" in text
    assert "not a recommendation" in text
    said, seeds = designs.convergence(search)
    assert seeds and all(s.startswith("seed ") for s in seeds)
    assert ("still improving" in said) == any("still rising" in s for s in seeds)
    assert [c["value"] for c in designs.design_choices(search)] == [1, 2, 3]


def test_every_word_from_a_file_is_shown_escaped(tmp_path):
    a_search(tmp_path)
    search = designs.shipped_searches(tmp_path)[0][0]
    text = designs.set_html(search)
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; {{ 7*191 }}" in text


def test_a_set_with_no_finding_says_so(tmp_path):
    folder = a_search(tmp_path)
    data = json.loads((folder / "set.json").read_text())
    data["designs"][0]["status"] = "not confirmed"
    (folder / "set.json").write_text(json.dumps(data))
    search = designs.shipped_searches(tmp_path)[0][0]
    assert not search.findings
    assert "the search found no design to put to the board" in designs.set_html(search)


# -- a pick ----------------------------------------------------------------------------------------
def test_a_pick_builds_the_three_options_from_the_shipped_files(shipped):
    for index, search in enumerate(shipped):
        assert designs.chosen_search(index, shipped) is search
        design = designs.chosen_design(1, search)
        assert design.number == 1
        options = designs.design_options(search, design)
        base, mine, *others = options
        assert base.spec == load_structure(search.saved.base)
        shipped_file = WORKED_SEARCHES_DIR / search.name / "designs" / "design-01.yaml"
        from_file = load_structure(str(shipped_file))
        assert mine.spec == from_file.model_copy(update={"title": "Design 1 of the search"})
        assert mine.name != base.name
        changed = mine.spec.bodies != base.spec.bodies or mine.spec.routing != base.spec.routing
        assert changed, "the design is business as usual"
        assert [o.name for o in others] == search.saved.compare_with
        assert [o.spec for o in others] == [load_structure(n) for n in search.saved.compare_with]
        job = designs.design_job(search, design, replications=3)
        assert isinstance(job, logic.PairedJob) and job.state == "ready"
        assert job.scenario.name == search.saved.scenario
        assert [o.name for o in job.options] == [o.name for o in options]
        assert job.total == 3 * len(options) and job.parameters == {}


@pytest.mark.parametrize("value", ["0", True, -1, 1.5, None, "../../etc/passwd", [0], {"a": 1},
                                   10**30, float("nan"), float("inf")])  # fmt: skip
def test_a_hostile_index_is_refused_in_one_line(shipped, value):
    with pytest.raises(SpecError, match="is not one of the") as raised:
        designs.chosen_search(value, shipped)
    assert "\n" not in raised.value.one_line()
    with pytest.raises(SpecError, match="is not a design of this search"):
        designs.chosen_design(value, shipped[0])
    with pytest.raises(SpecError):
        designs.chosen_search(len(shipped), shipped)
    with pytest.raises(SpecError):
        designs.chosen_design(0, shipped[0])
    with pytest.raises(SpecError):
        designs.chosen_design(len(shipped[0].saved.designs) + 1, shipped[0])


def test_a_figure_is_one_of_the_searchs_own(shipped):
    assert shipped[0].figure("parallel").startswith(b"\x89PNG")
    with pytest.raises(SpecError, match="is not a figure of a search"):
        shipped[0].figure("../../set")


def test_a_designs_comparison_runs_and_judges_the_design_against_business_as_usual(shipped):
    search = shipped[0]
    design = designs.chosen_design(1, search)
    job = designs.design_job(search, design, replications=3)
    job.executor_kind = "serial"
    job.start()
    assert job.wait(600) and job.state == "finished", job.error
    outcome = job.outcome
    names = [o.name for o in outcome.options]
    assert names[0] == search.saved.base and set(outcome.runs["structure"]) == set(names)
    first = logic.first_screen_html(outcome.summary)
    assert outcome.options[1].label in first and outcome.options[0].label in first


# -- the page's handlers (Solara, no browser) ------------------------------------------------------
def test_the_pages_handlers_refuse_a_hostile_message_without_a_traceback(shipped):
    page = pytest.importorskip("sim.app.designs_page", reason="the app's extra is not installed")
    page.choose_search(0)
    page.choose_design(1)
    assert (page.search_index.value, page.design_number.value, page.error.value) == (0, 1, "")
    for value in ("1", True, -5, 99, None, "x" * 10_000):
        page.choose_search(value)
        assert page.search_index.value == 0
        assert page.error.value.startswith("search: ") and "\n" not in page.error.value
        assert len(page.error.value) < 200
        page.choose_design(value)
        assert page.design_number.value == 1
        assert page.error.value.startswith("design: ")
    page.set_replications("lots")
    page.set_replications(10**9)
    assert page.replications.value == logic.MAX_REPLICATIONS
