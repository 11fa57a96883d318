"""The browser app's page (Solara, Mesa's visualization stack): choose a scenario and structure
options, slide assumptions and structural knobs, run paired replications, read the verdict
table, the named issues' pathways and the structure diagrams; and on ``/step``, step one run
week by week with Mesa's SolaraViz.

Started by `sim app` (:mod:`sim.app.serve`); every number comes from :mod:`sim.app.logic`.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import solara
import solara.lab
from reacton import ipywidgets as ipyw

from sim.app import logic
from sim.errors import SpecError
from sim.spec import load_structure

# -- state (one copy per browser session: Solara's reactive variables are kernel-scoped) ----
scenario_name = solara.reactive("employer_closure")
shipped = solara.reactive(["five_element", "pilot"])
uploads: solara.Reactive[list[logic.Option]] = solara.reactive([])
upload_error = solara.reactive("")
assumptions = solara.reactive({name: s.default for name, s in logic.SLIDERS.items()})
knobs: solara.Reactive[dict[str, dict[str, Any]]] = solara.reactive({})  # origin -> changes
replications = solara.reactive(10)
root_seed = solara.reactive(1)
job: solara.Reactive[logic.PairedJob | None] = solara.reactive(None)
done = solara.reactive(0)
run_error = solara.reactive("")
paths: solara.Reactive[dict] = solara.reactive({})
status = solara.reactive("")

_SHIPPED_CACHE: dict[str, Any] = {}


def shipped_spec(name: str):
    if name not in _SHIPPED_CACHE:
        _SHIPPED_CACHE[name] = load_structure(name)
    return _SHIPPED_CACHE[name]


def base_options() -> list[logic.Option]:
    return [logic.Option(shipped_spec(n), n) for n in shipped.value] + list(uploads.value)


def options_with_knobs() -> tuple[list[logic.Option], str]:
    """The chosen options with their knobs applied, and the first problem in one line."""
    out = []
    for option in base_options():
        spec = option.spec
        try:
            edits = knobs.value.get(option.origin, {})
            if "size" in edits:
                spec = logic.resize(spec, edits["size"])
            for body_id, body_knobs in edits.get("bodies", {}).items():
                spec = logic.apply_knobs(spec, body_id, body_knobs)
            if spec is not option.spec:
                spec = logic.renamed(spec, f"{option.name}_changed")
        except SpecError as exc:
            return out, exc.one_line()
        out.append(logic.Option(spec, option.origin))
    return out, ""


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


# -- running -------------------------------------------------------------------------------
@solara.lab.task(prefer_threaded=True)
def run_comparison() -> None:
    current = job.value
    if current is None:
        return
    current.start()
    while not current.wait(0.2):
        done.set(current.done)
    done.set(current.done)
    if current.state == "failed":
        run_error.set(current.error)
    elif current.state == "finished" and current.outcome is not None:
        paths.set(logic.pathways(current.outcome))
    status.set(current.state)  # the page redraws with the outcome


def start_run() -> None:
    run_error.set("")
    paths.set({})
    options, problem = options_with_knobs()
    if problem:
        run_error.set(problem)
        return
    try:
        scenario = logic.load_shipped_scenario(scenario_name.value)
        parameters = logic.parameter_overrides(assumptions.value)
        new = logic.PairedJob(scenario, options, replications.value, root_seed.value, parameters)
    except SpecError as exc:
        run_error.set(exc.one_line())
        return
    done.set(0)
    status.set("running")
    job.set(new)
    run_comparison()


# -- components ------------------------------------------------------------------------------
@solara.component
def Choices():
    with solara.Card("Scenario and structure options"):
        solara.Select("Scenario", values=logic.scenario_names(), value=scenario_name)
        solara.SelectMultiple("Structure options", all_values=logic.structure_names(),
                              values=shipped)  # fmt: skip

        def take(name: str, data: bytes) -> None:
            try:
                spec = logic.load_uploaded_structure(name, data)
            except SpecError as exc:
                upload_error.set(exc.one_line())
                return
            upload_error.set("")
            kept = [o for o in uploads.value if o.origin != name]
            uploads.set([*kept, logic.Option(spec, name)])

        def on_file(info) -> None:
            data = info["data"] if info.get("data") is not None else info["file_obj"].read()
            take(info["name"], data)

        def on_upload(value) -> None:
            for item in value or ():
                take(item["name"], bytes(item["content"]))

        solara.FileDrop(label="Drop a structure YAML file here", on_file=on_file, lazy=False)
        ipyw.FileUpload(accept=".yaml,.yml", multiple=False, description="or choose a file",
                        on_value=on_upload)  # fmt: skip
        if upload_error.value:
            solara.Error(upload_error.value, classes=["upload-error"])
        for option in uploads.value:
            with solara.Row():
                solara.Text(f"uploaded: {option.origin} ({option.name})")
                solara.Button("remove", text=True, on_click=lambda o=option: uploads.set(
                    [u for u in uploads.value if u is not o]))  # fmt: skip


@solara.component
def Assumptions():
    show_all = solara.use_reactive(False)

    def slider(name: str):
        s = logic.SLIDERS[name]

        def set_value(value, name=name):
            assumptions.set({**assumptions.value, name: logic.SLIDERS[name].bounded(value)})

        value = assumptions.value[name]
        if s.integer:
            solara.SliderInt(s.label, value=int(value), min=int(s.low), max=int(s.high),
                             on_value=set_value)  # fmt: skip
        else:
            solara.SliderFloat(s.label, value=value, min=s.low, max=s.high, step=s.step,
                               on_value=set_value, thumb_label="always")  # fmt: skip

    with solara.Card("Assumptions (bounded by their plausible ranges, docs/parameters.md)"):
        for name in logic.MAIN_ASSUMPTIONS:
            slider(name)
        solara.Checkbox(label="show every assumption", value=show_all)
        if show_all.value:
            for name in logic.SLIDERS:
                if name not in logic.MAIN_ASSUMPTIONS:
                    slider(name)
        solara.Button("back to defaults", text=True, on_click=lambda: assumptions.set(
            {name: s.default for name, s in logic.SLIDERS.items()}))  # fmt: skip


@solara.component
def OptionKnobs(option: logic.Option):
    spec = option.spec
    bodies = logic.knob_bodies(spec)
    body_id = solara.use_reactive(bodies[0])
    if body_id.value not in bodies:
        body_id.set(bodies[0])
    edits = knobs.value.get(option.origin, {})
    current = edits.get("bodies", {}).get(body_id.value) or logic.knobs_of(spec, body_id.value)

    def update(**change) -> None:
        new = logic.Knobs(**{**current.__dict__, **change})
        mine = dict(knobs.value.get(option.origin, {}))
        mine["bodies"] = {**mine.get("bodies", {}), body_id.value: new}
        knobs.set({**knobs.value, option.origin: mine})

    with solara.Card(f"{option.name}: structural knobs"):
        solara.Select("Body", values=bodies, value=body_id)
        on_demand = current.cadence_weeks is None
        solara.Checkbox(label="meets on demand", value=on_demand,
                        on_value=lambda v: update(cadence_weeks=None if v else 13.0))  # fmt: skip
        if not on_demand:
            low, high = logic.CADENCE_WEEKS
            solara.SliderInt("cadence (weeks between meetings)", value=int(current.cadence_weeks),
                             min=int(low), max=int(high),
                             on_value=lambda v: update(cadence_weeks=float(v)))  # fmt: skip
        voting = logic.voting_members(spec, body_id.value)
        solara.SliderInt("quorum (voting members present)", value=current.quorum, min=0,
                         max=voting, on_value=lambda v: update(quorum=int(v)))  # fmt: skip
        solara.Checkbox(label="substitutes allowed", value=current.substitutes,
                        on_value=lambda v: update(substitutes=bool(v)))  # fmt: skip
        solara.Checkbox(label="special meetings may be called", value=current.special_meetings,
                        on_value=lambda v: update(special_meetings=bool(v)))  # fmt: skip
        if logic.EXECUTIVE in spec.body_ids:
            low, high = logic.size_range(spec)
            size = edits.get("size", len(spec.body(logic.EXECUTIVE).members))

            def set_size(v: int) -> None:
                mine = {**knobs.value.get(option.origin, {}), "size": int(v)}
                knobs.set({**knobs.value, option.origin: mine})

            solara.SliderInt("the Executive's size (seats)", value=size, min=low, max=high,
                             on_value=set_size)  # fmt: skip
        if edits:
            solara.Button("undo this option's changes", text=True, on_click=lambda: knobs.set(
                {k: v for k, v in knobs.value.items() if k != option.origin}))  # fmt: skip


@solara.component
def Diagram(option: logic.Option):
    from sim.analysis.diagram import draw_structure

    key = option.spec.model_dump_json()
    png = solara.use_memo(lambda: _png(draw_structure(option.spec)), dependencies=[key])
    with solara.Card(option.name):
        solara.Image(png)


@solara.component
def Run():
    current = job.value
    running = run_comparison.pending
    with solara.Card("Run paired replications"):
        with solara.Row():
            solara.SliderInt("replications per option", value=replications, min=2,
                             max=logic.MAX_REPLICATIONS)  # fmt: skip
            solara.InputInt("root seed", value=root_seed)
        with solara.Row():
            solara.Button("Run", color="primary", on_click=start_run, disabled=running,
                          classes=["run-button"])  # fmt: skip
            solara.Button("Cancel", on_click=lambda: current and current.cancel(),
                          disabled=not running, classes=["cancel-button"])  # fmt: skip
        if current is not None and (running or current.state in ("running", "cancelled")):
            share = 100 * done.value / max(current.total, 1)
            solara.ProgressLinear(value=share)
            state = "cancelled" if current.state == "cancelled" else "running"
            solara.Text(f"{done.value} of {current.total} runs ({state})", classes=["progress"])
        if run_error.value:
            solara.Error(run_error.value, classes=["run-error"])


def _key_figure(outcome: logic.Outcome) -> bytes:
    rows = logic.key_indicators(outcome.table, outcome.names)
    labels = list(dict.fromkeys(r["indicator"] for r in rows))
    fig, axes = plt.subplots(1, len(labels), figsize=(3.2 * len(labels), 2.6), squeeze=False)
    for ax, label in zip(axes[0], labels, strict=True):
        mine = [r for r in rows if r["indicator"] == label]
        for i, r in enumerate(mine):
            low, high = r["low"], r["high"]
            err = [[max(r["mean"] - low, 0)], [max(high - r["mean"], 0)]] if low == low else None
            ax.errorbar([i], [r["mean"]], yerr=err, fmt="o", capsize=4)
        ax.set_xticks(range(len(mine)), [r["option"] for r in mine], rotation=20, fontsize=7)
        ax.set_title(label, fontsize=8)
    fig.tight_layout()
    return _png(fig)


@solara.component
def KeyFigure(outcome: logic.Outcome):
    png = solara.use_memo(lambda: _key_figure(outcome), dependencies=[id(outcome)])
    solara.Image(png)


@solara.component
def Results():
    current = job.value
    finished = status.value == "finished" and current is not None
    outcome = current.outcome if finished else None
    if outcome is None:
        return
    names = outcome.names
    table = logic.verdict_table(outcome.table, names)
    scenario = outcome.scenario
    with solara.Card(f"{scenario.name}: {scenario.description}"):
        solara.Markdown(
            f"{outcome.replications} paired replications per option, root seed "
            f"{outcome.root_seed}; mean [95% interval]; `*` significant after Holm adjustment."
            + (f" Assumptions changed: {outcome.parameters}." if outcome.parameters else "")
        )
        solara.HTML(tag="div", unsafe_innerHTML=table.to_html(index=False, escape=True),
                    classes=["verdict-table"])  # fmt: skip
        KeyFigure(outcome)
    if paths.value:
        with solara.Card("The named issues' pathways (replication 0), side by side"):
            for iid, by_option in paths.value.items():
                title = next(iter(by_option.values())).title
                solara.Markdown(f"**{iid}**: {title}")
                side = logic.pathway_table(by_option, names)
                solara.HTML(tag="div", unsafe_innerHTML=side.to_html(index=False, escape=True),
                            classes=["pathway-table"])  # fmt: skip


@solara.component
def Page():
    solara.Title("Partnership structures: try an option")
    options, problem = options_with_knobs()
    with solara.Sidebar():
        Choices()
        Assumptions()
    with solara.Column():
        solara.Markdown(
            "# Try a structure option\n"
            "Choose a scenario and two or more options, change assumptions and knobs, run. "
            "Every statement is about the model under its documented assumptions. "
            "[Step one run week by week](/step)"
        )
        if problem:
            solara.Error(problem, classes=["knob-error"])
        Run()
        Results()
        with solara.lab.Tabs():
            with solara.lab.Tab("Knobs"), solara.Row(style={"flex-wrap": "wrap"}):
                for option in base_options():
                    OptionKnobs(option).key(f"knobs-{option.origin}")
            with solara.lab.Tab("Diagrams"):
                for option in options:
                    Diagram(option).key(f"diagram-{option.origin}")


# -- step one run week by week (Mesa's SolaraViz) -------------------------------------------
@solara.component
def WeekView(model):
    from mesa.visualization.utils import update_counter

    update_counter.get()
    events = logic.week_events(model, model.time - 1)
    meetings = "\n".join(f"- {m}" for m in events["meetings"]) or "- (none)"
    moves = "\n".join(f"- {m}" for m in events["moves"]) or "- (none)"
    open_ = sum(1 for i in model.issues if i.stage.value not in ("closed", "dropped"))
    solara.Markdown(
        f"## Week {model.time:g}\n"
        f"{len(model.meetings)} meetings held so far; {len(model.issues)} issues raised, "
        f"{open_} open, {model.decided_count} decided.\n\n"
        f"### Meetings this week\n{meetings}\n\n### Issues moving this week\n{moves}"
    )


@solara.component
def StepPage():
    from mesa.visualization import Slider, SolaraViz

    from sim.model import PartnershipModel

    options, _ = options_with_knobs()
    scenario = logic.load_shipped_scenario(scenario_name.value)
    option = options[0] if options else logic.Option(shipped_spec("pilot"), "pilot")
    model = solara.use_memo(
        lambda: PartnershipModel(option.spec, scenario, rng=1),
        dependencies=[option.spec.model_dump_json(), scenario.name],
    )
    SolaraViz(
        model,
        components=[(WeekView, 0)],
        model_params={
            "structure": option.spec,
            "scenario": scenario,
            "rng": Slider("seed", value=1, min=1, max=100, step=1),
        },
        name=f"{scenario.name} under {option.name}, week by week",
    )


routes = [
    solara.Route(path="/", component=Page, label="compare"),
    solara.Route(path="step", component=StepPage, label="step"),
]
