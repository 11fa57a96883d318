"""What a design search found, for a board: the set as structure files, a trade-off table in
plain words, a parallel-coordinates figure, the convergence trace and a page.

Every number a board reads here comes from the **out-of-sample check** (fresh assumption
points, fresh seeds), not from the runs the search chose the designs on: those flatter the
designs chosen (the winner's curse). A design none of whose claimed advantages holds out of
sample is listed apart, as not confirmed, never as a finding.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from sim.experiment.search import MERGED, SearchResult, status
from sim.model.indicators import BY_NAME
from sim.paths import ensure_folder, inside, naming
from sim.spec.structure import load_structure

ORDER = ("confirmed", "partly confirmed", "no advantage", "not confirmed")
PLATEAU = 0.01  # the hypervolume's change over the last quarter of a seed's evaluations
"""Below this relative change over the last quarter of its evaluations, a seed's search is
said to have levelled off (converged in the usual loose sense of the word)."""


@dataclass
class Design:
    """One design of the set as a board reads it."""

    number: int
    key: str
    status: str
    gains: list[str]  # what it does better than today, in words (out of sample)
    losses: list[str]  # what it does worse
    same: list[str]  # no difference that matters
    needs: list[str]  # what it changes, in words
    file: str  # its structure file, relative to the search's folder
    cells: list[str] = field(default_factory=list)  # per objective, the difference in short

    @property
    def finding(self) -> bool:
        return self.status in ("confirmed", "partly confirmed")

    def sentence(self) -> str:
        """ "design 3: decides 9 weeks sooner ...; needs the Executive to meet every 6 weeks"."""
        said = "; ".join([*self.gains, *self.losses, *self.same]) or "no difference"
        needs = "; ".join(self.needs) if self.needs else "no change (business as usual)"
        return f"design {self.number} ({self.status}), against today: {said}. Needs: {needs}."


PHRASES = {
    "named_weeks_to_decision": ("decides the named issue {x} weeks sooner",
                                "decides the named issue {x} weeks later",
                                "decides the named issue as fast"),
    "cycle_member_hours_per_year": ("costs {x} fewer member-hours a year{p}",
                                    "costs {x} more member-hours a year{p}",
                                    "costs the same member-hours"),
    "issues_closed": ("closes {x} more issues", "closes {x} fewer issues", "closes as many"),
    "open_voluntary_presence": ("{x} more voluntary sector members at decisions",
                                "{x} fewer voluntary sector members at decisions",
                                "as many voluntary sector members at decisions"),
    "open_decisions_share": ("{x} points more of its decisions in open meetings",
                             "{x} points fewer of its decisions in open meetings",
                             "as many decisions in open meetings"),
    "account_orphan_weeks": ("issues wait {x} weeks less with no body holding them",
                             "issues wait {x} weeks more with no body holding them",
                             "issues wait as long with no body holding them"),
}  # fmt: skip
"""How the trade-off table says a difference on the shipped objectives (better, worse, the
same); any other indicator is said by its label, its unit and more or fewer."""


def _amount(indicator: str, difference: float, today: float) -> str:
    """A difference in the indicator's unit, with its share of today's value where that
    reads well: "costs 262 fewer member-hours a year (15% of today's)"."""
    info = BY_NAME[indicator]
    size = abs(difference)
    digits = 0 if size >= 10 or info.unit == "share" else 1
    number = f"{size * (100 if info.unit == 'share' else 1):.{digits}f}"
    share = ""
    if today and today > 0 and info.unit not in ("weeks", "share"):
        share = f" ({size / today * 100:.0f}% of today's)"
    better = (difference > 0) == (info.better == "higher")
    if indicator in PHRASES:
        return PHRASES[indicator][0 if better else 1].format(x=number, p=share)
    unit = "percentage points" if info.unit == "share" else info.unit
    return f"{info.label}: {number} {unit} {'more' if difference > 0 else 'fewer'}{share}"


def _cell(row, difference: float, eps: float) -> str:
    """One cell of the trade-off table: the out-of-sample difference with its unit and 95%
    interval, and whether it is better, worse or the same as today ("-5.9 weeks [-9.1, -2.7],
    better")."""
    info = BY_NAME[row.indicator]
    scale, unit = (100, "points") if info.unit == "share" else (1, info.unit)
    sign = 1.0 if info.better == "higher" else -1.0
    low, high = sorted((sign * row.check_low * scale, sign * row.check_high * scale))
    size = max(abs(difference * scale), abs(low), abs(high))
    digits = 0 if size >= 100 else 1
    word = "the same" if abs(row.check_better_by) < eps else (
        "better" if row.check_better_by > 0 else "worse")  # fmt: skip
    return (
        f"{difference * scale:+.{digits}f} {unit} [{low:+.{digits}f}, {high:+.{digits}f}], {word}"
    )


def _same(indicator: str) -> str:
    return (
        PHRASES[indicator][2] if indicator in PHRASES else f"{BY_NAME[indicator].label}: the same"
    )


def describe(result: SearchResult) -> list[Design]:
    """The set, numbered in the order a board should read it: confirmed designs first, then
    partly confirmed, those with no advantage, and the not confirmed; within each, most
    claimed advantages that hold first."""
    space, checked = result.space, result.checked
    today = result.today
    designs = []
    for key in result.front:
        mine = checked[checked["design"] == key]
        gains, losses, same, cells = [], [], [], []
        for row in mine.itertuples():
            info = BY_NAME[row.indicator]
            sign = 1.0 if info.better == "higher" else -1.0
            difference = sign * row.check_better_by
            eps = _epsilon(space, row.indicator)
            amount = _amount(row.indicator, difference, today.get(row.indicator, 0))
            cells.append(_cell(row, difference, eps))
            if abs(row.check_better_by) < eps:
                same.append(_same(row.indicator))
            elif row.check_better_by > 0:
                gains.append(amount + ("" if row.holds else " (not confirmed)"))
            else:
                losses.append(amount)
        designs.append(Design(0, key, status(checked, key), gains, losses, same,
                              space.words(space.from_key(key)), "", cells))  # fmt: skip
    held = {k: int(checked[(checked["design"] == k) & checked["holds"]].shape[0])
            for k in result.front}  # fmt: skip
    designs.sort(key=lambda d: (ORDER.index(d.status), -held[d.key], d.key))
    for number, design in enumerate(designs, start=1):
        design.number = number
        design.file = f"designs/design-{number:02d}.yaml"
    return designs


def _epsilon(space, indicator: str) -> float:
    for objective in space.objectives:
        if objective.indicator == indicator:
            return objective.epsilon or BY_NAME[indicator].smallest
    return BY_NAME[indicator].smallest


def export_designs(result: SearchResult, designs: list[Design]) -> list[Path]:
    """Each design of the set as a structure file in ``designs/`` (the design at the default
    readings of the sources), validated by loading it back. `sim compare` runs any of them."""
    folder = ensure_folder(inside(result.out, "designs"))
    for old in folder.glob("design-*.yaml"):  # a previous search's numbering
        old.unlink()
    space = result.space
    paths = []
    for design in designs:
        values = space.from_key(design.key)
        name = f"design_{design.number:02d}"
        spec = space.compile(values, name=name)
        data = spec.model_dump(
            mode="json", by_alias=True, exclude={"sources"}, exclude_defaults=True
        )
        data["title"] = f"Design {design.number} of the design search"
        data["description"] = ("From " + space.base_structure.display_name + ": "
                               + ("; ".join(design.needs) or "no change"))  # fmt: skip
        head = [f"# Design {design.number} of `sim search {space.name}` on "
                f"{Path(result.scenario).stem} ({design.status} out of sample).",
                f"# Lever values: {design.key}",
                "# Made by the search: edit a copy, not this file (a new search rewrites "
                "it)."]  # fmt: skip
        path = inside(folder, f"design-{design.number:02d}.yaml")
        with naming(path):
            path.write_text("\n".join(head) + "\n" + yaml.safe_dump(data, sort_keys=False,
                            allow_unicode=True, width=100), encoding="utf-8")  # fmt: skip
        load_structure(str(path))  # every exported design validates
        paths.append(path)
    return paths


def convergence(trace: pd.DataFrame) -> list[str]:
    """Per seed, in words: the hypervolume at the end, its change over the last quarter of
    the evaluations, the epsilon progress there, and whether it levelled off."""
    lines = []
    seeds = sorted(set(trace["seed"]) - {MERGED}) + (
        [MERGED] if MERGED in set(trace["seed"]) else []
    )
    for seed in seeds:
        rows = trace[trace["seed"] == seed].sort_values("evaluations")
        end = float(rows["hypervolume"].iloc[-1])
        cut = rows["evaluations"].iloc[-1] * 0.75
        before = rows[rows["evaluations"] <= cut]
        start = float(before["hypervolume"].iloc[-1]) if len(before) else 0.0
        change = (end - start) / end if end > 0 else math.inf
        gained = int(rows["improvements"].iloc[-1] - (before["improvements"].iloc[-1]
                                                      if len(before) else 0))  # fmt: skip
        level = "levelled off" if abs(change) < PLATEAU else (
            "still rising" if change > 0 else "still changing (the epsilon archive gave up "
            "volume for designs in new epsilon-boxes)")  # fmt: skip
        who = "the seeds merged" if seed == MERGED else f"seed {seed}"
        if end >= 0.999:
            level += (" (a hypervolume of 1: one design is at least as good as every design "
                      "recorded on every criterion)")  # fmt: skip
        lines.append(f"{who}: hypervolume {end:.3f} after {int(rows['evaluations'].iloc[-1])}"
                     f" evaluations, {change * 100:+.1f}% over the last quarter, "
                     f"{gained} new epsilon-box{'' if gained == 1 else 'es'} there: "
                     f"{level}")  # fmt: skip
    return lines


def converged(trace: pd.DataFrame) -> bool:
    """Whether the set a board reads (the seeds merged) levelled off."""
    return "levelled off" in convergence(trace)[-1]


def draw_figures(result: SearchResult, designs: list[Design]) -> dict[str, Path]:
    """``figures/parallel.png`` (the set: each design's out-of-sample difference from today on
    each objective, scaled by its epsilon, better upwards) and ``figures/convergence.png``
    (hypervolume against evaluations, per seed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.analysis.palette import BLACK, BLUE, ORANGE, SKY, VERMILLION

    folder = ensure_folder(inside(result.out, "figures"))
    space, checked = result.space, result.checked
    names = [o.indicator for o in space.objectives]
    colour = {"confirmed": BLUE, "partly confirmed": SKY, "no advantage": ORANGE,
              "not confirmed": VERMILLION}  # fmt: skip
    fig, ax = plt.subplots(figsize=(9, 4.8))
    for design in designs:
        mine = checked[checked["design"] == design.key].set_index("indicator")
        ys = [mine.loc[n, "check_better_by"] / _epsilon(space, n) for n in names]
        ax.plot(range(len(names)), ys, marker="o", color=colour[design.status],
                linestyle="-" if design.finding else ":", linewidth=1.6, alpha=0.85)  # fmt: skip
        ax.annotate(str(design.number), (len(names) - 1, ys[-1]), xytext=(6, 0),
                    textcoords="offset points", fontsize=8, va="center")  # fmt: skip
    ax.axhline(0, color=BLACK, linewidth=0.8)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([_wrap(BY_NAME[n].label) for n in names], fontsize=8)
    ax.set_ylabel("better than today, in smallest differences that matter")
    for label, c in colour.items():
        ax.plot([], [], color=c, label=label)
    ax.legend(fontsize=8, title="out of sample", title_fontsize=8, loc="best")
    ax.set_title("The designs found: each line one design (numbers as in the table)", fontsize=10)
    fig.tight_layout()
    parallel = inside(folder, "parallel.png")
    fig.savefig(parallel, dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for seed, rows in result.trace.groupby("seed", sort=True):
        merged = seed == MERGED
        ax.plot(rows["evaluations"], rows["hypervolume"], marker="" if merged else ".",
                color=BLACK if merged else None, linewidth=2.2 if merged else 1.2,
                label="the seeds merged (evaluations of all)" if merged
                else f"seed {seed}")  # fmt: skip
    ax.set_xlabel("designs evaluated")
    ax.set_ylabel("hypervolume (share of the box)")
    ax.set_title("Convergence: the archive's hypervolume as the search goes on", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    trace = inside(folder, "convergence.png")
    fig.savefig(trace, dpi=110)
    plt.close(fig)
    return {"parallel": parallel, "convergence": trace}


def _wrap(text: str, width: int = 16) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def measures_disagree(result: SearchResult) -> list[str]:
    """Where the most robust design changes with the measure: per objective, the design of the
    set that is best by the mean difference, by the share of points where it beats today,
    and by regret, in words, when they are not all the same design."""
    table = result.designs[result.designs["design"].isin(result.front)]
    lines = []
    for objective in result.space.objectives:
        name = objective.indicator
        best = {"mean": table.loc[table[f"{name}:better_by"].idxmax(), "design"],
                "share": table.loc[table[f"{name}:share_better"].idxmax(), "design"],
                "regret": table.loc[table[f"{name}:regret"].idxmin(), "design"]}  # fmt: skip
        if len(set(best.values())) > 1:
            lines.append(name)
    return lines


def write_outputs(result: SearchResult) -> tuple[list[Design], str]:
    """Structure files, figures, tradeoffs.md and search.html into the search's folder; the
    text the command prints."""
    designs = describe(result)
    export_designs(result, designs)
    figures = draw_figures(result, designs)
    text = summary_text(result, designs)
    path = inside(result.out, "tradeoffs.md")
    with naming(path):
        path.write_text(text + "\n", encoding="utf-8")
    write_page(result, designs, figures)
    saved = {"space": result.space.name, "title": result.space.title,
             "scenario": Path(result.scenario).stem,
             "base": result.space.base, "compare_with": result.space.compare_with,
             "size": result.size_name, "text": text,
             "designs": [asdict(d) for d in designs]}  # fmt: skip
    path = inside(result.out, "set.json")
    with naming(path):
        path.write_text(json.dumps(saved, indent=1), encoding="utf-8")
    return designs, text


@dataclass
class SavedSearch:
    """A search's result as written to its folder (what the app and notebooks read):
    the set in words, the structure files, the figures."""

    folder: Path
    space: str
    title: str
    scenario: str
    base: str
    compare_with: list[str]
    size: str
    text: str
    designs: list[Design]

    def structure_file(self, number: int) -> Path:
        return self.folder / self.designs[number - 1].file


def load_search(folder: str | Path) -> SavedSearch:
    """Read a search's ``set.json`` (a one-line error when it is not a search's folder)."""
    from sim.errors import SpecError

    folder = Path(folder)
    path = folder / "set.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        designs = [Design(**d) for d in data.pop("designs")]
        return SavedSearch(folder=folder, designs=designs, **data)
    except FileNotFoundError:
        raise SpecError(str(folder), "", "not a search's folder (no set.json)") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise SpecError(str(path), "", f"damaged ({exc})") from None


def in_common(result: SearchResult, designs: list[Design]) -> list[str]:
    """What a board should read first: what the designs whose advantages held have in
    common (each change that at least half of them make, with how many), which advantages
    held for how many of them, and which were claimed but held for none."""
    space, checked = result.space, result.checked
    found = [d for d in designs if d.finding]
    if not found:
        return []
    n = len(found)
    changes: dict[str, int] = {}
    for design in found:
        for words in design.needs:
            changes[words] = changes.get(words, 0) + 1
    shared = [f"{words} ({k} of {n})" for words, k in sorted(changes.items(), key=lambda x: -x[1])
              if 2 * k >= n]  # fmt: skip
    mine = checked[checked["design"].isin([d.key for d in found])]
    held, never = [], []
    for objective in space.objectives:
        rows = mine[mine["indicator"] == objective.indicator]
        k = int(rows["holds"].sum())
        claimed = int(rows["claimed"].sum())
        better = PHRASES.get(objective.indicator, (BY_NAME[objective.indicator].label + " better",))
        words = re.sub(r"\s*\{x\}( points| weeks)?\s*", " ", better[0]).replace("{p}", "").strip()
        if k:
            held.append(f"{words} ({k} of {n})")
        elif claimed:
            never.append(f"{words} (claimed by {claimed}, held by none)")
    out = []
    if shared:
        out.append("What they have in common: " + "; ".join(shared) + ".")
    if held:
        out.append("Their advantages that held at the fresh points: " + "; ".join(held) + ".")
    if never:
        out.append("Claimed in the search's runs but held for none at the fresh points: "
                   + "; ".join(never) + ".")  # fmt: skip
    return out


def summary_text(result: SearchResult, designs: list[Design]) -> str:
    space = result.space
    found = [d for d in designs if d.finding]
    others = [d for d in designs if not d.finding]
    lines = [f"{space.title or space.name}: {_scenario_title(result.scenario)}, against "
             f"{space.base_structure.display_name} (business as usual)",
             f"{len(result.designs) - 1} designs evaluated over {result.size.points} assumption "
             f"points x {result.size.replications} paired replications; the set checked at "
             f"{result.size.check_points} fresh points x {result.size.check_replications} "
             "fresh replications (every figure below is from that check).", ""]  # fmt: skip
    if found:
        lines += [f"{len(found)} designs whose advantages held out of sample.",
                  *in_common(result, designs), "", "Design by design:"]  # fmt: skip
        lines += [f"  {d.sentence()}" for d in found]
    else:
        lines.append("No design's claimed advantage held out of sample: the search found no "
                     "design to put to the board at this size.")  # fmt: skip
    if others:
        lines += ["", "On the set but not a finding (no claimed advantage, or none held out of "
                  "sample):"]  # fmt: skip
        lines += [f"  {d.sentence()}" for d in others]
    lines += ["", "Convergence:", *(f"  {c}" for c in convergence(result.trace))]
    differ = measures_disagree(result)
    if differ:
        words = ", ".join(BY_NAME[n].label for n in differ)
        lines += ["", f"The most robust design changes with the measure (mean difference, share "
                  f"of points better than today, regret) for: {words}."]  # fmt: skip
    lines += ["", "A design the model favours is a hypothesis for the board to test, not a "
              "recommendation: it is better in the model, under its assumptions."]  # fmt: skip
    return "\n".join(lines)


def _unit_word(indicator: str) -> str:
    info = BY_NAME[indicator]
    return "percentage points" if info.unit == "share" else info.unit


def _scenario_title(path: str) -> str:
    from sim.spec import load_scenario

    return load_scenario(path).display_name


def write_page(result: SearchResult, designs: list[Design], figures: dict[str, Path]) -> Path:
    """``search.html``: the set for a board, escaped throughout (Jinja2 autoescape)."""
    import base64

    from sim.analysis.report import _environment

    env = _environment()
    images = {k: base64.b64encode(p.read_bytes()).decode() for k, p in figures.items()}
    space = result.space
    objectives = [BY_NAME[o.indicator].label for o in space.objectives]
    html = env.get_template("search.html").render(
        title=space.title or space.name,
        scenario=_scenario_title(result.scenario),
        base=space.base_structure.display_name,
        designs=designs,
        objectives=objectives,
        units=[_unit_word(o.indicator) for o in space.objectives],
        constraints=[c.says for c in space.constraints],
        size=result.size,
        evaluated=len(result.designs) - 1,
        convergence=convergence(result.trace),
        images=images,
        points_from=result.points_from,
        compare_with=space.compare_with,
        differ=[BY_NAME[n].label for n in measures_disagree(result)],
        common=in_common(result, designs),
    )
    path = inside(result.out, "search.html")
    with naming(path):
        path.write_text(html, encoding="utf-8")
    return path


def check_search(result: SearchResult, designs: list[Design], again: SearchResult) -> list[str]:
    """What `sim search --check` (and `make ci-search`) requires of a finished search, as the
    failures found (none: it passed). ``again`` is the same search run a second time over the
    same folder."""
    from sim.experiment.search import BASE

    space, failures = result.space, []
    if not designs:
        failures.append("the set is empty")
    for design in designs:
        path = result.out / design.file
        try:
            spec = load_structure(str(path))
        except Exception as exc:
            failures.append(f"{design.file} does not load: {exc}")
            continue
        compiled = space.compile(space.from_key(design.key), name=spec.name)
        if spec.bodies != compiled.bodies or spec.routing != compiled.routing:
            failures.append(f"{design.file} is not the design {design.key}")
    table = result.designs.set_index("design")
    for key in result.front:
        if not table.loc[key, "feasible"]:
            failures.append(f"design {key} breaks a constraint")
    if BASE in result.front and status(result.checked, BASE) != "no advantage":
        failures.append("business as usual claims an advantage over itself")
    for seed, rows in result.trace.groupby("seed"):
        if len(rows) != result.size.generations or not rows["evaluations"].is_monotonic_increasing:
            failures.append(f"seed {seed}: the trace does not record every generation")
    if again.runs:
        failures.append(f"a second run of the same search made {again.runs} runs (expected 0)")
    if again.front != result.front or not again.checked.equals(result.checked):
        failures.append("a second run of the same search found another set")
    return failures
