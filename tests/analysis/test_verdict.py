"""The first screen's verdicts (sim.analysis.verdict): per criterion and option, from the
paired comparison's rows, qualified by a robustness run; effects in plain units, rounded to
what their intervals support."""

from __future__ import annotations

import hashlib
import html
import json
import math
import re

import pandas as pd
import pytest

from sim.analysis.stats import VERDICTS
from sim.analysis.verdict import (
    DEPENDS,
    MIXED,
    NO_PRACTICAL,
    NOT_CLEAR,
    TOO_FEW,
    Robustness,
    catalogue,
    criterion_verdict,
    load_robustness,
    rounded,
    summarise,
)
from sim.errors import SpecError
from sim.model.indicators import Indicator

CATALOGUE = {
    "weeks": Indicator("weeks", "EV-LEAD", "weeks to decision", "", "lower", "weeks", 1.0),
    "share": Indicator("share", "EV-LEAD", "share on priorities", "", "higher", "share", 0.02),
    "count": Indicator("count", "EV-LEAD", "issues dropped", "", "", "issues", 1.0),
}


def rows(*specs) -> list:
    """Rows as paired_comparison gives them: (indicator, verdict, diff, low, high)."""
    table = pd.DataFrame([
        {"indicator": i, "structure": "pilot", "verdict": v, "diff": d, "diff_low": lo,
         "diff_high": hi, "diff_method": "BCa", "diff_n": 30}
        for i, v, d, lo, hi in specs
    ])  # fmt: skip
    return list(table.itertuples())


def test_better_when_an_indicator_is_better_and_none_worse():
    v = criterion_verdict(rows(("weeks", "better", -6.2, -8.3, -4.1),
                               ("share", "no practical difference", 0.001, -0.01, 0.01)),
                          CATALOGUE)  # fmt: skip
    assert v.verdict == "better"
    assert v.effect == "weeks to decision: 6 weeks fewer (95% interval 4 to 8)"


def test_worse_mixed_no_practical_difference_not_clear_too_few():
    worse = rows(("share", "worse", -0.053, -0.066, -0.036))
    v = criterion_verdict(worse, CATALOGUE)
    assert v.verdict == "worse"
    assert "5.3 percentage points lower (95% interval 3.6 to 6.6)" in v.effect  # shares as points
    mixed = rows(("weeks", "better", -6.0, -8.0, -4.0), ("share", "worse", -0.05, -0.07, -0.03))
    v = criterion_verdict(mixed, CATALOGUE)
    assert v.verdict == MIXED and "better on weeks" in v.effect and "worse on share" in v.effect
    none = rows(("weeks", "no practical difference", 0.1, -0.5, 0.6),
                ("share", "no practical difference", 0.01, 0.005, 0.015))  # fmt: skip
    assert criterion_verdict(none, CATALOGUE).verdict == NO_PRACTICAL
    unclear = rows(("weeks", "not clear", -2.0, -5.0, 1.0),
                   ("share", "no practical difference", 0, 0, 0))  # fmt: skip
    v = criterion_verdict(unclear, CATALOGUE)
    assert v.verdict == NOT_CLEAR and "weeks to decision" in v.effect
    few = rows(("weeks", "too few runs (at least 11 pairs needed)", -2.0, -5.0, 1.0))
    assert criterion_verdict(few, CATALOGUE).verdict == f"{TOO_FEW} (at least 11 pairs needed)"


def test_an_indicator_with_no_better_direction_is_described_not_judged():
    v = criterion_verdict(rows(("count", "higher", 7.0, 6.0, 8.0),
                               ("weeks", "no practical difference", 0.1, -0.5, 0.6)),
                          CATALOGUE)  # fmt: skip
    assert v.verdict == NO_PRACTICAL  # "more issues dropped" is neither better nor worse


def claim_row(indicator: str = "weeks", direction: str = "lower", verdict: str = "robust",
              share: float = 0.97, option: str = "pilot", **extra) -> dict:  # fmt: skip
    """A row of a robustness run's conclusions.csv: one tested claim."""
    return {"conclusion": f"{option}.{indicator}", "claim": f"{indicator} {direction}",
            "indicator": indicator, "option": option, "direction": direction,
            "verdict": verdict, "holds_share": share, "points": 200, "low": share - 0.05,
            "high": min(share + 0.02, 1.0), "undecided": 3, "plausible_verdict": verdict,
            "plausible_share": share, "plausible_points": 80, "plausible_low": share - 0.08,
            "plausible_high": min(share + 0.02, 1.0), "plausible_undecided": 2,
            "plausible_depends": "", "plausible_depends_factors": ""} | extra  # fmt: skip


def robustness(*claims: dict) -> Robustness:
    explained = {"alt": ("Where does urgent business start?", "the shipped reading: ...")}
    return Robustness("s", "five_element", ["pilot"], pd.DataFrame(list(claims)), explained)


def test_a_claim_that_depends_on_a_reading_makes_the_cell_depend_and_says_which_way():
    better = rows(("weeks", "better", -6.2, -8.3, -4.1))
    words = ("holds at 96% of plausible points if urgent business starts at the Conference; at "
             "12% if it starts at the Support Group")  # fmt: skip
    run = robustness(claim_row(verdict="depends", share=0.55, plausible_depends=words,
                               plausible_depends_factors="alt"))  # fmt: skip
    v = criterion_verdict(better, CATALOGUE, run)
    assert v.verdict == DEPENDS and v.assumptions == ["Where does urgent business start?"]
    assert v.effect.startswith("better in this comparison: weeks to decision")
    assert v.robustness.startswith(f"weeks to decision: depends: {words} (overall holds at 55%")
    v = criterion_verdict(better, CATALOGUE, robustness(claim_row()))
    assert v.verdict == "better" and not v.assumptions
    assert v.robustness == ("weeks to decision: robust: holds at 97% (95% interval 89% to 99%) "
                            "of 80 plausible points, 2 undecided")  # fmt: skip


def test_a_claim_is_matched_by_option_and_direction_not_indicator_alone():
    """Issue 20: a claim that the pilot is *higher* on weeks is not the cell's claim that it
    is lower; nor is a claim about another option."""
    better = rows(("weeks", "better", -6.2, -8.3, -4.1))
    for other in (claim_row(direction="higher", verdict="not supported", share=0.02),
                  claim_row(option="county_scs_chapters", verdict="not supported")):  # fmt: skip
        v = criterion_verdict(better, CATALOGUE, robustness(other))
        assert v.verdict == "better"
        assert v.robustness == ("weeks to decision: at the default assumptions only (not "
                                "tested across the assumptions)")  # fmt: skip


def test_an_option_the_robustness_run_did_not_compare_is_at_the_defaults_only():
    better = rows(("weeks", "better", -6.2, -8.3, -4.1))
    run = robustness(claim_row())
    run.options = ["county_scs_chapters"]
    v = criterion_verdict(better, CATALOGUE, run)
    assert v.verdict == "better"
    assert v.robustness == ("this option: at the default assumptions only (not tested across "
                            "the assumptions)")  # fmt: skip


def test_a_mixed_cells_worse_side_untested_says_so():
    mixed = rows(("weeks", "better", -6.2, -8.3, -4.1), ("share", "worse", -0.05, -0.07, -0.03))
    v = criterion_verdict(mixed, CATALOGUE, robustness(claim_row()))
    assert v.verdict == MIXED
    assert "weeks to decision: robust" in v.robustness
    assert ("share on priorities: at the default assumptions only (not tested across the "
            "assumptions)") in v.robustness  # fmt: skip
    tested = robustness(
        claim_row(),
        claim_row("share", "lower", "depends", 0.4, plausible_depends="fails mostly where ..."),
    )
    assert "share on priorities: depends: fails mostly where ..." in criterion_verdict(
        mixed, CATALOGUE, tested).robustness  # fmt: skip


def test_a_leading_claim_not_supported_is_shown_as_such():
    better = rows(("weeks", "better", -6.2, -8.3, -4.1))
    v = criterion_verdict(better, CATALOGUE, robustness(claim_row(verdict="not supported",
                                                                  share=0.2)))  # fmt: skip
    assert v.verdict == "not supported across the assumptions"
    assert v.effect.startswith("better in this comparison")
    assert v.robustness.startswith("weeks to decision: not supported: holds at 20%")


def test_a_cell_of_no_practical_difference_reads_its_same_claims():
    same = rows(("weeks", "no practical difference", 0.1, -0.4, 0.5))
    v = criterion_verdict(same, CATALOGUE, robustness(claim_row(direction="same")))
    assert v.verdict == NO_PRACTICAL and v.robustness.startswith("weeks to decision: robust")


def test_a_run_with_no_plausible_points_is_not_judged_never_a_share_of_them():
    """Issue 19, item 9: with no plausible point there is no share of them; the share over
    all points is not passed off as one, and an empty cell is never "nan"."""
    better = rows(("weeks", "better", -6.2, -8.3, -4.1))
    none = claim_row(plausible_verdict="not judged: no plausible points",
                     plausible_share=math.nan, plausible_points=0)  # fmt: skip
    v = criterion_verdict(better, CATALOGUE, robustness(none))
    assert v.robustness == "weeks to decision: not judged: no plausible points"
    assert v.verdict == "better" and "%" not in v.robustness
    unchecked = claim_row(plausible_verdict=math.nan, plausible_share=math.nan)
    v = criterion_verdict(better, CATALOGUE, robustness(unchecked))
    assert "of 200 points" in v.robustness  # no pattern check: every point
    assert "nan" not in v.robustness


def test_summary_orders_criteria_and_names_options_by_their_titles():
    table = pd.DataFrame([
        {"indicator": "weeks", "structure": "five_element", "verdict": "", "diff": math.nan,
         "diff_low": math.nan, "diff_high": math.nan, "diff_method": "", "diff_n": math.nan,
         "tests": math.nan},
        {"indicator": "weeks", "structure": "pilot", "verdict": "better", "diff": -6.0,
         "diff_low": -8.0, "diff_high": -4.0, "diff_method": "BCa", "diff_n": 3, "tests": 47},
    ])  # fmt: skip
    titles = {"five_element": "Five elements", "pilot": "The pilot"}
    s = summarise(table, ["five_element", "pilot"], titles, CATALOGUE, ("Closure", ""))
    assert [r["criterion"] for r in s.rows] == ["EV-LEAD"]
    assert s.colours == {"five_element": "#0072B2", "pilot": "#D55E00"}
    assert any("Too small a comparison: 3 paired" in c and "below 11" in c for c in s.caveats)
    assert any("across all 47 differences" in c and "at least 11 paired" in c
               for c in s.caveats)  # fmt: skip
    assert any("No robustness run" in c for c in s.caveats)


@pytest.mark.parametrize(("value", "low", "high", "text"), [
    (-1.2e-16, -0.01, 0.01, "0.000"),  # never -0, never 1e-16
    (-0.0004, -0.3, 0.3, "0.0"),
    (6.234, 4.1, 8.3, "6"),
    (0.3351, 0.261, 0.409, "0.34"),
    (80.8, 77.8, 83.2, "81"),
    (3611.4, 3579.0, 3640.0, "3,611"),
    (7.0, math.nan, math.nan, "7.0"),
])  # fmt: skip
def test_numbers_are_rounded_to_what_their_interval_supports(value, low, high, text):
    assert rounded(value, low, high) == text


def robustness_folder(folder, table: pd.DataFrame, **meta) -> None:
    """What `sim robustness` leaves in a folder that the report reads: conclusions.csv, and
    meta.json recording it (its SHA-256 and rows)."""
    data = table.to_csv(index=False).encode()
    (folder / "conclusions.csv").write_bytes(data)
    record = {"sha256": hashlib.sha256(data).hexdigest(), "rows": len(table)}
    meta = {"scenario": "truancy", "structures": ["five_element", "pilot"], "replications": 2,
            "lhs_points": 8, "parameters": 1, "alternatives": [], "plausible_points": 3,
            } | meta | {"outputs": {"conclusions.csv": record}}  # fmt: skip
    (folder / "meta.json").write_text(json.dumps(meta))


def test_a_robustness_folder_for_another_comparison_is_refused_in_one_line(tmp_path):
    with pytest.raises(SpecError, match="not a sim robustness folder"):
        load_robustness(tmp_path, "employer_closure", ["five_element", "pilot"])
    robustness_folder(tmp_path, pd.DataFrame([claim_row()]))
    with pytest.raises(SpecError, match="about 'truancy', not 'employer_closure'"):
        load_robustness(tmp_path, "employer_closure", ["five_element", "pilot"])
    with pytest.raises(SpecError, match="compares five_element and pilot"):
        load_robustness(tmp_path, "truancy", ["five_element", "county_scs_chapters"])
    (tmp_path / "meta.json").write_text("{not json")
    with pytest.raises(SpecError, match="damaged"):
        load_robustness(tmp_path, "truancy", ["five_element", "pilot"])


def _report_words(page: str) -> dict[str, str]:
    """Each indicator row of the report's tables: its label and its verdict."""
    words = {}
    for chunk in page.split("<tr><td>")[1:]:
        label = re.split(r" <span|</td>", chunk, maxsplit=1)[0]
        found = re.search(r'data-verdict="([^"]*)"', chunk.split("</tr>")[0])
        if found:
            words[html.unescape(label)] = html.unescape(found[1])
    return words


def test_one_family_one_verdict_in_the_command_the_report_and_the_app(tmp_path, capsys):
    """Issue 20, item 7: the same comparison through `sim compare`, `sim report` and the app
    adjusts the same family of differences, so every indicator gets the same adjusted
    p-value and the same word in all three, and the words are one vocabulary."""
    from sim.analysis.compare import headline_indicators
    from sim.analysis.report import comparison_table
    from sim.app import logic
    from sim.cli import main
    from sim.experiment.results import load_results
    from sim.spec import load_scenario, load_structure
    from sim.spec.loading import SCENARIO_DIR

    path, reps = SCENARIO_DIR / "smoke.yaml", 11
    out = tmp_path / "cmp"
    assert main(["compare", str(path), "--replications", str(reps), "--workers", "1",
                 "--structures", "five_element,pilot", "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    cli = pd.read_csv(out / "comparison.csv").query("structure == 'pilot'").set_index("indicator")
    scenario = load_scenario(path)
    [results] = load_results(out)
    report = comparison_table(results, catalogue(results.runs, scenario))
    report = report[report["structure"] == "pilot"].set_index("indicator")
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    options = [logic.Option(load_structure(n), n) for n in ("five_element", "pilot")]
    job = logic.PairedJob(scenario, options, reps, root_seed=1, executor="serial").start()
    assert job.wait(300) and job.state == "finished", job.error
    app = job.outcome.table.query("structure == 'pilot'").set_index("indicator")

    assert list(cli.index) == list(report.index) == list(app.index)
    assert (cli["tests"] == len(cli)).all() and (cli["pairs_needed"] == 11).all()
    for table in (report, app):
        assert table["p_adjusted"].to_numpy() == pytest.approx(cli["p_adjusted"].to_numpy())
        assert table["verdict"].tolist() == cli["verdict"].tolist()
    assert cli["verdict"].str.startswith(("better", "worse", "higher", "lower")).any()

    # the words: the command's printed table, the report's page, the app's table
    shown = logic.verdict_table(job.outcome.table, job.outcome.names)
    in_app = dict(zip(shown["indicator"], shown["verdict (pilot)"].str.split(" ", n=1).str[1],
                      strict=True))  # fmt: skip
    in_report = _report_words(page)
    lines = {ln.split("  ")[0]: ln.rstrip() for ln in printed.splitlines() if "  " in ln}
    headline = {i.label for i in headline_indicators(results.runs, scenario)}
    for key, row in cli.iterrows():
        word = row["verdict"]
        assert in_report[row["label"]] == word and in_app[row["label"]] == word, key
        if row["label"] in headline:  # the command prints the headline rows of the family
            assert lines[row["label"]].endswith(f"  {word}"), lines[row["label"]]
    said = set(cli["verdict"]) | set(in_report.values()) | set(in_app.values())
    assert said <= {*VERDICTS, "too few runs (at least 11 pairs needed)"}
    printed_words = {line.split("  ")[-1].strip() for line in lines.values()}
    assert not {"unclear", "no difference", "small"} & (printed_words | said)


def _plain(robust: Robustness | None, *specs) -> list[str]:
    """The plain-words summary of a comparison of 'pilot' against 'five_element'."""
    nan = math.nan
    base = {"structure": "five_element", "verdict": "", "diff": nan, "diff_low": nan,
            "diff_high": nan, "diff_method": "", "diff_n": nan, "tests": nan}  # fmt: skip
    table = pd.DataFrame(
        [base | {"indicator": i} for i, *_ in specs]
        + [{"indicator": i, "structure": "pilot", "verdict": v, "diff": d, "diff_low": lo,
            "diff_high": hi, "diff_method": "BCa", "diff_n": 30, "tests": 3}
           for i, v, d, lo, hi in specs]
    )  # fmt: skip
    titles = {"five_element": "The old structure", "pilot": "The pilot"}
    return summarise(table, ["five_element", "pilot"], titles, CATALOGUE, ("Closure", ""),
                     robustness=robust).plain  # fmt: skip


def test_the_chair_reads_what_is_better_and_what_it_depends_on_and_which_way():
    """Issue 21, item 1: the first screen opens with sentences, made from the cells and the
    tested claims: the gain in plain units, and an effect that depends on a reading says which
    reading it needs."""
    words = ("holds at 96% of plausible points if urgent business starts at the Conference; at "
             "12% if it starts at the Support Group")  # fmt: skip
    robust = robustness(
        claim_row(indicator="share", direction="higher"),
        claim_row(verdict="depends", share=0.55, plausible_depends=words,
                  plausible_depends_factors="alt"),
    )  # fmt: skip
    plain = _plain(robust, ("weeks", "better", -6.2, -8.3, -4.1),
                   ("share", "better", 0.10, 0.08, 0.12))  # fmt: skip
    text = " ".join(plain)
    assert plain[0] == (
        "Against The old structure, The pilot does better across the "
        "assumptions tested: share on priorities 10 percentage points higher."
    )
    assert f"Weeks to decision 6 weeks fewer depends on the assumptions: it {words}." in plain
    assert "criteria" not in text and "alt" not in text.split()  # no count, no identifier


def test_without_a_robustness_run_the_summary_says_nothing_is_tested():
    plain = _plain(None, ("weeks", "better", -6.2, -8.3, -4.1))
    assert plain[0].startswith(
        "Against The old structure, The pilot does better at the "
        "default assumptions: weeks to decision 6 weeks fewer"
    )
    assert plain[-1].startswith("No robustness run was given")


def test_a_claim_not_supported_is_never_read_out_as_a_gain():
    robust = robustness(claim_row(verdict="not supported", share=0.2))
    plain = _plain(robust, ("weeks", "better", -6.2, -8.3, -4.1))
    assert not any("does better" in p for p in plain)
    assert any(p.startswith("Seen at the default assumptions but not supported") and
               "weeks to decision 6 weeks fewer" in p for p in plain)  # fmt: skip


def _three(robust: Robustness | None, pilot: list, do_minimum: list, roles=True) -> list[str]:
    """The plain summary of business as usual, a do-minimum and a preferred option."""
    nan = math.nan
    names = ["five_element", "do_minimum", "pilot"]
    table = pd.DataFrame(
        [{"indicator": i, "structure": "five_element", "verdict": "", "diff": nan,
          "diff_low": nan, "diff_high": nan, "diff_method": "", "diff_n": nan, "tests": nan}
         for i in CATALOGUE]
        + [{"indicator": i, "structure": option, "verdict": v, "diff": d, "diff_low": lo,
            "diff_high": hi, "diff_method": "BCa", "diff_n": 30, "tests": 6}
           for option, specs in (("do_minimum", do_minimum), ("pilot", pilot))
           for i, v, d, lo, hi in specs]
    )  # fmt: skip
    titles = {"five_element": "The old structure", "do_minimum": "The stricter rules",
              "pilot": "The pilot"}  # fmt: skip
    appraisal = {"five_element": "business_as_usual", "do_minimum": "do_minimum",
                 "pilot": "preferred"} if roles else {}  # fmt: skip
    return summarise(table, names, titles, CATALOGUE, ("Closure", ""), robustness=robust,
                     roles=appraisal).plain  # fmt: skip


def test_the_summary_says_which_effects_the_rules_bring_and_which_the_restructure():
    """Issue 21, item 4: with business as usual, a do-minimum and the preferred option, the
    chair hears which of the preferred option's effects the stricter rules alone give too
    (the do-minimum's own cell shows it, same indicator, same direction) and which come only
    with the restructure."""
    pilot = [("weeks", "better", -6.2, -8.3, -4.1), ("share", "better", 0.10, 0.08, 0.12)]
    rules_only = [("weeks", "no practical difference", 0.0, -0.2, 0.2),
                  ("share", "better", 0.04, 0.03, 0.05)]  # fmt: skip
    plain = _three(None, pilot, rules_only)
    assert ("At the default assumptions, the stricter rules alone (the do-minimum) bring part "
            "of what The pilot changes: "
            "share on priorities 10 percentage points higher (the do-minimum alone: share on "
            "priorities 4.0 percentage points higher).") in plain  # fmt: skip
    assert "The rest comes only with the restructure: weeks to decision 6 weeks fewer." in plain
    both = [("weeks", "better", -6.0, -8.0, -4.0), ("share", "better", 0.10, 0.08, 0.12)]
    assert ("The restructure adds nothing the stricter rules alone do not bring."
            in _three(None, pilot, both))  # fmt: skip
    # without appraisal roles nothing is said of rules and structure
    assert not any("restructure" in p for p in _three(None, pilot, rules_only, roles=False))
    # an option with costs and no gains is named in its own sentence, never "It"
    costs_only = _three(None, pilot, [("share", "worse", -0.04, -0.05, -0.03)])
    assert any(p.startswith("Against The old structure, The stricter rules does worse")
               for p in costs_only)  # fmt: skip


def test_an_option_the_robustness_run_did_not_test_is_never_said_to_hold_across_it():
    """The do-minimum's gains, untested by a run about the pilot alone, are said at the
    default assumptions, with a sentence that the run did not test it."""
    robust = robustness(claim_row(indicator="share", direction="higher"),
                        claim_row())  # fmt: skip
    pilot = [("weeks", "better", -6.2, -8.3, -4.1), ("share", "better", 0.10, 0.08, 0.12)]
    plain = _three(robust, pilot, [("share", "better", 0.04, 0.03, 0.05)])
    assert plain[0].startswith("Against The old structure, The pilot does better across the "
                               "assumptions tested")  # the preferred option first  # fmt: skip
    assert any(p.startswith("Against The old structure, The stricter rules does better at "
                            "the default assumptions: share on priorities")
               for p in plain)  # fmt: skip
    assert ("The robustness run did not test The stricter rules: what it says of it holds at "
            "the default assumptions only.") in plain  # fmt: skip


def test_a_verdict_that_depends_on_a_parameter_shows_its_switching_value():
    """Issue 21, item 4: a claim whose verdict depends on a parameter carries the value at
    which it switches next to the parameter's plausible range, in the summary sentence and in
    the first screen's switching-values list."""
    switch = ("the share of members attending: switches at 0.62 (95% interval 0.58 to 0.66, "
              "plausible range 0.5 to 0.9): it holds above, fails below")  # fmt: skip
    words = "fails mostly where the share of members attending is below 0.6"
    robust = robustness(claim_row(verdict="depends", share=0.6, plausible_depends=words,
                                  plausible_depends_factors="attendance_base",
                                  plausible_switching=switch))  # fmt: skip
    nan = math.nan
    table = pd.DataFrame([
        {"indicator": "weeks", "structure": "five_element", "verdict": "", "diff": nan,
         "diff_low": nan, "diff_high": nan, "diff_method": "", "diff_n": nan, "tests": nan},
        {"indicator": "weeks", "structure": "pilot", "verdict": "better", "diff": -6.2,
         "diff_low": -8.3, "diff_high": -4.1, "diff_method": "BCa", "diff_n": 30, "tests": 3},
    ])  # fmt: skip
    s = summarise(table, ["five_element", "pilot"], {"five_element": "Old", "pilot": "Pilot"},
                  CATALOGUE, ("Closure", ""), robustness=robust)  # fmt: skip
    assert s.switching == [{"option": "Pilot", "claim": "weeks to decision: better",
                            "switches": [switch]}]  # fmt: skip
    assert any(p.endswith(f"{words}; switching value: {switch}.") for p in s.plain)
    from sim.analysis.report import summary_html

    shown = html.unescape(re.sub(r"<[^>]+>", "", summary_html(s)))
    assert f"Pilot, weeks to decision: better: {switch}" in shown  # on the first screen
