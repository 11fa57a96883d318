"""No code identifier on a board-facing surface (issue 21, item 2).

Every shipped scenario is compared (a few replications; more for the scenarios with a shipped
robustness run, so that verdicts, effects and the robustness notes appear) and its report
rendered, with the shipped robustness run where there is one; the command's table, `sim
trace`'s output and the app's text-producing functions (:mod:`sim.app.logic`) are read too.
What a reader sees (the HTML with its tags, attributes, scripts and styles stripped, and the
text drawn in every figure) must hold none of the identifiers the code uses: every body and
partner id of every shipped structure and scenario, every indicator name (the catalogue's and
the scenarios' own), every parameter name and every structural alternative's id.

Only identifiers with an underscore are tested: that is what marks a word as code. An id that
is an ordinary English word (``executive``, ``conference``, ``county``) or an abbreviation the
documents themselves use (``abg``, ``gsp``) may rightly appear in plain text, so it cannot be
tested as a word.
"""

from __future__ import annotations

import json
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sim.spec import load_scenario, load_structure
from sim.spec.loading import SCENARIO_DIR, STRUCTURE_DIR, WORKED_EXAMPLES_DIR

SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
DEFAULT = ["five_element", "pilot"]
FEW, ENOUGH = 4, 12  # replications: enough for the family's verdicts where a robustness run is


def _options(name: str) -> list[str]:
    listed = list(load_scenario(SCENARIO_DIR / f"{name}.yaml").structures or [])
    return listed if len(listed) >= 2 else DEFAULT


def _comparable(name: str) -> bool:
    """A scenario written for one structure of its own (the Garbage Can) has nothing to
    compare: its trace is read instead."""
    listed = list(load_scenario(SCENARIO_DIR / f"{name}.yaml").structures or [])
    return len(listed) != 1


def _robustness(name: str) -> Path | None:
    folder = WORKED_EXAMPLES_DIR / name
    return folder if (folder / "meta.json").is_file() else None


@cache
def identifiers() -> frozenset[str]:
    """Every identifier with an underscore a board could be shown by mistake."""
    from sim.model.indicators import BY_NAME
    from sim.spec.alternatives import load_alternatives
    from sim.spec.parameters import Parameters

    ids: set[str] = set(BY_NAME) | set(Parameters.model_fields)
    ids |= {a.id for a in load_alternatives().alternatives}
    for path in sorted(STRUCTURE_DIR.glob("*.yaml")):
        spec = load_structure(path)
        ids |= set(spec.body_ids) | {p.id for p in spec.partners}
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        scenario = load_scenario(path)
        ids |= {b.id for b in scenario.bodies} | {p.id for p in scenario.partners}
        ids |= {i.name for i in scenario.indicators}
    return frozenset(i for i in ids if "_" in i)


def leaks(text: str) -> list[str]:
    """The identifiers that appear as words in ``text``."""
    found = []
    for name in sorted(identifiers()):
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text):
            found.append(name)
    return found


def where(text: str, names: list[str], width: int = 60) -> str:
    """Each leak in its context, for the failure message."""
    out = []
    for name in names:
        i = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text).start()
        out.append(f"{name}: ...{text[max(0, i - width) : i + len(name) + width]}...")
    return "\n".join(out)


class _Visible(HTMLParser):
    """The text a reader sees: no tags, no attributes, nothing inside <script> or <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return " ".join(parser.parts)


def _collect_figure_text(monkeypatch, sink: Path) -> None:
    """Every text drawn in a report's figures (titles, axis labels, tick labels, legends)
    written to ``sink`` as the figure is saved (also from the report's worker processes)."""
    from matplotlib.text import Text

    from sim.analysis import report

    original = report._figure_uri

    def spy(fig, tight: bool = True):
        texts = [t.get_text() for t in fig.findobj(Text) if t.get_text()]
        with sink.open("a") as f:
            f.write(json.dumps(texts) + "\n")
        return original(fig, tight)

    monkeypatch.setattr(report, "_figure_uri", spy)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Each comparable scenario compared once (as `sim compare` does, figures left out) and
    its report rendered: scenario -> (the command's printed table, the page's visible text,
    the figures' text)."""
    from sim.analysis.compare import comparison_of
    from sim.analysis.report import write_report
    from sim.experiment.compare import comparison_runs
    from sim.experiment.paired import RunSettings

    out: dict[str, tuple] = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in SCENARIOS:
            if not _comparable(name):
                continue
            folder = tmp_path_factory.mktemp(name)
            robust = _robustness(name)
            paired = comparison_runs(str(SCENARIO_DIR / f"{name}.yaml"), _options(name),
                                     ENOUGH if robust else FEW, [1])  # fmt: skip
            comparison = comparison_of(paired, paired.run(RunSettings(workers=1, progress=False)))
            comparison.write(folder)
            sink = folder / "figure_text.jsonl"
            _collect_figure_text(monkeypatch, sink)
            page = write_report(folder, folder / "report.html", robustness=robust).read_text()
            figures = "\n".join(" ".join(json.loads(line)) for line in
                                sink.read_text().splitlines()) if sink.exists() else ""  # fmt: skip
            out[name] = (comparison.text, visible(page), figures, page, comparison)
    return out


def test_the_identifiers_are_the_codes_and_only_those_with_an_underscore():
    ids = identifiers()
    for name in ("crime_and_disorder_reduction_partnership", "named_weeks_to_decision",
                 "fe_urgent_strategy_via_support_group", "attendance_base"):  # fmt: skip
        assert name in ids
    assert not {"executive", "conference", "county"} & ids
    assert leaks("the named_weeks_to_decision, and attendance_base.") == [
        "attendance_base", "named_weeks_to_decision"]  # fmt: skip
    assert leaks("named weeks to decision; xattendance_base") == []
    assert visible('<p title="attendance_base">a<script>named_weeks_to_decision</script>'
                   "<style>.x{}</style>b</p>") == "a b"  # fmt: skip


@pytest.mark.parametrize("name", [n for n in SCENARIOS if _comparable(n)])
def test_no_identifier_in_the_report_or_the_commands_table(rendered, name):
    printed, page, figures, *_ = rendered[name]
    for what, text in (("report", page), ("figures", figures), ("sim compare", printed)):
        found = leaks(text)
        assert not found, f"{what} of {name}:\n{where(text, found)}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_no_identifier_in_sim_trace(capsys, name):
    from sim.cli import main

    structure = [] if not _comparable(name) else ["--structure", "pilot"]
    assert main(["trace", str(SCENARIO_DIR / f"{name}.yaml"), *structure, "--all"]) == 0
    printed = capsys.readouterr().out
    found = leaks(printed)
    assert not found, where(printed, found)


def test_no_identifier_in_a_sweeps_report(tmp_path):
    """A sweep's page names its swept parameters by their titles (the regression's headers,
    the caveats), never by their identifiers."""
    from sim.cli import main

    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        "name: tiny\ndescription: a tiny sweep\nscenarios: [smoke]\n"
        "structures: [five_element, pilot]\nreplications: 2\nseed: 3\n"
        "design: {kind: lhs, samples: 4}\n"
        "parameters:\n  attendance_base: {low: 0.75, high: 0.9}\n"
        "  consensus_probability: {low: 0.6, high: 0.8}\n"
    )
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--workers", "1", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    page = visible((out / "report.html").read_text())
    assert "Probability of attending" in page or "attend" in page
    found = leaks(page)
    assert not found, where(page, found)


def test_no_identifier_in_the_apps_text(rendered):
    """The app's tables, first screen, pathways and step-by-step lines (:mod:`sim.app.logic`)
    speak of bodies, partners and indicators by their names."""
    from sim.analysis.verdict import summarise
    from sim.app import logic
    from sim.model import PartnershipModel, run_once

    *_, comparison = rendered["employer_closure"]
    scenario = load_scenario(SCENARIO_DIR / "employer_closure.yaml")
    names = list(comparison.structures)
    specs = {n: load_structure(n) for n in names}
    titles = {n: specs[n].display_name for n in names}
    texts = [logic.verdict_table(comparison.table, names, titles).to_string()]
    family = logic.catalogue(comparison.runs, scenario)
    robust = logic.robustness_for(scenario, names)
    summary = summarise(comparison.table, names, titles, family, (scenario.display_name, ""),
                        robustness=robust)  # fmt: skip
    texts.append(visible(logic.first_screen_html(summary)))
    for n in names:
        result = run_once(specs[n], scenario, 1)
        paths = logic.result_pathways(result, specs[n].names_by_id(scenario.bodies))
        texts += [logic.pathway_table({n: p}, [n], titles).to_string() for p in paths.values()]
        model = PartnershipModel(specs[n], scenario, rng=1)
        for _ in range(40):
            model.step()
        events = logic.week_events(model, 0)
        texts += events["meetings"] + events["moves"] + logic.issue_places(model)
    text = "\n".join(texts)
    found = leaks(text)
    assert not found, where(text, found)


# -- one vocabulary, one precision rule, units (issue 21, item 3) ----------------------------
def _key_rows(page: str) -> dict[str, tuple[list[str], str]]:
    """The report's key-indicator table: label -> (its number cells, its verdict)."""
    start = page.index('id="key-')
    table = page[page.index("<table", start) : page.index("</table>", start)]
    rows = {}
    for tr in re.findall(r"<tr><td>(.*?)</tr>", table, flags=re.S):
        label = visible(tr.split("</td>", 1)[0].split('<span class="meta">')[0]).strip()
        cells = [visible(c) for c in re.findall(r'<td class="num[^"]*"[^>]*>(.*?)(?:<br>|</td>)',
                                                 tr, flags=re.S)]  # fmt: skip
        verdict = re.findall(r'data-verdict="([^"]*)"', tr)
        rows[label] = (cells, verdict[0] if verdict else "")
    return rows


def _cli_rows(printed: str, labels) -> dict[str, str]:
    """`sim compare`'s table: label -> its line (after the label)."""
    out = {}
    for line in printed.splitlines():
        for label in labels:
            if line.startswith(label + "  "):
                out[label] = line[len(label) :]
    return out


def _places(cell: str) -> set[int]:
    """The decimals of every number in a cell."""
    return {len(m.group(2) or "") for m in re.finditer(r"\d[\d,]*(\.(\d+))?", cell)
            if not re.match(r"\d+ pairs", cell[m.start():])}  # fmt: skip


def test_the_same_verdict_word_in_the_command_the_report_and_the_app(rendered):
    from sim.analysis.stats import VERDICTS
    from sim.app import logic

    printed, _, _, page, comparison = rendered["employer_closure"]
    key = _key_rows(page)
    cli = _cli_rows(printed, key)
    names = list(comparison.structures)
    app = logic.verdict_table(comparison.table, names).set_index("indicator")
    assert len(key) >= 10 and set(cli) == set(key)
    judged = set()
    for label, (_, word) in key.items():
        assert cli[label].rstrip().endswith("  " + word), (label, word, cli[label])
        assert app.loc[label, f"verdict ({names[1]})"].endswith(word), label
        judged.add(word.split(" (")[0])
    assert judged <= set(VERDICTS) and judged & {"better", "worse", "higher", "lower"}
    for short in ("unclear", "no difference"):
        assert short not in printed and short not in visible(page)


def test_an_effect_and_its_interval_and_a_row_have_one_number_of_decimals(rendered):
    from sim.app import logic

    printed, _, _, page, comparison = rendered["employer_closure"]
    key = _key_rows(page)
    app = logic.verdict_table(comparison.table, list(comparison.structures))
    rows = [cells for cells, _ in key.values()]
    rows += [[c for c in row[1:] if not c.startswith(("✔", "✖", "~", "=", "↑", "↓", "…"))]
             for row in app.astype(str).itertuples(index=False)]  # fmt: skip
    cli = _cli_rows(printed, key)
    rows += [[line.rsplit("  ", 1)[0]] for line in cli.values()]
    rows += [[re.sub(r"too few runs \(at least \d+ pairs needed\)", "", line)]
             for line in cli.values()]  # fmt: skip
    for cells in rows:
        places = set().union(*(_places(c) for c in cells))
        assert len(places) <= 1, cells


def test_every_number_carries_its_unit_and_shares_are_never_bare(rendered):
    """Shares in percent (their differences in percentage points), never 0.133 in one table
    and percentage points in another; every other number with its unit."""
    from sim.app import logic

    printed, _, _, page, comparison = rendered["employer_closure"]
    key = _key_rows(page)
    app = logic.verdict_table(comparison.table, list(comparison.structures))
    cells = [c for cs, _ in key.values() for c in cs]
    cells += [c for row in app.astype(str).itertuples(index=False) for c in row[1:-1]]
    assert cells
    for cell in cells:
        assert re.search(r"(%\]?|percentage points|[a-z])( \(every run\))?\*?$", cell), cell
    shares = set(comparison.table.loc[comparison.table["unit"] == "share", "label"])
    assert shares
    cli = _cli_rows(printed, key)
    for label in shares & set(key):
        for cell in key[label][0]:
            assert cell.endswith(("%]", "%", "percentage points", "(every run)")), (label, cell)
        assert "%" in cli[label] and "percentage points" in cli[label], cli[label]


def _key_text(page: str) -> str:
    start = page.index('id="key-')
    return visible(page[page.index("<table", start) : page.index("</table>", start)])


def test_the_key_table_carries_the_robustness_of_the_first_screens_claim(rendered):
    """With a robustness run, a key-table verdict that the run tested says what it found, as
    the first screen does; the table says its untested verdicts hold at the defaults."""
    _, text, _, page, _ = rendered["employer_closure"]
    assert "across the assumptions:" in _key_text(page)
    assert "Under each verdict, what the robustness run found" in text
    _, text, _, page, _ = rendered["smoke"]
    assert "every verdict here holds at the default assumptions only" in text
