"""The browser app's page (Solara, Mesa's visualization stack): choose a scenario and structure
options, slide assumptions and structural knobs, run paired replications, read the verdict
table, the named issues' pathways and the structure diagrams; and on ``/step``, step one run
week by week with Mesa's SolaraViz.

Started by `sim app` (:mod:`sim.app.serve`); every number comes from :mod:`sim.app.logic`.
"""

from __future__ import annotations

import html
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import solara
import solara.lab
from reacton import ipyvuetify as v

from sim.app import logic
from sim.errors import SpecError
from sim.model import PartnershipModel
from sim.spec import load_structure

# -- state (one copy per browser session: Solara's reactive variables are kernel-scoped) ----
scenario_name = solara.reactive("employer_closure")
shipped = solara.reactive(["five_element", "pilot"])
uploads: solara.Reactive[list[logic.Option]] = solara.reactive([])
upload_files: solara.Reactive[dict[str, bytes]] = solara.reactive({})  # name -> the file's bytes
upload_error = solara.reactive("")
assumptions = solara.reactive({name: s.default for name, s in logic.SLIDERS.items()})
knobs: solara.Reactive[dict[str, dict[str, Any]]] = solara.reactive({})  # origin -> changes
replications = solara.reactive(30)  # the first screen asks for 30 or more
root_seed = solara.reactive(1)
job: solara.Reactive[logic.PairedJob | None] = solara.reactive(None)
done = solara.reactive(0)
ahead = solara.reactive(0)  # comparisons of other sessions waiting before this one
started = solara.reactive(0)  # runs this page has started (numbers them on the page)
run_error = solara.reactive("")
paths: solara.Reactive[dict] = solara.reactive({})
status = solara.reactive("")
shown: solara.Reactive[logic.Outcome | None] = solara.reactive(None)  # the last finished run
figure = solara.reactive(b"")  # the key indicators' figure of ``shown`` (PNG), once drawn
tab = solara.reactive(0)  # knobs or diagrams

_SHIPPED_CACHE: dict[str, Any] = {}


def shipped_spec(name: str):
    if name not in _SHIPPED_CACHE:
        _SHIPPED_CACHE[name] = load_structure(name)
    return _SHIPPED_CACHE[name]


def base_options() -> list[logic.Option]:
    return [logic.Option(shipped_spec(n), n) for n in shipped.value] + list(uploads.value)


# -- the session ----------------------------------------------------------------------------
def session_key() -> str:
    """This browser tab's session (Solara's virtual kernel)."""
    from solara.server import kernel_context

    return kernel_context.get_current_context().id


def _session_started():
    """When a tab's session ends (its tab closed, or its connection gone for longer than the
    server's cull time), its runs are cancelled."""
    key = session_key()

    def ended() -> None:
        from sim.app.runs import existing_service

        service = existing_service()
        if service is not None:
            service.cancel_session(key)

    return ended


solara.lab.on_kernel_start(_session_started)


def escaped(text: str, tag: str = "div", classes: list[str] | None = None, strong: str = ""):
    """User text on the page as text only: escaped, and through ``v-html``, which Vue does not
    compile (``solara.Markdown`` compiles what it renders as a Vue template, so a title holding
    ``{{ ... }}`` or ``<img onerror=...>`` would run there)."""
    lead = f"<strong>{html.escape(strong)}</strong>: " if strong else ""
    solara.HTML(tag=tag, unsafe_innerHTML=lead + html.escape(text), classes=classes or [])


def number(value: Any, whole: bool = False) -> float | int | None:
    """A number the browser sent, or None for anything else (every message is hostile until
    checked)."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if x != x or x in (float("inf"), float("-inf")):
        return None
    return round(x) if whole else x


_TITLES: dict[str, str] = {}


def scenario_titles() -> dict[str, str]:
    if not _TITLES:
        _TITLES.update(logic.scenario_titles())
    return _TITLES


def structure_titles() -> dict[str, str]:
    return {n: shipped_spec(n).display_name for n in logic.structure_names()}


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
                title = f"{option.label} (changed)"
                spec = logic.renamed(spec, f"{option.name}_changed", title)
        except SpecError as exc:
            return out, exc.one_line()
        changed = tuple(logic.changes(option.spec, spec)) if spec is not option.spec else ()
        out.append(logic.Option(spec, option.origin, base=option.name, changed=changed))
    return out, ""


def html_table(table, colours: dict[str, str], classes: str) -> str:
    """A table as HTML, each column headed by an option's display name in the option's colour
    (the report's palette); the name is always written too."""
    text = table.to_html(index=False, escape=True, classes=classes, border=0)
    for label, colour in colours.items():
        safe = html.escape(label, quote=False)
        text = text.replace(
            f"<th>{safe}</th>",
            f'<th style="color:{colour};border-bottom:3px solid {colour}">{safe}</th>',
        )
    return text


def swatch(label: str, colour: str) -> None:
    solara.HTML(
        tag="span",
        unsafe_innerHTML=f'<span style="display:inline-block;width:0.9em;height:0.9em;'
        f'background:{colour};border-radius:2px;margin-right:0.35em"></span>'
        f"{html.escape(label)}",
        style={"margin-right": "1.2em", "white-space": "nowrap"},
    )


# A slider with its label, value and range on a line of their own above it (the vuetify
# label beside a slider overlaps itself in a narrow sidebar).
CSS = """
.labelled-slider { width: 100%; margin: 0.2em 0 0.6em 0; }
.labelled-slider .slider-label { font-size: 0.85rem; line-height: 1.25; color: #333; }
.labelled-slider .slider-value { font-weight: 600; }
.labelled-slider .slider-range { color: #777; font-size: 0.75rem; }
.labelled-slider .v-input { margin-top: 0; padding-top: 0; }
.knob-card { min-width: 330px; max-width: 420px; }
.diagram { width: 100%; }
.diagram-svg img { max-width: 100%; height: auto; }
table.sim-table { border-collapse: collapse; font-size: 0.85rem; margin: 0.4em 0 1em 0; }
table.sim-table th, table.sim-table td { padding: 0.25em 0.6em; text-align: left;
  border-bottom: 1px solid #ddd; vertical-align: top; }
table.sim-table tbody tr:nth-child(even) { background: #f7f7f7; }
.stale { opacity: 0.45; filter: grayscale(0.8); }
.key-figure img, img.key-figure { max-width: 100%; height: auto; }
"""


def labelled_slider(label: str, value: float, low: float, high: float, step: float,
                    on_value, css: str, whole: bool = False) -> None:  # fmt: skip
    shown_value = f"{int(value)}" if whole else f"{value:g}"
    with solara.Div(classes=["labelled-slider", css]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"{html.escape(label)}: "
            f'<span class="slider-value">{shown_value}</span> '
            f'<span class="slider-range">({low:g} to {high:g})</span>',
            classes=["slider-label"],
        )
        v.Slider(
            v_model=int(value) if whole else value,
            min=int(low) if whole else low,
            max=int(high) if whole else high,
            step=1 if whole else step,
            hide_details=True,
            dense=True,
            thumb_label=False,
            on_v_model=on_value,
        )


# -- running -------------------------------------------------------------------------------
def follow(current, done, ahead, status) -> None:
    """Show ``current``'s progress (runs done, jobs ahead of it, its state) until it ends:
    the running part of every page's background task."""
    from sim.app.runs import service

    while not current.wait(0.2):
        done.set(current.done)
        ahead.set(service().ahead_of(current))
        status.set(current.state)
    done.set(current.done)


@solara.lab.task(prefer_threaded=True)
def run_comparison() -> None:
    current = job.value
    if current is None:
        return
    follow(current, done, ahead, status)
    if current.state == "failed":
        run_error.set(current.error)
    elif current.state == "finished" and current.outcome is not None:
        # the verdict first; the figure and the pathways (a second or so more) after it
        paths.set({})
        figure.set(b"")
        shown.set(current.outcome)
        status.set(current.state)
        figure.set(_key_figure(current.outcome))
        paths.set(logic.pathways(current.outcome))
    status.set(current.state)  # the page redraws with the outcome


def start_run() -> None:
    from sim.app.runs import service

    run_error.set("")
    options, problem = options_with_knobs()
    if problem:
        run_error.set(problem)
        return
    try:
        scenario = logic.load_shipped_scenario(scenario_name.value)
        parameters = logic.parameter_overrides(assumptions.value)
        seed = logic.chosen_seed(root_seed.value)
        new = logic.PairedJob(scenario, options, replications.value, seed, parameters)
        service().submit(new, session_key())
    except SpecError as exc:
        run_error.set(exc.one_line())
        return
    done.set(0)
    status.set(new.state)
    started.set(started.value + 1)
    job.set(new)
    run_comparison()


# -- components ------------------------------------------------------------------------------
@solara.component
def Choices():
    titles = scenario_titles()
    with solara.Card("Scenario and structure options"):

        def choose_scenario(value) -> None:
            try:
                scenario_name.set(logic.chosen_scenario(value))
            except SpecError as exc:  # only a hostile client sends a name not in the list
                run_error.set(exc.one_line())

        def choose_options(value) -> None:
            try:
                shipped.set(logic.chosen_options(value or []))
            except SpecError as exc:
                run_error.set(exc.one_line())

        v.Select(
            label="Scenario",
            items=[{"text": t, "value": n} for n, t in titles.items()],
            v_model=scenario_name.value,
            on_v_model=choose_scenario,
            class_="choose-scenario",
        )
        v.Select(
            label="Structure options",
            items=[{"text": t, "value": n} for n, t in structure_titles().items()],
            v_model=list(shipped.value),
            on_v_model=choose_options,
            multiple=True,
            chips=True,
            small_chips=True,
            class_="choose-options",
        )
        solara.FileDrop(label="Drop a structure YAML file here", on_file=take_upload, lazy=True)
        solara.Text("or choose one:", style={"font-size": "0.85rem"})
        with solara.Div(classes=["choose-file"]):
            FileChooser(on_file=take_upload)
        if upload_error.value:
            solara.Error(upload_error.value, classes=["upload-error"])
        for option in uploads.value:
            with solara.Row(classes=["uploaded-option"]):
                solara.Text(f"uploaded: {option.label} ({option.origin})")
                solara.Button("remove", text=True, on_click=lambda o=option: remove_upload(o))


def take_upload(info) -> None:
    """A structure file from the browser: its declared size is checked before any of it is
    read (the browser sends it in chunks as it is read), at most one byte more than the
    largest file read is taken, and it is read as ``sim validate`` reads it."""
    name = logic.upload_name(info.get("name", ""))
    size = number(info.get("size"), whole=True)
    if size is None or size < 0:
        upload_error.set(f"{name}: the browser did not say how large the file is")
        return
    if size > logic.MAX_FILE_BYTES:
        most = logic.MAX_FILE_BYTES
        upload_error.set(f"{name}: the file is too large ({size:,} bytes; a structure file "
                         f"is at most {most:,}); nothing of it was read")  # fmt: skip
        return
    if name not in upload_files.value and len(upload_files.value) >= logic.MAX_UPLOADS:
        upload_error.set(f"{name}: at most {logic.MAX_UPLOADS} uploaded files at once; remove "
                         "one first")  # fmt: skip
        return
    try:
        data = info["file_obj"].read(logic.MAX_FILE_BYTES + 1)
    except Exception:  # the browser went away, or sent something else
        upload_error.set(f"{name}: the file could not be read from the browser; try again")
        return
    try:
        spec = logic.load_uploaded_structure(name, data, upload_files.value)
    except SpecError as exc:
        upload_error.set(exc.one_line())
        return
    except OSError as exc:  # a full disk, say: the file is read from a temporary folder
        upload_error.set(f"{name}: the server could not read it ({exc.strerror or exc}); "
                         "try again later")  # fmt: skip
        return
    upload_error.set("")
    upload_files.set({**upload_files.value, name: data})
    kept = [o for o in uploads.value if o.origin != name]
    uploads.set([*kept, logic.Option(spec, name)])


def remove_upload(option: logic.Option) -> None:
    uploads.set([u for u in uploads.value if u is not option])
    upload_files.set({k: v for k, v in upload_files.value.items() if k != option.origin})


@solara.component
def FileChooser(on_file):
    """A "choose a file" button (Vuetify's file input) whose file is read in chunks, only when
    asked: :func:`take_upload` checks the size first (Solara's FileDrop, with a button)."""
    from ipyvuetify.extra import FileInput

    info, set_info = solara.use_state(None)
    files, set_files = solara.use_state(None)
    chooser = FileInput.element(multiple=False, accept=".yaml,.yml", show_progress=False,
                                on_file_info=set_info)  # fmt: skip

    def wire() -> None:
        if not info:
            return
        widget = solara.get_widget(chooser)
        widget.version += 1
        widget.reset_stats()
        set_files(widget.get_files())

    solara.use_effect(wire, [info])

    def read(cancel) -> None:
        if files:
            on_file(files[0])

    solara.use_thread(read, [files])
    return chooser


@solara.component
def Assumptions():
    show_all = solara.use_reactive(False)

    def slider(name: str):
        s = logic.SLIDERS[name]

        def set_value(value, name=name):
            assumptions.set({**assumptions.value, name: logic.SLIDERS[name].bounded(value)})

        labelled_slider(s.label, assumptions.value[name], s.low, s.high, s.step, set_value,
                        f"assumption-{name}", whole=s.integer)  # fmt: skip

    with solara.Card("Assumptions"):
        solara.Text(
            "Each slider is bounded by its documented plausible range (docs/parameters.md).",
            style={"font-size": "0.8rem", "color": "#555"},
        )
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
def OptionKnobs(option: logic.Option, colour: str):
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

    def set_cadence(x: Any) -> None:
        weeks = number(x)
        if weeks is not None:  # anything else comes from a hostile client only
            update(cadence_weeks=weeks)

    def set_quorum(x: Any) -> None:
        quorum = number(x, whole=True)
        if quorum is not None:
            update(quorum=quorum)

    with solara.Card(f"{option.label}: structural knobs", classes=["knob-card"]):
        swatch(option.label, colour)
        v.Select(
            label="Body",
            items=[{"text": spec.body(b).name or b, "value": b} for b in bodies],
            v_model=body_id.value,
            on_v_model=lambda value: body_id.set(value) if value in bodies else None,
            class_="choose-body",
        )
        on_demand = current.cadence_weeks is None
        solara.Checkbox(label="meets on demand", value=on_demand,
                        on_value=lambda x: update(cadence_weeks=None if x else 13.0))  # fmt: skip
        if not on_demand:
            low, high = logic.CADENCE_WEEKS
            labelled_slider("cadence (weeks between meetings)", current.cadence_weeks, low, high,
                            1, set_cadence, "knob-cadence", whole=True)  # fmt: skip
        voting = logic.voting_members(spec, body_id.value)
        labelled_slider("quorum (voting members present)", current.quorum, 0, voting, 1,
                        set_quorum, "knob-quorum", whole=True)  # fmt: skip
        solara.Checkbox(label="substitutes allowed", value=current.substitutes,
                        on_value=lambda x: update(substitutes=bool(x)))  # fmt: skip
        solara.Checkbox(label="special meetings may be called", value=current.special_meetings,
                        on_value=lambda x: update(special_meetings=bool(x)))  # fmt: skip
        if logic.EXECUTIVE in spec.body_ids:
            low, high = logic.size_range(spec)
            size = edits.get("size", len(spec.body(logic.EXECUTIVE).members))

            def set_size(x: Any) -> None:
                size = number(x, whole=True)
                if size is None:
                    return
                mine = {**knobs.value.get(option.origin, {}), "size": size}
                knobs.set({**knobs.value, option.origin: mine})

            labelled_slider("the Executive's size (seats)", size, low, high, 1, set_size,
                            "knob-size", whole=True)  # fmt: skip
        if edits:
            solara.Button("undo this option's changes", text=True, on_click=lambda: knobs.set(
                {k: v for k, v in knobs.value.items() if k != option.origin}))  # fmt: skip


def diagram_image(spec, colour: str | None = None) -> str:
    """The option's structure diagram in its colour, as the report draws it
    (:func:`sim.analysis.diagram.diagram_svg`; without Graphviz, the body-by-function table as
    SVG, which says why), as an SVG data URI: shown through ``<img>``, it runs no script,
    whatever names an uploaded option holds."""
    import base64

    from sim.analysis.diagram import GraphvizMissing, diagram_svg, grid_svg

    try:
        svg = diagram_svg(spec, colour)
    except GraphvizMissing:
        svg = grid_svg(spec, colour)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@solara.component
def Diagram(option: logic.Option, colour: str):
    key = option.spec.model_dump_json()
    uri = solara.use_memo(lambda: diagram_image(option.spec, colour),
                          dependencies=[key, colour])  # fmt: skip
    with solara.Card(option.label, classes=["diagram"],
                     style={"border-top": f"5px solid {colour}"}):  # fmt: skip
        img = f'<img src="{uri}" alt="{html.escape(option.label)}">'
        solara.HTML(tag="div", classes=["diagram-svg"], unsafe_innerHTML=img)


def set_seed(value) -> None:
    seed = number(value, whole=True)
    if seed is not None:
        root_seed.set(seed)  # checked when Run is pressed (logic.chosen_seed)


def set_replications(value) -> None:
    count = number(value, whole=True)
    if count is not None:
        replications.set(min(max(count, 2), logic.MAX_REPLICATIONS))


@solara.component
def Run():
    current = job.value
    running = run_comparison.pending
    with solara.Card("Run paired replications"):
        with solara.Row():
            with solara.Div(style={"flex": "2"}):
                labelled_slider("replications per option", replications.value, 2,
                                logic.MAX_REPLICATIONS, 1, set_replications, "replications",
                                whole=True)  # fmt: skip
            solara.InputInt("root seed", value=root_seed.value, on_value=set_seed)
        with solara.Row():
            solara.Button("Run", color="primary", on_click=start_run, disabled=running,
                          classes=["run-button"])  # fmt: skip
            solara.Button("Cancel", on_click=lambda: current and current.cancel(),
                          disabled=not running, classes=["cancel-button"])  # fmt: skip
        if current is not None and status.value:
            share = 100 * done.value / max(current.total, 1)
            solara.ProgressLinear(value=share if running or share < 100 else 100,
                                  classes=["progress-bar"])  # fmt: skip
            state = status.value or ("running" if running else "")
            solara.Text(logic.progress_line(started.value, done.value, current.total, state,
                                            ahead.value), classes=["progress"])  # fmt: skip
        if run_error.value:
            solara.Error(run_error.value, classes=["run-error"])


MARKERS = ("o", "s", "^", "D", "v", "P")  # one per option (at most logic.MAX_OPTIONS)
FIGURE_WIDTH = 7.5  # inches, at FIGURE_DPI: 750 px, drawn at its own size in the page
FIGURE_DPI = 100
FIGURE_POINTS = 11  # 11 pt at 100 dpi: 15 px


def key_figure(outcome: logic.Outcome):
    """The key indicators as a dot plot, one indicator to a row: each option on a line of its
    own, by its whole display name (wrapped, never cut), its mean and 95% interval drawn in
    its colour and with its own marker."""
    import textwrap

    rows = logic.key_indicators(outcome.table, outcome.names, outcome.key[:6])
    colours = logic.colours(outcome.options)
    shown_names = logic.labels(outcome.options)
    markers = {n: MARKERS[i % len(MARKERS)] for i, n in enumerate(outcome.names)}
    indicators = list(dict.fromkeys(r["indicator"] for r in rows))
    names = [n for n in outcome.names if any(r["option"] == n for r in rows)]
    wrapped = {n: "\n".join(textwrap.wrap(shown_names[n], 30)) or n for n in names}
    lines = {n: wrapped[n].count("\n") + 1 for n in names}
    per_row = 0.42 * sum(lines.values()) + 0.75
    fig, axes = plt.subplots(len(indicators), 1, squeeze=False,
                             figsize=(FIGURE_WIDTH, per_row * len(indicators)))  # fmt: skip
    for ax, label in zip(axes[:, 0], indicators, strict=True):
        mine = {r["option"]: r for r in rows if r["indicator"] == label}
        ticks = list(range(len(names)))[::-1]  # the first option on top
        for y, n in zip(ticks, names, strict=True):
            r = mine.get(n)
            if r is None:
                continue
            low, high = r["low"], r["high"]
            err = [[max(r["mean"] - low, 0)], [max(high - r["mean"], 0)]] if low == low else None
            ax.errorbar([r["mean"]], [y], xerr=err, fmt=markers[n], markersize=8, capsize=5,
                        color=colours[n], elinewidth=2)  # fmt: skip
        ax.set_yticks(ticks, [wrapped[n] for n in names], fontsize=FIGURE_POINTS)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.tick_params(axis="x", labelsize=FIGURE_POINTS - 1)
        ax.grid(axis="x", color="#dddddd")
        ax.set_title("\n".join(textwrap.wrap(label, 70)), fontsize=FIGURE_POINTS, loc="left")
    fig.tight_layout()
    return fig


def _key_figure(outcome: logic.Outcome) -> bytes:
    buffer = io.BytesIO()
    fig = key_figure(outcome)
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
    plt.close(fig)
    return buffer.getvalue()


@solara.component
def KeyFigure():
    if figure.value:
        solara.Image(figure.value, classes=["key-figure"])
    else:
        solara.Text("drawing the key indicators ...", classes=["key-figure-waiting"])


def stale_note(outcome: logic.Outcome) -> str:
    """The banner over a verdict that no longer answers the page's choices ("" when it
    does)."""
    options, problem = options_with_knobs()
    try:
        parameters = logic.parameter_overrides(assumptions.value)
    except SpecError:
        parameters = None
    reasons = logic.stale_reasons(outcome, scenario_name.value, options, replications.value,
                                  root_seed.value, parameters)  # fmt: skip
    if problem and "the structural knobs" not in reasons:
        reasons.append("the structural knobs")
    return logic.stale_note(reasons)


@solara.component
def Results():
    outcome = shown.value
    # hooks before any early return (Solara's rules of hooks)
    first = solara.use_memo(
        lambda: logic.first_screen_html(outcome.summary) if outcome is not None else "",
        dependencies=[id(outcome)],
    )
    if outcome is None:
        return
    names = outcome.names
    shown_names = logic.labels(outcome.options)
    colours = {shown_names[n]: c for n, c in logic.colours(outcome.options).items()}
    stale = stale_note(outcome)
    if stale:
        solara.Warning(stale, classes=["stale-note"])
    faded = ["stale"] if stale else []
    with solara.Card(classes=["verdict", *faded]):
        if status.value == "cancelled":
            solara.Warning("The last run was cancelled; this is the run before it.")
        # the report's first screen (sim report's), the same words and styles
        solara.HTML(tag="div", unsafe_innerHTML=first, classes=["first-screen-box"])
        moved = logic.assumption_changes(outcome.parameters)
        escaped(
            f"{outcome.replications} paired replications per option, root seed "
            f"{outcome.root_seed}, at the assumptions of the sliders"
            + (f" (changed: {'; '.join(moved)})." if moved else " (defaults)."),
            classes=["run-assumptions"],
        )
        for option in outcome.options:
            if option.changed:
                escaped("; ".join(option.changed) + ".", classes=["knob-changes"],
                        strong=option.label)  # fmt: skip
    with solara.Card("Key indicators with their 95% intervals",
                     classes=["key-indicators", *faded]):  # fmt: skip
        with solara.Row(style={"flex-wrap": "wrap"}):
            for label, colour in colours.items():
                swatch(label, colour)
        tests, needed = logic.family(outcome.table)
        escaped(
            f"Mean [95% interval]; differences from {shown_names[names[0]]}, paired by "
            f"replication; * significant after Holm adjustment across all {tests} differences "
            f"the verdict judges (at least {needed} paired replications needed for any)."
        )
        table = logic.verdict_table(outcome.table, names, shown_names, outcome.key)
        solara.HTML(tag="div", unsafe_innerHTML=html_table(table, colours, "sim-table"),
                    classes=["verdict-table"])  # fmt: skip
        KeyFigure()
        with solara.Details("Every indicator the verdict judges"):
            every = logic.verdict_table(outcome.table, names, shown_names)
            solara.HTML(tag="div", unsafe_innerHTML=html_table(every, colours, "sim-table"),
                        classes=["all-indicators"])  # fmt: skip
    if paths.value:
        with solara.Card("The named issues' pathways (replication 0), side by side",
                         classes=faded):  # fmt: skip
            for iid, by_option in paths.value.items():
                title = next(iter(by_option.values())).title
                escaped(title, tag="p", strong=iid)
                side = logic.pathway_table(by_option, names, shown_names)
                solara.HTML(tag="div", unsafe_innerHTML=html_table(side, colours, "sim-table"),
                            classes=["pathway-table"])  # fmt: skip


@solara.component
def Page():
    solara.Title("Partnership structures: try an option")
    solara.Style(CSS)
    options, problem = options_with_knobs()
    colours = logic.colours(options) if not problem else {}
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
        with solara.lab.Tabs(value=tab):
            with solara.lab.Tab("Knobs"), solara.Row(style={"flex-wrap": "wrap"}):
                for option in base_options():
                    colour = colours.get(f"{option.name}_changed", colours.get(option.name))
                    OptionKnobs(option, colour or "#000000").key(f"knobs-{option.origin}")
            with solara.lab.Tab("Diagrams"), solara.Row(style={"flex-wrap": "wrap"}):
                if tab.value == 1:  # drawn when looked at, not on every knob's move
                    for option in options:
                        Diagram(option, colours[option.name]).key(f"diagram-{option.origin}")


# -- step one run week by week (Mesa's SolaraViz) -------------------------------------------
@solara.component
def WeekView(model):
    from mesa.visualization.utils import update_counter

    update_counter.get()
    events = logic.week_events(model, model.time - 1)
    meetings = events["meetings"] or ["(none)"]
    moves = events["moves"] or ["(none)"]
    places = logic.issue_places(model) or ["(no issue yet)"]
    open_ = sum(1 for i in model.issues if i.stage.value not in ("closed", "dropped"))
    title = f"Week {model.time:g}: {model.option or model.structure_spec.display_name}"
    inquorate = sum(not m.quorate for m in model.meetings)
    special = sum(m.kind == "special" for m in model.meetings)
    counts = (f"{len(model.meetings)} meetings held so far ({inquorate} inquorate, {special} "
              f"special); {len(model.issues)} issues raised, {open_} open, "
              f"{model.decided_count} decided.")  # fmt: skip
    parts = [f"<h2>{html.escape(title)}</h2><p>{html.escape(counts)}</p>"]
    for heading, lines in (("Meetings this week", meetings), ("Issues moving this week", moves),
                           ("Where each issue is", places)):  # fmt: skip
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        parts.append(f"<h3>{heading}</h3><ul>{items}</ul>")
    # user text (an uploaded option's title, its bodies' names) only as escaped text
    solara.HTML(tag="div", unsafe_innerHTML="".join(parts), classes=["week-view"])


class SteppedRun(PartnershipModel):
    """The model the step view steps: one of the chosen options (by its display name) under the
    chosen scenario and assumptions, from a seed. Its parameters are keywords only, as Mesa's
    SolaraViz re-creates it on Reset; it takes no ``scenario`` keyword, so SolaraViz never
    passes a Mesa scenario in place of the model's own."""

    def __init__(
        self,
        option: str = "",
        seed: int = 1,
        options: tuple = (),
        scenario_spec: Any = None,
        parameters: tuple = (),
    ) -> None:
        specs = dict(options)
        structure = specs.get(option) or next(iter(specs.values()))
        super().__init__(structure, scenario_spec, rng=int(seed), parameters=dict(parameters))
        self.option = option


@solara.component
def StepPage():
    """One run, week by week: a board member's controls only (Reset, play/pause, Step: Mesa's
    ModelController at a fixed pace, one week a step), the option and seed to run (Mesa's
    ModelCreator), and the week's events; none of SolaraViz's developer controls (play and
    render intervals, threads)."""
    from mesa.visualization import Slider
    from mesa.visualization.solara_viz import ModelController, ModelCreator

    options, _ = options_with_knobs()
    options = options or [logic.Option(shipped_spec("pilot"), "pilot")]
    scenario = logic.load_shipped_scenario(scenario_name.value)
    try:
        parameters = tuple(sorted(logic.parameter_overrides(assumptions.value).items()))
    except SpecError:
        parameters = ()
    choices = tuple((o.label, o.spec) for o in options)
    first = options[0].label
    made = solara.use_memo(
        lambda: SteppedRun(first, 1, choices, scenario, parameters),
        dependencies=[
            repr([(n, s.model_dump_json()) for n, s in choices]),
            scenario.name,
            parameters,
        ],
    )
    model = solara.use_reactive(made)
    chosen = solara.use_reactive({})  # the option and seed Reset starts from
    pace = solara.use_reactive(STEP_PACE_MS)
    one_week = solara.use_reactive(1)
    no_threads = solara.use_reactive(False)
    model_params = {
        "option": {"type": "Select", "value": first, "values": [n for n, _ in choices],
                   "label": "Option"},
        "seed": Slider("seed", value=1, min=1, max=100, step=1),
        "options": choices,
        "scenario_spec": scenario,
        "parameters": parameters,
    }  # fmt: skip
    with solara.AppBar():
        solara.AppBarTitle(f"{scenario.display_name}, week by week")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Step one run"):
            ModelController(model, model_parameters=chosen, play_interval=pace,
                            render_interval=one_week, use_threads=no_threads)  # fmt: skip
        with solara.Card("Which run (press Reset to start it)"):
            ModelCreator(model, model_params, model_parameters=chosen)
    WeekView(model.value)


STEP_PACE_MS = 400
"""How fast the play button steps: a week every 0.4 s."""


@solara.component
def DesignsPage():
    """The designs a shipped search found, and one compared (:mod:`sim.app.designs_page`)."""
    from sim.app.designs_page import DesignsPage as Designs

    return Designs()


routes = [
    solara.Route(path="/", component=Page, label="compare"),
    solara.Route(path="step", component=StepPage, label="step"),
    solara.Route(path="designs", component=DesignsPage, label="designs"),
]
