"""docs/inputs.md, generated from the spec models: every field of every file kind with its
type and range, the size caps, the name and duplicate rules, the command-line options.

``python -m sim.spec.inputs > docs/inputs.md`` rewrites the page; a test keeps it identical
to the code.
"""

from __future__ import annotations

import types
from enum import Enum
from typing import Annotated, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from sim.spec import limits
from sim.spec.checks import Check, Checks, Difference
from sim.spec.experiment import DesignSpec, ExperimentSpec, FactorSpec
from sim.spec.gcm import MAX_VARIANTS, GcmDesignSpec
from sim.spec.scenario import (
    EffectSpec,
    FollowUpSpec,
    GrantSpec,
    IndicatorSpec,
    IssueSpec,
    Range,
    ScenarioFundSpec,
    ScenarioSpec,
    ShockSpec,
    StepSpec,
    StreamSpec,
)
from sim.spec.structure import (
    BodySpec,
    FundSpec,
    HearsReports,
    LinkSpec,
    PartnerSpec,
    RoutingRule,
    SeatSpec,
    StructureSpec,
)

FILES: list[tuple[str, str, list[type[BaseModel]]]] = [
    ("Structure", "docs/structures.md",
     [StructureSpec, PartnerSpec, BodySpec, SeatSpec, HearsReports, RoutingRule, LinkSpec,
      FundSpec]),
    ("Scenario", "docs/scenarios.md",
     [ScenarioSpec, IssueSpec, StepSpec, EffectSpec, FollowUpSpec, StreamSpec, Range,
      IndicatorSpec, ShockSpec, GrantSpec, ScenarioFundSpec]),
    ("Experiment", "docs/experiments.md", [ExperimentSpec, DesignSpec, FactorSpec]),
    ("Checks file", "docs/experiments.md", [Checks, Check, Difference]),
    ("Garbage Can design", "docs/validation.md", [GcmDesignSpec]),
]  # fmt: skip

OPTIONS = [
    ("`--seed`, each of `--seeds`", "run, trace, compare, demo, gcm",
     f"whole number, 0 to {limits.MAX_SEED:,}; `--seeds` no seed twice"),
    ("`--replications`", "compare, demo, gcm",
     f"whole number, 1 to {limits.MAX_REPLICATIONS:,}; and the runs it makes at most "
     f"{limits.MAX_RUNS:,}"),
    ("`--workers`", "sweep, sensitivity, robustness, search, compare, demo, gcm, app",
     f"whole number, 1 to {limits.MAX_WORKERS:,}"),
    ("`--limit`", "sweep, sensitivity, search", f"whole number, 0 to {limits.MAX_RUNS:,}"),
    ("`--set NAME=VALUE`", "run, trace, compare",
     "a parameter of docs/parameters.md, each name once, a finite number in its valid range"),
    ("`--structures`", "compare, robustness", "at least two, comma-separated, none twice"),
    ("`--indicator`", "sensitivity", "an indicator the experiment's runs record (checked "
     "before any run)"),
    ("`--check`", "sweep", "a checks file whose every check names a scenario, structure and "
     "indicator of the experiment (checked before any run)"),
    ("`--validation FILE`", "gcm", "a file in a folder that exists (checked before any run)"),
    ("the scenario, `--alternatives`, `--patterns`, `--conclusions`, `--check`", "robustness",
     "a bare name is the shipped file (never one in the working folder), a path has a `/` or "
     "ends in `.yaml`; every conclusion and pattern names an indicator the runs record, every "
     "alternative applies cleanly, every expectation names a conclusion and a verdict the "
     "analysis can give (checked before any run)"),
    ("`--docs`", "robustness", "a writable UTF-8 page (or a new one in a folder that exists) "
     "whose section markers come once each, or not at all (checked before any run)"),
    ("`--format`, `--executor`", "run; sweep, sensitivity, robustness, search, compare, "
     "demo, gcm, app", "one of the listed choices"),
    ("`--scheduler`", "sweep, sensitivity, robustness, search, compare, demo, gcm, app",
     "the address of a running Dask scheduler (`tcp://host:8786`); it means `--executor "
     "dask`"),
    ("`--out`", "diagram", "a `.png` or `.svg` file"),
]  # fmt: skip


def _kind(annotation) -> str:
    """A field's type in words."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        base, *meta = args
        validators = {getattr(getattr(m, "func", None), "__name__", "") for m in meta}
        if "_safe_name" in validators:
            return "name"
        if "_no_control" in validators:
            return "text"
        text = _kind(base)
        bounds = _bounds(meta)
        return f"{text} ({bounds})" if bounds else text
    if origin in (Union, types.UnionType):
        kinds = [_kind(a) for a in args if a is not type(None)]
        return " or ".join(kinds)
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_kind(args[0])}"
    if origin is tuple:
        return f"[{', '.join(_kind(a) for a in args)}]"
    if origin is dict:
        return f"mapping of {_kind(args[0])} to {_kind(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"`{annotation.__name__}`"
    return {str: "text", float: "number", int: "whole number", bool: "true/false"}.get(
        annotation, str(annotation)
    )


def _bounds(metadata) -> str:
    parts = []
    for item in metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(f"{sign} {value:,g}" if isinstance(value, float) else
                             f"{sign} {value:,}")  # fmt: skip
        for attr, word in (("min_length", "at least"), ("max_length", "at most")):
            value = getattr(item, attr, None)
            if value is not None and not (attr == "min_length" and value == 0):
                parts.append(f"{word} {value:,} long")
    return ", ".join(parts)


def _field_rows(model: type[BaseModel]) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        shown = field.alias or name
        validators = {getattr(getattr(m, "func", None), "__name__", "") for m in field.metadata}
        kind = "name" if "_safe_name" in validators else _kind(field.annotation)
        bounds = _bounds(field.metadata)
        if field.is_required():
            default = "required"
        else:
            value = field.get_default(call_default_factory=True)
            value = value.value if isinstance(value, Enum) else value
            words = {None: "none", True: "true", False: "false", "": '""'}
            default = (
                f"`{words.get(value, value) if isinstance(value, str | bool | None) else value}`"
            )
            if isinstance(value, BaseModel):
                default = "see below"
        about = (field.description or "").replace("|", "/").replace("\n", " ")
        rows.append(f"| `{shown}` | {kind} | {bounds or '-'} | {default} | {about} |")
    return rows


def inputs_markdown() -> str:
    """The page, as committed in docs/inputs.md."""
    lines = [
        "# Inputs: every field, its range, and the rules every file follows",
        "",
        "Everything `sim` reads is checked before any run starts; anything outside the ranges",
        "below is one line on stderr, `error: FILE: FIELD: MESSAGE`, and exit code 2: never a",
        "traceback, never a long wait, never a silently changed meaning. Generated from the",
        "spec models by `python -m sim.spec.inputs > docs/inputs.md`; a test keeps this page",
        "identical to the code. Parameters (`parameters:`, `fixed:`, `--set`) have their own",
        "valid ranges, in `docs/parameters.md`.",
        "",
        "## Every file",
        "",
        f"- At most {limits.MAX_FILE_BYTES:,} bytes, UTF-8 text, one YAML document whose top",
        "  level is a mapping (`key: value`); an empty file is an error.",
        f"- Nested at most {limits.MAX_DEPTH} levels deep, and at most "
        f"{limits.MAX_NODES:,} values once",
        "  aliases (`*name`) are expanded: a few lines of aliases that expand to billions of",
        "  values are refused before anything is built. Merge keys (`<<: *name`) are fine.",
        "- No key twice in one mapping (the error gives both lines); keys brought in by a merge",
        "  key may be overridden.",
        "- No control characters (tab and newline aside) anywhere, not even as `\\0` escapes.",
        "- Every number finite: `.inf` and `.nan` are errors everywhere.",
        f"- Lists in a spec hold at most {limits.MAX_ITEMS:,} items.",
        "",
        "## Which file a name means",
        "",
        "- A bare name (no folder, no `.yaml`: `pilot`, `employer_closure`) is the shipped file",
        "  of that name, wherever `sim` runs: a file of the same name in the working folder",
        "  never takes its place. A bare name that is not shipped is looked for in the working",
        "  folder (`my_option` finds `./my_option.yaml`).",
        "- A path (a `/` in it, or ending in `.yaml`: `./pilot.yaml`, `options/lean.yaml`) is that",
        "  file, relative to the working folder.",
        "- A structure's `inside` is first looked for beside the file that names it, then as",
        "  above. In the browser app an uploaded structure's `inside` may name only a shipped",
        "  structure or a file uploaded in the same tab: never a path on the machine.",
        "",
        "## Names",
        "",
        "Names that may become parts of file names or columns (a structure's, a scenario's, an",
        "experiment's, a Garbage Can design's and its levels' names; the ids of partners,",
        "bodies and issues; the names of streams and indicators; an experiment's `outputs`)",
        f"use letters, digits, `_`, `-` and `.`, do not start with `.` or `-`, and are at most "
        f"{limits.MAX_NAME_LENGTH}",
        "characters long: never a path (`../`, `/`), a hidden file, an option or an empty name.",
        f"Free text (titles, descriptions) is at most {limits.MAX_TEXT_LENGTH:,} characters.",
        "",
        "## Nothing twice",
        "",
        "- A structure: a body id, a partner id (also across `inside`), a fund per holder and",
        "  scope, a function of a body, a body in `replaces` (which needs `inside`).",
        "- A scenario: an issue id (follow-ups included; nor an id a stream makes, `NAME-001`),",
        "  a stream name, an indicator name, a partner or body id, a structure in",
        "  `structures`. A scenario *adds* partners and bodies: one whose id the structure",
        "  already has is an error (there is no way to replace or modify a structure's body",
        "  from a scenario; write a structure option `inside` the structure instead).",
        "- An experiment: a scenario (also under two spellings of one file), a structure, an",
        "  output, a grid value; a parameter both varied and fixed.",
        "- A checks file: a check name; `of` and `minus` the same structure.",
        "- The command line: a `--set` name, a root seed of `--seeds`, a structure of",
        "  `--structures`.",
        "",
        "## Sizes, checked before any run",
        "",
        "| what | the most | counted as |",
        "|---|---|---|",
        f"| named issues of a scenario | {limits.MAX_NAMED_ISSUES:,} | named issues with all "
        "their follow-ups, an aliased one each time it is named (counted, not built) |",
        f"| issues a run expects | {limits.MAX_ISSUES_PER_RUN:,} | named issues with their "
        "follow-ups, plus each stream's `per_year` x the weeks it runs / 52 |",
        f"| meetings a run expects | {limits.MAX_MEETINGS_PER_RUN:,} | the sum over bodies with "
        "a cadence of the weeks they sit / `cadence_weeks` |",
        f"| runs of a sweep | {limits.MAX_RUNS:,} | points x replications x structures x "
        "scenarios |",
        f"| runs of `sim compare` | {limits.MAX_RUNS:,} | replications x structures x root seeds |",
        f"| runs of `sim gcm` | {limits.MAX_RUNS:,} | variants x replications |",
        f"| Garbage Can variants | {MAX_VARIANTS:,} | the product of the numbers of levels |",
        f"| weeks (a run, any week) | {limits.MAX_WEEKS:,g} | 100 years |",
        f"| a stream's `per_year` | {limits.MAX_PER_YEAR:,g} | |",
        f"| a body's `cadence_weeks` | at least {limits.MIN_CADENCE_WEEKS:g} | |",
        "",
        "## The command line",
        "",
        "A value outside its range is one line naming the option, e.g.",
        "`error: --seed: must be at least 0, got -1`, and exit code 2.",
        "",
        "| option | commands | range |",
        "|---|---|---|",
        *(f"| {o} | {c} | {r} |" for o, c, r in OPTIONS),
    ]
    for title, doc, models in FILES:
        lines += ["", f"## {title} files ({doc})"]
        for model in models:
            summary = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
            lines += ["", f"### `{model.__name__}`", "", summary, "",
                      "| field | type | range | default | meaning |", "|---|---|---|---|---|",
                      *_field_rows(model)]  # fmt: skip
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(inputs_markdown(), end="")
