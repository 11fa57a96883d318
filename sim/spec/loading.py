"""Finding and reading YAML, and turning validation failures into one-line, file:field errors.

The shipped structures, scenarios and experiments are package data (the project's
``scenarios/`` folder, installed as ``sim.shipped``): a command finds them by short name
from any folder (``sim run employer_closure --structure pilot``), and a user's own files by
path, relative to the folder it runs in.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import SpecError

SCENARIO_DIR = Path(str(files("sim.shipped")))
STRUCTURE_DIR = SCENARIO_DIR / "structures"

Kind = Literal["structure", "scenario", "experiment", "checks", "gcm design"]
SHIPPED_FOLDER: dict[str, Path] = {
    "structure": STRUCTURE_DIR,
    "scenario": SCENARIO_DIR,
    "experiment": SCENARIO_DIR / "experiments",
    "checks": SCENARIO_DIR / "experiments",
    "gcm design": SCENARIO_DIR / "gcm",
}


def shipped_names(kind: Kind) -> list[str]:
    """The short names of the shipped files of a kind."""
    return sorted(p.stem for p in SHIPPED_FOLDER[kind].glob("*.yaml"))


def resolve(kind: Kind, name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """The file a user means: a path (tried as given, then with ``.yaml``; first relative to
    ``relative_to`` if given, then to the working folder), else a shipped file of that kind
    by short name. A name that is neither is a one-line error listing the shipped names."""
    given = Path(name_or_path)
    bases = ([relative_to] if relative_to is not None else []) + [Path(".")]
    candidates = [
        base / name for base in bases for name in (given, given.with_name(given.name + ".yaml"))
    ]
    if given.parent == Path(".") and given.suffix not in (".yaml", ".yml"):
        candidates.append(SHIPPED_FOLDER[kind] / f"{given.name}.yaml")
    candidates.append(SHIPPED_FOLDER[kind] / given.name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if given.is_dir():
        return given  # read_yaml says it is a folder
    if given.parent != Path(".") or given.suffix in (".yaml", ".yml"):
        raise SpecError(str(name_or_path), "", "file not found")
    names = ", ".join(shipped_names(kind))
    raise SpecError(str(name_or_path), "", f"no such file, nor a shipped {kind} (shipped: {names})")


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML mapping, with a one-line error for a missing file or bad YAML."""
    if not path.exists():
        raise SpecError(str(path), "", "file not found")
    if path.is_dir():
        raise SpecError(str(path), "", "is a folder, not a YAML file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(str(path), where, f"YAML does not parse: {problem}") from None
    if not isinstance(data, dict):
        raise SpecError(str(path), "", "expected a YAML mapping (key: value) at the top level")
    return data


def field_path(loc: tuple[Any, ...], raw: Any) -> str:
    """Render a pydantic error location, naming list items by their ``id`` where they have one."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int):
            label = str(key)
            if isinstance(node, list) and 0 <= key < len(node):
                node = node[key]
                if isinstance(node, dict) and "id" in node:
                    label = str(node["id"])
            else:
                node = None
            parts.append(f"[{label}]")
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(f".{key}" if parts else str(key))
    return "".join(parts)


DOCS = {
    "StructureSpec": "docs/structures.md",
    "ScenarioSpec": "docs/scenarios.md",
    "ExperimentSpec": "docs/experiments.md",
    "Checks": "docs/experiments.md",
}


def validate_as[M: BaseModel](model: type[M], raw: dict[str, Any], file: str) -> M:
    """Validate ``raw`` as ``model``; the first problem becomes a one-line SpecError."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(k for k in err["loc"] if not (isinstance(k, str) and k.startswith("function-")))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            doc = DOCS.get(model.__name__, "the docs/ folder")
            message = f"unknown field (check the spelling; see {doc})"
        elif err["type"] == "missing":
            message = "required field is missing"
        raise SpecError(file, field_path(loc, raw), message) from None


def resolve_structure(name_or_path: str, relative_to: Path | None = None) -> Path:
    """Find a structure by short name (``pilot``) or by path."""
    return resolve("structure", name_or_path, relative_to)
