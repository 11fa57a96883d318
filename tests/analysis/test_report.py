"""The option-appraisal report (the structure diagrams: test_diagram.py)."""

from __future__ import annotations

import csv
import io
import json
import re
from hashlib import sha256

import pytest
import yaml
from fabricated import write_folder

from sim.cli import main
from sim.model.indicators import INDICATORS
from sim.spec.loading import SCENARIO_DIR


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    assert main(["compare", str(SCENARIO_DIR / "employer_closure.yaml"), "--structures",
                 "five_element,pilot,county_scs_chapters", "--replications", "3",
                 "--workers", "1", "--out", str(out)]) == 0  # fmt: skip
    return out


def test_report_from_a_comparison_answers_first_then_has_every_indicator_and_figure(
    comparison, capsys
):
    assert main(["report", str(comparison)]) == 0
    page = (comparison / "report.html").read_text()
    for indicator in INDICATORS:
        assert indicator.label in page, indicator.name
    images = re.findall(r'<img src="data:image/png;base64,', page)
    structures = 3
    assert len(images) == 1 + 1 + structures  # every criterion in one figure, times, pathways
    diagrams = re.findall(r'<img src="data:image/svg\+xml;base64,', page)  # Graphviz or a table
    assert len(diagrams) == structures
    # the first screen is the answer: the question, the verdict table, the caveats, then the rest
    first_h2 = page.index("<h2")
    assert page.index("which option?") < page.index('id="verdict"') < first_h2
    assert page.index("How sure:") < first_h2
    verdict_table = page[
        page.index('id="verdict"') : page.index("</table>", page.index('id="verdict"'))
    ]
    for title in (
        "Strategic / executive / operational pilot (2010)",
        "One county strategy with district chapters",
        "Five-element structure (2007)",
    ):
        assert title in verdict_table  # display names, not file ids
    assert "county_scs_chapters" not in verdict_table
    for heading in ("Key indicators", "Every indicator", "By criterion", "The structures",
                    "Time to decision and to delivery", "pathway under each option"):  # fmt: skip
        assert heading in page
    assert "indicator by indicator" not in page  # no vote count of indicators
    assert "Too small a comparison" in page and "Holm" in page and "bootstrap" in page
    text = re.sub(r"data:image/[^\"]+", "", page)
    assert not re.search(r"\d[eE]-\d", text) and "-0.0 " not in text and ">-0<" not in text
    assert not re.search(r"seed \d{6,}", text)  # no 19-digit seeds in captions
    assert "http" not in page.split("<body>")[1].split("data:image")[0]  # self-contained
    capsys.readouterr()


def test_report_from_a_sweep(tmp_path, capsys):
    experiment = {
        "name": "rep", "scenarios": [str(SCENARIO_DIR / "smoke.yaml")],
        "structures": ["five_element", "pilot"], "replications": 2, "seed": 3,
        "design": {"kind": "lhs", "samples": 2},
        "parameters": {"attendance_base": {"low": 0.7, "high": 0.9}}, "evaluate": True,
    }  # fmt: skip
    path = tmp_path / "rep.yaml"
    path.write_text(yaml.safe_dump(experiment))
    out = tmp_path / "store"
    assert main(["sweep", str(path), "--executor", "serial", "--out", str(out), "--quiet",
                 "--limit", "6"]) == 0  # fmt: skip
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text()
    assert "Unfinished: 6 of 8 runs stored" in page  # an unfinished store says so first
    assert main(["sweep", str(path), "--executor", "serial", "--out", str(out), "--quiet"]) == 0
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text()
    assert "Unfinished" not in page
    # points are never pooled as replications (issue 10, item 11)
    assert "A sweep of 2 parameter points, 2 paired replications at each" in page
    # the first screen of a sweep: a verdict per criterion from the regression across the
    # points (issue 20, item 7); two points are too few for a slope: the mean over the design
    assert page.index('id="verdict"') < page.index("<h2")
    assert "A sweep of 2 design points with 2 paired replications at each" in page
    assert "on the swept parameters (none (too few points to estimate the slopes))" in page
    assert "never pooled" in page and "at the centre [95%]" in page
    # the points one by one are a detail, with the pairs a point needs for its own verdicts
    assert "Point by point (a detail)" in page and "smallest point difference" in page
    assert "at least 11 paired replications are needed at a point" in page
    assert "too few runs" in page.split("Point by point")[1]
    # a sweep's details are folded, so the page stays short (issue 21, item 7)
    assert '<details class="detail"><summary><h3>Point by point (a detail)' in page
    assert '<details class="detail" id="structures-1"><summary><h2>The structures' in page
    assert "share of work on declared priorities" in page
    capsys.readouterr()


def test_report_needs_a_results_folder(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a results folder" in capsys.readouterr().err


def test_report_takes_a_robustness_run_that_fits_and_refuses_one_that_does_not(
    comparison, tmp_path, capsys
):
    wrong = write_folder(tmp_path / "truancy", scenario="truancy")
    right = write_folder(tmp_path / "employer_closure")
    out = tmp_path / "r.html"
    assert main(["report", str(comparison), "--robustness", str(wrong), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"error: {wrong / 'meta.json'}: scenario: the robustness run is about "
                       "'truancy', not 'employer_closure'")  # fmt: skip
    assert not out.exists()  # refused before any work
    assert main(["report", str(comparison), "--robustness", str(right), "--out", str(out)]) == 0
    page = out.read_text()
    assert "No robustness run was given" not in page
    capsys.readouterr()


@pytest.mark.parametrize(("how", "says"), [
    ("deeply nested", "meta.json: damaged (nested too deeply to be what sim robustness writes)"),
    ("text in a share", "conclusions.csv: row 1.holds_share: 'most' is not a share"),
    ("an empty verdict", "conclusions.csv: row 2.verdict: empty"),
    ("cut at a row", "conclusions.csv: does not match meta.json"),
    ("linked out", "conclusions.csv: is a symbolic link"),
    ("no meta.json", "robustness: unfinished: a sim robustness writing here did not finish"),
])  # fmt: skip
def test_report_refuses_a_damaged_robustness_folder_in_one_line(
    comparison, tmp_path, capsys, how, says
):
    """Issue 19, items 8 and 9: `sim report --robustness` on a damaged folder is one line
    naming the file at fault (never a RecursionError, a ValueError or a table read as whole),
    before any work."""
    folder = write_folder(tmp_path / "robustness")
    meta, table = folder / "meta.json", folder / "conclusions.csv"
    if how == "deeply nested":
        meta.write_text('{"scenario": ' + "[" * 50_000 + "]" * 50_000 + "}")
    elif how in ("text in a share", "an empty verdict"):  # meta.json made to match: only the
        rows = list(csv.reader(io.StringIO(table.read_text())))  # cell is wrong
        row, column, value = (1, "holds_share", "most") if how == "text in a share" else (
            2, "verdict", "")  # fmt: skip
        rows[row][rows[0].index(column)] = value
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        table.write_text(buffer.getvalue())
        record = json.loads(meta.read_text())
        record["outputs"]["conclusions.csv"]["sha256"] = sha256(table.read_bytes()).hexdigest()
        meta.write_text(json.dumps(record))
    elif how == "cut at a row":
        table.write_text("".join(table.read_text().splitlines(keepends=True)[:-1]))
    elif how == "linked out":
        (tmp_path / "other.csv").write_bytes(table.read_bytes())
        table.unlink()
        table.symlink_to(tmp_path / "other.csv")
    else:
        meta.unlink()
    out = tmp_path / "r.html"
    assert main(["report", str(comparison), "--robustness", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"error: {folder}") and says in err, err
    assert not out.exists()
