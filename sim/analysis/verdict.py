"""The verdict a partnership board reads first: which option, on what, how sure.

For each criterion of a strong partnership (the evaluation criteria of source document 004,
plus the cost of the cycle and the scenario's own outcomes) and each option against the
baseline (the first option), one verdict in words:

- **better** / **worse**: at least one of the criterion's judged indicators (those with a
  direction that is better) differs by more than the smallest difference that matters, after
  the Holm adjustment, and none differs the other way;
- **mixed**: some of its indicators are better and some worse (both are named);
- **no practical difference**: every judged indicator's interval lies inside its
  smallest-difference band (or the difference is exactly 0, or significant but smaller than
  that band);
- **not clear**: the runs cannot tell (an interval reaching past the band on either side);
- **depends on an assumption**: the comparison says better or worse, but a robustness run
  (`sim robustness`) found that the conclusion on its leading indicator flips under a named
  assumption in its plausible range;
- **depends on P (better where it is high)**, for a sweep: the regression of the paired
  differences on the swept parameters (:mod:`sim.analysis.sweeps`) finds a judged
  indicator's difference changing sign, or crossing the smallest difference that matters,
  across parameter P's range;
- **too few runs (at least N pairs needed)**: fewer paired replications than any
  difference of the comparison's family can be significant with
  (:func:`sim.analysis.stats.pairs_needed`).

The words are the comparison's (:data:`sim.analysis.stats.VERDICTS`), the same in the
command's table, the report and the app; the family of differences adjusted together is
:func:`catalogue`'s indicators, every option against the baseline.

Each verdict carries its effect in plain units (the leading indicator: the largest difference
relative to the smallest that matters), rounded to what its interval supports. The caveats
say what the verdict rests on: replications, unfinished or failed runs, censoring, the
multiplicity adjustment, and the assumptions the robustness run found driving the result.
Everything here is a claim about the model under its assumptions.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.analysis import stats
from sim.errors import SpecError
from sim.model.indicators import Indicator

CRITERION_TEXT = {
    "EV-LEAD": "Strong leadership and a clear vision",
    "EV-ACCOUNT": "Accountability for every decision and action",
    "EV-OPEN": "Openness in dealings and relationships",
    "EV-DELIVER": "Delivery against targets",
    "EV-COMMIT": "Commitment of members",
    "EV-SCRUTINY": "Challenge and scrutiny",
    "EV-SILOS": "Breaking out of silos: joint work, pooled resources",
    "EV-RIPPLE": "Targets with the biggest ripple effect; quick wins",
    "OUTCOME": "The scenario's own outcomes",
    "CYCLE": "The cost and pace of the cycle (meetings, member-hours, hand-offs)",
}
ORDER = list(CRITERION_TEXT)
ROLE_WORDS = {"business_as_usual": "business as usual", "do_minimum": "do-minimum",
              "preferred": "preferred option"}  # fmt: skip
"""A structure's place in an option appraisal (its ``appraisal``), in words."""

JUDGED_BETTER = stats.BETTER
JUDGED_WORSE = stats.WORSE
NO_PRACTICAL = stats.NO_PRACTICAL
NOT_CLEAR = stats.NOT_CLEAR
MIXED = "mixed"
DEPENDS = "depends on an assumption"
TOO_FEW = stats.TOO_FEW
_NEGLIGIBLE = {NO_PRACTICAL}


def catalogue(runs: pd.DataFrame, scenario) -> dict:
    """The indicators a comparison of these runs judges, by name: the headline ones and the
    scenario's outcomes first, then the evaluation ones, leaving out an evaluation indicator
    that repeats a headline one (same criterion and label, e.g. members attending in person)
    and one that no run measured (all missing: nothing can be said about it). This is the
    one family of a comparison: `sim compare`'s table, `sim demo`, the report and the app
    adjust the p-values of these indicators, every option against the baseline, together."""
    from sim.analysis.compare import evaluation_indicators, headline_indicators

    out, seen = {}, set()
    for i in headline_indicators(runs, scenario) + evaluation_indicators(runs):
        if runs[i.name].isna().all():
            continue
        if (i.criterion, i.label) not in seen:
            seen.add((i.criterion, i.label))
            out[i.name] = i
    return out


@dataclass
class Robustness:
    """A robustness run's claims for a comparison (``meta.json`` and ``conclusions.csv`` of a
    `sim robustness` folder): each option's claims against the baseline ``base``."""

    scenario: str
    base: str
    options: list[str]
    conclusions: pd.DataFrame
    explained: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (title, text)

    @property
    def option(self) -> str:
        return self.options[0] if self.options else ""

    def claim(self, option: str, indicator: str, direction: str) -> dict | None:
        """The tested claim that ``option`` minus the baseline on ``indicator`` is
        ``direction`` (lower, higher or same), if the run tested it: its words, its verdict
        over the plausible points (over all points when the run had no pattern check), its
        share there with the 95% interval, what it depends on in plain words and on which
        assumptions. A claim in the other direction is not this claim."""
        t = self.conclusions
        rows = t[(t["indicator"] == indicator) & (t["option"] == option)
                 & (t["direction"] == direction)]  # fmt: skip
        if rows.empty:
            return None
        row = rows.iloc[0]
        plausible = _present(row.get("plausible_verdict"))
        prefix = "plausible_" if plausible else ""
        share_column = "plausible_share" if plausible else "holds_share"
        return {
            "claim": str(row["claim"]),
            "verdict": plausible or _present(row.get("verdict")) or "no verdict",
            "over": "plausible" if plausible else "all",
            "share": _number(row.get(share_column)),
            "low": _number(row.get(f"{prefix}low")),
            "high": _number(row.get(f"{prefix}high")),
            "points": int(_number(row.get(f"{prefix}points"), 0)),
            "undecided": int(_number(row.get(f"{prefix}undecided"), 0)),
            "depends": _present(row.get(f"{prefix}depends")),
            "factors": [f.strip() for f in _present(row.get(f"{prefix}depends_factors")).split(",")
                        if f.strip()],
            "switching": _present(row.get(f"{prefix}switching")),
        }  # fmt: skip


def _number(value, missing: float = math.nan) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return missing
    return number if math.isfinite(number) else missing


def claim_note(found: dict) -> str:
    """A tested claim in one line for the first screen: "robust: holds at 97% (95% interval
    93% to 99%) of 156 plausible points"; "depends: holds at 96% of plausible points if ...;
    at 12% if ..."; "not supported: ..."."""
    from sim.analysis.claims import DEPENDS as CLAIM_DEPENDS
    from sim.analysis.claims import Share

    share = Share(found["points"], 0, 0, found["undecided"], found["share"], found["low"],
                  found["high"])  # fmt: skip
    where = "plausible points" if found["over"] == "plausible" else "points"
    text = share.text(where) if found["points"] else ""
    verdict = found["verdict"]
    if verdict == CLAIM_DEPENDS and found["depends"]:
        return f"{verdict}: {found['depends']} (overall {text})" if text else verdict
    return f"{verdict}: {text}" if text and not verdict.startswith("not judged") else verdict


def _present(value) -> str:
    """A table cell's text; empty for a missing one (never "nan")."""
    return value.strip() if isinstance(value, str) else ""


def load_robustness(folder: Path, scenario: str, names: list[str]) -> Robustness:
    """Read a `sim robustness` folder for the comparison of ``names`` on ``scenario``; a
    folder that is not one, or is about another scenario or other options, is refused with
    one line naming it."""
    from sim.analysis.robustness import read_folder

    folder = Path(folder)
    meta_path = folder / "meta.json"
    meta, table = read_folder(folder)  # checked: each file refused by its own name
    structures, about = list(meta["structures"]), meta["scenario"]
    if about != scenario:
        raise SpecError(str(meta_path), "scenario",
                        f"the robustness run is about '{about}', not '{scenario}'")  # fmt: skip
    if structures[0] != names[0] or not set(structures[1:]) & set(names[1:]):
        raise SpecError(str(meta_path), "structures", f"the robustness run compares "
                        f"{' and '.join(structures)}, not these options")  # fmt: skip
    return Robustness(about, structures[0], structures[1:], table, _assumptions_explained())


def _assumptions_explained() -> dict[str, tuple[str, str]]:
    """Each assumption a robustness verdict may name (by its id), in plain words: its title
    and what it means. An alternative's title is its question, its meaning both readings; a
    parameter's title is its plain title, its meaning its description."""
    from sim.spec.alternatives import load_alternatives
    from sim.spec.parameters import Parameters, parameter_title

    out = {name: (parameter_title(name), f.description or "")
           for name, f in Parameters.model_fields.items()}  # fmt: skip
    with contextlib.suppress(SpecError):  # the shipped file is checked by its own tests
        out |= {
            a.id: (
                a.question,
                f"the shipped reading: {a.if_default}; the other: {a.if_alternative}",
            )
            for a in load_alternatives().alternatives
        }
    return out


@dataclass
class Verdict:
    """One criterion, one option against the baseline."""

    criterion: str
    text: str
    option: str
    verdict: str
    effect: str = ""
    others: list[str] = field(default_factory=list)
    robustness: str = ""
    assumptions: list[str] = field(default_factory=list)
    gains: list[tuple[str, str]] = field(default_factory=list)  # (indicator, short effect)
    costs: list[tuple[str, str]] = field(default_factory=list)
    tested: dict[str, dict | None] = field(default_factory=dict)  # indicator -> claim


@dataclass
class Summary:
    """The first screen: the question, the options, verdicts and caveats."""

    scenario: str
    description: str
    base: str
    options: list[str]
    titles: dict[str, str]
    colours: dict[str, str]
    replications: int
    rows: list[dict]  # per criterion: {criterion, text, verdicts: [Verdict per option]}
    caveats: list[str]
    explained: dict[str, str] = field(default_factory=dict)
    plain: list[str] = field(default_factory=list)  # the summary a chair can read aloud
    roles: dict[str, str] = field(default_factory=dict)  # option -> its appraisal role
    switching: list[dict] = field(default_factory=list)  # {option, claim, switches}
    switching_note: str = ""  # said when no verdict depends on a parameter


def decimals(value: float, low: float = math.nan, high: float = math.nan) -> int:
    """How many decimals ``value`` is shown with: as many as its interval supports (one
    significant figure of the half-width, halved, at most three); without an interval, by its
    size."""
    half = (high - low) / 2 if not (math.isnan(low) or math.isnan(high)) else math.nan
    if math.isnan(half) or half <= 0:
        return 0 if abs(value) >= 100 else 1 if abs(value) >= 1 else 2
    return min(3, max(0, -math.floor(math.log10(half / 2))))


def number(value: float, places: int) -> str:
    """``value`` with ``places`` decimals, thousands separated, never ``-0``."""
    if value is None or math.isnan(value):
        return "n/a"
    text = f"{value:,.{places}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text


def rounded(value: float, low: float = math.nan, high: float = math.nan) -> str:
    """``value`` with as many decimals as its interval supports (one significant figure of
    the half-width, at most three decimals), thousands separated, never ``-0``."""
    if value is None or math.isnan(value):
        return "n/a"
    return number(value, decimals(value, low, high))


# Units as a board reads them: the model's resource units said as such.
UNIT_WORDS = {"units a year": "resource units a year", "a year": "a year"}
RESOURCE_UNITS = ("resource units: the model's own measure of the money and staff time partners "
                  "pledge (a partner's budget is so many units a year); only comparisons "
                  "between options mean anything")  # fmt: skip


def shown_unit(unit: str, difference: bool = False) -> tuple[float, str]:
    """The scale and the words of an indicator's unit where a number is shown: a share (0 to
    1) as a percent, its difference in percentage points; an outcome declared in percent
    likewise; every other unit as declared (:data:`UNIT_WORDS`)."""
    unit = unit if isinstance(unit, str) else ""
    if unit in ("share", "percent"):
        return (100.0 if unit == "share" else 1.0), ("percentage points" if difference else "%")
    return 1.0, UNIT_WORDS.get(unit, unit)


def group_cells(g, names: list[str]) -> tuple[list[str], list[str]]:
    """:func:`row_cells` of one indicator's rows of a paired comparison (``g``: indexed by
    structure, with its unit, means, differences and their intervals), for the options
    ``names`` (the first the baseline): what `sim compare`'s table and the app's show."""
    unit = g["unit"].iloc[0] if "unit" in g else ""
    return row_cells(
        unit if isinstance(unit, str) else "",
        [(g.loc[s]["mean"], g.loc[s]["ci_low"], g.loc[s]["ci_high"], g.loc[s]["ci_method"])
         for s in names],
        [(g.loc[s]["diff"], g.loc[s]["diff_low"], g.loc[s]["diff_high"], g.loc[s]["diff_method"])
         for s in names[1:]],
    )  # fmt: skip


def row_cells(unit: str, means: list[tuple], diffs: list[tuple]) -> tuple[list[str], list[str]]:
    """One indicator's row as every board-facing table shows it (the report's, `sim compare`'s
    and the app's): each option's mean [95% interval] and each paired difference [95%
    interval], all in the indicator's unit (:func:`shown_unit`) and all with one number of
    decimals, the most any of the row's intervals supports (:func:`decimals`), so that an
    effect and its interval, and the options side by side, read alike. Each of ``means`` and
    ``diffs`` is (value, low, high, method); a method "exact" is the same in every run."""
    scale, level_unit = shown_unit(unit)
    _, diff_unit = shown_unit(unit, difference=True)
    cells = [(v * scale, lo * scale, hi * scale, m, False) for v, lo, hi, m in means]
    cells += [(v * scale, lo * scale, hi * scale, m, True) for v, lo, hi, m in diffs]
    spread = [decimals(v, lo, hi) for v, lo, hi, m, _ in cells
              if m != "exact" and not (math.isnan(lo) or math.isnan(hi)) and hi > lo]  # fmt: skip
    known = [v for v, *_ in cells if not math.isnan(v)]
    if spread:
        places = max(spread)
    elif all(float(v).is_integer() for v in known):
        places = 0
    else:
        places = max((decimals(v) for v in known), default=0)

    def text(value, low, high, method, signed) -> str:
        u = diff_unit if signed else level_unit
        sign = "+" if signed and value > 0 and number(value, places).strip("0.,") else ""
        say = (lambda x: f"{number(x, places)}%") if u == "%" else (lambda x: number(x, places))
        tail = "" if u == "%" or not u else f" {u}"
        if math.isnan(value):
            return "n/a"
        if method == "exact":
            return f"{sign}{say(value)}{tail} (every run)"
        if math.isnan(low) or math.isnan(high):
            return f"{sign}{say(value)}{tail}"
        return f"{sign}{say(value)} [{say(low)}, {say(high)}]{tail}"

    out = [text(*c) for c in cells]
    return out[: len(means)], out[len(means) :]


def effect_text(row, indicator: Indicator) -> str:
    """A paired difference in plain units, e.g. "weeks to decision: 6.2 weeks fewer (95%
    interval 4.1 to 8.3)"; shares as percentage points."""
    scale, unit = shown_unit(indicator.unit, difference=True)
    diff, low, high = row.diff * scale, row.diff_low * scale, row.diff_high * scale
    if indicator.unit in ("share", "percent"):
        words = "higher" if diff > 0 else "lower"
    else:
        words = "more" if diff > 0 else "fewer"
    size = rounded(abs(diff), low, high)
    unit = f" {unit}" if unit else ""
    if row.diff_method == "exact":
        how = "in every replication"
    elif math.isnan(low):
        how = ""
    elif low * high > 0:  # one side of 0: the interval in the effect's own direction
        near, far = sorted((abs(low), abs(high)))
        how = f"95% interval {rounded(near, low, high)} to {rounded(far, low, high)}"
    else:
        how = f"95% interval {rounded(low, low, high)} to {rounded(high, low, high)}"
    label = indicator.label
    return f"{label}: {size}{unit} {words}" + (f" ({how})" if how else "")


def short_effect(row, indicator: Indicator) -> str:
    """A paired difference in a few plain words for a sentence, without its interval: "7.6
    weeks fewer to decision on the named issues" reads as "named issues: weeks to decision
    7.6 weeks fewer"."""
    text = re.sub(r" \((95% interval [^()]*|in every replication)\)$", "",
                  effect_text(row, indicator))  # fmt: skip
    return f"{indicator.label} {text[len(indicator.label) + 2 :]}"


def _lead(rows: list, catalogue: dict[str, Indicator]):
    """The row with the largest difference relative to its indicator's smallest."""

    def weight(row) -> float:
        smallest = catalogue[row.indicator].smallest or 1.0
        return abs(row.diff) / smallest

    return max(rows, key=weight)


def criterion_verdict(rows: list, catalogue: dict[str, Indicator],
                      robustness: Robustness | None = None) -> Verdict:  # fmt: skip
    """The verdict on one criterion for one option from its indicators' rows of a paired
    comparison (:func:`sim.analysis.compare.paired_comparison`)."""
    judged = [r for r in rows if catalogue[r.indicator].better]
    verdict = Verdict(criterion="", text="", option=rows[0].structure if rows else "",
                      verdict=NOT_CLEAR)  # fmt: skip
    if not judged:
        verdict.verdict = "no judged indicator"
        return verdict
    if all(r.verdict.startswith(TOO_FEW) or r.verdict == stats.NOT_AVAILABLE for r in judged):
        few = [r.verdict for r in judged if r.verdict.startswith(TOO_FEW)]
        verdict.verdict = few[0] if few else stats.NOT_AVAILABLE
        return verdict
    better = [r for r in judged if r.verdict == JUDGED_BETTER]
    worse = [r for r in judged if r.verdict == JUDGED_WORSE]
    for side, found in ((verdict.gains, better), (verdict.costs, worse)):
        for r in sorted(found, key=lambda r: -abs(r.diff) / (catalogue[r.indicator].smallest
                                                             or 1.0)):  # fmt: skip
            side.append((r.indicator, short_effect(r, catalogue[r.indicator])))
    if better and worse:
        verdict.verdict = MIXED
        lead_b, lead_w = _lead(better, catalogue), _lead(worse, catalogue)
        verdict.effect = (
            f"better on {effect_text(lead_b, catalogue[lead_b.indicator])}; "
            f"worse on {effect_text(lead_w, catalogue[lead_w.indicator])}"
        )
        decisive = better + worse
    elif better or worse:
        verdict.verdict = JUDGED_BETTER if better else JUDGED_WORSE
        decisive = better or worse
        lead = _lead(decisive, catalogue)
        verdict.effect = effect_text(lead, catalogue[lead.indicator])
    else:
        negligible = all(r.verdict in _NEGLIGIBLE for r in judged)
        verdict.verdict = NO_PRACTICAL if negligible else NOT_CLEAR
        if negligible:
            verdict.effect = (f"no indicator differs by more than the smallest difference "
                              f"that matters ({len(judged)} judged)")  # fmt: skip
        else:
            unclear = [catalogue[r.indicator].label for r in judged
                       if r.verdict not in _NEGLIGIBLE]  # fmt: skip
            verdict.effect = "the runs cannot tell on " + ", ".join(unclear[:3])
        decisive = []
    lead_ids = {r.indicator for r in decisive}
    if decisive and verdict.verdict != MIXED:
        lead = _lead(decisive, catalogue)
        others = [catalogue[r.indicator].label for r in decisive if r is not lead]
        if others:
            verdict.others = [f"also {verdict.verdict} on " + ", ".join(others)]
    if robustness is not None and verdict.option in robustness.options:
        _robustness_notes(verdict, judged, decisive, lead_ids, catalogue, robustness)
    elif robustness is not None and verdict.verdict != NOT_CLEAR:  # a run about other options
        verdict.robustness = f"this option: {DEFAULTS_ONLY}"
    return verdict


DEFAULTS_ONLY = "at the default assumptions only (not tested across the assumptions)"
NOT_SUPPORTED_CELL = "not supported across the assumptions"


def _robustness_notes(verdict: Verdict, judged: list, decisive: list, lead_ids: set,
                      catalogue: dict[str, Indicator], robustness: Robustness) -> None:  # fmt: skip
    """Each tested claim behind a cell, on its better and worse side (every judged indicator
    of a cell of no practical difference), on the cell: its robustness, what it depends on in
    plain words and which way, or that it was not tested. A cell whose leading claim depends
    on an assumption says "depends on an assumption"; one whose leading claim is not supported
    across the assumptions says so."""
    from sim.analysis.claims import DEPENDS as CLAIM_DEPENDS
    from sim.analysis.claims import HIGHER, LOWER, NOT_SUPPORTED, SAME

    if verdict.verdict in (JUDGED_BETTER, JUDGED_WORSE, MIXED):
        rows = [(r, LOWER if r.diff < 0 else HIGHER) for r in decisive]
    elif verdict.verdict == NO_PRACTICAL:
        rows = [(r, SAME) for r in judged]
    else:
        rows = []
    if not rows:
        return
    # the claim of the effect the cell names comes first, and it alone decides the cell: a
    # note about another indicator never stands for the cell's own effect
    if verdict.verdict == MIXED:
        named = [_lead([r for r in decisive if r.verdict == side], catalogue).indicator
                 for side in (JUDGED_BETTER, JUDGED_WORSE)]  # fmt: skip
    elif decisive:
        named = [_lead(decisive, catalogue).indicator]
    else:
        named = []
    rows.sort(key=lambda rd: (rd[0].indicator not in named,
                              named.index(rd[0].indicator) if rd[0].indicator in named else 0,
                              rd[0].indicator not in lead_ids))  # fmt: skip
    parts, lead_found = [], None
    for row, direction in rows:
        found = robustness.claim(verdict.option, row.indicator, direction)
        verdict.tested[row.indicator] = found
        label = catalogue[row.indicator].label
        if found is None:
            parts.append(f"{label}: {DEFAULTS_ONLY}")
            continue
        parts.append(f"{label}: {claim_note(found)}")
        if named and row.indicator == named[0]:
            lead_found = found
    verdict.robustness = "; ".join(parts)
    if lead_found is None or verdict.verdict not in (JUDGED_BETTER, JUDGED_WORSE):
        return
    if lead_found["verdict"] == CLAIM_DEPENDS:
        verdict.assumptions = [robustness.explained.get(f, (f, ""))[0]
                               for f in lead_found["factors"]]  # fmt: skip
        verdict.effect = f"{verdict.verdict} in this comparison: {verdict.effect}"
        verdict.verdict = DEPENDS
    elif lead_found["verdict"] == NOT_SUPPORTED:
        verdict.effect = f"{verdict.verdict} in this comparison: {verdict.effect}"
        verdict.verdict = NOT_SUPPORTED_CELL


def summarise(
    table: pd.DataFrame,
    names: list[str],
    titles: dict[str, str],
    catalogue: dict[str, Indicator],
    scenario: tuple[str, str],
    *,
    robustness: Robustness | None = None,
    failed: int = 0,
    unfinished: tuple[int, int] | None = None,
    censored: dict[str, float] | None = None,
    roles: dict[str, str] | None = None,
) -> Summary:
    """The first screen from a paired comparison at one point. ``scenario`` is (display
    name, description); ``censored`` the share of named issues undecided at the end per
    option, when known; ``roles`` each option's place in an option appraisal (a structure's
    ``appraisal``: business_as_usual, do_minimum, preferred), when known."""
    from sim.analysis.palette import structure_colours

    base = names[0]
    rows = []
    diffs = table[table["structure"] != base]
    for criterion in ORDER:
        ids = [k for k, i in catalogue.items() if i.criterion == criterion]
        if not ids:
            continue
        verdicts = []
        for option in names[1:]:
            mine = [r for r in diffs.itertuples() if r.structure == option and r.indicator in ids]
            if not mine:
                continue
            v = criterion_verdict(mine, catalogue, robustness)
            v.criterion, v.text, v.option = criterion, CRITERION_TEXT[criterion], option
            verdicts.append(v)
        if verdicts and any(v.verdict != "no judged indicator" for v in verdicts):
            rows.append({"criterion": criterion, "text": CRITERION_TEXT[criterion],
                         "verdicts": verdicts})  # fmt: skip
    n = _pairs(table)
    caveats = _caveats(n, failed, unfinished, censored, titles, table, robustness, rows)
    explained = dict(robustness.explained.values()) if robustness else {}
    used = {a for row in rows for v in row["verdicts"] for a in v.assumptions}
    used_explained = {a: explained.get(a, "") for a in sorted(used)}
    summary = Summary(scenario[0], scenario[1], base, names, titles, structure_colours(names),
                      n, rows, caveats, used_explained, roles=dict(roles or {}))  # fmt: skip
    summary.switching = switching_values(summary, catalogue)
    if robustness is not None and not summary.switching:
        summary.switching_note = (
            "Switching values: the robustness run found no verdict that switches along one "
            "parameter inside its plausible range; those that depend on the assumptions depend "
            "on a reading of the sources (said with each) or on no simple combination of them. "
            "Ranges beyond the plausible ones were not tested."
        )
    summary.plain = plain_summary(summary, robustness is not None)
    return summary


def switching_values(summary: Summary, catalogue: dict[str, Indicator]) -> list[dict]:
    """Every tested claim behind a cell whose verdict depends on a parameter, with the value
    of that parameter at which it switches, next to the parameter's plausible range (the
    robustness run's ``switching`` column): {option, claim, switches}."""
    out = []
    for row in summary.rows:
        for v in row["verdicts"]:
            for indicator, found in v.tested.items():
                if found and found.get("switching") and found["verdict"].startswith("depends"):
                    claim = (f"{catalogue[indicator].label}: "
                             f"{_direction_words(v, indicator)}")  # fmt: skip
                    out.append({"option": summary.titles[v.option], "claim": claim,
                                "switches": found["switching"].split("; ")})  # fmt: skip
    return out


def _direction_words(v: Verdict, indicator: str) -> str:
    """The side of a cell an indicator's claim is on, in words."""
    if any(i == indicator for i, _ in v.gains):
        return "better"
    if any(i == indicator for i, _ in v.costs):
        return "worse"
    return "no practical difference"


def _listed(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def plain_summary(summary: Summary, tested: bool) -> list[str]:
    """The first screen in a few sentences a chair can read aloud, from its cells and the
    claims the robustness run tested: for each option, what it does better and worse (the
    leading effect of each criterion, in plain units), what it changes too little to matter,
    what the runs cannot tell, and what each effect that depends on an assumption depends on
    and which way. Nothing is said to hold across the assumptions that was not tested."""
    from sim.analysis.claims import DEPENDS as CLAIM_DEPENDS
    from sim.analysis.claims import NOT_SUPPORTED

    sentences = []
    first = [n for n in summary.options[1:] if summary.roles.get(n) == "preferred"]
    for option in first + [n for n in summary.options[1:] if n not in first]:
        name, base = summary.titles[option], summary.titles[summary.base]
        cells = [v for row in summary.rows for v in row["verdicts"] if v.option == option]
        if not cells:
            continue
        if all(v.verdict.startswith(TOO_FEW) for v in cells):
            sentences.append(f"{name} against {base}: too few runs to judge anything yet "
                             f"({cells[0].verdict}).")  # fmt: skip
            continue
        held = {"gains": [], "costs": []}
        depends, unsupported, noisy = [], [], []
        mine = tested and any(v.tested for v in cells)  # the robustness run tested it
        for v in cells:
            for side, effects in (("gains", v.gains), ("costs", v.costs)):
                for indicator, effect in effects[:4]:  # each criterion's leading effects
                    claim = v.tested.get(indicator)
                    word = claim["verdict"] if claim else ""
                    if claim is None or not mine:
                        held[side].append(effect)
                    elif word == CLAIM_DEPENDS and claim["depends"]:
                        switch = (f"; switching value: {claim['switching']}"
                                  if claim.get("switching") else "")  # fmt: skip
                        depends.append((tuple(claim["factors"]), effect,
                                        f"{claim['depends']}{switch}"))  # fmt: skip
                    elif word.startswith(CLAIM_DEPENDS):
                        depends.append(((), effect, ""))
                    elif word == NOT_SUPPORTED:
                        unsupported.append(effect)
                    elif word.startswith("too noisy"):
                        noisy.append(effect)
                    else:
                        held[side].append(effect)
        if mine:
            lead = "across the assumptions tested" if held["gains"] or held["costs"] else ""
        else:
            lead = "at the default assumptions"
        if held["gains"]:
            sentences.append(f"Against {base}, {name} does better {lead}: "
                             f"{_listed(held['gains'])}.".replace("  ", " "))  # fmt: skip
        if held["costs"]:
            who = "It" if held["gains"] else f"Against {base}, {name}"
            sentences.append(f"{who} does worse {lead}: {_listed(held['costs'])}."
                             .replace("  ", " "))  # fmt: skip
        if not held["gains"] and not held["costs"]:
            where = ("that holds across the assumptions tested" if mine
                     else "at the default assumptions")  # fmt: skip
            sentences.append(f"Against {base}, {name} does no better and no worse on anything "
                             f"{where}.")  # fmt: skip
        if tested and not mine:
            sentences.append(f"The robustness run did not test {name}: what it says of it holds "
                             "at the default assumptions only.")  # fmt: skip
        sentences += _depends_sentences(depends)
        if unsupported:
            sentences.append(f"Seen at the default assumptions but not supported across them: "
                             f"{_listed(unsupported)}.")  # fmt: skip
        if noisy:
            more = ", among others" if len(noisy) > 3 else ""
            sentences.append(f"Seen at the default assumptions, too noisy to tell across them: "
                             f"{_listed(noisy[:3])}{more}.")  # fmt: skip
        same = [v.text.lower() for v in cells if v.verdict == NO_PRACTICAL]
        if same:
            sentences.append(f"It makes no practical difference to {_listed(same)}.")
        unclear = [v.text.lower() for v in cells if v.verdict == NOT_CLEAR]
        if unclear:
            sentences.append(f"The runs cannot tell whether it changes {_listed(unclear)}.")
    sentences += rules_or_structure(summary)
    if not tested:
        sentences.append("No robustness run was given: none of this is tested across the "
                         "assumptions.")  # fmt: skip
    return sentences


def _depends_sentences(depends: list[tuple[tuple, str, str]]) -> list[str]:
    """The effects that depend on the assumptions, one sentence per set of assumptions they
    depend on (in the order first met): one effect with what it depends on and which way;
    several with the first one's words and "the others go the same way"; those with no
    simple description of where they fail, together."""
    groups: dict[tuple, list[tuple[str, str]]] = {}
    for factors, effect, text in depends:
        groups.setdefault(factors if text else ("(none)",), []).append((effect, text))
    out = []
    for factors, items in groups.items():
        effects = [e for e, _ in items]
        if factors == ("(none)",):
            verb = "holds" if len(effects) == 1 else "hold"
            out.append(f"{_listed(effects)} {verb} at most assumption points but not all, with "
                       "no simple description of where")  # fmt: skip
        elif len(items) == 1:
            out.append(f"{effects[0]} depends on the assumptions: it {items[0][1]}")
        else:
            out.append(f"{_listed(effects)} depend on the same assumptions: the first "
                       f"{items[0][1]}; the others go the same way (each one's shares are "
                       "below)")  # fmt: skip
    return [f"{t[0].upper()}{t[1:]}." for t in out]


def rules_or_structure(summary: Summary) -> list[str]:
    """Which of the preferred option's effects the do-minimum gives too (the effects its
    rules bring) and which it does not (those the restructure brings), when the comparison
    holds a business as usual baseline, a do-minimum and a preferred option. An effect counts
    for the do-minimum when its own cell is better or worse on the same indicator in the same
    direction (at the default assumptions, as the cells are); each criterion's leading effect
    on each side is named, the rest counted."""
    roles = summary.roles
    minimum = [n for n in summary.options[1:] if roles.get(n) == "do_minimum"]
    preferred = [n for n in summary.options[1:] if roles.get(n) == "preferred"]
    if not minimum or not preferred or roles.get(summary.base) != "business_as_usual":
        return []
    low, best = minimum[0], preferred[0]

    def effects(option: str) -> list[tuple[str, str, str, bool]]:
        """(indicator, side, effect, leads its cell's side) of each of the option's cells."""
        out = []
        for row in summary.rows:
            for v in row["verdicts"]:
                if v.option == option:
                    for side, found in (("gains", v.gains), ("costs", v.costs)):
                        out += [(i, side, e, k == 0) for k, (i, e) in enumerate(found)]
        return out

    theirs = {(i, side): e for i, side, e, _ in effects(low)}
    ours = effects(best)
    if not ours:
        return []

    def named(items: list[tuple[str, bool]]) -> str:
        lead = [e for e, first in items if first][:4] or [e for e, _ in items][:4]
        more = len(items) - len(lead)
        return _listed(lead) + (f", and {more} more" if more else "")

    shared = [(f"{e} (the do-minimum alone: {theirs[(i, side)]})", first)
              for i, side, e, first in ours if (i, side) in theirs]  # fmt: skip
    only = [(e, first) for i, side, e, first in ours if (i, side) not in theirs]
    mine = {(i, side) for i, side, _, _ in ours}
    extra = [(e, first) for i, side, e, first in effects(low) if (i, side) not in mine]
    name = summary.titles[best]
    out = []
    if shared:
        out.append(f"At the default assumptions, the stricter rules alone (the do-minimum) "
                   f"bring part of what {name} changes: {named(shared)}.")  # fmt: skip
    if only:
        out.append(f"The rest comes only with the restructure: {named(only)}.")
    else:
        out.append("The restructure adds nothing the stricter rules alone do not bring.")
    if extra:
        out.append(f"The do-minimum also changes what {name} does not: {named(extra)}.")
    return out


def _pairs(table: pd.DataFrame) -> int:
    """The paired replications behind a table (an indicator with no value in any run has
    none, so the largest count is the comparison's)."""
    if "diff_n" not in table or not table["diff_n"].notna().any():
        return 0
    return int(table["diff_n"].max())


def _family(table: pd.DataFrame) -> tuple[int, int]:
    """The size of the table's family of differences and the fewest pairs any of them needs
    to be significant (:func:`sim.analysis.compare.paired_comparison`'s ``tests`` and
    ``pairs_needed``)."""
    tests = int(table["tests"].max()) if "tests" in table and table["tests"].notna().any() else 0
    return tests, stats.pairs_needed(tests)


def _caveats(n, failed, unfinished, censored, titles, table, robustness, rows) -> list[str]:
    out = []
    if unfinished:
        out.append(f"Unfinished: {unfinished[0]:,} of {unfinished[1]:,} runs stored; the "
                   "verdicts describe only those.")  # fmt: skip
    tests, needed = _family(table)
    if n < needed:
        out.append(f"Too small a comparison: {n} paired replications; with {tests} differences "
                   f"judged together no difference can be significant below {needed}, so "
                   f"nothing is called better or worse. Run 30 or more.")  # fmt: skip
    elif n < 30:
        out.append(f"{n} paired replications: enough for large differences only; 30 or more "
                   "would narrow the intervals.")  # fmt: skip
    else:
        out.append(f"{n} paired replications per option (common random numbers: each "
                   "replication runs every option from the same seed).")  # fmt: skip
    if failed:
        out.append(f"{failed} runs failed and are left out.")
    out.append(
        f"Better or worse means beyond the smallest difference that matters and "
        f"significant after the Holm adjustment across all {tests} differences (every "
        f"indicator judged, every option against the baseline); with {tests}, at least "
        f"{needed} paired replications are needed before any can be."
    )
    for name, share in (censored or {}).items():
        if share and share > 0:
            out.append(f"Under {titles.get(name, name)}, {share:.0%} of named-issue runs end "
                       "undecided: their weeks count up to the run's end (censored).")  # fmt: skip
    if robustness is None:
        out.append("No robustness run was given (sim report --robustness DIR): the verdicts "
                   "hold at the default assumptions only.")  # fmt: skip
    else:
        flips = sorted({a for row in rows for v in row["verdicts"] for a in v.assumptions
                        if not a.startswith("(")})  # fmt: skip
        if flips:
            out.append("The result depends on: " + ", ".join(flips) + " (see below).")
    out.append("Every verdict is a claim about the model under its documented assumptions, "
               "not about the real partnerships.")  # fmt: skip
    return out


def summarise_sweep(
    regression: pd.DataFrame,
    names: list[str],
    titles: dict[str, str],
    catalogue: dict[str, Indicator],
    scenario: tuple[str, str],
    *,
    replications: int,
    failed: int = 0,
    unfinished: tuple[int, int] | None = None,
) -> Summary:
    """The first screen from a sweep: per criterion and option, the verdict on the paired
    difference at the centre of the design (:func:`sim.analysis.sweeps.sweep_regression`),
    or "depends on P (better where it is high)" where the regression finds a judged
    indicator's difference changing sign, or crossing the smallest difference that matters,
    across the range of a swept parameter P (the indicator with the largest such change
    leads; its parameter is explained below the table)."""
    from sim.analysis.palette import structure_colours
    from sim.spec.parameters import Parameters, parameter_title

    base = names[0]
    rows = []
    for criterion in ORDER:
        ids = [k for k, i in catalogue.items() if i.criterion == criterion]
        verdicts = []
        for option in names[1:]:
            mine = [r for r in regression.itertuples()
                    if r.structure == option and r.indicator in ids]  # fmt: skip
            if not mine:
                continue
            v = criterion_verdict(mine, catalogue)
            v.criterion, v.text, v.option = criterion, CRITERION_TEXT[criterion], option
            moving = [r for r in mine if r.depends and catalogue[r.indicator].better]
            if moving:
                lead = _lead(moving, catalogue)
                said = f"{v.verdict} at the centre of the design"
                v.verdict = lead.depends
                indicator = catalogue[lead.indicator]
                v.effect = f"{said}; {indicator.label}: {_ends(lead, indicator)}"
                v.assumptions = [a.split(" (")[0] for a in
                                 lead.depends.removeprefix("depends on ").split("; ")]  # fmt: skip
                v.others = [f"also depends: {catalogue[r.indicator].label}, {r.depends}"
                            for r in moving if r is not lead]  # fmt: skip
            verdicts.append(v)
        if verdicts and any(v.verdict != "no judged indicator" for v in verdicts):
            rows.append({"criterion": criterion, "text": CRITERION_TEXT[criterion],
                         "verdicts": verdicts})  # fmt: skip
    points = int(regression["points"].max()) if len(regression) else 0
    slopes = [p for p in (regression["parameters"].iloc[0] if len(regression) else "").split(", ")
              if p]  # fmt: skip
    tests = int(regression["tests"].iloc[0]) if len(regression) else 0
    caveats = []
    if unfinished:
        caveats.append(f"Unfinished: {unfinished[0]:,} of {unfinished[1]:,} runs stored; the "
                       "verdicts describe only those.")  # fmt: skip
    from sim.analysis.sweeps import _title

    swept = (", ".join(_title(p) for p in slopes) if slopes
             else "none (too few points to estimate the slopes)")  # fmt: skip
    caveats += [
        f"A sweep of {points} design points with {replications} paired replications at each. "
        "Each verdict is about the paired difference at the centre of the design (every swept "
        "parameter at the middle of its range), from a regression of the points' mean paired "
        f"differences on the swept parameters ({swept}), each design point one unit: points "
        "are never pooled as if they were replications.",
        f"Better or worse means beyond the smallest difference that matters and significant "
        f"after the Holm adjustment across all {tests} differences (every indicator judged, "
        "every option against the baseline). “Depends on” means a slope, significant "
        "after the Holm adjustment across every slope, takes the difference across 0 or across "
        "the smallest difference that matters within the swept range.",
    ]
    if failed:
        caveats.append(f"{failed} runs failed and are left out.")
    caveats.append("Every verdict is a claim about the model under its documented assumptions, "
                   "not about the real partnerships.")  # fmt: skip
    used = sorted({a for row in rows for v in row["verdicts"] for a in v.assumptions})
    by_title = {parameter_title(n): f.description or "" for n, f in Parameters.model_fields.items()}
    explained = {a: by_title.get(a, "") for a in used}
    for row in rows:
        for v in row["verdicts"]:
            v.assumptions = []  # the parameters are in the verdict's own words
    return Summary(scenario[0], scenario[1], base, names, titles, structure_colours(names),
                   replications, rows, caveats, explained)  # fmt: skip


def _ends(row, indicator: Indicator) -> str:
    """The predicted difference at the two ends of each parameter the row depends on, in
    plain units."""
    from sim.analysis.sweeps import _title

    # "depends on" names each parameter by its title; the row's columns by its identifier
    ids = {_title(c.removesuffix("_at_low")): c.removesuffix("_at_low")
           for c in row._fields if c.endswith("_at_low")}  # fmt: skip
    parts = []
    for part in row.depends.removeprefix("depends on ").split("; "):
        name = part.split(" (")[0]
        key = ids.get(name, name)
        low, high = getattr(row, f"{key}_at_low"), getattr(row, f"{key}_at_high")
        parts.append(f"{_amount(low, indicator)} where {name} is lowest, "
                     f"{_amount(high, indicator)} where it is highest")  # fmt: skip
    return "; ".join(parts)


def _amount(value: float, indicator: Indicator) -> str:
    """A difference in plain units without its interval: "3.1 weeks more", "2.0 percentage
    points lower"."""
    scale, unit = shown_unit(indicator.unit, difference=True)
    size, unit = rounded(abs(value) * scale), f" {unit}" if unit else ""
    words = ("higher" if value > 0 else "lower") if indicator.unit in ("share", "percent") \
        else ("more" if value > 0 else "fewer")  # fmt: skip
    return f"{size}{unit} {words}"
