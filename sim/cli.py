"""The ``sim`` command: parses the command line and prints; the work is done below it.

Every user error (a missing file, YAML that does not parse, an unknown body,
a bad parameter) is printed as one line ``error: FILE: FIELD: MESSAGE`` and
exits with code 2; never a traceback.

Start-up is kept short: this module imports nothing heavy, and each command imports what it
needs (mesa, pandas, numpy, matplotlib, scipy) when it runs.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from sim import __version__
from sim.errors import SpecError
from sim.paths import folder_lock, inside

if TYPE_CHECKING:
    import pandas as pd

    from sim.model import RunResult
    from sim.spec import ScenarioSpec
    from sim.spec.experiment import ExperimentSpec


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


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line: ``error: OPTION: MESSAGE`` (exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        message = " ".join(message.split())
        match = re.match(r"argument ([^:]+): (.*)", message)
        where, text = (match[1].split("/")[-1], match[2]) if match else (self.prog, message)
        self.exit(2, f"error: {where}: {text} (see {self.prog} --help)\n")


def whole(low: int, high: int):
    """An argparse ``type``: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low:,}, got {value:,}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:,}, got {value:,}")
        return value

    return parse


MAX_RUNS = 5_000_000  # as sim.spec.limits (not imported here: start-up stays short)
SEED = whole(0, 2**63 - 1)
WORKERS = whole(1, 1024)
REPLICATIONS = whole(1, 1_000_000)
LIMIT = whole(0, MAX_RUNS)


def parse_sets(values: Sequence[str]) -> dict[str, float]:
    """``--set name=value`` pairs as validated parameter overrides (each name once, each
    value a finite number in the parameter's valid range)."""
    from sim.spec.parameters import PARAMETER_NAMES, check_parameters

    out: dict[str, float] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep:
            raise SpecError("--set", item, "expected NAME=VALUE")
        if name not in PARAMETER_NAMES:
            raise SpecError("--set", name, "unknown parameter (see docs/parameters.md)")
        if name in out:
            raise SpecError("--set", name, "given twice")
        try:
            out[name] = float(raw)
        except ValueError:
            raise SpecError("--set", name, f"'{raw}' is not a number") from None
        if not math.isfinite(out[name]):
            raise SpecError("--set", name, f"'{raw.strip()}' is not a finite number")
    try:
        check_parameters(out)
    except ValueError as exc:
        raise SpecError("--set", "", str(exc)) from None
    return out


def format_summary(summary: pd.Series) -> str:
    """A run's summary as aligned lines: label, value."""
    lines = []
    for label, key, fmt in SUMMARY_LINES:
        if key is None:
            value = f"{summary['special_meetings']:.0f} / {summary['on_demand_meetings']:.0f}"
        else:
            v = summary[key]
            value = "n/a" if isinstance(v, float) and math.isnan(v) else fmt.format(v)
        lines.append(f"  {label:<28} {value:>10}")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    from sim.model import run_once
    from sim.spec import load_scenario, load_structure

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


def _structure_for(given: str | None, scenario: ScenarioSpec) -> str:
    """The structure asked for, else the one the scenario is written for, else five_element."""
    return given or (scenario.structures[0] if scenario.structures else "five_element")


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every file given (structure, scenario, experiment, checks or garbage-can design);
    report each on one line."""
    from sim.spec.files import validate_file

    failed = 0
    for file in args.files:
        try:
            print(f"ok  {file}: {validate_file(file)}")
        except SpecError as exc:
            failed += 1
            print(f"error: {exc.one_line()}", file=sys.stderr)
    return 2 if failed else 0


def cmd_trace(args: argparse.Namespace) -> int:
    from sim.model import run_once
    from sim.spec import load_scenario, load_structure

    scenario = load_scenario(args.scenario)
    structure = load_structure(_structure_for(args.structure, scenario))
    result = run_once(structure, scenario, seed=args.seed, parameters=parse_sets(args.set))
    called = structure.names_by_id(scenario.bodies)
    scopes = {*structure.routing, *(p.district for p in structure.partners if p.district)}
    called |= {s: s.replace("_", " ").title().replace(" Of ", " of ") for s in scopes
               if s not in called}  # a district's scope by its name  # fmt: skip
    print(format_trace(result, args.issue, args.all, called))
    return 0


def format_trace(result: RunResult, issue_id: str | None, show_all: bool,
                 called: dict[str, str] | None = None) -> str:  # fmt: skip
    """A readable timeline of each issue's pathway (named issues unless ``show_all``), bodies
    and partners by their display names (``called``: id -> name); a step taken at a special
    meeting ends "(special meeting)"."""
    from sim.analysis.pathway import meeting_kinds

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
    kinds = meeting_kinds(result)
    for iid in chosen:
        _trace_lines(result, iid, "", lines, kinds, called or {})
        lines.append("")
    return "\n".join(lines).rstrip()


def _trace_lines(result: RunResult, iid: str, indent: str, lines: list[str],
                 kinds: dict[tuple[str, float], str], called: dict[str, str]) -> None:  # fmt: skip
    """One issue's timeline, then each of its strands (steps asked of several bodies); a step
    taken at a special meeting says so (``kinds``: each meeting's kind by body and time)."""
    from sim.spec.structure import in_words

    issues = result.issues
    row = issues[issues["issue_id"] == iid].iloc[0]
    head = f"{iid}: {row['title']}  [{row['scope']}, {row['theme']}, {row['kind']}]"
    lines.append(indent + in_words(head, called))
    steps = result.history[result.history["issue_id"] == iid]
    width = max([38, *(len(called.get(b, b) or "") + 1 for b in set(steps["body"]))])
    for h in steps.itertuples():
        to = f" -> {called.get(h.to_body, h.to_body)}" if h.to_body and h.to_body != h.body else ""
        note = f"  ({in_words(h.note, called)})" if h.note else ""
        who = called.get(h.body, h.body) or "(arrives)"
        special = "  (special meeting)" if kinds.get((h.body, float(h.time))) == "special" else ""
        lines.append(f"{indent}  week {h.time:6.1f}  {who:<{width}} {h.action:<15}{to}{note}"
                     f"{special}")  # fmt: skip
    lines.append(f"{indent}  now: {row['stage']}")
    for strand in issues[issues["parent"] == iid]["issue_id"]:
        _trace_lines(result, strand, indent + "    ", lines, kinds, called)


def parse_seeds(args: argparse.Namespace) -> list[int]:
    """``--seeds 1,2,3`` or ``--seed 1``: the root seeds of a comparison."""
    if not args.seeds:
        return [args.seed]
    seeds = []
    for item in args.seeds.split(","):
        item = item.strip()
        try:
            seeds.append(SEED(item))
        except argparse.ArgumentTypeError as exc:
            raise SpecError("--seeds", item, str(exc)) from None
    if len(set(seeds)) != len(seeds):
        raise SpecError("--seeds", args.seeds, "a root seed is given twice")
    return seeds


def run_settings(args: argparse.Namespace):
    """Where a command's runs go, from its flags (``--executor``, ``--workers``,
    ``--scheduler``, ``--quiet``, ``--limit``, as far as it has them): one
    :class:`~sim.experiment.paired.RunSettings` passed down to the runs. A scheduler
    address means Dask."""
    from sim.experiment.paired import RunSettings

    scheduler = getattr(args, "scheduler", None)
    return RunSettings(
        executor="dask" if scheduler else getattr(args, "executor", "processes"),
        workers=getattr(args, "workers", None),
        scheduler=scheduler,
        progress=not getattr(args, "quiet", False),
        limit=getattr(args, "limit", None),
    )


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.analysis.compare import comparison_of, draw_figures
    from sim.experiment.compare import comparison_runs

    structures = [s.strip() for s in args.structures.split(",") if s.strip()]
    if len(structures) < 2:
        raise SpecError("--structures", "", "name at least two structures, comma-separated")
    twice = next((s for i, s in enumerate(structures) if s in structures[:i]), None)
    if twice is not None:
        raise SpecError("--structures", twice, "named twice")
    out = Path(args.out) if args.out else None
    seeds, parameters = parse_seeds(args), parse_sets(args.set)
    runs = args.replications * len(structures) * len(seeds)
    if runs > MAX_RUNS:
        raise SpecError("--replications", str(args.replications), f"{runs:,} runs (replications "
                        f"x structures x seeds); the most is {MAX_RUNS:,}")  # fmt: skip
    paired = comparison_runs(args.scenario, structures, args.replications, seeds, parameters)
    with folder_lock(out, "compare") if out is not None else nullcontext():
        comparison = comparison_of(paired, paired.run(run_settings(args)))
        if out is not None:  # compare.json last: a folder without it is unfinished
            comparison.write(out, lambda figures: draw_figures(comparison, figures))
    print(comparison.text)
    if out is not None:
        print(f"wrote runs.csv, issues.csv, comparison.csv, comparison.txt, compare.json"
              f"{', indicators.csv' if (out / 'indicators.csv').exists() else ''} and figures/ "
              f"to {out}/ (sim report {out} makes the HTML appraisal)")  # fmt: skip
    return 0


OPTIONS = "five_element,do_minimum,pilot"  # sim.spec.files.SHIPPED_STRUCTURES, without its imports
OPTIONS_SAID = f"{OPTIONS}: business as usual, the do-minimum and the preferred option"


def cmd_demo(args: argparse.Namespace) -> int:
    """The headline comparison: employer closure and truancy, business as usual (five-element),
    the do-minimum (its stricter rules alone) and the preferred option (the pilot)."""
    from sim.analysis.compare import comparison_of, draw_figures
    from sim.analysis.report import write_report
    from sim.experiment.compare import comparison_runs
    from sim.spec.files import SHIPPED_STRUCTURES
    from sim.spec.loading import SCENARIO_DIR, WORKED_EXAMPLES_DIR

    names = ("employer_closure", "truancy")
    settings = run_settings(args)
    paired = {name: comparison_runs(str(SCENARIO_DIR / f"{name}.yaml"), list(SHIPPED_STRUCTURES),
                                    args.replications, [args.seed]) for name in names}  # fmt: skip
    with settings.make(sum(len(p) for p in paired.values())) as executor:  # one pool for both
        for name in names:
            out = inside(args.out, name)
            with folder_lock(out, "demo"):
                comparison = comparison_of(paired[name], paired[name].run(settings, executor))
                comparison.write(out, lambda figures, c=comparison: draw_figures(c, figures))
                robust = WORKED_EXAMPLES_DIR / name
                robust = robust if (robust / "meta.json").is_file() else None
                report = write_report(out, out / "report.html", robustness=robust)
            print(comparison.text)
            if robust is None:
                print(f"note: this installation has no robustness run of {name}: the report's "
                      "verdicts hold at the default assumptions only (make robustness-docs "
                      "in a checkout makes them)")  # fmt: skip
            print(f"(tables and figures in {out}/; the board's appraisal: {report}, its "
                  f"verdicts qualified by the robustness run in {robust})\n"
                  if robust else f"(tables and figures in {out}/; the board's appraisal: "
                  f"{report})\n")  # fmt: skip
    return 0


def _run_sweep(args: argparse.Namespace, spec: ExperimentSpec) -> tuple[Path, int]:
    """Run (or finish) a sweep; returns the folder and an exit code (0 done, 130 interrupted)."""
    from concurrent.futures.process import BrokenProcessPool

    from sim.experiment.store import ResultStore
    from sim.experiment.sweep import sweep

    out = Path(args.out) if args.out else inside("out", spec.name)
    try:
        report = sweep(spec, out, run_settings(args))
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
        for error in ResultStore(out).first_errors(3):
            print(f"  failed run: {error}")
    return out, 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.spec.checks import load_checks
    from sim.spec.experiment import load_experiment

    spec = load_experiment(args.experiment)
    checks = load_checks(args.check) if args.check else None
    if checks is not None:  # a check that cannot be judged fails now, not after the runs
        from sim.spec.checks import check_against
        from sim.spec.loading import resolve

        check_against(checks, spec, str(resolve("checks", args.check)))
    out, code = _run_sweep(args, spec)
    if code:
        return code
    _print_sweep_summaries(out)
    if checks is None:
        return 0
    from sim.analysis.checks import evaluate
    from sim.experiment.store import ResultStore

    results = evaluate(checks, ResultStore(out).read())
    for _, line in results:
        print(line)
    failed = [line for passed, line in results if not passed]
    if failed:
        print(f"{len(failed)} of {len(results)} checks failed ({args.check})", file=sys.stderr)
        return 1
    print(f"all {len(results)} checks passed")
    return 0


def _print_sweep_summaries(folder: Path) -> None:
    """Each scenario's paired differences across the design points (a regression on the swept
    parameters), when the sweep compares structures."""
    from sim.analysis.sweeps import summaries

    for text in summaries(folder):
        print(f"\n{text}")


def cmd_results(args: argparse.Namespace) -> int:
    from sim.experiment.robustness import PHASES
    from sim.experiment.store import ResultStore

    folder = Path(args.folder)
    phases = [p for p in PHASES if (folder / p / "experiment.json").exists()]
    if phases and not (folder / "experiment.json").exists():
        stores = ", ".join(f"{p}/" for p in phases)
        shown = "lhs" if "lhs" in phases else phases[-1]
        raise SpecError(str(folder), "", f"a sim robustness folder: its runs are in the stores "
                        f"{stores} (sim results {folder / shown})")  # fmt: skip
    store = ResultStore(folder, warn=False)  # damaged parts are listed below
    manifest = store.manifest()
    stored = len(store.done_keys())
    robustness = str(manifest["experiment"]).startswith("robustness-")
    command = "sim robustness" if robustness else "sim sweep"
    print(
        f"experiment '{manifest['experiment']}' ({manifest['digest']}): {stored} of "
        f"{manifest['runs']} runs stored in {len(store.files()) - len(store.damaged)} parts"
        + ("" if stored >= manifest["runs"] else f" (unfinished: run the same {command} again "
           "to finish)")
    )  # fmt: skip
    for path, reason in store.damaged.items():
        runs = store.runs_in(path)
        held = "the runs it held" if runs is None else f"its {runs:,} runs"
        print(f"  {path.name} is {reason}; the next {command} into this folder sets it aside "
              f"as quarantine/{store.quarantined_as(path).name} and runs {held} again")  # fmt: skip
    if store.quarantine.is_dir() and (earlier := sorted(store.quarantine.iterdir())):
        names = ", ".join(p.name for p in earlier[:3]) + (", ..." if len(earlier) > 3 else "")
        print(f"  quarantine/ holds {len(earlier)} file(s) set aside earlier, never read "
              f"({names}); their runs were run again, or are among the missing")  # fmt: skip
    wanted = ("named_weeks_to_decision", "issues_delivered", "member_attendance_rate",
              "member_hours")  # fmt: skip
    table = store.summary(wanted)
    if table.empty:
        return 0
    print("per design point means, smallest / median / largest over the points:")
    print(table.to_string(index=False))
    if not robustness:
        _print_sweep_summaries(folder)
    print(f"\nquery it yourself: duckdb.sql(\"SELECT * FROM read_parquet('{store.glob()}', "
          "union_by_name = true)\")")  # fmt: skip
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.spec.experiment import check_outputs, load_experiment

    spec = load_experiment(args.experiment)
    if spec.design.kind not in ("morris", "sobol"):  # found before the runs, not after
        raise SpecError(spec.source, "design.kind",
                        f"sensitivity needs morris or sobol, not {spec.design.kind}")  # fmt: skip
    indicators = [args.indicator] if args.indicator else (spec.outputs or ["issues_delivered"])
    check_outputs(spec, indicators, "--indicator", args.indicator or "")
    out, code = _run_sweep(args, spec)
    if code:
        return code
    from sim.analysis.sensitivity import write_sensitivity
    from sim.experiment.store import ResultStore

    for line in write_sensitivity(spec, ResultStore(out).read(), indicators, out):
        print(line)
    print(f"\ntables and plots in {out}/")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """A design search: the space is read and every design in it checked before the first
    run; the output folder is held for this command alone; an interrupted search resumes."""
    from concurrent.futures.process import BrokenProcessPool

    from sim.analysis.search import write_outputs
    from sim.experiment.paired import RunSettings
    from sim.experiment.search import Stopped, check_objectives, run_search
    from sim.spec import load_scenario, load_structure
    from sim.spec.design import load_design_space
    from sim.spec.loading import resolve
    from sim.spec.scenario import check_scenario_against

    space = load_design_space(args.space)
    check_objectives(space)
    resolve_scenario = str(resolve("scenario", args.scenario or space.scenario).resolve())
    scenario = load_scenario(resolve_scenario)
    for name in [space.base, *space.compare_with]:
        check_scenario_against(scenario, load_structure(name))
    out = (
        Path(args.out)
        if args.out
        else inside("out", f"search_{space.name}_{Path(resolve_scenario).stem}")
    )
    settings = RunSettings("dask" if args.scheduler else args.executor, args.workers,
                           args.scheduler, not args.quiet, args.limit)  # fmt: skip
    with folder_lock(out, "design search"):
        try:
            result = run_search(space, out, resolve_scenario, args.size, settings)
        except Stopped as exc:
            print(f"{exc}; finished runs are stored in {out}/", file=sys.stderr)
            return 3
        except KeyboardInterrupt:
            print(f"interrupted: finished runs are stored in {out}/; run the same command "
                  "again to go on (the search replays what is stored)",
                  file=sys.stderr)  # fmt: skip
            return 130
        except BrokenProcessPool:
            print(f"error: a worker process died; finished runs are stored in {out}/; run the "
                  "same command again to go on", file=sys.stderr)  # fmt: skip
            return 1
        designs, text = write_outputs(result)
        failures = None
        if args.check:
            from sim.analysis.search import check_search

            quiet = RunSettings(settings.executor, settings.workers, settings.scheduler, False)
            again = run_search(space, out, resolve_scenario, args.size, quiet)
            failures = check_search(result, designs, again)
    print(text)
    print(f"\n{result.runs} runs made now, {result.stored} stored, {result.seconds:.0f} s; "
          f"structure files in {out}/designs/, the page in {out}/search.html")  # fmt: skip
    if failures:
        for failure in failures:
            print(f"check failed: {failure}", file=sys.stderr)
        return 1
    if failures is not None:
        print("checks passed: every design file loads and is its design; the set keeps the "
              "constraints; every generation is recorded; a second run makes no run and finds "
              "the same set")  # fmt: skip
    if args.report:
        if args.report > len(designs):
            raise SpecError("--report", str(args.report), f"the set has {len(designs)} designs")
        chosen = out / designs[args.report - 1].file
        folder = out / f"design-{args.report:02d}"
        options = [space.base, str(chosen), *space.compare_with]
        code = main(["compare", resolve_scenario, "--structures", ",".join(options),
                     "--replications", str(args.replications), "--out", str(folder),
                     *(["--workers", str(args.workers)] if args.workers else [])])  # fmt: skip
        if code:
            return code
        return main(["report", str(folder)])
    return 0


def cmd_robustness(args: argparse.Namespace) -> int:
    """A robustness analysis: where each declared conclusion holds across the assumptions.
    Every file it reads, and ``--check`` and ``--docs``, are checked before the first run;
    the output folder is held for this command alone."""
    from concurrent.futures.process import BrokenProcessPool

    from sim.analysis.robustness import (
        SIZES,
        check_expectations,
        check_page,
        declared_claims,
        run_robustness,
        update_page,
        write_robustness,
    )
    from sim.experiment.robustness import Plan, cached_scenario

    structures = [s.strip() for s in args.structures.split(",") if s.strip()]
    if len(structures) < 2:
        raise SpecError("--structures", args.structures, "give two or more, comma-separated")
    for name in structures:
        if structures.count(name) > 1:
            raise SpecError("--structures", name, "named twice")
    sizes = dict(SIZES[args.size])
    if args.replications is not None:
        sizes["replications"] = args.replications
    plan = Plan(args.scenario, structures, seed=args.seed, alternatives=args.alternatives,
                patterns=args.patterns, conclusions=args.conclusions, **sizes)  # fmt: skip
    scenario = cached_scenario(plan.scenario_path)
    declared_claims(plan, scenario)  # a bad conclusions file costs no run
    checks = None
    if args.check:  # read and judged before any run, so a bad file costs nothing
        from sim.spec.robustness import load_robustness_checks, shipped_or_path

        checks = load_robustness_checks(args.check)
        file = str(shipped_or_path("robustness", args.check))
        check_expectations(checks, plan, scenario, file)
    if args.docs:
        check_page(args.docs, plan.scenario_name)
    out = Path(args.out) if args.out else inside("out", f"robustness_{plan.scenario_name}")
    with folder_lock(out, "robustness run"):
        try:
            result = run_robustness(plan, out, run_settings(args))
        except KeyboardInterrupt:
            print(f"interrupted: finished runs are stored in {out}/; run the same command "
                  "again to finish the rest", file=sys.stderr)  # fmt: skip
            return 130
        except BrokenProcessPool:
            print(f"error: a worker process died; finished runs are stored in {out}/; run the "
                  "same command again to finish the rest", file=sys.stderr)  # fmt: skip
            return 1
        write_robustness(result, out, plan)
        print((out / "conclusions.md").read_text(encoding="utf-8"))
        if args.docs:
            update_page(args.docs, out, plan.alternatives_path, plan.patterns_path)
            print(f"updated {args.docs}")
    print(f"tables, figures and conclusions.md in {out}/")
    if checks is not None:
        from sim.analysis.robustness import check_verdicts

        results = check_verdicts(result.table, checks, args.check)
        for _, line in results:
            print(line)
        if not all(ok for ok, _ in results):
            print("error: a robustness check failed", file=sys.stderr)
            return 1
    return 0


def cmd_diagram(args: argparse.Namespace) -> int:
    from sim.analysis.diagram import draw_structure
    from sim.analysis.palette import structure_colours
    from sim.spec import load_structure

    spec = load_structure(args.structure)
    out = Path(args.out) if args.out else inside(".", f"{spec.name}.png")
    if out.suffix.lower() not in (".png", ".svg"):
        raise SpecError("--out", str(out), "give a .png or .svg file")
    draw_structure(spec, out, structure_colours([spec.name])[spec.name])
    print(f"wrote {out}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """The browser app: try options without YAML (Solara is imported by the server only)."""
    from sim.app.serve import serve

    executor = "dask" if args.scheduler else args.executor
    return serve(args.host, args.port, args.open, executor, args.workers, args.scheduler)


def cmd_report(args: argparse.Namespace) -> int:
    from sim.analysis.report import write_report

    folder = Path(args.folder)
    out = Path(args.out) if args.out else folder / "report.html"
    robustness = Path(args.robustness) if args.robustness else None
    write_report(folder, out, progress=True, robustness=robustness)
    print(f"wrote {out}")
    return 0


def cmd_gcm(args: argparse.Namespace) -> int:
    """The Garbage Can Model's variants, run by the engine: one row per variant."""
    import pandas as pd

    from sim.analysis.gcm import validation_markdown
    from sim.experiment.gcm import DEFAULT_DESIGN, run_gcm

    design = args.design or DEFAULT_DESIGN
    if args.replications is not None and args.replications < 1:
        raise SpecError("--replications", "", f"must be at least 1, got {args.replications}")
    random_entry = args.random_entry or bool(args.validation)
    reps = args.replications or (100 if random_entry else 1)
    if args.validation:  # the page is written after the runs: its folder must be there now
        folder = Path(args.validation).parent
        if not folder.is_dir() or Path(args.validation).is_dir():
            raise SpecError("--validation", args.validation, "no folder to write this file in")
    from sim.spec.gcm import load_gcm_design, variant_count

    count = variant_count(load_gcm_design(design))
    if count * reps > MAX_RUNS:
        raise SpecError(
            "--replications",
            str(reps),
            f"{count} variants x {reps:,} "
            f"replications is {count * reps:,} runs; the most is {MAX_RUNS:,}",
        )
    settings = run_settings(args)
    result = run_gcm(design, reps, random_entry, seed=args.seed, settings=settings)
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
        print(f"wrote {', '.join(result.write(out))} to {out}/")
    if args.validation:
        fixed = run_gcm(design, 1, False, seed=args.seed, settings=settings)
        command = f"sim gcm --validation {args.validation} --replications {reps}"
        page = validation_markdown(fixed, result, command)
        Path(args.validation).write_text(page, encoding="utf-8")
        print(f"wrote {args.validation}")
    return 0


def cmd_indicators(args: argparse.Namespace) -> int:
    from sim.model.indicators import indicators_markdown

    print(indicators_markdown(), end="")
    return 0


def cmd_parameters(args: argparse.Namespace) -> int:
    from sim.spec.parameters import parameters_markdown

    print(parameters_markdown(), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="sim", description="Simulate local partnership structures (Gloucester, 2007-2010)."
    )
    parser.add_argument("--version", action="version", version=f"sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_replications(p: argparse.ArgumentParser, default: int) -> None:
        p.add_argument("--replications", type=REPLICATIONS, default=default,
                       help=f"paired replications per structure (default {default})")  # fmt: skip

    def add_run_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("scenario", help="scenario YAML file")
        p.add_argument(
            "--structure",
            help="five_element, pilot, or a YAML path (default: the scenario's first "
            "'structures' entry, else five_element)",
        )
        p.add_argument("--seed", type=SEED, default=1, help="root seed (default 1)")
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
    p.add_argument(
        "--format", choices=["csv", "parquet"], default="csv", help="table format (default csv)"
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("trace", help="print issues' pathways as timelines")
    add_run_args(p)
    p.add_argument("--issue", help="one issue id (default: the scenario's named issues)")
    p.add_argument("--all", action="store_true", help="every issue, streams included")
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("validate", help="check structure and scenario files")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)

    def add_executor_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--executor", choices=["serial", "processes", "dask"],
                       default="processes",
                       help="where the runs go (default processes)")  # fmt: skip
        p.add_argument("--workers", type=WORKERS, default=None, help="default: all cores")
        p.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786)")

    def add_sweep_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("experiment", help="experiment YAML file (scenarios/experiments/)")
        add_executor_args(p)
        p.add_argument("--out", help="results folder (default out/EXPERIMENT)")
        p.add_argument("--limit", type=LIMIT, help="run at most this many of the missing runs")
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

    p = sub.add_parser("robustness", help="where each conclusion holds across the assumptions")
    p.add_argument("scenario", help="a shipped scenario with declared conclusions "
                   "(employer_closure, ...), or a path (a '/' or ending in .yaml)")  # fmt: skip
    p.add_argument("--structures", default=OPTIONS, help="two or more, comma-separated; the "
                   f"first is the baseline (default {OPTIONS_SAID})")  # fmt: skip
    p.add_argument("--size", choices=["small", "full"], default="full",
                   help="full: what the docs report (default); small: a quick look (every "
                   "phase, too few points to trust)")  # fmt: skip
    p.add_argument(
        "--replications",
        type=whole(1, 1000),
        help="per point in the first batch, doubled where a claim is undecided (default 4 at "
        "--size full, 2 at small)",
    )
    p.add_argument("--seed", type=SEED, default=1, help="root seed (default 1)")
    add_executor_args(p)
    p.add_argument("--out", help="folder (default out/robustness_SCENARIO)")
    p.add_argument("--docs", help="a Markdown page whose section for the scenario to update")
    p.add_argument("--check", help="verdicts that must hold (YAML): exit 1 when one does not")
    for name, what in (
        ("alternatives", "structural alternatives"),
        ("patterns", "reported patterns"),
        ("conclusions", "declared conclusions"),
    ):
        p.add_argument(f"--{name}", metavar="FILE", default=name,
                       help=f"the {what} (default: the shipped {name}.yaml, whatever the "
                       "working folder holds; a path has a '/' or ends in .yaml)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_robustness)

    p = sub.add_parser("search", help="search a design space for structures worth a board's "
                       "attention (robust, many objectives, checked out of sample)")  # fmt: skip
    p.add_argument("space", help="a design space: gloucester (shipped), or a path")
    p.add_argument("--scenario", help="the scenario searched (default: the space's)")
    p.add_argument("--size", choices=["ci", "full"], default="full",
                   help="full: what the docs report (default); ci: a quick check (few "
                   "generations and points)")  # fmt: skip
    p.add_argument("--report", type=whole(1, 1000), metavar="N",
                   help="also compare design N of the set with business as usual and the "
                   "space's other options, and write its report (an HTML option "
                   "appraisal)")  # fmt: skip
    p.add_argument("--replications", type=REPLICATIONS, default=30,
                   help="paired replications of --report's comparison (default 30)")  # fmt: skip
    add_executor_args(p)
    p.add_argument("--limit", type=LIMIT, help="stop after this many new runs (run again to go on)")
    p.add_argument("--out", help="folder (default out/search_SPACE_SCENARIO)")
    p.add_argument("--check", action="store_true",
                   help="check the result (exit 1 on a failure): what make ci-search "
                   "runs")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "diagram",
        help="draw a structure: every body with its functions, cadence and seats; reporting "
        "lines and standing links (needs Graphviz)",
    )
    p.add_argument("structure", help="five_element, pilot, county_scs_chapters, or a YAML path")
    p.add_argument("--out", help="FILE.png or FILE.svg (default STRUCTURE.png)")
    p.set_defaults(func=cmd_diagram)

    p = sub.add_parser("report", help="an HTML option appraisal of compare or sweep results")
    p.add_argument("folder", help="a folder written by sim compare --out or sim sweep")
    p.add_argument("--out", help="HTML file (default FOLDER/report.html)")
    p.add_argument("--robustness", metavar="DIR",
                   help="a sim robustness folder (e.g. docs/robustness/employer_closure) whose "
                   "conclusions qualify the verdicts")  # fmt: skip
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("gcm", help="the Garbage Can Model's 81 variants, run by the engine")
    p.add_argument("design", nargs="?", help="design YAML (default scenarios/gcm/design.yaml)")
    p.add_argument(
        "--replications",
        type=REPLICATIONS,
        help="runs per variant (default 1; 100 with --random-entry)",
    )
    p.add_argument(
        "--random-entry",
        action="store_true",
        help="deal entry periods out afresh in each replication",
    )
    p.add_argument("--seed", type=SEED, default=0, help="root seed of the replications")
    add_executor_args(p)
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
    p.add_argument(
        "--structures",
        default=OPTIONS,
        help=f"comma-separated; the first is the baseline (default {OPTIONS_SAID})",
    )
    add_replications(p, 30)
    p.add_argument("--seed", type=SEED, default=1, help="root seed (default 1)")
    p.add_argument("--seeds", help="several root seeds, comma-separated: do the conclusions agree?")
    p.add_argument("--out", help="folder for runs.csv, comparison.csv and figures/")
    add_executor_args(p)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("app", help="the browser app: try structure options without YAML")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; "
        "another lets other machines in, and the app has no login)",
    )
    p.add_argument("--port", type=whole(1, 65535), default=8765, help="port (default 8765)")
    p.add_argument("--open", action="store_true", help="open it in the web browser")
    p.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes",
                   help="where the app's runs go (default: a process pool)")  # fmt: skip
    p.add_argument("--workers", type=WORKERS, default=None, help="default: all cores")
    p.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786)")
    p.set_defaults(func=cmd_app)

    p = sub.add_parser("demo", help="the headline comparison: employer closure and truancy")
    add_replications(p, 40)
    p.add_argument("--seed", type=SEED, default=1, help="root seed (default 1)")
    p.add_argument("--out", default="out/demo", help="folder (default out/demo)")
    add_executor_args(p)
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
        from sim.entry import quiet_stdout

        quiet_stdout()  # silence the final flush
        return 0
    except OSError as exc:
        return _os_error(exc)
    except Exception as exc:
        return _worker_error(exc)


def _os_error(exc: OSError) -> int:
    """One line naming what failed: the file, the address, or standard output."""
    from sim.entry import STDOUT, quiet_stdout

    where = exc.filename if exc.filename is not None else None
    text = exc.strerror or str(exc) or type(exc).__name__
    if where == STDOUT:
        quiet_stdout()
        print(f"error: {STDOUT}: {text}", file=sys.stderr)
        return 1
    if where is None:
        print(f"error: {text}", file=sys.stderr)
        return 2
    also = f" -> {exc.filename2}" if exc.filename2 else ""
    print(f"error: {where}{also}: {text}", file=sys.stderr)
    return 2


def _worker_error(exc: Exception) -> int:
    """A worker that died (kill -9, out of memory) or a run that raised where every run is
    needed: one line and exit 1; anything else is a bug and keeps its traceback."""
    from concurrent.futures.process import BrokenProcessPool

    from sim.experiment.executors import RunFailed

    if isinstance(exc, BrokenProcessPool):
        print("error: a worker process died (killed, or out of memory?); nothing of this "
              "command was written; run the same command again", file=sys.stderr)  # fmt: skip
        return 1
    if isinstance(exc, RunFailed):
        print(f"error: a run failed: {exc}", file=sys.stderr)
        return 1
    raise exc


if __name__ == "__main__":
    sys.exit(main())
