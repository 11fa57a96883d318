"""The robustness analysis' parts on fabricated inputs whose answer is known (the whole analysis
on a planted model, PRIM, Morris' noise floor, the metamodel's Sobol indices and the share
intervals' coverage: test_robustness_planted.py): the claims a first screen makes, merged with
the declared ones; a claim's share and its verdict in words; the plausible set at each
tolerance and how far it narrows the assumptions; checks of verdicts, judged before any run;
and a robustness folder written whole and read back only when it is what a finished run
wrote (issue 19)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from fabricated import POINTS, found, small_plan

from sim.analysis import robustness as rb
from sim.analysis.claims import (
    FAILS,
    HOLDS,
    UNDECIDED,
    Claim,
    Share,
    claim_verdict,
    claims_from_comparison,
    merge_declared,
    share_interval,
)
from sim.errors import SpecError
from sim.experiment.robustness import Factor, Plan, cached_scenario
from sim.model.indicators import BY_NAME, Indicator
from sim.spec.loading import SCENARIO_DIR
from sim.spec.robustness import RobustnessChecks

FACTORS = [Factor("a", 0.0, 1.0), Factor("b", 0.0, 1.0),
           Factor("alt", 0.0, 1.0, switch=True)]  # fmt: skip


# -- the claims a first screen makes -------------------------------------------------------------
CATALOGUE = {
    "weeks": Indicator("weeks", "EV-LEAD", "weeks to decision", "", "lower", "weeks", 1.0),
    "share": Indicator("share", "EV-LEAD", "share on priorities", "", "higher", "share", 0.02),
    "meetings": Indicator("meetings", "CYCLE", "meetings held", "", "lower", "meetings", 4.0),
    "hours": Indicator("hours", "CYCLE", "member-hours", "", "lower", "hours", 50.0),
    "targets": Indicator("targets", "EV-DELIVER", "targets met", "", "higher", "targets", 1.0),
    "late": Indicator("late", "EV-DELIVER", "targets late", "", "lower", "targets", 1.0),
    "dropped": Indicator("dropped", "EV-RIPPLE", "issues dropped", "", "", "issues", 1.0),
    "wins": Indicator("wins", "EV-RIPPLE", "quick wins", "", "higher", "wins", 1.0),
}
TITLES = {"five_element": "the five-element structure", "pilot": "the pilot",
          "county": "the county chapters"}  # fmt: skip


def comparison(*rows) -> pd.DataFrame:
    """A comparison table as paired_comparison gives it, from (structure, indicator, verdict,
    diff); the baseline's own rows have no verdict."""
    base = [{"structure": "five_element", "indicator": i, "verdict": "", "diff": math.nan}
            for i in CATALOGUE]  # fmt: skip
    return pd.DataFrame(base + [{"structure": s, "indicator": i, "verdict": v, "diff": d}
                                for s, i, v, d in rows])  # fmt: skip


def test_claims_come_from_every_cell_that_decides_on_both_sides_and_for_every_option():
    table = comparison(
        ("pilot", "weeks", "better", -6.0),  # EV-LEAD mixed: both sides are claims
        ("pilot", "share", "worse", -0.05),
        ("pilot", "meetings", "no practical difference", 0.5),  # CYCLE: no practical difference
        ("pilot", "hours", "no practical difference", -3.0),
        ("pilot", "targets", "not clear", 0.8),  # EV-DELIVER: not clear, so no claim at all
        ("pilot", "late", "no practical difference", 0.0),
        ("pilot", "dropped", "higher", 7.0),  # EV-RIPPLE: no better direction, never a claim
        ("pilot", "wins", "too few runs (at least 11 pairs needed)", 2.0),
        ("county", "weeks", "worse", 3.0),  # another option: its own claims
        ("county", "share", "no practical difference", 0.001),  # beside a decisive one: none
        ("county", "unknown", "better", -9.0),  # not a judged indicator
    )
    claims = claims_from_comparison(table, ["five_element", "pilot", "county"], TITLES,
                                    CATALOGUE)  # fmt: skip
    got = [(c.id, c.direction, c.side, c.criterion, c.of, c.minus, c.smallest, c.source)
           for c in claims]  # fmt: skip
    assert got == [
        ("pilot.weeks", "lower", "better", "EV-LEAD", "pilot", "five_element", 1.0, "verdict"),
        ("pilot.share", "lower", "worse", "EV-LEAD", "pilot", "five_element", 0.02, "verdict"),
        ("pilot.meetings", "same", "same", "CYCLE", "pilot", "five_element", 4.0, "verdict"),
        ("pilot.hours", "same", "same", "CYCLE", "pilot", "five_element", 50.0, "verdict"),
        ("county.weeks", "higher", "worse", "EV-LEAD", "county", "five_element", 1.0, "verdict"),
    ]
    words = {c.id: c.claim for c in claims}
    assert words["pilot.weeks"] == ("weeks to decision: lower under the pilot than under the "
                                    "five-element structure")  # fmt: skip
    assert words["pilot.meetings"] == ("meetings held: the same under the pilot as under the "
                                       "five-element structure (within 4 meetings)")  # fmt: skip
    assert words["county.weeks"] == ("weeks to decision: higher under the county chapters than "
                                     "under the five-element structure")  # fmt: skip
    unclear = comparison(("pilot", "weeks", "not clear", -2.0))
    assert claims_from_comparison(unclear, ["five_element", "pilot"], TITLES, CATALOGUE) == []


def test_a_declared_claim_that_says_what_the_verdict_says_keeps_its_id_and_is_both():
    derived = [Claim("pilot.meetings", "meetings held: lower ...", "meetings", "pilot",
                     "five_element", "lower", 4.0, "CYCLE", "better"),
               Claim("pilot.weeks", "weeks: lower ...", "weeks", "pilot", "five_element",
                     "lower", 1.0, "EV-LEAD", "better")]  # fmt: skip
    declared = [Claim("drops_more", "the pilot drops more", "dropped", "pilot", "five_element",
                      "higher", 1.0, "EV-RIPPLE", "", "declared"),
                Claim("fewer_meetings", "the pilot holds fewer meetings", "meetings", "pilot",
                      "five_element", "lower", 4.0, "CYCLE", "", "declared"),
                Claim("slower", "the pilot decides later", "weeks", "pilot", "five_element",
                      "higher", 1.0, "EV-LEAD", "", "declared")]  # fmt: skip
    merged = merge_declared(derived, declared)
    assert [(c.id, c.source, c.side) for c in merged] == [
        ("fewer_meetings", "both", "better"),  # in the derived one's place, with its side
        ("pilot.weeks", "verdict", "better"),
        ("drops_more", "declared", ""),
        ("slower", "declared", ""),  # the other direction is another claim
    ]
    assert merged[0].claim == "the pilot holds fewer meetings"
    assert merged[0].key == derived[0].key
    assert merge_declared(derived, []) == derived


def test_the_declared_claims_are_those_against_the_baseline_and_any_claim_can_be_checked():
    plan = small_plan()
    scenario = cached_scenario(plan.scenario_path)
    declared = rb.declared_claims(plan, scenario)
    assert len(declared) == 9 and {c.source for c in declared} == {"declared"}
    fewer = next(c for c in declared if c.id == "fewer_meetings")
    assert (fewer.of, fewer.minus, fewer.direction, fewer.smallest, fewer.criterion) == (
        "pilot",
        "five_element",
        "lower",
        BY_NAME["meetings_held"].smallest,
        "CYCLE",
    )
    possible = rb.possible_claims(plan, scenario)
    assert {"fewer_meetings", "pilot.meetings_held", "pilot.named_weeks_to_decision",
            "pilot.outcome_workers_supported_average"} <= possible  # fmt: skip
    assert not {c for c in possible if c.startswith("five_element.")}  # never the baseline
    backwards = Plan("employer_closure", ["pilot", "five_element"], factors=plan.factors)
    assert rb.declared_claims(backwards, scenario) == []  # none has the pilot as its baseline


# -- a claim's share over many points, and its verdict ------------------------------------------
def decided(holds: int = 0, fails: int = 0, undecided: int = 0) -> pd.Series:
    return pd.Series([HOLDS] * holds + [FAILS] * fails + [UNDECIDED] * undecided, dtype=object)


def test_a_share_with_no_points_is_undefined_and_says_so():
    share = share_interval(decided())
    assert (share.points, share.holds, share.undecided) == (0, 0, 0)
    assert all(math.isnan(v) for v in (share.estimate, share.low, share.high))
    assert share.text() == "no points" and share.text("plausible points") == "no plausible points"


def test_a_share_interval_counts_the_undecided_points_as_either():
    every = share_interval(decided(40))
    assert every.estimate == 1.0 and every.high == 1.0
    assert every.low == pytest.approx(0.025 ** (1 / 40))  # Clopper-Pearson, all hold
    none = share_interval(decided(fails=40))
    assert none.estimate == 0.0 and none.low == 0.0
    assert none.high == pytest.approx(1 - 0.025 ** (1 / 40))
    half = share_interval(decided(20, 0, 20))  # half undecided: from 20 to 40 points that hold
    assert half.estimate == 1.0  # of the decided points
    assert half.low == pytest.approx(share_interval(decided(20, 20)).low) and half.high == 1.0
    assert half.text() == "holds at 100% (95% interval 34% to 100%) of 40 points, 20 undecided"
    unknown = share_interval(decided(undecided=10))
    assert math.isnan(unknown.estimate) and (unknown.low, unknown.high) == (0.0, 1.0)
    guess = pd.Series([HOLDS] * 4 + [FAILS] * 6)  # the undecided points' means: 4 hold
    assert share_interval(decided(undecided=10), guess).estimate == 0.4


@pytest.mark.parametrize(("share", "depends", "expected"), [
    (share_interval(decided(40)), "", "robust"),
    (share_interval(decided(36)), "", "robust"),  # the interval's low end at 90.3%
    (share_interval(decided(40)), "holds at ... if ...", "robust"),  # robust wins
    (Share(100, 90, 10, 0, 0.9, 0.899, 0.95), "", "depends (no simple description)"),
    (Share(100, 95, 5, 0, 0.95, 0.9, 0.98), "", "robust"),  # a low end of exactly 90%
    (share_interval(decided(36, 4)), "", "depends (no simple description)"),  # 90%, low 76%
    (share_interval(decided(3, 37)), "", "not supported"),
    (Share(100, 40, 60, 0, 0.4, 0.3, 0.499), "fails mostly where ...", "not supported"),
    (Share(100, 40, 60, 0, 0.4, 0.3, 0.5), "", "depends (no simple description)"),
    (share_interval(decided(20, 20)), "fails mostly where ...", "depends"),
    (share_interval(decided(20, 11, 9)), "", "too noisy to tell (undecided at 9 of 40 points)"),
    (share_interval(decided(20, 12, 8)), "", "depends (no simple description)"),  # 20%: not >
    (share_interval(decided(12)), "", "too few points to tell (12)"),
    (share_interval(decided(6, 6)), "", "too few points to tell (12)"),
    (share_interval(decided(2, 2, 8)), "", "too noisy to tell (undecided at 8 of 12 points)"),
])  # fmt: skip
def test_a_claims_verdict_reads_its_share_interval(share, depends, expected):
    """Robust only when the 95% interval's low end reaches 90%; not supported when its high
    end is below 50%; in between, depends when a dependence is described, else too noisy
    (more than a fifth undecided), too few points (under 30), or no simple description."""
    assert claim_verdict(share, depends) == expected


def test_a_claim_with_no_points_is_not_judged():
    empty = share_interval(decided())
    assert claim_verdict(empty) == rb.NO_PLAUSIBLE == "not judged: no plausible points"
    assert claim_verdict(empty, over_plausible=False) == rb.NO_POINTS


def test_a_claim_that_fails_nowhere_never_depends():
    """Where no point fails there is nothing a claim depends on: too few points to call it
    robust is "too few points to tell", and points left undecided make it too noisy."""
    for n in range(1, 36):
        assert claim_verdict(share_interval(decided(n))).startswith("too few points to tell"), n
    for holds, undecided in ((34, 6), (36, 4), (39, 1)):
        verdict = claim_verdict(share_interval(decided(holds, 0, undecided)))
        assert not verdict.startswith("depends"), (holds, undecided, verdict)


# -- the plausible set -----------------------------------------------------------------------------
PATTERNS = [SimpleNamespace(id="targets", indicator="targets", between=(10.0, 14.0))]


def pattern_runs(spreads: dict[int, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"point": p, "replication": r, "targets": v}
            for p, values in spreads.items()
            for r, v in enumerate(values)
        ]
    )


def test_a_point_is_plausible_when_its_replications_spread_meets_each_band():
    """The band (10 to 14) against each point's 5th to 95th percentile: narrowed to 11 to 13
    at tolerance 0.5, widened to 8 to 16 at 2; a point with no pattern runs is never
    plausible."""
    values = pattern_runs({
        0: [11.5, 12.0, 12.5, 12.0],  # inside the band at every tolerance
        1: [15.2, 15.5, 15.8, 15.6],  # misses the band; meets it widened
        2: [13.6, 13.9, 14.2, 14.4],  # meets it; misses it narrowed
        3: [13.0, 17.0, 21.0, 25.0],  # mean 19, but its spread reaches 13.6: plausible
        4: [30.0, 31.0, 32.0, 33.0],  # misses it at every tolerance
    })  # fmt: skip
    points = pd.Index(range(6))  # point 5 has no pattern runs
    kept = {t: rb.plausible_points(values, PATTERNS, points, t) for t in rb.TOLERANCES}
    assert kept[1.0].tolist() == [True, False, True, True, False, False]
    assert kept[0.5].tolist() == [True, False, False, False, False, False]
    assert kept[2.0].tolist() == [True, True, True, True, False, False]
    assert kept[0.5].sum() <= kept[1.0].sum() <= kept[2.0].sum()
    second = SimpleNamespace(id="hours", indicator="hours", between=(0.0, 1.0))
    values["hours"] = np.where(values["point"] == 0, 5.0, 0.5)  # point 0 misses the second
    both = rb.plausible_points(values, [*PATTERNS, second], points)
    assert both.tolist() == [False, False, True, True, False, False]  # every pattern counts


def test_no_pattern_runs_at_all_leave_no_point_plausible():
    empty = pd.DataFrame(columns=["point", "replication", "targets"])  # as pattern_values gives
    kept = rb.plausible_points(empty, PATTERNS, pd.Index(range(3)))
    assert kept.tolist() == [False, False, False]


def test_the_plausible_set_narrows_an_assumption_it_constrains():
    rng = np.random.default_rng(4)
    n = 600
    points = pd.DataFrame({"point": range(n), "p_a": rng.random(n), "p_b": rng.random(n),
                           "a_alt": rng.integers(0, 2, n).astype(float)})  # fmt: skip
    keep = pd.Series(((points["p_a"] < 0.4) & (points["a_alt"] == 1)).to_numpy())
    table = rb.narrowing(points, keep, FACTORS).set_index("factor")
    assert table.loc["a", "width_kept"] == pytest.approx(0.36, abs=0.05)  # 5th..95th percentile
    assert table.loc["b", "width_kept"] > 0.8
    assert table.loc["a", "full"] == "0 to 1" and table.loc["a", "kind"] == "parameter"
    assert table.loc["alt", "plausible"] == "on in 100% of plausible points"
    assert math.isnan(table.loc["alt", "width_kept"])
    none = rb.narrowing(points, pd.Series(False, index=points.index), FACTORS)
    assert set(none["plausible"]) == {"none plausible"}


# -- checks of verdicts ---------------------------------------------------------------------------
@pytest.mark.parametrize(("got", "factors", "expected", "ok"), [
    ("robust", "", "robust", True),
    ("too few points to tell (12)", "", "too few points to tell", True),
    ("too noisy to tell (undecided at 9 of 40 points)", "", "too noisy to tell", True),
    ("depends", "alt, a", "depends on a", True),
    ("depends", "alt, a", "depends on a, alt", True),
    ("depends", "alt", "depends on a", False),
    ("depends", "alt", "depends", True),
    ("depends on a", "a", "depends on a", True),  # the words themselves
    ("not supported", "", "depends on a", False),
    ("robust", "a", "depends on a", False),
    ("depends (no simple description)", "", "depends on a", False),
    ("depends (no simple description)", "", "depends (no simple description)", True),
    ("not judged: no plausible points", "", "robust", False),
])  # fmt: skip
def test_an_expected_verdict_matches_its_words_or_the_factors_it_depends_on(
    got, factors, expected, ok
):
    assert rb.verdict_matches(got, factors, expected) is ok


def test_a_dependence_described_is_not_one_without_a_description():
    assert not rb.verdict_matches("depends (no simple description)", "", "depends")


@pytest.mark.parametrize(("text", "ok"), [
    ("robust", True), ("not supported", True), ("depends", True), ("too noisy to tell", True),
    ("too few points to tell", True), ("depends (no simple description)", True),
    ("not judged: no plausible points", True), ("not judged: no points with runs", True),
    ("depends on a", True), ("depends on a, alt", True),
    ("robsut", False), ("depends on nowhere", False), ("depends on ", False),
    ("depends on a, ", False), ("depends (no simple box)", False),  # the old words
])  # fmt: skip
def test_a_verdict_the_analysis_can_give(text, ok):
    assert rb.possible_verdict(text, {"a", "alt"}) is ok


def test_robustness_checks_pass_fail_and_a_claim_not_made_this_time_fails():
    table = pd.DataFrame({
        "conclusion": ["fewer_meetings", "pilot.named_weeks_to_decision", "pilot.member_hours"],
        "verdict": ["robust", "not supported", "depends"],
        "depends_factors": ["", "", "alt"],
        "plausible_verdict": ["robust", "depends", "too few points to tell (12)"],
        "plausible_depends_factors": ["", "alt, a", ""],
    })  # fmt: skip
    checks = RobustnessChecks.model_validate({"expect": [
        {"conclusion": "fewer_meetings", "over": "all", "verdict": "robust"},
        {"conclusion": "pilot.named_weeks_to_decision", "over": "all", "verdict": "robust"},
        {"conclusion": "pilot.named_weeks_to_decision", "verdict": "depends on alt"},
        {"conclusion": "pilot.member_hours", "over": "all", "verdict": "depends on alt"},
        {"conclusion": "pilot.member_hours", "verdict": "too few points to tell"},
        {"conclusion": "pilot.issues_dropped", "verdict": "robust"},
    ]})  # fmt: skip
    results = rb.check_verdicts(table, checks, "checks.yaml")
    assert [ok for ok, _ in results] == [True, False, True, True, True, False]
    lines = [line for _, line in results]
    assert lines[0] == "PASS fewer_meetings over all points: robust (expected robust)"
    assert lines[1] == ("FAIL pilot.named_weeks_to_decision over all points: not supported "
                        "(expected robust)")  # fmt: skip
    assert lines[2] == ("PASS pilot.named_weeks_to_decision over plausible points: depends on "
                        "alt, a (expected depends on alt)")  # fmt: skip
    assert lines[5] == ("FAIL pilot.issues_dropped: the first screen at the default "
                        "assumptions makes no such claim this time")  # fmt: skip


def checks_of(*expect) -> RobustnessChecks:
    return RobustnessChecks.model_validate({"expect": list(expect)})


def test_expectations_are_judged_against_the_analysis_before_any_run():
    plan = small_plan()
    scenario = cached_scenario(plan.scenario_path)

    def check(*expect):
        rb.check_expectations(checks_of(*expect), plan, scenario, "checks.yaml")

    check({"conclusion": "fewer_meetings", "verdict": "robust"},  # declared
          {"conclusion": "pilot.named_weeks_to_decision", "over": "all",
           "verdict": "depends on fe_urgent_strategy_via_support_group"},  # derivable
          {"conclusion": "pilot.member_hours", "verdict": "too noisy to tell"},
          {"conclusion": "pilot.meetings_held",
           "verdict": "depends on attendance_base"})  # fmt: skip
    for conclusion in ("fewer_meeting", "five_element.meetings_held", "pilot.nowhere",
                       "county_scs_chapters.meetings_held"):  # fmt: skip
        with pytest.raises(SpecError) as caught:
            check({"conclusion": "fewer_meetings", "verdict": "robust"},
                  {"conclusion": conclusion, "verdict": "robust"})  # fmt: skip
        assert caught.value.one_line().startswith(
            f"checks.yaml: expect[1].conclusion: no claim '{conclusion}' can be made: give a "
            "declared claim's id or OPTION.INDICATOR (an option after the first of "
            "five_element, pilot, an indicator of `sim indicators`)"
        )
    for verdict in ("robsut", "depends on attendance", "depends on ", "depends on a, ",
                    "depends (no simple box)"):  # fmt: skip
        with pytest.raises(SpecError, match=r"expect\[0\].verdict: '.*' is not a verdict"):
            check({"conclusion": "fewer_meetings", "verdict": verdict})


# -- a robustness folder, written and read (issue 19, items 7 to 9) ------------------------------
def test_the_analysis_of_a_known_answer_is_what_the_folder_keeps():
    table = found().table.set_index("conclusion")
    meetings, weeks = table.loc["fewer_meetings"], table.loc["pilot.named_weeks_to_decision"]
    assert meetings["plausible_verdict"] == meetings["verdict"] == "robust"
    assert (meetings["points"], meetings["holds"], meetings["source"]) == (40, 40, "both")
    assert weeks["plausible_verdict"] == "depends"
    assert weeks["plausible_depends_factors"] == "fe_urgent_strategy_via_support_group"
    assert weeks["plausible_depends"].startswith("holds at 100% of plausible points if ")
    assert weeks["plausible_share"] == 0.5


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rb") / "out"
    rb.write_robustness(found(), out, small_plan())
    return out


def copied(written: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "rb"
    shutil.copytree(written, folder)
    return folder


def test_meta_records_every_file_read_and_written_with_its_hash(written):
    """Item 7: meta.json and conclusions.md say which files the analysis read (the shipped
    ones here) with their SHA-256; item 9: meta.json records every output's SHA-256 and a
    table's rows."""
    meta = json.loads((written / "meta.json").read_text())
    inputs = meta["inputs"]
    assert set(inputs) == {"scenario", "structure five_element", "structure pilot",
                           "alternatives", "conclusions", "patterns", "pattern scenario",
                           "pattern structure"}  # fmt: skip
    shipped = SCENARIO_DIR / "robustness" / "alternatives.yaml"
    assert inputs["alternatives"] == {
        "file": "robustness/alternatives.yaml (shipped)",
        "sha256": hashlib.sha256(shipped.read_bytes()).hexdigest(),
    }
    text = (written / "conclusions.md").read_text()
    assert "Read from (SHA-256):" in text
    sha = inputs["alternatives"]["sha256"]
    assert f"- alternatives: `robustness/alternatives.yaml (shipped)` `{sha}`" in text
    for name, record in meta["outputs"].items():
        data = (written / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["sha256"], name
    assert meta["outputs"]["conclusions.csv"]["rows"] == 2
    assert meta["outputs"]["readings.csv"]["rows"] == 4  # two claims, all and plausible
    assert meta["outputs"]["tolerance.csv"]["rows"] == 6  # two claims at three tolerances
    assert {"conclusions.md", "defaults.csv", "narrowing.csv", "figures/conclusions.png",
            "figures/morris.png", "morris_pilot_meetings_held.csv",
            "morris_pilot_named_weeks_to_decision.csv"} <= set(meta["outputs"])  # fmt: skip
    assert meta["tolerance"] == {"0.5": 40, "1": 40, "2": 40} and meta["claims"] == 2
    assert meta["misclassification"]["compared"] == 8  # two claims at four reference points
    assert not list(written.glob(".tmp-*")) and not list((written / "figures").glob(".tmp-*"))


def test_the_folder_is_read_back_as_written(written):
    meta, table = rb.read_folder(written)
    assert meta["scenario"] == "employer_closure" and meta["lhs_points"] == POINTS
    assert table["conclusion"].tolist() == ["fewer_meetings", "pilot.named_weeks_to_decision"]
    assert table["plausible_verdict"].tolist() == ["robust", "depends"]
    assert table["side"].tolist() == ["better", "better"] and table["depends"].iloc[0] == ""
    assert table[list(rb.TEXT_COLUMNS)].notna().all().all()
    readings = pd.read_csv(written / "readings.csv")
    assert (
        readings.query("conclusion == 'pilot.named_weeks_to_decision'")[
            ["share_off", "share_on", "named"]
        ].values.tolist()
        == [[1.0, 0.0, True]] * 2
    )


def test_no_plausible_points_is_not_judged_never_a_share(tmp_path):
    """Item 9: with no plausible point the share over them is undefined: the verdict says
    "not judged: no plausible points", the share is left empty (never 100%, never nan)."""
    result = found(plausible=False)
    row = result.table.set_index("conclusion").loc["fewer_meetings"]
    assert row["plausible_verdict"] == rb.NO_PLAUSIBLE and math.isnan(row["plausible_share"])
    assert row["verdict"] == "robust" and row["plausible_points"] == 0
    rb.write_robustness(result, tmp_path, small_plan())
    text = (tmp_path / "conclusions.md").read_text()
    assert (
        "| the pilot holds fewer meetings | better, declared |  | n/a / n/a |  | **not judged: "
        "no plausible points** | 100% (91% to 100%) of 40 | robust |"
    ) in text
    assert "nan" not in text.lower()
    _, table = rb.read_folder(tmp_path)
    assert (table["plausible_verdict"] == rb.NO_PLAUSIBLE).all()
    narrowed = pd.read_csv(tmp_path / "narrowing.csv", keep_default_na=False)
    assert set(narrowed["plausible"]) == {"none plausible"}


def test_empty_cells_are_shown_empty_never_nan():
    """A claim with no plausible points, no dependence, no side and no share at a larger
    threshold: each such cell is empty in conclusions.md, never "nan"."""
    table = pd.DataFrame([{"claim": "c", "side": math.nan, "source": math.nan,
                           "plausible_points": 0, "plausible_undecided": 0,
                           "plausible_share": math.nan, "plausible_low": math.nan,
                           "plausible_high": math.nan, "plausible_share_2x": math.nan,
                           "plausible_share_4x": math.nan, "plausible_depends": math.nan,
                           "plausible_verdict": rb.NO_PLAUSIBLE, "points": 2, "undecided": 0,
                           "holds_share": 0.5, "low": 0.1, "high": 0.9,
                           "verdict": "too few points to tell (2)"}])  # fmt: skip
    meta = {"scenario": "s", "structures": ["a", "b"], "replications": 1, "lhs_points": 2,
            "parameters": 1, "alternatives": [], "plausible_points": 0}  # fmt: skip
    text = rb.conclusions_markdown(table, meta)
    assert text.splitlines()[-1] == (
        "| c | declared |  | n/a / n/a |  | **not judged: no plausible points** | 50% (10% to "
        "90%) of 2 | too few points to tell (2) |"
    )
    assert "nan" not in text.lower()


def test_an_empty_count_cell_is_refused_or_shown_empty(written, tmp_path):
    """Items 8 and 9 on the counts: a folder whose points cell is empty (and meta.json made
    to match) is either refused in one line or its page shows the cell empty; never a
    ValueError."""
    folder = copied(written, tmp_path)
    table = pd.read_csv(folder / "conclusions.csv")
    table.loc[0, ["plausible_points", "undecided"]] = math.nan
    data = table.to_csv(index=False).encode()
    (folder / "conclusions.csv").write_bytes(data)
    meta = json.loads((folder / "meta.json").read_text())
    meta["outputs"]["conclusions.csv"]["sha256"] = hashlib.sha256(data).hexdigest()
    (folder / "meta.json").write_text(json.dumps(meta))
    try:
        _, body = rb.page_section(folder)
    except SpecError as exc:
        assert exc.one_line().startswith(str(folder / "conclusions.csv"))
    else:
        assert "nan" not in body.lower()


def test_a_conclusions_csv_cut_at_a_row_boundary_is_refused_naming_it(written, tmp_path):
    """Item 9: what a kill during a rewrite would leave (were it not written atomically): a
    table one row short. It does not match meta.json, and the error names conclusions.csv."""
    folder = copied(written, tmp_path)
    table = folder / "conclusions.csv"
    lines = table.read_text().splitlines(keepends=True)
    table.write_text("".join(lines[:-1]))
    with pytest.raises(SpecError) as caught:
        rb.read_folder(folder)
    assert caught.value.one_line() == (
        f"{table}: does not match meta.json (its SHA-256 differs: changed since, or cut short "
        "by an interrupted write); run sim robustness again"
    )


def test_an_interrupted_write_leaves_an_unfinished_folder_never_a_finished_one(
    written, tmp_path, monkeypatch
):
    """Item 9: meta.json goes first and comes back last; a command killed between (here:
    interrupted while drawing a figure, after conclusions.csv is rewritten) leaves a folder
    that says it is unfinished. The same command run again finishes it."""
    folder = copied(written, tmp_path)
    real = rb._replace_bytes

    def killed(path, data):
        if path.name == "morris.png":
            raise KeyboardInterrupt
        real(path, data)

    monkeypatch.setattr(rb, "_replace_bytes", killed)
    with pytest.raises(KeyboardInterrupt):
        rb.write_robustness(found(plausible=False), folder, small_plan())
    assert (folder / "conclusions.csv").exists() and not (folder / "meta.json").exists()
    with pytest.raises(SpecError, match=r"rb: unfinished: a sim robustness writing here did "
                       r"not finish \(no meta.json\)"):  # fmt: skip
        rb.read_folder(folder)
    (folder / "conclusions.csv").unlink()  # killed earlier still: only the stores begun
    for phase in ("lhs-2", "defaults"):  # any phase's store, the adaptive batches' too
        (folder / phase).mkdir()
        with pytest.raises(SpecError, match="rb: unfinished"):
            rb.read_folder(folder)
        (folder / phase).rmdir()
    monkeypatch.setattr(rb, "_replace_bytes", real)
    rb.write_robustness(found(plausible=False), folder, small_plan())
    assert rb.read_folder(folder)[1]["plausible_verdict"].eq(rb.NO_PLAUSIBLE).all()


def test_outputs_of_an_earlier_run_not_written_again_are_removed(written, tmp_path):
    folder = copied(written, tmp_path)
    for stale in ("morris_gone.csv", "sobol_gone.csv", "prim_gone.csv"):
        (folder / stale).write_text("factor\n")
    (folder / "figures" / "prim_tradeoff.png").write_bytes(b"old")
    rb.write_robustness(found(), folder, small_plan())
    meta = json.loads((folder / "meta.json").read_text())
    assert not [p.name for p in folder.glob("*_gone.csv")]
    assert (folder / "figures" / "prim_tradeoff.png").exists() == (
        "figures/prim_tradeoff.png" in meta["outputs"]
    )
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == {
        *meta["outputs"], "meta.json"}  # fmt: skip


def damage(folder: Path, how: str) -> None:
    """A robustness folder damaged as a hostile user, a bad copy or a kill leaves it."""
    meta_path, table = folder / "meta.json", folder / "conclusions.csv"
    meta = json.loads(meta_path.read_text())
    if how == "deeply nested meta.json":
        meta_path.write_text('{"notes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    elif how == "meta.json not an object":
        meta_path.write_text("[1, 2]")
    elif how == "meta.json without outputs":
        del meta["outputs"]
        meta_path.write_text(json.dumps(meta))
    elif how == "symbolic link out of the folder":
        outside = folder.parent / "elsewhere.csv"
        outside.write_bytes(table.read_bytes())
        table.unlink()
        table.symlink_to(outside)
    else:  # a cell made wrong, and meta.json made to match it: only the cells are wrong
        rows = list(csv.reader(io.StringIO(table.read_text())))
        column, value = {"text in a share cell": ("holds_share", "lots"),
                         "a share above one": ("plausible_high", "1.5"),
                         "an empty verdict cell": ("verdict", ""),
                         "an empty direction cell": ("direction", " "),
                         "not CSV": ("verdict", "")}[how]  # fmt: skip
        rows[1][rows[0].index(column)] = value
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        data = buffer.getvalue().encode() if how != "not CSV" else b'a,"b\n1,2,3\n'
        table.write_bytes(data)
        meta["outputs"]["conclusions.csv"] = {"sha256": hashlib.sha256(data).hexdigest(),
                                              "rows": len(rows) - 1}  # fmt: skip
        meta_path.write_text(json.dumps(meta))


@pytest.mark.parametrize(("how", "named", "says"), [
    ("deeply nested meta.json", "meta.json", "damaged (nested too deeply to be what sim "
     "robustness writes); run sim robustness again"),
    ("meta.json not an object", "meta.json", "damaged (not a JSON object)"),
    ("meta.json without outputs", "meta.json: outputs", "records no conclusions.csv"),
    ("symbolic link out of the folder", "conclusions.csv", "is a symbolic link; a robustness "
     "folder's files must be its own (copy the file in)"),
    ("text in a share cell", "conclusions.csv: row 1.holds_share", "'lots' is not a share "
     "(a number from 0 to 1)"),
    ("a share above one", "conclusions.csv: row 1.plausible_high", "'1.5' is not a share"),
    ("an empty verdict cell", "conclusions.csv: row 1.verdict", "empty"),
    ("an empty direction cell", "conclusions.csv: row 1.direction", "empty"),
    ("not CSV", "conclusions.csv", "damaged ("),
])  # fmt: skip
def test_a_damaged_folder_is_refused_in_one_line_naming_the_file_at_fault(
    written, tmp_path, how, named, says
):
    """Items 8 and 9: never a RecursionError or a ValueError, never "nan"; an error about
    conclusions.csv names conclusions.csv, not meta.json."""
    folder = copied(written, tmp_path)
    damage(folder, how)
    with pytest.raises(SpecError) as caught:
        rb.read_folder(folder)
    line = caught.value.one_line()
    assert line.startswith(f"{folder / named.split(':')[0]}") and f"{named}: " in line, line
    assert says in line and "\n" not in line


def test_a_page_is_checked_before_any_run(tmp_path):
    """Item 9: --docs is judged before the analysis: a folder, no folder to write in, markers
    out of order or twice are one line each; a page with its markers, or none, is fine."""
    key = "robustness: employer_closure"
    good = tmp_path / "good.md"
    good.write_text(f"x\n<!-- {key} -->\nold\n<!-- end {key} -->\n")
    rb.check_page(good, "employer_closure")
    rb.check_page(tmp_path / "new.md", "employer_closure")
    bad = tmp_path / "bad.md"
    for text in (
        f"<!-- end {key} -->\n<!-- {key} -->\n",
        f"<!-- {key} -->\n",
        "<!-- alternatives -->\n<!-- alternatives -->\n<!-- end alternatives -->\n",
    ):
        bad.write_text(text)
        with pytest.raises(SpecError, match="must each come once, the first before the second"):
            rb.check_page(bad, "employer_closure")
    with pytest.raises(SpecError, match="is a folder, not a Markdown page"):
        rb.check_page(tmp_path, "employer_closure")
    with pytest.raises(SpecError, match="no folder to write this page in"):
        rb.check_page(tmp_path / "nowhere" / "page.md", "employer_closure")
    (tmp_path / "latin1.md").write_bytes(b"caf\xe9")
    with pytest.raises(SpecError, match="not UTF-8 text"):
        rb.check_page(tmp_path / "latin1.md", "employer_closure")


def test_a_page_takes_the_section_and_the_files_the_analysis_read(written, tmp_path):
    alternatives = tmp_path / "alternatives.yaml"
    alternatives.write_text((SCENARIO_DIR / "robustness" / "alternatives.yaml").read_text()
                            .replace("May the five-element Executive be called early",
                                     "May it be called early"))  # fmt: skip
    page = tmp_path / "page.md"
    page.write_text("# Title\n")
    rb.update_page(page, written, alternatives=str(alternatives))
    text = page.read_text()
    assert text.startswith("# Title\n") and "May it be called early" in text
    section = rb.section(text, "robustness: employer_closure")
    assert section.startswith("Scenario `employer_")
    assert "| the pilot holds fewer meetings | better, declared | 100% (91% to 100%) of 40 |" in (
        section)  # fmt: skip
    links = [line for line in section.splitlines() if line.startswith("![")]
    assert "![morris](" in section and all(")" in line for line in links)
    for line in links:  # each figure linked relative to the page
        target = line.split("](", 1)[1].rstrip(")")
        assert (page.parent / target).resolve().is_file(), target
    assert not list(tmp_path.glob(".tmp-*"))
