"""The ``sim`` command: run, validate, trace, demo.

Every user error (a missing file, YAML that does not parse, an unknown body,
a bad parameter) is printed as one line ``error: FILE: FIELD: MESSAGE`` and
exits with code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import SpecError
from sim.experiment.store import ResultStore
from sim.model import RunResult, run_once
from sim.spec import PARAMETER_NAMES, load_scenario, load_structure
from sim.spec.loading import SCENARIO_DIR, read_yaml
from sim.spec.parameters import check_parameters, parameters_markdown
from sim.spec.scenario import check_scenario_against

SHIPPED_STRUCTURES = ("five_element", "pilot")

SUMMARY_LINES = [
    ("issues raised", "issues_raised", "{:.0f}"),
    ("issues decided", "issues_decided", "{:.0f}"),
    ("issues delivered", "issues_delivered", "{:.0f}"),
    ("issues closed (full cycle)", "issues_closed", "{:.0f}"),
    ("issues dropped", "issues_dropped", "{:.0f}"),
    ("median weeks to decision", "median_weeks_to_decision", "{:.1f}"),
    ("median weeks to delivery", "median_weeks_to_delivery", "{:.1f}"),
    ("targets met", "targets_met", "{:.0f}"),
    ("meetings held", "meetings_held", "{:.0f}"),
    ("  special / on-demand", None, None),
    ("inquorate meetings", "inquorate_meetings", "{:.0f}"),
    ("member-hours", "member_hours", "{:,.0f}"),
    ("members attending in person", "member_attendance_rate", "{:.0%}"),
    ("seats filled by substitutes", "substitute_share", "{:.0%}"),
    ("members replaced", "replacements", "{:.0f}"),
    ("stalled deliveries caught", "stalls_caught", "{:.0f}"),
]


def parse_sets(values: Sequence[str]) -> dict[str, float]:
    """``--set name=value`` pairs as validated parameter overrides."""
    out: dict[str, float] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep:
            raise SpecError("--set", item, "expected NAME=VALUE")
        if name not in PARAMETER_NAMES:
            raise SpecError("--set", name, "unknown parameter (see docs/parameters.md)")
        try:
            out[name] = float(raw)
        except ValueError:
            raise SpecError("--set", name, f"'{raw}' is not a number") from None
    try:
        check_parameters(out)
    except ValueError as exc:
        raise SpecError("--set", "", str(exc)) from None
    return out


def format_summary(summary: pd.Series) -> str:
    lines = []
    for label, key, fmt in SUMMARY_LINES:
        if key is None:
            value = f"{summary['special_meetings']:.0f} / {summary['on_demand_meetings']:.0f}"
        else:
            v = summary[key]
            value = "n/a" if isinstance(v, float) and np.isnan(v) else fmt.format(v)
        lines.append(f"  {label:<28} {value:>10}")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    structure = load_structure(_structure_for(args.structure, scenario))
    params = parse_sets(args.set)
    result = run_once(structure, scenario, seed=args.seed, parameters=params)
    s = result.summary.iloc[0]
    print(
        f"{scenario.name} under {structure.name}, seed {args.seed}, "
        f"{scenario.duration_weeks:g} weeks"
    )
    print(format_summary(s))
    if args.out:
        paths = result.write(Path(args.out), args.format)
        print(f"wrote {len(paths)} tables to {args.out}/ ({', '.join(p.name for p in paths)})")
    return 0


def _structure_for(given: str | None, scenario) -> str:
    """The structure asked for, else the one the scenario is written for, else five_element."""
    return given or (scenario.structures[0] if scenario.structures else "five_element")


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every file given (structure, scenario, experiment or checks); report each."""
    from sim.analysis.checks import load_checks
    from sim.experiment.design import expected_runs
    from sim.spec.experiment import load_experiment

    failed = 0
    for file in args.files:
        path = Path(file)
        try:
            data = read_yaml(path)
            if "checks" in data:
                checks = load_checks(path)
                print(f"ok  {file}: {len(checks.checks)} checks")
            elif "access" in data and "decision" in data:
                from sim.spec.gcm import load_gcm_design, variants

                compiled = variants(load_gcm_design(path))
                name = data.get("name")
                print(f"ok  {file}: garbage-can design '{name}', {len(compiled)} variants")
            elif "structures" in data and "scenarios" in data:
                spec = load_experiment(path)
                print(f"ok  {file}: experiment '{spec.name}', {expected_runs(spec)} runs")
            elif "duration_weeks" not in data:
                spec = load_structure(path)
                print(f"ok  {file}: structure '{spec.name}', {len(spec.bodies)} bodies, "
                      f"{len(spec.partners)} partners")  # fmt: skip
            else:
                scenario = load_scenario(path)
                names = scenario.structures or SHIPPED_STRUCTURES
                for name in names:
                    check_scenario_against(scenario, load_structure(name))
                print(f"ok  {file}: scenario '{scenario.name}', {len(scenario.issues)} named "
                      f"issues, {len(scenario.streams)} streams; runs under "
                      f"{', '.join(names)}")  # fmt: skip
        except SpecError as exc:
            failed += 1
            print(f"error: {exc.one_line()}", file=sys.stderr)
    return 2 if failed else 0


def cmd_trace(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    structure = load_structure(_structure_for(args.structure, scenario))
    result = run_once(structure, scenario, seed=args.seed, parameters=parse_sets(args.set))
    print(format_trace(result, args.issue, args.all))
    return 0


def format_trace(result: RunResult, issue_id: str | None, show_all: bool) -> str:
    """A readable timeline of each issue's pathway (named issues unless ``show_all``)."""
    issues = result.issues
    if issue_id is not None:
        if issue_id not in set(issues["issue_id"]):
            raise SpecError("--issue", issue_id, "no such issue in this run")
        chosen = [issue_id]
    else:
        own = (issues["source"] == "named") | issues["source"].str.startswith("follow-up")
        named = issues[own]["issue_id"].tolist()
        chosen = issues["issue_id"].tolist() if show_all or not named else named
    lines: list[str] = []
    for iid in chosen:
        _trace_lines(result, iid, "", lines)
        lines.append("")
    return "\n".join(lines).rstrip()


def _trace_lines(result: RunResult, iid: str, indent: str, lines: list[str]) -> None:
    """One issue's timeline, then each of its strands (steps asked of several bodies)."""
    issues = result.issues
    row = issues[issues["issue_id"] == iid].iloc[0]
    lines.append(f"{indent}{iid}: {row['title']}  [{row['scope']}, {row['theme']}, {row['kind']}]")
    for h in result.history[result.history["issue_id"] == iid].itertuples():
        to = f" -> {h.to_body}" if h.to_body and h.to_body != h.body else ""
        note = f"  ({h.note})" if h.note else ""
        who = h.body or "(arrives)"
        lines.append(f"{indent}  week {h.time:6.1f}  {who:<38} {h.action:<15}{to}{note}")
    lines.append(f"{indent}  now: {row['stage']}")
    for strand in issues[issues["parent"] == iid]["issue_id"]:
        _trace_lines(result, strand, indent + "    ", lines)


def compare(
    scenario_path: str,
    structures: list[str],
    replications: int,
    seeds: list[int],
    out: Path | None,
    workers: int | None,
    parameters: dict[str, float],
) -> str:
    """Paired replications of one scenario under several structures, from one or more root
    seeds; returns the text of the comparison (the first root seed's table, the named issues'
    censoring, and whether the conclusions agree across root seeds)."""
    from sim.analysis.compare import (
        censoring_table,
        format_censoring,
        format_comparison,
        headline_indicators,
        paired_comparison,
        plot_indicator,
        plot_outcome_series,
    )
    from sim.experiment import run_paired

    scenario = load_scenario(scenario_path)
    if replications < 1:
        raise SpecError("--replications", str(replications), "must be at least 1")
    specs = [load_structure(name) for name in structures]
    for spec in specs:  # fail here, with a clear message, not in a worker
        check_scenario_against(scenario, spec)
    taken: dict[str, str] = {}
    for name, spec in zip(structures, specs, strict=True):
        if spec.name in taken:
            raise SpecError(name, "name", f"'{spec.name}' is also the name of {taken[spec.name]};"
                            " give each structure option its own name")  # fmt: skip
        taken[spec.name] = name
    names = [spec.name for spec in specs]
    kinds = ("summary", "issues", "indicators") if scenario.indicators else ("summary", "issues")
    parts: dict[str, list[pd.DataFrame]] = {kind: [] for kind in kinds}
    for seed in seeds:
        tables = run_paired(scenario_path, structures, replications, seed, parameters, kinds,
                            workers=workers)  # fmt: skip
        for kind in kinds:
            parts[kind].append(tables[kind].assign(root_seed=seed))
    results = {kind: pd.concat(frames, ignore_index=True) for kind, frames in parts.items()}
    runs = results["summary"]
    indicators = headline_indicators(runs, scenario)
    by_seed = {seed: paired_comparison(runs[runs["root_seed"] == seed], names, indicators)
               for seed in seeds}  # fmt: skip
    first = seeds[0]
    issues = results["issues"]
    named = issues[(issues["parent"] == "") & (issues["root_seed"] == first)]
    text = [f"{scenario.name}: {scenario.description}",
            f"{replications} paired replications per structure, root seed {first}; "
            "mean [95% interval]",
            format_comparison(by_seed[first], names)]  # fmt: skip
    censoring = None
    if (named["source"] == "named").any():
        censoring = censoring_table(named, names, scenario.duration_weeks)
        text += ["", format_censoring(censoring, names)]
    agreement = None
    if len(seeds) > 1:
        agreement = seed_agreement(by_seed, names)
        text += ["", format_agreement(agreement, seeds, names)]
    if out is not None:
        figures = out / "figures"
        figures.mkdir(parents=True, exist_ok=True)
        runs.to_csv(out / "runs.csv", index=False)
        issues[issues["parent"] == ""].to_csv(out / "issues.csv", index=False)
        table = pd.concat([t.assign(root_seed=s) for s, t in by_seed.items()], ignore_index=True)
        table.to_csv(out / "comparison.csv", index=False)
        if censoring is not None:
            censoring.to_csv(out / "censoring.csv", index=False)
        if agreement is not None:
            agreement.to_csv(out / "agreement.csv", index=False)
        manifest = {
            "kind": "compare",
            "scenario": str(Path(scenario.source).resolve()),
            "structures": {n: s for n, s in zip(names, structures, strict=True)},
            "replications": replications,
            "seed": first,
            "seeds": seeds,
            "parameters": parameters,
        }
        (out / "compare.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        (out / "comparison.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
        first_runs = runs[runs["root_seed"] == first]
        for indicator in indicators:
            plot_indicator(first_runs, names, indicator.name, indicator.label,
                           figures / f"{indicator.name}.png")  # fmt: skip
        if "indicators" in results:
            series = results["indicators"]
            series.to_csv(out / "indicators.csv", index=False)
            for spec in scenario.indicators:
                path = figures / f"outcome_{spec.name}_over_time.png"
                plot_outcome_series(series[series["root_seed"] == first], spec.name,
                                    spec.aggregate, path)  # fmt: skip
    return "\n".join(text)


def seed_agreement(by_seed: dict[int, pd.DataFrame], structures: list[str]) -> pd.DataFrame:
    """Per indicator and structure, the verdict under each root seed and whether they agree
    (every verdict the same)."""
    frames = []
    for seed, table in by_seed.items():
        rows = table[table["structure"] != structures[0]]
        frames.append(rows[["indicator", "label", "structure", "verdict"]].assign(root_seed=seed))
    long = pd.concat(frames, ignore_index=True)
    wide = long.pivot_table(index=["indicator", "label", "structure"], columns="root_seed",
                            values="verdict", aggfunc="first", sort=False)  # fmt: skip
    wide.columns = [f"seed_{c}" for c in wide.columns]
    wide["agree"] = wide.nunique(axis=1) == 1
    return wide.reset_index()


def format_agreement(agreement: pd.DataFrame, seeds: list[int], structures: list[str]) -> str:
    columns = [f"seed_{s}" for s in seeds]
    lines = [f"Across root seeds {', '.join(map(str, seeds))} (verdict under each):"]
    for row in agreement.itertuples(index=False):
        verdicts = " | ".join(str(getattr(row, c)) for c in columns)
        mark = "agree" if row.agree else "DISAGREE"
        lines.append(f"  {row.label:<40} {row.structure:>22}: {verdicts}  -> {mark}")
    agree = int(agreement["agree"].sum())
    lines.append(f"{agree} of {len(agreement)} conclusions agree across the {len(seeds)} root "
                 "seeds; a conclusion that does not is not yet one.")  # fmt: skip
    return "\n".join(lines)


def parse_seeds(args: argparse.Namespace) -> list[int]:
    """``--seeds 1,2,3`` or ``--seed 1``: the root seeds of a comparison."""
    if not args.seeds:
        return [args.seed]
    seeds = []
    for item in args.seeds.split(","):
        item = item.strip()
        try:
            seeds.append(int(item))
        except ValueError:
            raise SpecError("--seeds", item, "not a whole number") from None
    if len(set(seeds)) != len(seeds):
        raise SpecError("--seeds", args.seeds, "a root seed is given twice")
    return seeds


def cmd_compare(args: argparse.Namespace) -> int:
    structures = [s.strip() for s in args.structures.split(",") if s.strip()]
    if len(structures) < 2:
        raise SpecError("--structures", "", "name at least two structures, comma-separated")
    out = Path(args.out) if args.out else None
    text = compare(
        args.scenario, structures, args.replications, parse_seeds(args), out, args.workers,
        parse_sets(args.set),
    )  # fmt: skip
    print(text)
    if out is not None:
        print(f"wrote runs.csv, issues.csv, comparison.csv, comparison.txt, compare.json"
              f"{', indicators.csv' if (out / 'indicators.csv').exists() else ''} and figures/ "
              f"to {out}/ (sim report {out} makes the HTML appraisal)")  # fmt: skip
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The headline comparison: employer closure and truancy, five-element against pilot."""
    for name in ("employer_closure", "truancy"):
        out = Path(args.out) / name
        print(compare(str(SCENARIO_DIR / f"{name}.yaml"), list(SHIPPED_STRUCTURES),
                      args.replications, [args.seed], out, args.workers, {}))  # fmt: skip
        print(f"(tables and figures in {out}/)\n")
    return 0


def _run_sweep(args: argparse.Namespace, spec) -> tuple[Path, int]:
    """Run (or finish) a sweep; returns the folder and an exit code (0 done, 130 interrupted)."""
    from concurrent.futures.process import BrokenProcessPool

    from sim.experiment.sweep import sweep

    out = Path(args.out) if args.out else Path("out") / spec.name
    executor = "dask" if args.scheduler else args.executor
    try:
        report = sweep(
            spec,
            out,
            executor=executor,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet,
            limit=args.limit,
        )
    except KeyboardInterrupt:
        stored = len(ResultStore(out).done_keys())
        print(f"interrupted: {stored} runs stored in {out}/; run the same command again to "
              "finish the rest", file=sys.stderr)  # fmt: skip
        return out, 130
    except BrokenProcessPool:
        stored = len(ResultStore(out).done_keys())
        print(f"error: a worker process died; {stored} runs stored in {out}/; run the same "
              "command again to finish the rest", file=sys.stderr)  # fmt: skip
        return out, 1
    rate = report.ran / report.seconds if report.seconds > 0 else 0.0
    print(f"{spec.name}: {report.already + report.ran} of {report.total} runs stored in {out}/ "
          f"({report.ran} new in {report.seconds:.1f} s, {rate:.1f} runs/s; "
          f"{report.already} already there; {report.failed} failed)")  # fmt: skip
    if report.failed:
        errors = ResultStore(out).read().query("error != ''")["error"].unique()[:3]
        for error in errors:
            print(f"  failed run: {error}")
    return out, 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.analysis.checks import evaluate, load_checks
    from sim.spec.experiment import load_experiment

    spec = load_experiment(args.experiment)
    checks = load_checks(args.check) if args.check else None
    out, code = _run_sweep(args, spec)
    if code or checks is None:
        return code
    results = evaluate(checks, ResultStore(out).read())
    for _, line in results:
        print(line)
    failed = [line for passed, line in results if not passed]
    if failed:
        print(f"{len(failed)} of {len(results)} checks failed ({args.check})", file=sys.stderr)
        return 1
    print(f"all {len(results)} checks passed")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    store = ResultStore(Path(args.folder))
    manifest = store.manifest()
    stored = len(store.done_keys())
    print(
        f"experiment '{manifest['experiment']}' ({manifest['digest']}): "
        f"{stored} of {manifest['runs']} runs stored in {len(store.files())} parts"
        + ("" if stored >= manifest["runs"] else " (unfinished: run the sweep again to finish)")
    )
    wanted = ("named_weeks_to_decision", "issues_delivered", "member_attendance_rate",
              "member_hours")  # fmt: skip
    table = store.summary(wanted)
    if table.empty:
        return 0
    print("per design point means, smallest / median / largest over the points:")
    print(table.to_string(index=False))
    print(f"\nquery it yourself: duckdb.sql(\"SELECT * FROM read_parquet('{store.glob()}', "
          "union_by_name = true)\")")  # fmt: skip
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.analysis.sensitivity import plot_sensitivity, sensitivity
    from sim.spec.experiment import load_experiment

    spec = load_experiment(args.experiment)
    out, code = _run_sweep(args, spec)
    if code:
        return code
    runs = ResultStore(out).read()
    indicators = [args.indicator] if args.indicator else (spec.outputs or ["issues_delivered"])
    for indicator in indicators:
        for (scenario, structure), rows in runs.groupby(["scenario_file", "structure_file"]):
            table = sensitivity(spec, rows, indicator)
            title = f"{indicator}: {scenario} under {structure} ({spec.design.kind})"
            print(f"\n{title}; 95% confidence intervals")
            print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
            stem = f"sensitivity_{indicator}_{Path(scenario).stem}_{Path(structure).stem}"
            table.to_csv(out / f"{stem}.csv", index=False)
            plot_sensitivity(table, title, out / f"{stem}.png")
    print(f"\ntables and plots in {out}/")
    return 0


def cmd_diagram(args: argparse.Namespace) -> int:
    from sim.analysis.diagram import draw_structure

    spec = load_structure(args.structure)
    out = Path(args.out) if args.out else Path(f"{spec.name}.png")
    if out.suffix not in (".png", ".svg"):
        raise SpecError("--out", str(out), "give a .png or .svg file")
    draw_structure(spec, out)
    print(f"wrote {out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from sim.analysis.report import write_report

    folder = Path(args.folder)
    out = Path(args.out) if args.out else folder / "report.html"
    write_report(folder, out)
    print(f"wrote {out}")
    return 0


def cmd_gcm(args: argparse.Namespace) -> int:
    """The Garbage Can Model's variants, run by the engine: one row per variant."""
    from sim.analysis.gcm import validation_markdown
    from sim.experiment.gcm import DEFAULT_DESIGN, run_gcm

    design = args.design or DEFAULT_DESIGN
    if args.replications is not None and args.replications < 1:
        raise SpecError("--replications", "", f"must be at least 1, got {args.replications}")
    random_entry = args.random_entry or bool(args.validation)
    reps = args.replications or (100 if random_entry else 1)
    result = run_gcm(design, reps, random_entry, seed=args.seed, workers=args.workers)
    runs = len(result.runs)
    entry = "random entry" if random_entry else "fixed entry"
    print(
        f"{len(result.variants)} variants x {reps} replications ({entry}): {runs} runs in "
        f"{result.seconds:.1f} s on {result.workers} worker(s)"
    )
    table = result.variants
    shown = table.drop(columns=["variant", "replications", "problems_tracked"])
    with pd.option_context(
        "display.width",
        250,
        "display.max_columns",
        40,
        "display.max_rows",
        500,
        "display.float_format",
        "{:.2f}".format,
    ):
        print(shown.to_string(index=False))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        table.to_csv(out / "variants.csv", index=False)
        result.runs.to_parquet(out / "runs.parquet", index=False)
        result.choices.to_parquet(out / "choices.parquet", index=False)
        result.problems.to_parquet(out / "problems.parquet", index=False)
        print(f"wrote variants.csv, runs.parquet, choices.parquet, problems.parquet to {out}/")
    if args.validation:
        fixed = run_gcm(design, 1, False, seed=args.seed, workers=args.workers)
        command = f"sim gcm --validation {args.validation} --replications {reps}"
        page = validation_markdown(fixed, result, command)
        Path(args.validation).write_text(page, encoding="utf-8")
        print(f"wrote {args.validation}")
    return 0


def cmd_indicators(args: argparse.Namespace) -> int:
    from sim.analysis.indicators import indicators_markdown

    print(indicators_markdown(), end="")
    return 0


def cmd_parameters(args: argparse.Namespace) -> int:
    print(parameters_markdown(), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim", description="Simulate local partnership structures (Gloucester, 2007-2010)."
    )
    parser.add_argument("--version", action="version", version=f"sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_run_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("scenario", help="scenario YAML file")
        p.add_argument(
            "--structure",
            help="five_element, pilot, or a YAML path (default: the scenario's first "
            "'structures' entry, else five_element)",
        )
        p.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="override a parameter (repeatable); see docs/parameters.md",
        )

    p = sub.add_parser("run", help="one run: print a summary, write tables")
    add_run_args(p)
    p.add_argument("--out", help="folder for the tables (issues, meetings, series, ...)")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("trace", help="print issues' pathways as timelines")
    add_run_args(p)
    p.add_argument("--issue", help="one issue id (default: the scenario's named issues)")
    p.add_argument("--all", action="store_true", help="every issue, streams included")
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("validate", help="check structure and scenario files")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)

    def add_sweep_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("experiment", help="experiment YAML file (scenarios/experiments/)")
        p.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes")
        p.add_argument("--workers", type=int, default=None, help="default: all cores")
        p.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786)")
        p.add_argument("--out", help="results folder (default out/EXPERIMENT)")
        p.add_argument("--limit", type=int, help="run at most this many of the missing runs")
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("sweep", help="run a declared experiment into a resumable Parquet store")
    add_sweep_args(p)
    p.add_argument("--check", help="checks YAML: fail (exit 1) when an expectation breaks")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("results", help="what a sweep's results folder holds")
    p.add_argument("folder")
    p.set_defaults(func=cmd_results)

    p = sub.add_parser("sensitivity", help="Morris or Sobol indices of an experiment")
    add_sweep_args(p)
    p.add_argument("--indicator", help="default: the experiment's outputs")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("diagram", help="draw a structure: bodies by function, reporting lines")
    p.add_argument("structure", help="five_element, pilot, county_scs_chapters, or a YAML path")
    p.add_argument("--out", help="FILE.png or FILE.svg (default STRUCTURE.png)")
    p.set_defaults(func=cmd_diagram)

    p = sub.add_parser("report", help="an HTML option appraisal of compare or sweep results")
    p.add_argument("folder", help="a folder written by sim compare --out or sim sweep")
    p.add_argument("--out", help="HTML file (default FOLDER/report.html)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("gcm", help="the Garbage Can Model's 81 variants, run by the engine")
    p.add_argument("design", nargs="?", help="design YAML (default scenarios/gcm/design.yaml)")
    p.add_argument(
        "--replications", type=int, help="runs per variant (default 1; 100 with --random-entry)"
    )
    p.add_argument(
        "--random-entry",
        action="store_true",
        help="deal entry periods out afresh in each replication",
    )
    p.add_argument("--seed", type=int, default=0, help="root seed of the replications")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--out", help="folder for variants.csv and the runs, choices and problems")
    p.add_argument(
        "--validation",
        metavar="FILE",
        help="also run fixed entry and write the validation page (docs/validation.md)",
    )
    p.set_defaults(func=cmd_gcm)

    p = sub.add_parser("indicators", help="print the evaluation indicators and their definitions")
    p.set_defaults(func=cmd_indicators)

    p = sub.add_parser("parameters", help="print the named assumptions and their defaults")
    p.set_defaults(func=cmd_parameters)

    p = sub.add_parser("compare", help="paired replications under several structures")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--structures", default="five_element,pilot", help="comma-separated")
    p.add_argument("--replications", type=int, default=30)
    p.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    p.add_argument("--seeds", help="several root seeds, comma-separated: do the conclusions agree?")
    p.add_argument("--out", help="folder for runs.csv, comparison.csv and figures/")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("demo", help="the headline comparison: employer closure and truancy")
    p.add_argument("--replications", type=int, default=40)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="out/demo")
    p.add_argument("--workers", type=int, default=None)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SpecError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head, say
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        return 0
    except OSError as exc:
        where = exc.filename or ""
        print(f"error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
