"""The named issue's pathway (issue 21, item 5): from the issue's arrival, not its first
event; every option on one time axis; who holds it from when to when, by title, the waiting
with nobody holding it in words; steps taken at a special meeting marked, in the report's
figure, in `sim trace` and in the app's pathway table.

The employer closure's joint LSP response is signed off at a special meeting of the county's
Accountable Bodies Group (seed 1, both structures); under the five-element structure the
Gloucester reply waits for the twice-yearly Conference."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from sim.analysis import report
from sim.analysis.pathway import (
    NOBODY,
    draw_timeline,
    meeting_kinds,
    shared_xlim,
    timeline,
)
from sim.app.logic import pathway_table, result_pathways
from sim.cli import main
from sim.experiment.results import load_results
from sim.model import run_once
from sim.spec import load_scenario, load_structure
from sim.spec.loading import SCENARIO_DIR

ISSUE = "employco-closure"


@pytest.fixture(scope="module")
def closure():
    """The employer closure at seed 1 under each structure: the run, its names, the timeline."""
    scenario = load_scenario("employer_closure")
    out = {}
    for name in ("five_element", "pilot"):
        spec = load_structure(name)
        result = run_once(spec, scenario, 1, {})
        out[name] = (result, spec.names_by_id(scenario.bodies), timeline(result, ISSUE))
    return out


def test_the_timeline_starts_at_arrival_and_shows_the_wait_for_the_conference(closure):
    result, _, line = closure["five_element"]
    assert line.arrival == 6.0
    first_action = min(e.time for e in line.events if not e.strand)
    assert first_action > line.arrival + 10  # the first body acts on it long after it arrives
    conference = [h for h in line.holdings if h.holder == "conference"]
    assert conference and conference[0].start == line.arrival and conference[0].strand
    assert conference[0].end - conference[0].start > 14  # the wait for the Conference
    waiting = [h for h in line.holdings if h.holder == ""]
    assert waiting and waiting[0].start == line.arrival  # nobody holds the issue itself
    assert line.stage not in ("closed", "dropped") and line.end == result.context["weeks"]
    # the pilot's Executive (a special meeting) replies within weeks
    _, _, pilot = closure["pilot"]
    executive = [h for h in pilot.holdings if h.holder == "executive"]
    assert executive and executive[0].end - executive[0].start < 5


def test_special_meetings_are_found_from_the_meetings_table(closure):
    result, _, line = closure["five_element"]
    kinds = meeting_kinds(result)
    specials = {k for k, v in kinds.items() if v == "special"}
    assert specials == {
        (b, float(t)) for b, t, k in result.meetings[["body", "time", "kind"]].itertuples(
            index=False) if k == "special"}  # fmt: skip
    assert [(e.body, e.action) for e in line.specials] == [("abg", "decided")]
    assert all(e.meeting != "special" for e in line.events if e.body != "abg")


def _figure(closure, name, xlim, n_rows=None):
    _, names, line = closure[name]
    fig, ax = plt.subplots()
    draw_timeline(ax, line, names, "#0072B2", xlim, n_rows)
    return fig, ax


def test_the_figure_labels_bodies_by_title_says_nobody_and_marks_the_special_meeting(closure):
    line = closure["five_element"][2]
    xlim = shared_xlim([c[2] for c in closure.values()])
    fig, ax = _figure(closure, "five_element", xlim)
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert NOBODY in labels
    assert "The Gloucester Partnership in Conference" in labels
    assert "Accountable Bodies Group" in labels
    assert not {"conference", "abg", "employco_task_group", "gsp"} & set(labels)  # no ids
    assert ax.get_xlim()[0] <= line.arrival < min(e.time for e in line.events)
    marked = [t for t in ax.texts if t.get_text() == "special meeting"]
    assert [t.xy[0] for t in marked] == [e.time for e in line.specials]
    row = labels.index("Accountable Bodies Group")
    assert [t.xy[1] for t in marked] == [row]
    plt.close(fig)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    assert main(["compare", str(SCENARIO_DIR / "employer_closure.yaml"), "--structures",
                 "five_element,pilot", "--replications", "2", "--workers", "1",
                 "--out", str(out)]) == 0  # fmt: skip
    return load_results(out)[0]


def test_the_report_draws_every_option_from_arrival_on_one_axis(compared):
    """Fails if an axis starts at the first event, if the options' axes differ, or if a
    special meeting goes unmarked."""
    axes, sizes, specials = {}, {}, 0
    for name in compared.structures:
        fig, caption = report._pathway(compared, name, f"title of {name}", "#D55E00")
        ax = fig.axes[0]
        line = report._pathway_runs(compared)[name]["timeline"]
        axes[name], sizes[name] = ax.get_xlim(), tuple(fig.get_size_inches())
        low, high = ax.get_xlim()
        assert low <= line.arrival < min(e.time for e in line.events), name
        assert high >= line.end, name
        marked = [t for t in ax.texts if t.get_text() == "special meeting"]
        assert len(marked) == len(line.specials), name
        specials += len(marked)
        assert f"arrives week {line.arrival:g}" in caption and ISSUE not in caption
        assert "special meeting" in caption
        plt.close(fig)
    assert len(set(axes.values())) == 1, axes  # one time axis for all options
    assert len(set(sizes.values())) == 1, sizes
    assert specials > 0  # the ABG's special meeting is in the runs drawn


def test_sim_trace_marks_steps_taken_at_a_special_meeting(capsys):
    assert main(["trace", "employer_closure", "--structure", "five_element", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    marked = [line for line in lines if line.endswith("(special meeting)")]
    assert len(marked) == 1 and " Accountable Bodies Group " in marked[0]
    assert "decided" in marked[0]
    regular = [line for line in lines
               if " The Gloucester Partnership in Conference " in line]  # fmt: skip
    assert regular and "special" not in regular[0]


def test_the_app_pathway_table_marks_special_meetings(closure):
    result, names, _ = closure["five_element"]
    paths = result_pathways(result, names)
    steps = paths[ISSUE].steps
    special = [s for s in steps if "at a special meeting" in s.note]
    assert [(s.body, s.action) for s in special] == [("Accountable Bodies Group", "decided")]
    table = pathway_table({"five_element": paths[ISSUE]}, ["five_element"], {"five_element": "A"})
    cells = [c for c in table["A"] if "(special meeting)" in c]
    assert len(cells) == 1 and "Accountable Bodies Group decided" in cells[0]
