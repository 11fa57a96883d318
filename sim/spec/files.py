"""What kind of file a researcher has written, and whether it is valid.

`sim validate` accepts any of the five kinds of YAML file the project reads; the kind is told
by the keys at the top level, so a file needs no declaration of what it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sim.spec.loading import read_yaml

Kind = Literal["checks", "gcm_design", "experiment", "structure", "scenario"]

SHIPPED_STRUCTURES = ("five_element", "do_minimum", "pilot")
"""The structures a scenario runs under when it names none (``structures:``)."""


def detect_kind(path: str | Path) -> Kind:
    """The kind of the YAML file at ``path``, from its top-level keys: ``checks`` makes a checks
    file; ``access`` and ``decision`` a Garbage Can design; ``structures`` and ``scenarios`` an
    experiment; ``duration_weeks`` a scenario; anything else is read as a structure. A missing
    file or bad YAML is a SpecError."""
    data = read_yaml(Path(path))
    if "checks" in data:
        return "checks"
    if "access" in data and "decision" in data:
        return "gcm_design"
    if "structures" in data and "scenarios" in data:
        return "experiment"
    if "duration_weeks" not in data:
        return "structure"
    return "scenario"


def validate_file(path: str | Path) -> str:
    """Load and check one file of any kind; return what it holds, in a few words.

    A scenario is also checked against every structure it runs under (its own ``structures``,
    else :data:`SHIPPED_STRUCTURES`). Any problem is a SpecError naming the file and field.
    """
    kind = detect_kind(path)
    if kind == "checks":
        from sim.spec.checks import load_checks

        return f"{len(load_checks(path).checks)} checks"
    if kind == "gcm_design":
        from sim.spec.gcm import load_gcm_design, variants

        design = load_gcm_design(path)
        return f"garbage-can design '{design.name}', {len(variants(design))} variants"
    if kind == "experiment":
        from sim.spec.experiment import expected_runs, load_experiment

        spec = load_experiment(path)
        return f"experiment '{spec.name}', {expected_runs(spec)} runs"
    from sim.spec.structure import load_structure

    if kind == "structure":
        spec = load_structure(path)
        return f"structure '{spec.name}', {len(spec.bodies)} bodies, {len(spec.partners)} partners"
    from sim.spec.scenario import check_scenario_against, load_scenario

    scenario = load_scenario(path)
    names = scenario.structures or SHIPPED_STRUCTURES
    for name in names:
        check_scenario_against(scenario, load_structure(name))
    return (f"scenario '{scenario.name}', {len(scenario.issues)} named issues, "
            f"{len(scenario.streams)} streams; runs under {', '.join(names)}")  # fmt: skip
