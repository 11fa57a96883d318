"""The app's Designs page (Solara): the shipped design searches as a board reads them, and one
design compared with business as usual and the pilot, with the verdict first screen of the
app's main page.

Every number and word comes from :mod:`sim.app.designs` (the searches, the set in words, the
pick, the comparison: the app's own :class:`sim.app.logic.PairedJob`) and the main page's
helpers (:mod:`sim.app.page`: the first screen, tables, the key indicators' figure). The
browser sends only an index into the list of searches and a design's number; both are
checked, and anything else is refused in one line.
"""

from __future__ import annotations

import solara
from reacton import ipyvuetify as v

from sim.app import designs, logic
from sim.app import page as app_page
from sim.errors import SpecError

# -- state (one copy per browser session) ----------------------------------------------------------
search_index = solara.reactive(0)
design_number = solara.reactive(1)
replications = solara.reactive(designs.REPLICATIONS)
job: solara.Reactive[logic.PairedJob | None] = solara.reactive(None)
done = solara.reactive(0)
ahead = solara.reactive(0)
status = solara.reactive("")
started = solara.reactive(0)
error = solara.reactive("")  # a refused message or a failed run, in one line
shown: solara.Reactive[logic.Outcome | None] = solara.reactive(None)
shown_design = solara.reactive("")  # which design the verdict on screen is about, in words
figure = solara.reactive(b"")

_SEARCHES: list = []  # read once per server: the shipped files do not change under it


def searches() -> tuple[list[designs.ShippedSearch], list[str]]:
    if not _SEARCHES:
        _SEARCHES.append(designs.shipped_searches())
    return _SEARCHES[0]


CSS = """
.design-set h2 { font-size: 1.15rem; margin: 0.8em 0 0.3em 0; }
.design { border-left: 5px solid #0072B2; padding: 0.2em 0.8em; margin: 0.6em 0; }
.design h3 { font-size: 1rem; margin: 0.2em 0; }
.design ul { margin: 0.1em 0 0.4em 0; }
.design-not-finding { border-left-color: #D55E00; opacity: 0.85; }
.set-apart { background: #fbf3ee; padding: 0.4em 0.8em; margin-top: 1em; }
.design-caveat, .design-coverage, .design-measures { color: #444; font-size: 0.9rem; }
.parallel-figure img, img.parallel-figure { max-width: 100%; height: auto; }
"""


# -- the browser's messages, checked ---------------------------------------------------------------
def choose_search(value) -> None:
    found, _ = searches()
    try:
        designs.chosen_search(value, found)
    except SpecError as exc:  # only a hostile client sends an index not in the list
        error.set(exc.one_line())
        return
    error.set("")
    search_index.set(int(value))
    design_number.set(1)


def choose_design(value) -> None:
    found, _ = searches()
    try:
        search = designs.chosen_search(search_index.value, found)
        design_number.set(designs.chosen_design(value, search).number)
    except SpecError as exc:
        error.set(exc.one_line())
        return
    error.set("")


def set_replications(value) -> None:
    count = app_page.number(value, whole=True)
    if count is not None:
        replications.set(min(max(count, 2), logic.MAX_REPLICATIONS))


# -- running ---------------------------------------------------------------------------------------
@solara.lab.task(prefer_threaded=True)
def run_design() -> None:
    current = job.value
    if current is None:
        return
    app_page.follow(current, done, ahead, status)
    if current.state == "failed":
        error.set(current.error)
    elif current.state == "finished" and current.outcome is not None:
        figure.set(b"")
        shown.set(current.outcome)
        status.set(current.state)
        figure.set(app_page._key_figure(current.outcome))
    status.set(current.state)


def start_design_run() -> None:
    """Compare the chosen design (checked again: the state may be a hostile client's) with
    business as usual and the search's other options, on the app's run service."""
    from sim.app.runs import service

    error.set("")
    found, _ = searches()
    try:
        search = designs.chosen_search(search_index.value, found)
        design = designs.chosen_design(design_number.value, search)
        new = designs.design_job(search, design, replications.value)
        service().submit(new, app_page.session_key())
    except SpecError as exc:
        error.set(exc.one_line())
        return
    done.set(0)
    status.set(new.state)
    started.set(started.value + 1)
    shown_design.set(
        f"design {design.number} of the search, in the scenario “{search.scenario.display_name}”"
    )
    job.set(new)
    run_design()


# -- components ------------------------------------------------------------------------------------
@solara.component
def SearchSet(search: designs.ShippedSearch):
    text = solara.use_memo(lambda: designs.set_html(search), dependencies=[search.name])
    parallel = solara.use_memo(lambda: search.figure("parallel"), dependencies=[search.name])
    said, seeds = designs.convergence(search)
    with solara.Card(classes=["search-set"]):
        app_page.escaped(f"Against {_base_label(search)} (business as usual), in the scenario "
                         f"“{search.scenario.display_name}”.", tag="p",
                         classes=["search-against"])  # fmt: skip
        solara.HTML(tag="div", unsafe_innerHTML=text, classes=["design-set-box"])
    with solara.Card("The set, objective by objective", classes=["search-figure"]):
        app_page.escaped("Each line is one design (numbered as above): how much better than "
                         "business as usual it did when checked out of sample, on each thing "
                         "the search weighed, in smallest differences that matter; up is "
                         "better. Dotted lines are designs that are not findings.",
                         tag="p")  # fmt: skip
        if parallel:
            solara.Image(parallel, classes=["parallel-figure"])
        else:
            solara.Text("(this search has no figure)")
        app_page.escaped(said, tag="p", classes=["search-convergence"])
        if seeds:
            with solara.Details("The search's own words on convergence, run by run"):
                for line in seeds:
                    app_page.escaped(line, tag="div", classes=["search-seed"])


def _base_label(search: designs.ShippedSearch) -> str:
    return app_page.shipped_spec(search.saved.base).display_name


@solara.component
def CompareDesign(search: designs.ShippedSearch):
    running = run_design.pending
    current = job.value
    others = [app_page.shipped_spec(n).display_name for n in search.saved.compare_with]
    with solara.Card("Compare one design", classes=["compare-design"]):
        app_page.escaped(
            f"Runs the chosen design against {_base_label(search)} (business as usual)"
            + (f" and {', '.join(others)}" if others else "")
            + f" in the scenario “{search.scenario.display_name}”, in paired replications at "
            "the default assumptions, and shows the verdict as the main page does.",
            tag="p",
        )
        with solara.Row():
            with solara.Div(style={"flex": "1"}):
                v.Select(label="Design", items=designs.design_choices(search),
                         v_model=design_number.value, on_v_model=choose_design,
                         class_="choose-design")  # fmt: skip
            with solara.Div(style={"flex": "2"}):
                app_page.labelled_slider("replications per option", replications.value, 2,
                                         logic.MAX_REPLICATIONS, 1, set_replications,
                                         "design-replications", whole=True)  # fmt: skip
        with solara.Row():
            solara.Button("Compare", color="primary", on_click=start_design_run,
                          disabled=running, classes=["compare-design-button"])  # fmt: skip
            solara.Button("Cancel", on_click=lambda: current and current.cancel(),
                          disabled=not running, classes=["cancel-design-button"])  # fmt: skip
        if current is not None and status.value:
            share = 100 * done.value / max(current.total, 1)
            solara.ProgressLinear(value=share if running or share < 100 else 100,
                                  classes=["design-progress-bar"])  # fmt: skip
            solara.Text(logic.progress_line(started.value, done.value, current.total,
                                            status.value, ahead.value),
                        classes=["design-progress"])  # fmt: skip


@solara.component
def DesignVerdict():
    outcome = shown.value
    first = solara.use_memo(
        lambda: logic.first_screen_html(outcome.summary) if outcome is not None else "",
        dependencies=[id(outcome)],
    )
    if outcome is None:
        return
    names = outcome.names
    shown_names = logic.labels(outcome.options)
    colours = {shown_names[n]: c for n, c in logic.colours(outcome.options).items()}
    with solara.Card(classes=["design-verdict"]):
        if status.value == "cancelled":
            solara.Warning("The last comparison was cancelled; this is the one before it.")
        app_page.escaped(f"The verdict for {shown_design.value}:", tag="p",
                         classes=["design-verdict-about"])  # fmt: skip
        solara.HTML(tag="div", unsafe_innerHTML=first, classes=["first-screen-box"])
        app_page.escaped(f"{outcome.replications} paired replications per option, root seed "
                         f"{outcome.root_seed}, at the default assumptions.",
                         classes=["run-assumptions"])  # fmt: skip
    with solara.Card("Key indicators with their 95% intervals", classes=["key-indicators"]):
        with solara.Row(style={"flex-wrap": "wrap"}):
            for label, colour in colours.items():
                app_page.swatch(label, colour)
        table = logic.verdict_table(outcome.table, names, shown_names, outcome.key)
        solara.HTML(tag="div", unsafe_innerHTML=app_page.html_table(table, colours, "sim-table"),
                    classes=["verdict-table"])  # fmt: skip
        if figure.value:
            solara.Image(figure.value, classes=["key-figure"])
        else:
            solara.Text("drawing the key indicators ...", classes=["key-figure-waiting"])


@solara.component
def DesignsPage():
    solara.Title("Partnership structures: designs found by the search")
    solara.Style(app_page.CSS + CSS)
    found, problems = searches()
    with solara.Column():
        solara.Markdown(
            "# Designs found by the search\n"
            "A search over the ways the five-element structure could be changed found these "
            "designs: those whose advantages held when checked again at fresh assumptions come "
            "first. Pick one to compare it with business as usual and the pilot. Every "
            "statement is about the model under its documented assumptions. "
            "[Back to trying options](/)"
        )
        for problem in problems:
            app_page.escaped(problem, classes=["search-problem"])
        if error.value:
            solara.Error(error.value, classes=["design-error"])
        if not found:
            solara.Info("No design search is shipped with this copy of the model.")
            return
        index = search_index.value if 0 <= search_index.value < len(found) else 0
        search = found[index]
        v.Select(label="Search", items=[{"text": s.title, "value": i} for i, s in
                                        enumerate(found)],
                 v_model=index, on_v_model=choose_search, class_="choose-search")  # fmt: skip
        SearchSet(search).key(f"search-{search.name}")
        CompareDesign(search)
        DesignVerdict()
