"""The robustness analysis on planted answers: indices of a model with known sensitivities,
PRIM on a planted box, the pattern filter on planted patterns, verdicts of conclusions; its
folder written whole and read back only when it is what a finished run wrote."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import robustness as rb
from sim.errors import SpecError
from sim.experiment.robustness import Factor, Plan
from sim.spec.loading import SCENARIO_DIR

FACTORS = [rb.Factor("a", 0.0, 1.0), rb.Factor("b", 0.0, 1.0), rb.Factor("c", 0.0, 1.0),
           rb.Factor("alt", 0.0, 1.0, switch=True)]  # fmt: skip


def test_morris_ranks_a_known_model():
    """y = 4a + c^2 + 0 b: a is the most influential, then c; b has no effect at all."""
    from SALib.sample import morris as sample

    problem = rb.salib_problem(FACTORS[:3])
    x = sample.sample(problem, 40, num_levels=4, seed=1)
    y = 4 * x[:, 0] + x[:, 2] ** 2
    table = rb.morris(problem, x, y, levels=4, seed=1).set_index("factor")
    assert table.index[0] == "p_a" and table.loc["p_a", "mu_star"] == pytest.approx(4, rel=1e-6)
    assert table.loc["p_b", "mu_star"] == 0
    assert rb.influential(table.reset_index()) == ["p_a", "p_c"]


def test_sobol_indices_of_a_known_model_are_stable():
    """y = a + 2b (independent, uniform): first-order and total indices 0.2 and 0.8."""
    from SALib.sample import sobol as sample

    problem = rb.salib_problem(FACTORS[:2])
    x = sample.sample(problem, 2048, calc_second_order=False, seed=2)
    table = rb.sobol(problem, x[:, 0] + 2 * x[:, 1], seed=2).set_index("factor")
    assert table.loc["p_b", "ST"] == pytest.approx(0.8, abs=0.05)
    assert table.loc["p_a", "S1"] == pytest.approx(0.2, abs=0.05)
    assert table["stable"].all()


def test_sobol_says_when_indices_are_not_stable():
    from SALib.sample import sobol as sample

    problem = rb.salib_problem(FACTORS[:2])
    x = sample.sample(problem, 8, calc_second_order=False, seed=3)
    noise = np.random.default_rng(3).normal(0, 5, len(x))  # a noisy model, too few samples
    table = rb.sobol(problem, x[:, 0] + noise, seed=3)
    assert not table["stable"].all()


def planted(n: int = 600, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    points = pd.DataFrame({"point": range(n), "p_a": rng.random(n), "p_b": rng.random(n),
                           "p_c": rng.random(n), "a_alt": rng.integers(0, 2, n)})  # fmt: skip
    flips = (points["p_a"] > 0.7) & (points["a_alt"] == 1)  # the planted box
    points["d"] = np.where(flips, 1.5, -3.0) + rng.normal(0, 0.2, n)
    return points


def test_prim_finds_a_planted_box():
    points = planted()
    flips = (points["d"] > -1).to_numpy()
    box = rb.prim_box(points[[f.column for f in FACTORS]], flips, FACTORS)
    assert box is not None and box.density >= rb.PRIM_DENSITY and box.coverage > 0.8
    assert set(box.limits) == {"p_a", "a_alt"}
    low, high = box.limits["p_a"]
    assert 0.6 <= low <= 0.72 and high > 0.95  # the most coverage with density >= 0.8
    text = box.describe({f.column: f for f in FACTORS})
    assert text.startswith("alt on; a 0.")  # most restricted first: a switch held on


def test_a_conclusion_that_flips_in_a_box_depends_on_it():
    points = planted()
    claim = rb.Conclusion("sooner", "B decides sooner", "d", "B", "A", "lower", 1.0)
    table, _ = rb.conclusions_table(points, [claim], FACTORS, plausible=None,
                                    drivers={"d": ["p_a", "a_alt"]})  # fmt: skip
    row = table.iloc[0]
    expected = 1 - ((points["p_a"] > 0.7) & (points["a_alt"] == 1)).mean()
    assert row["holds_share"] == pytest.approx(expected, abs=0.01)
    assert row["verdict"] == "depends on alt, a"
    assert row["drivers"] == "a, alt"


def test_verdicts_robust_and_not_supported():
    points = planted()
    robust = rb.Conclusion("x", "", "d", "B", "A", "lower", 0.1)
    points["d"] = -2.0
    table, _ = rb.conclusions_table(points, [robust], FACTORS, plausible=None)
    assert table.iloc[0]["verdict"] == "robust" and table.iloc[0]["holds_share"] == 1
    points["d"] = 2.0
    table, _ = rb.conclusions_table(points, [robust], FACTORS, plausible=None)
    assert table.iloc[0]["verdict"] == "not supported"


def test_the_pattern_filter_keeps_points_that_reproduce_planted_patterns():
    """Rejection: a pattern that holds only for a < 0.4 narrows a's range to about 40%."""
    points = planted()
    values = pd.DataFrame({"targets": 10 + 10 * points["p_a"], "attendance": 0.7},
                          index=points["point"])  # fmt: skip
    keep = rb.plausible_points(values, {"targets": (10, 14), "attendance": (0.6, 0.8)})
    assert keep.sum() == pytest.approx((points["p_a"] <= 0.4).sum(), abs=1)
    table = rb.narrowing(points.set_index("point", drop=False), keep, FACTORS).set_index("factor")
    assert table.loc["a", "width_kept"] == pytest.approx(0.36, abs=0.05)  # 5th..95th percentile
    assert table.loc["b", "width_kept"] > 0.8
    points["d"] = np.where(points["p_a"] < 0.4, -3.0, 3.0)
    claim = rb.Conclusion("x", "", "d", "B", "A", "lower", 1.0)
    table, _ = rb.conclusions_table(points, [claim], FACTORS, plausible=keep)
    row = table.iloc[0]
    assert row["plausible_share"] == 1.0 and row["plausible_verdict"] == "robust"
    assert row["holds_share"] < 0.5 and row["verdict"] == "depends on a"  # a dense box: a >= 0.4


def test_a_box_reports_only_the_dimensions_it_really_cuts():
    initial = pd.DataFrame({"p_a": [0.0, 1.0], "p_b": [0.0, 1.0], "a_alt": [{0, 1}, {0, 1}]})
    chosen = pd.DataFrame({"p_a": [0.05, 0.99], "p_b": [0.3, 1.0], "a_alt": [{1}, {1}]})
    assert list(rb._restricted(initial, chosen)) == ["a_alt", "p_b"]  # p_a: a sliver, left out


@pytest.mark.parametrize(
    ("share", "density", "expected"),
    [
        (0.97, 0.9, "robust"),
        (0.48, 0.95, "depends on alt"),  # fails exactly where the reading is switched on
        (0.6, 0.3, "depends (no simple box)"),
        (0.3, 0.3, "not supported"),
        (0.05, 0.95, "not supported"),
    ],
)
def test_the_verdict_reads_the_share_and_the_box(share, density, expected):
    box = rb.Box({"a_alt": {1}}, 0.9, density, 0.5, pd.DataFrame())
    assert rb.verdict(share, box, {f.column: f for f in FACTORS}) == expected


def test_robustness_checks_pass_fail_and_name_an_unknown_conclusion():
    from sim.errors import SpecError
    from sim.spec.robustness import RobustnessChecks

    table = pd.DataFrame({"conclusion": ["a", "b"], "verdict": ["robust", "not supported"],
                          "plausible_verdict": ["robust", "robust"]})  # fmt: skip
    checks = RobustnessChecks.model_validate({"expect": [
        {"conclusion": "a", "over": "all", "verdict": "robust"},
        {"conclusion": "b", "over": "all", "verdict": "robust"},
        {"conclusion": "b", "verdict": "robust"},
    ]})  # fmt: skip
    results = rb.check_verdicts(table, checks, "checks.yaml")
    assert [ok for ok, _ in results] == [True, False, True]
    assert results[1][1].startswith("FAIL b over all points: not supported")
    bad = RobustnessChecks.model_validate({"expect": [{"conclusion": "c", "verdict": "robust"}]})
    with pytest.raises(SpecError, match=r"expect\[0\].conclusion: no conclusion 'c'"):
        rb.check_verdicts(table, bad, "checks.yaml")


@pytest.mark.parametrize(
    ("got", "expected", "ok"),
    [
        ("robust", "robust", True),
        ("depends on a, b", "depends on a", True),
        ("depends on b", "depends on a", False),
        ("depends on a", "robust", False),
        ("not supported", "depends on a", False),
    ],
)
def test_an_expected_dependence_passes_when_the_box_names_it(got, expected, ok):
    assert rb.verdict_matches(got, expected) is ok


# -- a robustness folder, written and read (issue 19, items 7 to 9) ------------------------------
def small_plan(**files) -> Plan:
    factors = [Factor("attendance_base", 0.65, 0.95, default=0.85),
               Factor("fe_urgent_strategy_via_support_group", 0.0, 1.0, switch=True)]  # fmt: skip
    return Plan("employer_closure", ["five_element", "pilot"], factors=factors, **files)


def found(plausible: bool = True) -> rb.Robustness:
    """What an analysis of eight points found: one conclusion that holds everywhere, one that
    fails where the alternative is on; with or without plausible points."""
    plan = small_plan()
    points = pd.DataFrame({"point": range(8), "p_attendance_base": np.linspace(0.65, 0.95, 8),
                           "a_fe_urgent_strategy_via_support_group": [0, 1] * 4,
                           "meetings_held": -80.0,
                           "named_weeks_to_decision": [-8.0, 2.0] * 4})  # fmt: skip
    conclusions = [rb.Conclusion("fewer_meetings", "the pilot holds fewer meetings",
                                 "meetings_held", "pilot", "five_element", "lower", 1.0),
                   rb.Conclusion("decides_sooner", "the pilot decides sooner",
                                 "named_weeks_to_decision", "pilot", "five_element", "lower",
                                 1.0)]  # fmt: skip
    keep = pd.Series(plausible, index=range(8))
    table, boxes = rb.conclusions_table(points, conclusions, plan.factors, keep)
    morris = pd.DataFrame({"factor": ["p_attendance_base"], "mu_star": [1.0],
                           "mu_star_conf": [0.1], "mu": [1.0], "sigma": [0.2]})  # fmt: skip
    return rb.Robustness(conclusions, {c.id: morris for c in conclusions}, {}, table, boxes,
                         None, int(keep.sum()), 8, [])  # fmt: skip


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
    assert {"conclusions.md", "figures/morris.png", "morris_fewer_meetings.csv"} <= set(
        meta["outputs"]
    )
    assert not list(written.glob(".tmp-*")) and not list((written / "figures").glob(".tmp-*"))


def test_no_plausible_points_is_not_judged_never_a_share(tmp_path):
    """Item 9: with no plausible point the share over them is undefined: the verdict says
    "not judged: no plausible points", the share is left empty (never 100%, never nan)."""
    result = found(plausible=False)
    row = result.table.set_index("conclusion").loc["fewer_meetings"]
    assert row["plausible_verdict"] == rb.NO_PLAUSIBLE and math.isnan(row["plausible_share"])
    rb.write_robustness(result, tmp_path, small_plan())
    text = (tmp_path / "conclusions.md").read_text()
    assert (
        "| the pilot holds fewer meetings | 100% |  |  | **robust** |  | not judged: no "
        "plausible points |"
    ) in text
    assert "nan" not in text.lower()
    _, table = rb.read_folder(tmp_path)
    assert (table["plausible_verdict"] == rb.NO_PLAUSIBLE).all()


def test_no_points_at_all_is_not_judged():
    assert rb.verdict(math.nan, None, {}) == rb.NO_POINTS


def test_empty_cells_are_shown_empty_never_nan():
    table = pd.DataFrame([{"claim": "c", "holds_share": 0.5, "flips_where": math.nan,
                           "box_coverage": math.nan, "box_density": math.nan,
                           "drivers": math.nan, "verdict": "depends (no simple box)",
                           "plausible_share": math.nan,
                           "plausible_verdict": math.nan}])  # fmt: skip
    meta = {"scenario": "s", "structures": ["a", "b"], "replications": 1, "lhs_points": 2,
            "parameters": 1, "alternatives": [], "plausible_points": 0}  # fmt: skip
    line = rb.conclusions_markdown(table, meta).splitlines()[-1]
    assert line == "| c | 50% |  |  | **depends (no simple box)** |  |  |"


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
    (folder / "lhs").mkdir()
    with pytest.raises(SpecError, match="rb: unfinished"):
        rb.read_folder(folder)
    monkeypatch.setattr(rb, "_replace_bytes", real)
    rb.write_robustness(found(plausible=False), folder, small_plan())
    assert rb.read_folder(folder)[1]["plausible_verdict"].eq(rb.NO_PLAUSIBLE).all()


def test_outputs_of_an_earlier_run_not_written_again_are_removed(written, tmp_path):
    folder = copied(written, tmp_path)
    (folder / "morris_gone.csv").write_text("factor\n")
    (folder / "figures" / "prim_tradeoff.png").write_bytes(b"old")
    rb.write_robustness(found(), folder, small_plan())
    meta = json.loads((folder / "meta.json").read_text())
    assert not (folder / "morris_gone.csv").exists()
    assert (folder / "figures" / "prim_tradeoff.png").exists() == (
        "figures/prim_tradeoff.png" in meta["outputs"]
    )


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
    elif how in ("text in a share cell", "an empty verdict cell", "not CSV"):
        rows = list(csv.reader(io.StringIO(table.read_text())))
        column = "holds_share" if how == "text in a share cell" else "verdict"
        rows[1][rows[0].index(column)] = "lots" if how == "text in a share cell" else ""
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        data = buffer.getvalue().encode() if how != "not CSV" else b'a,"b\n1,2,3\n'
        table.write_bytes(data)  # meta.json made to match it: only the cells are wrong
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
    ("an empty verdict cell", "conclusions.csv: row 1.verdict", "empty"),
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
    assert rb.section(text, "robustness: employer_closure").startswith("Scenario `employer_")
    assert not list(tmp_path.glob(".tmp-*"))


def test_expectations_are_judged_against_the_analysis_before_any_run():
    from sim.spec.robustness import RobustnessChecks

    result = found()
    factors = small_plan().factors

    def check(*expect):
        checks = RobustnessChecks.model_validate({"expect": list(expect)})
        rb.check_expectations(checks, result.conclusions, factors, "checks.yaml")

    check({"conclusion": "fewer_meetings", "verdict": "robust"},
          {"conclusion": "decides_sooner", "over": "all",
           "verdict": "depends on fe_urgent_strategy_via_support_group"})  # fmt: skip
    with pytest.raises(
        SpecError,
        match=r"checks.yaml: expect\[0\].conclusion: no conclusion "
        "'fewer_meeting' \\(the analysis has: fewer_meetings, decides_sooner\\)",
    ):
        check({"conclusion": "fewer_meeting", "verdict": "robust"})
    for verdict in ("robsut", "depends on attendance", "depends on ", "depends on a, "):
        with pytest.raises(SpecError, match=r"expect\[0\].verdict: '.*' is not a verdict"):
            check({"conclusion": "fewer_meetings", "verdict": verdict})
