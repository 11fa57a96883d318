"""The app's Designs page, apart from drawing it: testable without a browser or Solara.

- the shipped design searches (:data:`sim.spec.loading.WORKED_SEARCHES_DIR`, the project's
  ``docs/search/``): one per folder holding a ``set.json`` (:func:`sim.analysis.search.
  load_search`), each checked once when read (its scenario and options shipped ones, each
  design's structure file one of its own ``designs/design-NN.yaml``);
- the set as a board reads it (:func:`set_html`): the designs whose advantages held out of
  sample first, each with what it does better, worse and the same, what it needs and its
  status; the designs that are not findings set apart, and said to be so; every word from a
  file escaped;
- a pick: the browser sends an index into the list of searches and a design's number, never
  a file (:func:`chosen_search`, :func:`chosen_design`: anything else is a one-line
  :class:`SpecError`); the comparison the pick makes (:func:`design_job`) is the app's own
  :class:`sim.app.logic.PairedJob` of business as usual (the search's ``base``), the design
  (its shipped structure file) and the options the search names to compare with, on the
  search's scenario.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.analysis.search import ORDER, Design, SavedSearch, load_search
from sim.app import logic
from sim.errors import SpecError
from sim.spec import load_structure
from sim.spec.loading import WORKED_SEARCHES_DIR, shipped_names
from sim.spec.scenario import ScenarioSpec
from sim.spec.structure import StructureSpec

DESIGN_FILE = re.compile(r"designs/design-(\d{2,3})\.yaml")
"""The only structure files a search's ``set.json`` may name (as :func:`sim.analysis.search.
export_designs` writes them)."""
REPLICATIONS = 30  # a design's comparison, by default: the first screen asks for 30 or more
ROOT_SEED = 1

STATUS_WORDS = {
    "confirmed": "confirmed: every advantage it claimed held when checked at fresh assumption "
    "points with fresh seeds",
    "partly confirmed": "partly confirmed: some of the advantages it claimed held when checked "
    "at fresh assumption points with fresh seeds, not all",
    "no advantage": "no advantage: it claimed no advantage over business as usual",
    "not confirmed": "not confirmed: none of the advantages it claimed held when checked at "
    "fresh assumption points with fresh seeds",
}


@dataclass(frozen=True)
class ShippedSearch:
    """A shipped search, checked: its folder's name, what it saved, its scenario."""

    name: str
    saved: SavedSearch
    scenario: ScenarioSpec

    @property
    def title(self) -> str:
        """How the page names it: the scenario's title, then the design space's."""
        space = self.saved.title or "a design search"
        return f"{self.scenario.display_name}: {space}"

    @property
    def designs(self) -> list[Design]:
        """The set in the order a board reads it: findings first (confirmed, then partly
        confirmed), then the others, each group in the search's numbering."""
        return sorted(self.saved.designs, key=lambda d: (ORDER.index(d.status), d.number))

    @property
    def findings(self) -> list[Design]:
        return [d for d in self.designs if d.finding]

    @property
    def set_apart(self) -> list[Design]:
        return [d for d in self.designs if not d.finding]

    def design_file(self, design: Design) -> Path:
        """The design's structure file, inside the search's own ``designs/`` (checked when the
        search was read)."""
        return self.saved.folder / design.file

    def figure(self, name: str = "parallel") -> bytes:
        """A figure of the search's (``parallel`` or ``convergence``) as PNG bytes, or
        ``b""`` when the folder has none."""
        if name not in ("parallel", "convergence"):
            raise SpecError("figure", "", f"{logic._said(name)} is not a figure of a search")
        path = self.saved.folder / "figures" / f"{name}.png"
        return path.read_bytes() if path.is_file() else b""


def read_search(folder: Path) -> ShippedSearch:
    """A shipped search's folder, read and checked; a one-line :class:`SpecError` naming the
    folder by its name only (never a path of the server) when anything is wrong."""
    name = folder.name
    try:
        saved = load_search(folder)
    except SpecError as exc:
        raise SpecError(f"the search {name}", "", exc.message) from None
    try:
        scenario = logic.load_shipped_scenario(saved.scenario)
    except SpecError:
        said = logic._said(saved.scenario)
        raise SpecError(
            f"the search {name}", "scenario", f"{said} is not a shipped scenario"
        ) from None
    structures = shipped_names("structure")
    for option in [saved.base, *saved.compare_with]:
        if not isinstance(option, str) or option not in structures:
            raise SpecError(f"the search {name}", "base",
                            f"{logic._said(option)} is not a shipped structure")  # fmt: skip
    if not saved.designs:
        raise SpecError(f"the search {name}", "designs", "the set is empty")
    for number, design in enumerate(saved.designs, start=1):
        found = DESIGN_FILE.fullmatch(str(design.file))
        if design.number != number or found is None or int(found.group(1)) != number:
            said = logic._said(design.file)
            raise SpecError(f"the search {name}", f"designs[{number}]",
                            f"{said} is not design {number}'s file")  # fmt: skip
        if design.status not in ORDER:
            raise SpecError(f"the search {name}", f"designs[{number}].status",
                            f"{logic._said(design.status)} is not a status")  # fmt: skip
        if not (folder / design.file).is_file():
            raise SpecError(f"the search {name}", f"designs[{number}]",
                            f"its structure file {design.file} is missing")  # fmt: skip
    return ShippedSearch(name, saved, scenario)


def shipped_searches(root: Path | None = None) -> tuple[list[ShippedSearch], list[str]]:
    """Every shipped search (one per folder of ``root``, by default
    :data:`WORKED_SEARCHES_DIR`, that holds a ``set.json``), in the order of their folders'
    names, and a one-line problem for each that could not be read."""
    root = Path(root or WORKED_SEARCHES_DIR)
    found, problems = [], []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / "set.json").is_file())
    for folder in folders:
        try:
            found.append(read_search(folder))
        except SpecError as exc:
            problems.append(exc.one_line())
    return found, problems


# -- what the browser sends ------------------------------------------------------------------------
def _whole(value: Any) -> int | None:
    """A whole number the browser sent, or None (a bool, a string, 1.5 ... are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def chosen_search(value: Any, searches: list[ShippedSearch]) -> ShippedSearch:
    """The search at index ``value`` of the list the server made, else a one-line error."""
    index = _whole(value)
    if index is None or not 0 <= index < len(searches):
        raise SpecError("search", "", f"{logic._said(value)} is not one of the "
                        f"{len(searches)} shipped searches")  # fmt: skip
    return searches[index]


def chosen_design(value: Any, search: ShippedSearch) -> Design:
    """The design numbered ``value`` in ``search``'s set, else a one-line error."""
    number = _whole(value)
    if number is None or not 1 <= number <= len(search.saved.designs):
        raise SpecError("design", "", f"{logic._said(value)} is not a design of this search "
                        f"(1 to {len(search.saved.designs)})")  # fmt: skip
    return search.saved.designs[number - 1]


# -- the set in words ------------------------------------------------------------------------------
def coverage(search: ShippedSearch) -> str:
    """How much the search ran, from its text ("27 designs evaluated over 4 assumption points
    x 2 paired replications; the set checked at ..."), or ""."""
    for line in search.saved.text.splitlines():
        if re.match(r"\d+ designs evaluated", line):
            return line.strip()
    return ""


def convergence(search: ShippedSearch) -> tuple[str, list[str]]:
    """A line on convergence for a board, and the search's own lines, seed by seed (from its
    text)."""
    seeds = [line.strip() for line in search.saved.text.splitlines()
             if re.match(r"\s*seed \d+: ", line)]  # fmt: skip
    if not seeds:
        return "The search says nothing of its convergence.", []
    rising = sum("still rising" in line for line in seeds)
    if rising == 0:
        said = (f"The search levelled off in each of its {len(seeds)} independent runs: a longer "
                "search would probably not have found better designs.")  # fmt: skip
    else:
        said = (f"The search was still improving in {rising} of its {len(seeds)} independent "
                "runs when it stopped: a longer search might find other designs, so this set "
                "is not the last word.")  # fmt: skip
    return said, seeds


def measures_differ(search: ShippedSearch) -> str:
    """The search's sentence on its robustness measures disagreeing, or ""."""
    for line in search.saved.text.splitlines():
        if line.startswith("The most robust design changes with the measure"):
            return line.strip()
    return ""


def _items(heading: str, lines: list[str], css: str) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<div class="{css}"><strong>{heading}</strong><ul>{items}</ul></div>'


def design_html(design: Design) -> str:
    """One design as a card's text: its status in words, what it does better, worse and the
    same as business as usual, and what it needs; every word from the file escaped."""
    needs = design.needs or ["no change (business as usual)"]
    css = "design-finding" if design.finding else "design-not-finding"
    words = STATUS_WORDS.get(design.status, design.status)
    return (
        f'<div class="design {css}" data-number="{int(design.number)}">'
        f"<h3>Design {int(design.number)} ({html.escape(design.status)})</h3>"
        f'<p class="design-status">{html.escape(words)}.</p>'
        + _items("Better than business as usual", design.gains, "design-gains")
        + _items("Worse", design.losses, "design-losses")
        + _items("No difference that matters", design.same, "design-same")
        + _items("What it needs", needs, "design-needs")
        + "</div>"
    )


def set_html(search: ShippedSearch) -> str:
    """The set as a board reads it: the findings (designs whose advantages held out of
    sample) first, then, apart and said to be so, the designs that are not findings."""
    parts = ['<div class="design-set">']
    said = coverage(search)
    if said:
        parts.append(f'<p class="design-coverage">{html.escape(said)}</p>')
    parts.append("<h2>Designs whose advantages held out of sample</h2>")
    if search.findings:
        parts += [design_html(d) for d in search.findings]
    else:
        parts.append('<p class="no-findings">No design\'s claimed advantage held out of sample: '
                     "the search found no design to put to the board.</p>")  # fmt: skip
    if search.set_apart:
        parts.append('<div class="set-apart"><h2>Not findings</h2><p class="set-apart-note">'
                     "These designs are on the set the search found, but they are not findings: "
                     "none of the advantages they claimed held when checked at fresh assumption "
                     "points with fresh seeds, or they claimed none. They are listed so that the "
                     "board sees what was set aside, not for its choice.</p>")  # fmt: skip
        parts += [design_html(d) for d in search.set_apart]
        parts.append("</div>")
    differ = measures_differ(search)
    if differ:
        parts.append(f'<p class="design-measures">{html.escape(differ)}</p>')
    parts.append('<p class="design-caveat">A design the model favours is a hypothesis for the '
                 "board to test, not a recommendation: it is better in the model, under its "
                 "assumptions.</p></div>")  # fmt: skip
    return "".join(parts)


def design_choices(search: ShippedSearch) -> list[dict[str, Any]]:
    """The designs a board member can pick, as the page's list (text, value: the number)."""
    return [{"text": f"Design {d.number} ({d.status})", "value": d.number} for d in search.designs]


# -- the comparison a pick makes -------------------------------------------------------------------
_SPECS: dict[str, StructureSpec] = {}


def _structure(name_or_file: str) -> StructureSpec:
    """A shipped structure by name, or a search's own design file (checked by
    :func:`read_search`), loaded once."""
    if name_or_file not in _SPECS:
        _SPECS[name_or_file] = load_structure(name_or_file)
    return _SPECS[name_or_file]


def design_options(search: ShippedSearch, design: Design) -> list[logic.Option]:
    """The options a design's comparison runs: business as usual (the search's base) first,
    the design (its shipped structure file, titled "Design N of the search" as the page
    numbers it), then the options the search compares with (the pilot)."""
    path = search.design_file(design)
    if not path.resolve().is_relative_to(search.saved.folder.resolve()):
        raise SpecError(f"the search {search.name}", "", f"{design.file} is not its own file")
    base = logic.Option(_structure(search.saved.base), search.saved.base)
    key = f"{path} as design {design.number}"
    if key not in _SPECS:  # the page's numbering, not the search space's file name
        spec = _structure(str(path))
        _SPECS[key] = logic.renamed(spec, spec.name, f"Design {design.number} of the search")
    mine = logic.Option(_SPECS[key], f"{search.name}/{path.name}")
    others = [logic.Option(_structure(n), n) for n in search.saved.compare_with]
    return [base, mine, *(o for o in others if o.name not in (base.name, mine.name))]


def design_job(search: ShippedSearch, design: Design, replications: int = REPLICATIONS,
               root_seed: int = ROOT_SEED) -> logic.PairedJob:  # fmt: skip
    """The app's paired comparison (:class:`sim.app.logic.PairedJob`) of the design against
    business as usual and the options the search names, on the search's scenario, at the
    default assumptions; not yet started."""
    options = design_options(search, design)
    seed = logic.chosen_seed(root_seed)
    return logic.PairedJob(search.scenario, options, replications, seed, {})
