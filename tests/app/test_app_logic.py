"""The browser app's logic, without a browser: knobs change the spec (and only the spec),
sliders are bounded by the documented plausible ranges, an uploaded file is read as the
command line reads it, and paired replications run in the background and can be cancelled."""

from __future__ import annotations

import math
import re
import time

import pandas as pd
import pytest

from sim.app import logic
from sim.errors import SpecError
from sim.spec import load_structure
from sim.spec.loading import STRUCTURE_DIR
from sim.spec.parameters import Parameters


@pytest.fixture(scope="module")
def pilot():
    return load_structure("pilot")


@pytest.fixture(scope="module")
def smoke():
    return logic.load_shipped_scenario("smoke")


def test_choices_are_the_shipped_files():
    assert {"five_element", "pilot", "county_scs_chapters"} <= set(logic.structure_names())
    assert "county" not in logic.structure_names()  # the layer, not an option
    assert {"employer_closure", "truancy", "smoke"} <= set(logic.scenario_names())


# -- sliders ---------------------------------------------------------------------------------
def test_every_slider_is_bounded_by_its_plausible_range():
    assert set(logic.MAIN_ASSUMPTIONS) <= set(logic.SLIDERS)
    for name, slider in logic.SLIDERS.items():
        low, high = Parameters.model_fields[name].json_schema_extra["plausible"]
        assert (slider.low, slider.high) == (low, high)
        assert slider.low <= slider.default <= slider.high
        assert slider.bounded(slider.high + 1e6) == slider.high
        assert slider.bounded(slider.low - 1e6) == slider.low
        assert 0 < slider.step <= slider.high - slider.low


def test_a_fixed_constant_has_no_slider_and_whole_numbers_step_by_one():
    assert "budget_renewal_weeks" not in logic.SLIDERS  # plausible range is one value
    assert logic.SLIDERS["max_rejections"].integer
    assert logic.SLIDERS["max_rejections"].bounded(1.4) == 1.0


def test_overrides_keep_only_changed_values_inside_their_range():
    out = logic.parameter_overrides({"attendance_base": 0.85, "consensus_probability": 5.0})
    assert out == {"consensus_probability": 0.9}  # the default dropped, the value bounded
    with pytest.raises(SpecError, match="unknown parameter"):
        logic.parameter_overrides({"no_such": 1.0})


# -- knobs -----------------------------------------------------------------------------------
def test_knobs_change_a_copy_of_the_spec_and_not_the_file(pilot):
    before = (STRUCTURE_DIR / "pilot.yaml").read_bytes()
    knobs = logic.Knobs(cadence_weeks=4.0, quorum=3, substitutes=False, special_meetings=False)
    changed = logic.apply_knobs(pilot, "executive", knobs)
    assert logic.knobs_of(changed, "executive") == knobs
    assert logic.knobs_of(pilot, "executive") != knobs  # the loaded spec is untouched
    assert (STRUCTURE_DIR / "pilot.yaml").read_bytes() == before
    executive = pilot.body("executive").name
    assert logic.changes(pilot, changed) == [
        f"{executive}: meets every 4 weeks (was every 13 weeks), quorum 3 voting members (was "
        "5), no substitutes (were allowed), no special meetings (could be called)"
    ]
    assert logic.changes(pilot, logic.resize(pilot, 4)) == [
        f"{executive}: quorum 4 voting members (was 5), 4 seats (was "
        f"{len(pilot.body('executive').members)})"
    ]
    others = [b for b in changed.bodies if b.id != "executive"]
    assert others == [b for b in pilot.bodies if b.id != "executive"]


def test_a_knob_that_breaks_a_rule_is_a_one_line_error(pilot):
    voting = logic.voting_members(pilot, "executive")
    too_many = logic.Knobs(13.0, voting + 1, True, True)
    with pytest.raises(SpecError) as err:
        logic.apply_knobs(pilot, "executive", too_many)
    line = err.value.one_line()
    assert "\n" not in line
    assert "bodies[executive].quorum" in line and "larger than" in line
    with pytest.raises(SpecError, match="outside 1 to 52"):
        logic.apply_knobs(pilot, "executive", logic.Knobs(80.0, 3, True, True))


def test_on_demand_and_back(pilot):
    group = "health_group"
    assert logic.knobs_of(pilot, group).cadence_weeks is None  # meets on demand
    fixed = logic.apply_knobs(pilot, group, logic.Knobs(8.0, 0, True, False))
    assert fixed.body(group).cadence_weeks == 8.0 and not fixed.body(group).on_demand
    back = logic.apply_knobs(fixed, group, logic.Knobs(None, 0, True, False))
    assert back.body(group).on_demand and back.body(group).cadence_weeks is None


def test_executive_size_shrinks_and_grows_and_keeps_the_quorum_possible(pilot):
    low, high = logic.size_range(pilot)
    seats = len(pilot.body("executive").members)
    assert low <= 4 < seats < high
    small = logic.resize(pilot, 4)
    assert len(small.body("executive").members) == 4
    assert small.body("executive").quorum <= logic.voting_members(small, "executive")
    assert any(s.chair for s in small.body("executive").members) == any(
        s.chair for s in pilot.body("executive").members
    )
    large = logic.resize(pilot, seats + 2)
    assert len(large.body("executive").members) == seats + 2
    with pytest.raises(SpecError, match="outside"):
        logic.resize(pilot, high + 1)


def test_the_knob_bodies_are_the_options_own_executive_first(pilot):
    bodies = logic.knob_bodies(pilot)
    assert bodies[0] == "executive"
    assert "gsp" not in bodies  # the county layer's, not the option's


# -- uploads ---------------------------------------------------------------------------------
def test_an_uploaded_bad_file_gives_the_one_line_error_of_the_command_line(tmp_path):
    text = (STRUCTURE_DIR / "pilot.yaml").read_text().replace("quorum: 5", "quorum: 50", 1)
    with pytest.raises(SpecError) as err:
        logic.load_uploaded_structure("../my option.yaml", text.encode())
    line = err.value.one_line()
    assert line.startswith("my_option.yaml: bodies[")
    assert "quorum 50 is larger than" in line and "\n" not in line
    from sim.spec.files import validate_file  # the CLI's `sim validate` says the same

    (tmp_path / "my_option.yaml").write_text(text)
    with pytest.raises(SpecError) as cli:
        validate_file(tmp_path / "my_option.yaml")
    assert cli.value.field == err.value.field and cli.value.message == err.value.message


def test_an_uploaded_file_that_is_not_yaml_or_too_big():
    with pytest.raises(SpecError, match=r"^x.yaml"):
        logic.load_uploaded_structure("x.yaml", b"name: [unclosed")
    with pytest.raises(SpecError, match="bytes"):
        logic.load_uploaded_structure("x.yaml", b"#" * (logic.MAX_FILE_BYTES + 1))


def test_a_good_upload_loads_nested_in_the_county():
    text = (STRUCTURE_DIR / "pilot.yaml").read_text().replace("name: pilot", "name: mine", 1)
    spec = logic.load_uploaded_structure("mine.yaml", text.encode())
    assert spec.name == "mine" and "gsp" in spec.body_ids


def _inside(outer: str, name: str = "probe") -> bytes:
    return f"name: {name}\ninside: {outer}\n".encode()


SECRET = "sim-app-secret-line: only the server may read this"


@pytest.fixture
def server_files(tmp_path, monkeypatch):
    """Files of the server's an upload must not reach: a secret text file, and a valid
    structure file (a copy of the pilot) elsewhere on disk; the working folder is theirs."""
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    (tmp_path / "valid.yaml").write_text(
        (STRUCTURE_DIR / "pilot.yaml").read_text().replace("name: pilot", "name: valid", 1)
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("outer", ["{folder}/secret.txt", "{folder}/valid.yaml",
                                   "{folder}/valid", "secret.txt", "valid.yaml", "valid",
                                   "./valid.yaml", "../{base}/valid.yaml", "/etc/passwd",
                                   "/etc/hostname", "~/.bashrc", "/dev/zero", "/proc/self/environ",
                                   "{folder}", "no_such_file.yaml"])  # fmt: skip
def test_an_upload_reads_no_file_of_the_server(server_files, outer):
    """An uploaded structure's ``inside`` names a shipped structure or a file uploaded in the
    same session, never a path: the error is the same whether the file exists or not, and
    echoes nothing of it."""
    outer = outer.format(folder=server_files, base=server_files.name)
    with pytest.raises(SpecError) as err:
        logic.load_uploaded_structure("probe.yaml", _inside(outer))
    line = err.value.one_line()
    assert line == (f"probe.yaml: inside: the outer structure '{outer}' is neither a shipped "
                    "structure (county, county_scs_chapters, do_minimum, five_element, "
                    "garbage_can, pilot) nor a file uploaded in this session")  # fmt: skip
    assert SECRET not in line and "root:" not in line


def test_an_upload_builds_on_a_shipped_structure_or_one_uploaded_in_the_session(server_files):
    lean = logic.load_uploaded_structure("lean.yaml", _inside("pilot", "lean"))
    assert lean.name == "lean" and "gsp" in lean.body_ids  # the pilot, inside the county
    assert lean.sources["structure"] == "lean.yaml"
    assert lean.sources["body:executive"] == "pilot (shipped)"  # no path of the server
    # one upload on another: by its file name, with or without .yaml
    base = (STRUCTURE_DIR / "pilot.yaml").read_text().replace("name: pilot", "name: base", 1)
    others = {"base.yaml": base.encode()}
    for outer in ("base", "base.yaml"):
        spec = logic.load_uploaded_structure("on_base.yaml", _inside(outer, "on_base"), others)
        assert spec.name == "on_base" and spec.sources["body:executive"] == "base.yaml"
    # a name uploaded in another session (not in ``others``) is not found
    with pytest.raises(SpecError, match="nor a file uploaded in this session"):
        logic.load_uploaded_structure("on_base.yaml", _inside("base", "on_base"))
    # an upload's errors name uploaded files by their names, never a temporary path
    broken = {"base.yaml": base.replace("quorum: 5", "quorum: 50", 1).encode()}
    with pytest.raises(SpecError) as err:
        logic.load_uploaded_structure("on_base.yaml", _inside("base", "on_base"), broken)
    assert err.value.one_line().startswith("base.yaml: bodies[")
    assert "sim-app-" not in err.value.one_line()


def test_an_uploaded_name_is_never_a_path():
    assert logic.upload_name("../../etc/passwd") == "passwd"
    assert logic.upload_name("..") == "upload.yaml"
    assert logic.upload_name(".hidden.yaml") == "hidden.yaml"
    assert logic.upload_name("C:\\x\\my option.yaml") == "C_x_my_option.yaml"
    assert len(logic.upload_name("a" * 500 + ".yaml")) <= 64


# -- running ---------------------------------------------------------------------------------
def test_options_must_be_two_with_distinct_names(pilot, smoke):
    with pytest.raises(SpecError, match="at least two"):
        logic.check_options(smoke, [logic.Option(pilot, "pilot")])
    with pytest.raises(SpecError, match="its own name"):
        logic.check_options(smoke, [logic.Option(pilot, "pilot"), logic.Option(pilot, "b")])


def test_a_paired_job_runs_in_the_background_and_compares(pilot, smoke):
    changed = logic.renamed(logic.resize(pilot, 6), "pilot_small")
    seen = []
    job = logic.PairedJob(smoke, [logic.Option(pilot, "pilot"), logic.Option(changed, "pilot")],
                          3, executor="serial")  # fmt: skip
    job.listeners.append(lambda j: seen.append(j.done))
    job.start()
    assert job.wait(120) and job.state == "finished", job.error
    assert seen[-1] == job.total == 6 and seen == sorted(seen)
    out = job.outcome
    assert set(out.runs["structure"]) == {"pilot", "pilot_small"}
    table = logic.verdict_table(out.table, out.names)
    assert list(table.columns[:3]) == ["indicator", "pilot", "pilot_small"]
    assert "verdict (pilot_small)" in table.columns
    paths = logic.pathways(out)
    assert "city-regeneration-plan" in paths
    side = logic.pathway_table(paths["city-regeneration-plan"], out.names)
    assert list(side.columns) == out.names and side.iloc[-1, 0].startswith("now: ")
    # bodies by their display names, not their file ids
    steps = paths["city-regeneration-plan"]["pilot"].steps
    names = set(pilot.names_by_id(out.scenario.bodies).values())
    assert steps and all(s.body in names or s.body == "(arrives)" for s in steps)
    assert any(s.body == pilot.body("executive").name for s in steps)


def test_the_same_options_give_the_same_table_as_the_file_core(pilot, smoke):
    """Specs held in memory run exactly as the files they came from."""
    from sim.experiment.runner import run_paired

    five = load_structure("five_element")
    job = logic.PairedJob(smoke, [logic.Option(five, "five_element"),
                                  logic.Option(pilot, "pilot")], 2, executor="serial")  # fmt: skip
    job.start().wait(120)
    runs = run_paired(smoke.source, ["five_element", "pilot"], 2, 1, progress=False)["summary"]
    assert job.outcome.runs["issues_decided"].tolist() == runs["issues_decided"].tolist()


def test_a_paired_job_can_be_cancelled(pilot, smoke):
    five = load_structure("five_element")
    job = logic.PairedJob(smoke, [logic.Option(five, "five_element"),
                                  logic.Option(pilot, "pilot")], 50, executor="serial")  # fmt: skip
    job.listeners.append(lambda j: j.cancel() if j.done >= 2 else None)
    start = time.perf_counter()
    job.start()
    assert job.wait(120)
    assert job.state == "cancelled" and job.outcome is None
    assert job.done < job.total and time.perf_counter() - start < 60


def test_too_many_replications_is_refused(pilot, smoke):
    five = load_structure("five_element")
    options = [logic.Option(five, "five_element"), logic.Option(pilot, "pilot")]
    with pytest.raises(SpecError, match="replications"):
        logic.PairedJob(smoke, options, logic.MAX_REPLICATIONS + 1)


def test_a_stepped_model_says_what_happened_this_week(pilot, smoke):
    from sim.model import PartnershipModel

    model = PartnershipModel(pilot, smoke, rng=1)
    held = []
    for _ in range(30):
        before = model.time
        model.step()
        events = logic.week_events(model, before)
        held += events["meetings"]
        assert all(math.isfinite(float(m.split()[1].rstrip(":"))) for m in events["meetings"])
    assert model.time == 30 and held
    title = next(i.title for i in model.issues if i.id == "city-regeneration-plan")
    assert any(title in m for m in logic.week_events(model, 0)["moves"])
    assert not any("city-regeneration-plan" in m for m in logic.week_events(model, 0)["moves"])


def test_the_step_view_speaks_of_bodies_and_issues_in_plain_words(pilot):
    """Bodies by their names, issues by their titles; a meeting short of its quorum is said
    to be inquorate, a special meeting to be one; an issue no body holds waits for one."""
    from sim.model import PartnershipModel

    truancy = logic.load_shipped_scenario("truancy")
    model = PartnershipModel(pilot, truancy, rng=1)
    model.run_until(104)
    said = logic.week_events(model, 0)
    text = "\n".join(said["meetings"] + said["moves"] + logic.issue_places(model))
    ids = {b.id for b in [*pilot.bodies, *truancy.bodies]} | {i.id for i in model.issues}
    assert not [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)
                and i not in {b.name for b in pilot.bodies}]  # fmt: skip
    assert "(nobody)" not in text
    inquorate = [m for m in model.meetings if m.quorum and not m.quorate]
    assert inquorate, "no inquorate meeting in two years: the test shows nothing"
    assert sum("inquorate" in m for m in said["meetings"]) == len(inquorate)
    special = sum(m.kind == "special" for m in model.meetings)
    assert special, "no special meeting in two years: the test shows nothing"
    assert sum("special meeting" in m for m in said["meetings"]) == special
    waiting = [i for i in model.issues if not i.holder and i.stage.value not in
               ("closed", "dropped")]  # fmt: skip
    places = logic.issue_places(model)
    assert sum("waiting for a body to take it up" in p for p in places) == len(waiting)


def test_options_show_display_names_and_keep_the_reports_colours(pilot):
    from sim.analysis.palette import structure_colours

    five = load_structure("five_element")
    changed = logic.renamed(logic.resize(pilot, 6), "pilot_changed", f"{pilot.display_name} *")
    options = [logic.Option(five, "five_element"), logic.Option(changed, "pilot", base="pilot")]
    assert logic.labels(options) == {"five_element": five.display_name,
                                     "pilot_changed": f"{pilot.display_name} *"}  # fmt: skip
    report = structure_colours(["five_element", "pilot"])
    assert logic.colours(options) == {"five_element": report["five_element"],
                                      "pilot_changed": report["pilot"]}  # fmt: skip
    assert logic.scenario_titles()["smoke"] == logic.load_shipped_scenario("smoke").display_name


def test_the_verdict_table_is_headed_by_display_names(pilot, smoke):
    five = load_structure("five_element")
    options = [logic.Option(five, "five_element"), logic.Option(pilot, "pilot")]
    job = logic.PairedJob(smoke, options, 3, executor="serial").start()
    assert job.wait(120) and job.state == "finished", job.error
    shown = logic.labels(options)
    table = logic.verdict_table(job.outcome.table, job.outcome.names, shown)
    assert list(table.columns[:3]) == ["indicator", five.display_name, pilot.display_name]
    assert f"verdict ({pilot.display_name})" in table.columns


def test_a_stepped_model_says_where_each_issue_is(pilot, smoke):
    from sim.model import PartnershipModel

    model = PartnershipModel(pilot, smoke, rng=1)
    assert logic.issue_places(model) == []
    model.run_until(30)
    places = logic.issue_places(model)
    assert places and len(places) == len(model.issues)
    assert all(re.match(r"^.+: (with .+ \(\w|waiting for a body|closed|dropped)", p)
               for p in places)  # fmt: skip


def test_the_runs_go_where_sim_app_says():
    from sim.app.serve import runs_env

    assert logic.executor_settings({}) == {"executor": "processes", "workers": None,
                                           "scheduler": None}  # fmt: skip
    env = runs_env("dask", 2, "tcp://127.0.0.1:8786")
    assert logic.executor_settings(env) == {"executor": "dask", "workers": 2,
                                            "scheduler": "tcp://127.0.0.1:8786"}  # fmt: skip
    with pytest.raises(SpecError, match="give serial, processes or dask"):
        logic.executor_settings({"SIM_APP_EXECUTOR": "gpu"})


def test_a_paired_job_on_dask_gives_the_table_of_the_process_pool(pilot, smoke):
    """The same choices give the same table, wherever the runs go."""
    five = load_structure("five_element")
    options = [logic.Option(five, "five_element"), logic.Option(pilot, "pilot")]
    tables = []
    for executor in ("dask", "serial"):
        job = logic.PairedJob(smoke, options, 2, root_seed=7, workers=2, executor=executor)
        assert job.start().wait(300) and job.state == "finished", job.error
        tables.append(logic.verdict_table(job.outcome.table, job.outcome.names))
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_the_page_shows_the_reports_first_screen(pilot, smoke):
    """The verdict is the report's (sim.analysis.verdict, report.summary_html): the same
    indicators judged, the same fragment, its stylesheet scoped so that the page keeps its own."""
    from types import SimpleNamespace

    from sim.analysis import report
    from sim.analysis.verdict import CRITERION_TEXT, Summary

    five = load_structure("five_element")
    changed = logic.renamed(logic.resize(pilot, 6), "pilot_changed", "Pilot, six seats")
    options = [logic.Option(five, "five_element"), logic.Option(changed, "pilot", base="pilot")]
    job = logic.PairedJob(smoke, options, 3, executor="serial").start()
    assert job.wait(120) and job.state == "finished", job.error
    out = job.outcome
    measured = {k: v for k, v in report._catalogue(SimpleNamespace(runs=out.runs), smoke).items()
                if out.runs[k].notna().any()}  # fmt: skip
    assert list(logic.catalogue(out.runs, smoke)) == list(measured)
    assert isinstance(out.summary, Summary) and out.summary.options == out.names
    assert out.summary.colours == logic.colours(options)  # the changed pilot stays vermillion
    assert out.summary.replications == 3 and set(out.key) <= set(out.table["indicator"])
    page = logic.first_screen_html(out.summary)
    fragment = report.summary_html(out.summary).split("</style>", 1)[1]
    assert page.endswith(f'<div class="first-screen">{fragment}</div>')
    assert "Pilot, six seats" in page and any(t in page for t in CRITERION_TEXT.values())
    css = page.split("<style>", 1)[1].split("</style>", 1)[0]
    for rule in css.splitlines():
        selectors = rule.split("{", 1)[0]
        assert all(s.strip().startswith(".first-screen") for s in selectors.split(",")), rule


def test_scoped_css_prefixes_every_selector_and_drops_print_rules():
    css = """/* c */ :root { --a: 1; } body { color: red; } h1, .x td { margin: 0; }
    @media print { body { font-size: 9pt; } .y { display: none; } } .z { top: 0; }"""
    assert logic.scoped_css(css, "s").splitlines() == [
        ".s {--a: 1;}",
        ".s {color: red;}",
        ".s h1, .s .x td {margin: 0;}",
        ".s .z {top: 0;}",
    ]


def test_the_worked_examples_robustness_run_informs_the_first_screen(pilot):
    """Unchanged shipped options on a worked example: the verdicts say whether they hold over
    the plausible assumptions, as `sim report --robustness` does; a changed option is not
    what the robustness run was about."""
    closure = logic.load_shipped_scenario("employer_closure")
    assert logic.robustness_for(closure, ["five_element", "pilot"]) is not None
    assert logic.robustness_for(closure, ["five_element", "pilot_changed"]) is None
    smoke = logic.load_shipped_scenario("smoke")
    assert logic.robustness_for(smoke, ["five_element", "pilot"]) is None
    options = [logic.Option(load_structure("five_element"), "five_element"),
               logic.Option(pilot, "pilot")]  # fmt: skip
    job = logic.PairedJob(closure, options, 11, executor="serial")  # enough pairs to judge
    assert job.start().wait(300) and job.state == "finished", job.error
    said = [v.robustness for row in job.outcome.summary.rows for v in row["verdicts"]]
    assert any(said)
    assert not any("No robustness run" in c for c in job.outcome.summary.caveats)


def test_sim_app_on_a_port_in_use_is_one_line_before_any_server_starts(capsys):
    import socket

    from sim.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: --port {port}: cannot listen on")


# -- the verdict on screen and the choices -------------------------------------------------------
def test_a_verdict_is_stale_once_any_choice_changes_and_current_after_a_run_of_them(pilot, smoke):
    five = load_structure("five_element")
    options = [logic.Option(five, "five_element"), logic.Option(pilot, "pilot")]
    job = logic.PairedJob(smoke, options, 2, 1, {"attendance_base": 0.7}, executor="serial")
    assert job.start().wait(120) and job.state == "finished", job.error
    outcome = job.outcome
    same = dict(scenario="smoke", options=options, replications=2, root_seed=1,
                parameters={"attendance_base": 0.7})  # fmt: skip
    assert logic.stale_reasons(outcome, **same) == [] and logic.stale_note([]) == ""
    changed = logic.apply_knobs(pilot, "executive", logic.Knobs(8.0, 5, True, True))
    knobbed = [options[0], logic.Option(changed, "pilot", base="pilot")]
    uploaded = [*options, logic.Option(pilot.model_copy(update={"name": "up"}), "up.yaml")]
    for change, reason in [
        ({"scenario": "truancy"}, "the scenario"),
        ({"options": options[::-1]}, "the options chosen"),
        ({"options": uploaded}, "the options chosen"),
        ({"options": knobbed}, "the structural knobs"),
        ({"parameters": {"attendance_base": 0.65}}, "the assumptions"),
        ({"parameters": {}}, "the assumptions"),
        ({"parameters": None}, "the assumptions"),
        ({"replications": 30}, "the replications or root seed"),
        ({"root_seed": 2}, "the replications or root seed"),
    ]:
        assert logic.stale_reasons(outcome, **{**same, **change}) == [reason], change
    both = logic.stale_reasons(outcome, **{**same, "scenario": "truancy", "parameters": {}})
    note = logic.stale_note(both)
    assert note == ("These results are for the earlier choices (changed since: the scenario "
                    "and the assumptions): press Run to update.")  # fmt: skip


def test_the_assumptions_changed_are_said_by_their_titles():
    said = logic.assumption_changes({"attendance_base": 0.65})
    assert said == ["the chance that a committed member attends 0.65 (default 0.85)"]
    assert "attendance_base" not in "".join(said)


def test_progress_says_when_the_runs_are_done_and_the_verdict_is_being_computed(pilot, smoke):
    five = load_structure("five_element")
    job = logic.PairedJob(smoke, [logic.Option(five, "five_element"),
                                  logic.Option(pilot, "pilot")], 2, executor="serial")  # fmt: skip
    states = []
    job.listeners.append(lambda j: states.append((j.state, j.done)))
    assert job.start().wait(120) and job.state == "finished", job.error
    assert ("comparing", job.total) in states  # every run done, the comparison under way
    after = states[states.index(("comparing", job.total)) + 1 :]
    assert after == [("finished", job.total)]  # and then the verdict
    line = logic.progress_line(2, 4, 4, "comparing")
    assert line == "Run 2: 4 of 4 runs (all runs done; computing the verdict)"
    assert "running" not in line
    assert logic.progress_line(3, 0, 4, "waiting", 1) == ("Run 3: 0 of 4 runs (waiting for its "
                                                          "turn: 1 before it)")  # fmt: skip
