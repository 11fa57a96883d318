"""What the browser app does, apart from drawing it: testable without a browser or Solara.

- the choices: shipped scenarios and structure options by name, or an uploaded structure
  file, read and checked exactly as the command line reads it (one-line errors,
  :meth:`sim.errors.SpecError.one_line`);
- the assumptions' sliders, bounded by each parameter's documented plausible range;
- the structural knobs a board argues about (a body's cadence, quorum, substitutes, special
  meetings; the Executive's size), applied to a loaded :class:`StructureSpec` as a modified,
  re-validated copy, never by editing a file;
- paired replications (a :class:`sim.experiment.paired.PairedRuns`, as `sim compare` makes
  them) run in a background thread on the experiment core's executors, with progress and a
  cancel;
- the tables shown: the verdict table (:func:`sim.analysis.compare.paired_comparison`), the
  named issues' pathways side by side, and what happened in a week of a stepped model.
"""

from __future__ import annotations

import math
import re
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import SpecError
from sim.spec import load_scenario, load_structure
from sim.spec.limits import MAX_FILE_BYTES, MAX_SEED, NAME_PATTERN
from sim.spec.loading import (
    SCENARIO_DIR,
    STRUCTURE_DIR,
    WORKED_EXAMPLES_DIR,
    shipped_names,
    validate_as,
)
from sim.spec.parameters import Parameters, check_parameters
from sim.spec.scenario import ScenarioSpec, check_scenario_against
from sim.spec.structure import StructureSpec, check_structure

# -- choices ---------------------------------------------------------------------------------
NOT_OPTIONS = {"county", "garbage_can"}  # the county layer itself; the Garbage Can's own model
NOT_SCENARIOS = {"garbage_can"}  # runs under the Garbage Can structure only
MAX_REPLICATIONS = 200  # in the browser; `sim compare` runs more


def scenario_names() -> list[str]:
    """The shipped scenarios a board member can choose."""
    return [n for n in shipped_names("scenario") if n not in NOT_SCENARIOS]


def structure_names() -> list[str]:
    """The shipped structure options (the county layer they sit inside is not one)."""
    return [n for n in shipped_names("structure") if n not in NOT_OPTIONS]


def load_shipped_scenario(name: str) -> ScenarioSpec:
    """A shipped scenario by its short name (any other name is a one-line error: the page
    takes whatever the browser sends, and reads no file a user names)."""
    return load_scenario(str(SCENARIO_DIR / f"{chosen_scenario(name)}.yaml"))


def chosen_scenario(name: Any) -> str:
    """``name`` when it is one of :func:`scenario_names`, else a one-line error."""
    if not isinstance(name, str) or name not in scenario_names():
        raise SpecError("scenario", "", f"{_said(name)} is not a shipped scenario")
    return name


def chosen_options(names: Any) -> list[str]:
    """The shipped options chosen (each one of :func:`structure_names`, once), else a one-line
    error."""
    if not isinstance(names, list | tuple):
        raise SpecError("options", "", "expected a list of structure options")
    known = structure_names()
    for name in names:
        if not isinstance(name, str) or name not in known:
            raise SpecError("options", "", f"{_said(name)} is not a shipped structure option")
    return list(dict.fromkeys(names))[:MAX_OPTIONS]


def chosen_seed(value: Any) -> int:
    """A root seed from the page: a whole number from 0 to :data:`MAX_SEED`."""
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or not 0 <= value <= MAX_SEED:
        raise SpecError("root seed", "", f"{_said(value)}: give a whole number from 0 to "
                        f"{MAX_SEED}")  # fmt: skip
    return int(value)


def _said(value: Any) -> str:
    """What the browser sent, short, for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def scenario_titles() -> dict[str, str]:
    """Each shipped scenario's display name (its title, else its name), by name."""
    return {n: load_shipped_scenario(n).display_name for n in scenario_names()}


def default_options(scenario: ScenarioSpec) -> list[str]:
    """The options to start from: those the scenario is written for, else five_element and
    pilot."""
    names = [n for n in scenario.structures if n in structure_names()]
    return names if len(names) >= 2 else ["five_element", "pilot"]


SAFE_FILE = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_UPLOADS = 8
"""Most structure files one browser session keeps uploaded."""


def upload_name(filename: str) -> str:
    """An uploaded file's name as the app keeps it: its last part, letters, digits, ``_``,
    ``-`` and ``.`` only, never hidden (the browser sends whatever it likes)."""
    name = SAFE_FILE.sub("_", Path(str(filename or "")).name).lstrip(".-")[:64]
    return name or "upload.yaml"


def load_uploaded_structure(filename: str, data: bytes,
                            others: dict[str, bytes] | None = None) -> StructureSpec:  # fmt: skip
    """A structure file a user uploaded, read as ``sim validate`` reads it. Every problem is a
    :class:`SpecError` naming the uploaded file (not where it was put to be read).

    It reads no file of the server's but the shipped structures: its ``inside`` may name a
    shipped structure (``pilot``) or a file uploaded in the same session (``others``, by file
    name, with or without ``.yaml``), never a path."""
    name = upload_name(filename)
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(name, "", f"the file is {len(data):,} bytes; the most is "
                        f"{MAX_FILE_BYTES:,}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="sim-app-") as temporary:
        folder = Path(temporary)
        for other, content in (others or {}).items():
            other = upload_name(other)
            if other != name and len(content) <= MAX_FILE_BYTES:
                (folder / other).write_bytes(content)
        path = folder / name
        path.write_bytes(data)
        try:
            spec = load_structure(path, outer=lambda inside, _: _session_file(inside, folder))
        except SpecError as exc:
            raise SpecError(_shown(exc.file, folder), exc.field, exc.message) from None
    return spec.model_copy(update={"sources": {k: _shown(v, folder) for k, v in
                                               spec.sources.items()}})  # fmt: skip


def _session_file(inside: str, folder: Path) -> Path:
    """The file an uploaded structure's ``inside`` names: a shipped structure by its name, or
    a file uploaded in this session; nothing else."""
    if re.fullmatch(NAME_PATTERN, inside):
        stem = inside.removesuffix(".yaml").removesuffix(".yml")
        shipped = STRUCTURE_DIR / f"{stem}.yaml"
        if inside == stem and shipped.is_file():
            return shipped
        for candidate in dict.fromkeys((inside, f"{stem}.yaml", f"{stem}.yml")):
            if (folder / candidate).is_file():
                return folder / candidate
    names = ", ".join(shipped_names("structure"))
    raise SpecError("", "inside", "is neither a shipped structure "
                    f"({names}) nor a file uploaded in this session")  # fmt: skip


def _shown(file: str, folder: Path) -> str:
    """A file as an uploader may see it: an uploaded file by its name, a shipped structure by
    its short name; never a path on the server."""
    path = Path(file)
    if path.parent == folder:
        return path.name
    if path.parent == STRUCTURE_DIR:
        return f"{path.stem} (shipped)"
    return file


# -- assumptions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Slider:
    """A named assumption as a slider: its default and its plausible range
    (``sim.spec.parameters``, ``json_schema_extra['plausible']``)."""

    name: str
    label: str
    default: float
    low: float
    high: float
    step: float
    integer: bool

    def bounded(self, value: Any) -> float:
        """``value`` inside the slider's range (a whole number for a whole-number slider); the
        default for anything that is not a finite number."""
        try:
            value = float(value)
        except (TypeError, ValueError, OverflowError):
            return self.default
        if not math.isfinite(value):
            return self.default
        value = min(max(value, self.low), self.high)
        return float(round(value)) if self.integer else value


def _slider(name: str) -> Slider:
    info = Parameters.model_fields[name]
    low, high = (float(v) for v in info.json_schema_extra["plausible"])
    default = float(info.default)
    integer = isinstance(info.default, int) and float(low).is_integer()
    step = 1.0 if integer else _nice_step((high - low) / 50)
    label = (info.description or name).rstrip(".")
    return Slider(name, label, default, low, high, step, integer)


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at most ``raw`` (1 for an empty range)."""
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return max(s * power for s in (1, 2, 5) if s * power <= raw)


SLIDERS: dict[str, Slider] = {
    s.name: s
    for s in (_slider(n) for n in Parameters.model_fields)
    if s.high > s.low  # a fixed value (a calibrated constant) is not an assumption to slide
}
MAIN_ASSUMPTIONS = [
    "attendance_base",
    "substitute_probability",
    "consensus_probability",
    "support_probability",
    "pledge_response_weeks",
    "special_meeting_notice_weeks",
    "setback_probability",
    "off_focus_referral_probability",
]
"""The sliders shown first; the others are one click away."""


def parameter_overrides(values: dict[str, float]) -> dict[str, float]:
    """The sliders' values that differ from their defaults, each kept inside its range, as
    ``--set`` overrides (checked as the command line checks them)."""
    out = {}
    for name, value in values.items():
        if name not in SLIDERS:
            raise SpecError("assumptions", name, "unknown parameter (see docs/parameters.md)")
        slider = SLIDERS[name]
        value = slider.bounded(value)
        if not math.isclose(value, slider.default, rel_tol=1e-9, abs_tol=1e-12):
            out[name] = value
    try:
        check_parameters(out)
    except ValueError as exc:
        raise SpecError("assumptions", "", str(exc)) from None
    return out


# -- structural knobs ------------------------------------------------------------------------
CADENCE_WEEKS = (1.0, 52.0)  # the cadence knob's range: weekly to yearly
EXECUTIVE = "executive"


@dataclass(frozen=True)
class Knobs:
    """What a board argues about in one body. ``cadence_weeks`` is None for a body that meets
    on demand."""

    cadence_weeks: float | None
    quorum: int
    substitutes: bool
    special_meetings: bool


def knobs_of(spec: StructureSpec, body_id: str) -> Knobs:
    body = _body(spec, body_id)
    return Knobs(body.cadence_weeks, body.quorum, body.substitutes, body.special_meetings)


def voting_members(spec: StructureSpec, body_id: str) -> int:
    return sum(s.voting for s in _body(spec, body_id).members)


def knob_bodies(spec: StructureSpec) -> list[str]:
    """The bodies a knob can change: the option's own (those the county layer does not bring),
    the Executive first."""
    own = [b.id for b in spec.bodies if spec.sources.get(f"body:{b.id}") == _own_file(spec)]
    own = own or [b.id for b in spec.bodies]
    return sorted(own, key=lambda b: (b != EXECUTIVE, own.index(b)))


def _own_file(spec: StructureSpec) -> str | None:
    return spec.sources.get("structure")


def _body(spec: StructureSpec, body_id: str):
    try:
        return spec.body(body_id)
    except StopIteration:
        raise SpecError(spec.name, f"bodies[{body_id}]", "no such body in this option") from None


def revalidate(spec: StructureSpec, where: str | None = None) -> StructureSpec:
    """``spec`` validated afresh, field by field and across fields, as if it had been read
    from a file: a change that breaks a rule is a one-line :class:`SpecError`."""
    data = spec.model_dump(by_alias=True, exclude_none=True)
    checked = validate_as(StructureSpec, data, where or spec.name)
    checked = checked.model_copy(update={"sources": dict(spec.sources)})
    check_structure(checked)
    return checked


def apply_knobs(spec: StructureSpec, body_id: str, knobs: Knobs) -> StructureSpec:
    """A copy of ``spec`` whose body ``body_id`` has these knobs, re-validated. A cadence on a
    body that met on demand makes it meet on that cadence; None makes it meet on demand."""
    _body(spec, body_id)  # a one-line error for an unknown body
    update: dict[str, Any] = {
        "quorum": knobs.quorum,
        "substitutes": knobs.substitutes,
        "special_meetings": knobs.special_meetings,
    }
    if knobs.cadence_weeks is None:
        update |= {"cadence_weeks": None, "on_demand": True}
    else:
        low, high = CADENCE_WEEKS
        if not isinstance(knobs.cadence_weeks, int | float) or not (
            low <= knobs.cadence_weeks <= high
        ):
            given = knobs.cadence_weeks
            shown = f"{given:g}" if isinstance(given, int | float) else _said(given)
            text = f"{shown} weeks is outside {low:g} to {high:g}"
            raise SpecError(spec.name, f"bodies[{body_id}].cadence_weeks", text)
        update |= {"cadence_weeks": float(knobs.cadence_weeks), "on_demand": False}
    bodies = [b.model_copy(update=update) if b.id == body_id else b for b in spec.bodies]
    changed = spec.model_copy(update={"bodies": bodies})
    return revalidate(changed, f"{spec.name} (changed in the app)")


def size_range(spec: StructureSpec, body_id: str = EXECUTIVE) -> tuple[int, int]:
    """How small and how large the body can be made: its chair (or one seat) up to a seat for
    every partner of the option."""
    body = _body(spec, body_id)
    unseated = [p for p in spec.partners if p.id not in {s.partner for s in body.members}]
    low = max(1, sum(s.chair for s in body.members))
    return low, len(body.members) + len(unseated)


def resize(spec: StructureSpec, size: int, body_id: str = EXECUTIVE) -> StructureSpec:
    """A copy of ``spec`` whose body has ``size`` seats: seats are taken away from the end
    (never the chair's), or added, one voting seat each, for partners not yet at its table in
    the order the option lists them. The quorum is kept, unless it would exceed the voting
    members, then it is lowered to them. Re-validated."""
    body = _body(spec, body_id)
    low, high = size_range(spec, body_id)
    if not low <= size <= high:
        raise SpecError(spec.name, f"bodies[{body_id}].members",
                        f"{size} seats is outside {low} to {high}")  # fmt: skip
    members = list(body.members)
    while len(members) > size:
        drop = max(i for i, s in enumerate(members) if not s.chair)
        members.pop(drop)
    seated = {s.partner for s in members}
    extra = [p for p in spec.partners if p.id not in seated]
    seat_type = type(body.members[0]) if body.members else None
    for partner in extra[: max(0, size - len(members))]:
        members.append(seat_type(partner=partner.id, role="added in the app"))
    voting = sum(s.voting for s in members)
    new_body = body.model_copy(update={"members": members, "quorum": min(body.quorum, voting)})
    bodies = [new_body if b.id == body_id else b for b in spec.bodies]
    return revalidate(
        spec.model_copy(update={"bodies": bodies}), f"{spec.name} (changed in the app)"
    )


def renamed(spec: StructureSpec, name: str, title: str = "") -> StructureSpec:
    """The option under another name and display name (two versions of one option must
    differ in name)."""
    return revalidate(spec.model_copy(update={"name": name, "title": title or spec.title}))


def changes(before: StructureSpec, after: StructureSpec) -> list[str]:
    """What the knobs changed, in plain words, body by body (each body by its name): "the
    Executive: meets every 8 weeks (was every 13)"."""
    out = []
    old = {b.id: b for b in before.bodies}
    for body in after.bodies:
        called = body.name or body.id
        was = old.get(body.id)
        if was is None:
            out.append(f"{called}: new")
            continue
        said = []
        if (was.cadence_weeks, was.on_demand) != (body.cadence_weeks, body.on_demand):
            said.append(f"{_cadence(body)} (was {_cadence(was, again=True)})")
        if was.quorum != body.quorum:
            said.append(f"quorum {body.quorum} voting members (was {was.quorum})")
        if was.substitutes != body.substitutes:
            said.append("substitutes allowed (were not)" if body.substitutes
                        else "no substitutes (were allowed)")  # fmt: skip
        if was.special_meetings != body.special_meetings:
            said.append("special meetings may be called (could not be)" if body.special_meetings
                        else "no special meetings (could be called)")  # fmt: skip
        if len(was.members) != len(body.members):
            said.append(f"{len(body.members)} seats (was {len(was.members)})")
        if said:
            out.append(f"{called}: {', '.join(said)}")
    return out


def _cadence(body, again: bool = False) -> str:
    """How often a body meets, in words ("meets every 8 weeks"; "every 8 weeks" with
    ``again``)."""
    if body.on_demand or body.cadence_weeks is None:
        return "on demand" if again else "meets on demand"
    weeks = f"every {body.cadence_weeks:g} weeks"
    return weeks if again else f"meets {weeks}"


def assumption_changes(parameters: dict[str, float]) -> list[str]:
    """The assumptions moved from their defaults, in plain words: each by its title
    (:func:`sim.spec.parameters.parameter_title`), its value and its default ("the chance
    that a committed member attends 0.65 (default 0.85)")."""
    from sim.spec.parameters import parameter_title

    out = []
    for name, value in parameters.items():
        default = Parameters.model_fields[name].default
        out.append(f"{parameter_title(name)} {value:g} (default {default:g})")
    return out


# -- running paired replications in the background -------------------------------------------
@dataclass
class Option:
    """A structure option as run: the spec (perhaps changed by knobs) and where it came from.

    ``name`` is the file id that labels its runs; ``label`` what a reader sees (the option's
    title, :attr:`StructureSpec.display_name`); ``base`` the id its colour follows (an option
    changed by knobs keeps the colour of the option it was changed from)."""

    spec: StructureSpec
    origin: str  # a shipped name or an uploaded file's name
    base: str = ""
    changed: tuple[str, ...] = ()  # what the knobs changed (:func:`changes`)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> str:
        return self.spec.display_name


def colours(options: Sequence[Option]) -> dict[str, str]:
    """Each option's colour by its name: the report's palette
    (:func:`sim.analysis.palette.structure_colours`), an option changed by knobs keeping the
    colour of the option it came from."""
    from sim.analysis.palette import structure_colours

    bases = [o.base or o.name for o in options]
    by_base = structure_colours(list(dict.fromkeys(bases)))
    return {o.name: by_base[b] for o, b in zip(options, bases, strict=True)}


def labels(options: Sequence[Option]) -> dict[str, str]:
    """Each option's display name by its name."""
    return {o.name: o.label for o in options}


MAX_OPTIONS = 6
"""Most options one comparison in the browser runs side by side."""


def check_options(scenario: ScenarioSpec, options: Sequence[Option]) -> None:
    """Two to :data:`MAX_OPTIONS` options, each with its own name, each able to run the
    scenario."""
    if len(options) < 2:
        raise SpecError("options", "", "choose at least two structure options")
    if len(options) > MAX_OPTIONS:
        raise SpecError("options", "", f"{len(options)} options: compare at most "
                        f"{MAX_OPTIONS} at once")  # fmt: skip
    seen: dict[str, str] = {}
    for option in options:
        if option.name in seen:
            raise SpecError(option.origin, "name", f"'{option.name}' is also the name of "
                            f"{seen[option.name]}; give each option its own name")  # fmt: skip
        seen[option.name] = option.origin
        check_scenario_against(scenario, option.spec)


def catalogue(runs: pd.DataFrame, scenario: ScenarioSpec) -> dict:
    """The indicators a comparison judges: the one family of `sim compare`, the report and
    the app (:func:`sim.analysis.verdict.catalogue`)."""
    from sim.analysis.verdict import catalogue as judged

    return judged(runs, scenario)


ROBUSTNESS_DIR = WORKED_EXAMPLES_DIR  # installed with the package, found from any folder


def warm_up() -> None:
    """Import what a verdict needs and make each of its computations once (a bootstrap
    interval, a sampled sign-flip test, a worked example's robustness run), so that the
    first comparison's verdict does not wait for them after its last run: the app's server
    calls it in the background when it starts."""
    import numpy as np

    from sim.analysis import compare, verdict  # noqa: F401
    from sim.analysis.report import summary_html  # noqa: F401
    from sim.analysis.stats import mean_interval, sign_flip_p
    from sim.spec.files import SHIPPED_STRUCTURES

    values = np.arange(1.0, 31.0)
    mean_interval(values)
    sign_flip_p(values)
    for name in scenario_names():
        robustness_for(load_shipped_scenario(name), list(SHIPPED_STRUCTURES))


def robustness_for(scenario: ScenarioSpec, names: list[str], folder: Path | None = None):
    """The worked example's robustness run (``docs/robustness/SCENARIO``, made by `sim
    robustness --size full`) when it compares two of these options, unchanged: the first
    screen then says, as the report given ``--robustness`` does, whether a verdict holds over
    the plausible assumptions or depends on one. None otherwise (an option changed by knobs
    has another name, so the run is not about it)."""
    from sim.analysis.verdict import load_robustness

    where = (folder or ROBUSTNESS_DIR) / scenario.name
    if not (where / "meta.json").is_file():
        return None
    try:
        return load_robustness(where, scenario.name, names)
    except SpecError:
        return None


@dataclass
class Outcome:
    """A finished comparison: the runs, the paired comparison of every judged indicator
    (``table``), the report's first screen (``summary``: :func:`sim.analysis.verdict.summarise`)
    and the key (headline) indicators' ids."""

    scenario: ScenarioSpec
    options: list[Option]
    replications: int
    root_seed: int
    parameters: dict[str, float]
    runs: pd.DataFrame
    issues: pd.DataFrame
    table: pd.DataFrame
    summary: Any = None
    key: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.options]


def executor_settings(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Where the app's runs go, as `sim app --executor/--workers/--scheduler` set it (in the
    server's environment): PairedJob's ``executor``, ``workers`` and ``scheduler``."""
    import os

    env = os.environ if env is None else env
    kind = env.get("SIM_APP_EXECUTOR", "processes")
    if kind not in ("serial", "processes", "dask"):
        raise SpecError("SIM_APP_EXECUTOR", "", f"'{kind}': give serial, processes or dask")
    workers = env.get("SIM_APP_WORKERS")
    return {
        "executor": kind,
        "workers": int(workers) if workers else None,
        "scheduler": env.get("SIM_APP_SCHEDULER") or None,
    }


class PairedJob:
    """Paired replications of a scenario under several options, in a background thread.

    ``done`` / ``total`` runs say how far it has got; :meth:`cancel` stops it after the runs in
    hand (a process pool's running chunk, about a quarter of a second of work); ``state`` is
    ``running``, ``comparing`` (every run done, the paired comparison being computed: seconds
    of permutation tests and bootstrap intervals), ``finished``, ``cancelled`` or ``failed``
    (with ``error`` in one line).
    The runs are a :class:`sim.experiment.paired.PairedRuns` of the options held in memory
    (replication i of every option with the same seed, as `sim compare` makes them), on the
    experiment core's executors (:class:`sim.experiment.paired.RunSettings`): a process pool,
    or Dask (a local cluster or a ``scheduler``'s).
    """

    def __init__(
        self,
        scenario: ScenarioSpec,
        options: Sequence[Option],
        replications: int,
        root_seed: int = 1,
        parameters: dict[str, float] | None = None,
        workers: int | None = None,
        executor: str = "processes",
        scheduler: str | None = None,
    ) -> None:
        if not 1 <= replications <= MAX_REPLICATIONS:
            raise SpecError("replications", str(replications),
                            f"give 1 to {MAX_REPLICATIONS}")  # fmt: skip
        from sim.experiment.paired import PairedRuns, RunSettings

        check_options(scenario, options)
        self.scenario = scenario
        self.options = list(options)
        self.replications = replications
        self.root_seed = root_seed
        self.parameters = dict(parameters or {})
        self.settings = RunSettings(executor, workers, scheduler)  # type: ignore[arg-type]
        self.paired = PairedRuns(scenario, [o.spec for o in self.options], replications,
                                 [root_seed], self.parameters,
                                 tables=("summary", "issues"))  # fmt: skip
        self.tasks = self.paired.tasks()
        self.total = len(self.tasks)
        self.done = 0
        self.state = "ready"
        self.error = ""
        self.outcome: Outcome | None = None
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.listeners: list = []  # called (from the worker thread) on every change

    def start(self, runner=None) -> PairedJob:
        """Run in a background thread: on an executor of the job's own, or, given ``runner``
        (the server's :class:`sim.app.runs.RunService`), as ``runner(job)`` says."""
        if self.state == "ready":
            self.state = "running"
        target = (lambda: runner(self)) if runner is not None else self._run_alone
        self._thread = threading.Thread(target=target, name="sim-app-runs", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True when it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    def notify(self) -> None:
        for listener in list(self.listeners):
            listener(self)

    def fail(self, error: str) -> None:
        self.state, self.error = "failed", error

    def _run_alone(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            with self.settings.make(self.total) as executor:
                self.run_on(executor)
        except SpecError as exc:
            self.fail(exc.one_line())
        except BrokenProcessPool:
            self.fail("a worker process died (out of memory?); run again")
        self.notify()

    def run_on(self, executor) -> None:
        """Every run on ``executor`` (stopping after the batch in hand when cancelled), then
        the comparison. A dead worker pool is raised (its owner replaces it); any other
        failure is the job's ``error``, in one line."""
        from concurrent.futures.process import BrokenProcessPool

        outputs: dict[int, Any] = {}
        try:
            if self.cancelled:
                self.state = "cancelled"
                return
            for batch in executor.run(self.tasks):
                for index, output in batch:
                    if output.error:
                        rep = self.tasks[index].replication
                        raise RuntimeError(f"replication {rep}: {output.error}")
                    outputs[index] = output
                self.done = len(outputs)
                self.notify()
                if self.cancelled:
                    break
            if self.cancelled:
                self.state = "cancelled"
            else:
                ordered = [outputs[i] for i in range(self.total)]
                self.state = "comparing"  # the runs are done; the verdict is being computed
                self.notify()
                self.outcome = self._compare(ordered)
                self.state = "finished"
        except BrokenProcessPool:
            raise
        except SpecError as exc:
            self.fail(exc.one_line())
        except Exception as exc:  # shown on the page in one line; the page stays usable
            self.fail(f"{type(exc).__name__}: {exc}")

    def _compare(self, outputs: list) -> Outcome:
        """The paired comparison and the report's first screen, made as `sim report` makes
        them for a comparison at one point (with the worked example's robustness run where
        there is one for these options: :func:`robustness_for`)."""
        from sim.analysis.compare import headline_indicators, paired_comparison
        from sim.analysis.verdict import summarise

        tables = self.paired.collect(outputs)
        runs, issues = tables["summary"], tables["issues"]
        names = [o.name for o in self.options]
        judged = catalogue(runs, self.scenario)
        table = paired_comparison(runs, names, list(judged.values()))
        censored = None
        if "named_decision_censored_share" in runs:
            censored = runs.groupby("structure")["named_decision_censored_share"].mean().to_dict()
        where = (self.scenario.display_name, self.scenario.description)
        robustness = robustness_for(self.scenario, names)
        summary = summarise(table, names, labels(self.options), judged, where,
                            robustness=robustness, censored=censored,
                            roles={o.name: o.spec.appraisal for o in self.options})  # fmt: skip
        summary.colours = colours(self.options)  # a changed option keeps its option's colour
        key = [i.name for i in headline_indicators(runs, self.scenario)]
        return Outcome(self.scenario, self.options, self.replications, self.root_seed,
                       self.parameters, runs, issues, table, summary, key)  # fmt: skip


# -- is the verdict on screen still the answer to the choices? ------------------------------
def stale_reasons(outcome: Outcome, scenario: str, options: Sequence[Option], replications: int,
                  root_seed: Any, parameters: dict[str, float] | None) -> list[str]:  # fmt: skip
    """What differs between the choices a finished comparison ran and the choices on the page
    now, in plain words ("the assumptions", "the options chosen"); empty when the verdict is
    the answer to them. ``parameters`` None means the sliders hold no valid set."""
    out = []
    if outcome.scenario.name != scenario:
        out.append("the scenario")
    if [o.origin for o in outcome.options] != [o.origin for o in options]:
        out.append("the options chosen")
    elif [_fingerprint(o.spec) for o in outcome.options] != [_fingerprint(o.spec) for o in options]:
        out.append("the structural knobs")
    if parameters is None or dict(outcome.parameters) != dict(parameters):
        out.append("the assumptions")
    if outcome.replications != replications or outcome.root_seed != root_seed:
        out.append("the replications or root seed")
    return out


_FINGERPRINTS: dict[int, tuple[StructureSpec, str]] = {}


def _fingerprint(spec: StructureSpec) -> str:
    """A spec's content as text, kept while the spec lives (the page asks on every redraw)."""
    kept = _FINGERPRINTS.get(id(spec))
    if kept is None or kept[0] is not spec:
        if len(_FINGERPRINTS) > 256:
            _FINGERPRINTS.clear()
        kept = _FINGERPRINTS[id(spec)] = (spec, spec.model_dump_json())
    return kept[1]


def stale_note(reasons: Sequence[str]) -> str:
    """The banner over a verdict that no longer answers the page's choices."""
    if not reasons:
        return ""
    what = reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]
    said = f"These results are for the earlier choices (changed since: {what})"
    return f"{said}: press Run to update."


STATE_WORDS = {
    "ready": "starting",
    "running": "running",
    "comparing": "all runs done; computing the verdict",
    "finished": "finished",
    "cancelled": "cancelled",
    "failed": "failed",
}


def progress_line(number: int, done: int, total: int, state: str, ahead: int = 0) -> str:
    """The run's progress in words: "Run 2: 60 of 60 runs (all runs done; computing the
    verdict)"."""
    if state == "waiting":
        words = f"waiting for its turn: {f'{ahead} before it' if ahead else 'it is next'}"
    else:
        words = STATE_WORDS.get(state, state)
    return f"Run {number}: {done} of {total} runs ({words})"


# -- what the page shows ---------------------------------------------------------------------
def verdict_table(
    table: pd.DataFrame,
    names: list[str],
    shown: dict[str, str] | None = None,
    keys: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The comparison as the page shows it: one row per indicator, each option's mean with its
    95% interval, then every later option's paired difference from the first (``*`` when
    significant after Holm adjustment) and its verdict. Columns are headed by the options'
    display names (``shown``: name to display name; the names themselves without it); ``keys``
    keeps those indicators only."""
    from sim.analysis.palette import verdict_style
    from sim.analysis.verdict import group_cells

    shown = shown or {}
    label = {s: shown.get(s, s) for s in names}
    base = names[0]
    rows = []
    if keys is not None:
        table = table[table["indicator"].isin(keys)]
    for _, group in table.groupby("indicator", sort=False):
        g = group.set_index("structure")
        row = {"indicator": g["label"].iloc[0]}
        means, diffs = group_cells(g, names)  # in its unit, one number of decimals a row
        for s, text in zip(names, means, strict=True):
            row[label[s]] = text
        for s, diff in zip(names[1:], diffs, strict=True):
            r = g.loc[s]
            mark = "*" if r["significant"] else ""
            row[f"{label[s]} − {label[base]}"] = diff + mark
            symbol = verdict_style(r["verdict"])[0]
            row[f"verdict ({label[s]})"] = f"{symbol} {r['verdict']}".strip()
        rows.append(row)
    return pd.DataFrame(rows)


def family(table: pd.DataFrame) -> tuple[int, int]:
    """The comparison's family: how many differences are adjusted together, and the fewest
    paired replications at which any of them can be significant."""
    from sim.analysis.compare import family_size, needed

    return family_size(table), needed(table)


def key_indicators(table: pd.DataFrame, names: list[str], keys: Sequence[str] = ()) -> list[dict]:
    """The key indicators with their intervals, for a figure: label, option (its name), mean,
    low, high."""
    keys = list(keys) or list(table["indicator"].drop_duplicates())[:6]
    out = []
    for row in table[table["indicator"].isin(keys) & table["structure"].isin(names)].itertuples():
        out.append({"indicator": row.label, "option": row.structure, "mean": row.mean,
                    "low": row.ci_low, "high": row.ci_high})  # fmt: skip
    return out


@dataclass
class Step:
    week: float
    body: str
    action: str
    to: str
    note: str


@dataclass
class Pathway:
    """One issue's pathway in one run: its steps and where it is at the end."""

    issue_id: str
    title: str
    steps: list[Step] = field(default_factory=list)
    now: str = ""


def pathways(outcome: Outcome, replication: int = 0) -> dict[str, dict[str, Pathway]]:
    """The scenario's named issues, issue by issue, each option's pathway in one replication
    (re-simulated from its seed, as `sim trace` prints it)."""
    from sim.experiment.seeds import replication_seeds
    from sim.model import run_once

    seed = replication_seeds(outcome.root_seed, replication + 1)[replication]
    out: dict[str, dict[str, Pathway]] = {}
    for option in outcome.options:
        result = run_once(option.spec, outcome.scenario, seed, outcome.parameters)
        called = option.spec.names_by_id(outcome.scenario.bodies)
        for iid, path in result_pathways(result, called).items():
            out.setdefault(iid, {})[option.name] = path
    return out


def result_pathways(result, called: dict[str, str] | None = None) -> dict[str, Pathway]:
    """A run's named issues (and their follow-ups) as pathways, bodies by their display names
    (``called``: id -> name) where given."""
    from sim.analysis.pathway import meeting_kinds

    called = called or {}
    issues = result.issues
    own = (issues["source"] == "named") | issues["source"].str.startswith("follow-up")
    chosen = issues[own & (issues["parent"] == "")]
    kinds = meeting_kinds(result)
    out = {}
    for row in chosen.itertuples():
        history = result.history[result.history["issue_id"] == row.issue_id]
        steps = [
            Step(
                float(h.time),
                called.get(h.body, h.body) or "(arrives)",
                h.action,
                called.get(h.to_body, h.to_body) if h.to_body and h.to_body != h.body else "",
                _special_note(h, kinds),
            )
            for h in history.itertuples()
        ]
        out[row.issue_id] = Pathway(row.issue_id, row.title, steps, row.stage)
    return out


def _special_note(h, kinds: dict[tuple[str, float], str]) -> str:
    """A step's note, saying so where it was taken at a special meeting."""
    special = kinds.get((h.body, float(h.time))) == "special"
    return "; ".join(x for x in (h.note or "", "at a special meeting" if special else "") if x)


def pathway_table(
    paths: dict[str, Pathway], names: list[str], shown: dict[str, str] | None = None
) -> pd.DataFrame:
    """One issue's pathways side by side: a row per step, a column per option (headed by its
    display name, ``shown``)."""
    shown = shown or {}
    longest = max((len(paths[n].steps) for n in names if n in paths), default=0)
    columns: dict[str, list[str]] = {}
    for name in names:
        path = paths.get(name)
        cells = [f"week {s.week:.1f}: {s.body} {s.action}" + (f" -> {s.to}" if s.to else "")
                 + (" (special meeting)" if "at a special meeting" in s.note else "")
                 for s in (path.steps if path else [])]  # fmt: skip
        cells += [""] * (longest - len(cells))
        cells.append(f"now: {path.now}" if path else "(not in this option)")
        columns[shown.get(name, name)] = cells
    return pd.DataFrame(columns)


MEETING_KINDS = {
    "regular": "met",
    "special": "held a special meeting",
    "on_demand": "met on demand",
    "joint": "held a joint meeting",
}


def _called(model) -> dict[str, str]:
    """A stepped model's bodies and partners by their display names."""
    return model.structure_spec.names_by_id(model.scenario_spec.bodies)


def _issue_title(issue) -> str:
    """An issue's title, a district's share of a county issue ending in the district's name
    ("... (Forest of Dean)") rather than its id."""
    scope = getattr(issue, "scope", "")
    suffix = f" ({scope})"
    if scope and issue.title.endswith(suffix):
        words = [w if w in ("of", "and", "the", "upon") else w.capitalize() for w in
                 scope.split("_")]  # fmt: skip
        return f"{issue.title.removesuffix(suffix)} ({' '.join(words)})"
    return issue.title


def week_events(model, since: float) -> dict[str, list[str]]:
    """What happened in a stepped model after week ``since``, in plain words (bodies by their
    names, issues by their titles): the meetings held (a special meeting said as one, an
    inquorate one said to have decided nothing), and the issues that moved between bodies
    (for the step-by-step teaching view)."""
    called = _called(model)
    meetings = []
    for m in model.meetings:
        if m.time <= since:
            continue
        held = MEETING_KINDS.get(m.kind, f"held a meeting ({m.kind})")
        present = f"{m.voting_present} voting member{'s' if m.voting_present != 1 else ''} present"
        if not m.quorum:
            said = f"{present}, no quorum required"
        elif m.quorate:
            said = f"{present}, quorum {m.quorum}"
        else:
            said = f"inquorate: {present}, quorum {m.quorum}; it could decide nothing"
        meetings.append(f"week {m.time:.1f}: {called.get(m.body, m.body)} {held} ({said})")
    moves = []
    for issue in model.issues:
        for h in issue.history:
            if h.time > since:
                to = called.get(h.to_body, h.to_body)
                where = f" → {to}" if h.to_body and h.to_body != h.body else ""
                who = f"{called.get(h.body, h.body)} " if h.body else ""
                title = _issue_title(issue)
                moves.append((h.time, f"week {h.time:.1f}: {title}: {who}{h.action}{where}"))
    moves.sort(key=lambda move: move[0])
    return {"meetings": meetings, "moves": [line for _, line in moves]}


def issue_places(model) -> list[str]:
    """Where each issue of a stepped model is now, in plain words: the body holding it and its
    stage, or that it waits for a body to take it up, or is closed or dropped; the scenario's
    named issues first (for the step-by-step view)."""
    called = _called(model)
    rows = []
    for issue in sorted(model.issues, key=lambda i: (i.source != "named", i.raised_at, i.id)):
        stage = issue.stage.value
        if stage in ("closed", "dropped"):
            where = stage
        elif issue.holder:
            moving = ", on its way" if issue.in_transit else ""
            where = f"with {called.get(issue.holder, issue.holder)} ({stage}{moving})"
        else:
            where = f"waiting for a body to take it up ({stage})"
        rows.append(f"{_issue_title(issue)}: {where}")
    return rows


# -- the report's first screen in the page ---------------------------------------------------
SCOPE = "first-screen"
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def scoped_css(css: str, scope: str = SCOPE) -> str:
    """The report's stylesheet made to touch only what is inside ``.scope``: every selector
    prefixed (``body`` and ``:root`` become the scope itself), print rules dropped (the page
    is not printed; the report is)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out = []
    while "@media" in css:  # drop each @media block, braces balanced
        start = css.index("@media")
        depth, end = 0, css.index("{", start)
        while True:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            if depth == 0:
                break
            end += 1
        css = css[:start] + css[end + 1 :]
    for selectors, body in _RULE.findall(css):
        scoped = []
        for sel in selectors.split(","):
            sel = sel.strip()
            if not sel:
                continue
            if sel in (":root", "body", "html"):
                scoped.append(f".{scope}")
            else:
                scoped.append(f".{scope} {sel}")
        out.append(f"{', '.join(scoped)} {{{' '.join(body.split())}}}")
    return "\n".join(out)


def first_screen_html(summary) -> str:
    """The report's first screen (:func:`sim.analysis.report.summary_html`) for the page: the
    same fragment, its stylesheet scoped to it so that it leaves the page's own styles alone."""
    from sim.analysis.report import summary_html

    text = summary_html(summary)
    found = re.fullmatch(r"\s*<style>(.*?)</style>(.*)", text, flags=re.S)
    if found is None:
        raise ValueError("summary_html: expected <style>...</style> and then the fragment")
    css, fragment = found.groups()
    return f'<style>{scoped_css(css)}</style><div class="{SCOPE}">{fragment}</div>'
