"""Reading YAML and turning validation failures into one-line, file:field errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import SpecError

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = REPO_ROOT / "scenarios"
STRUCTURE_DIR = SCENARIO_DIR / "structures"


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
    candidates: list[Path] = []
    given = Path(name_or_path)
    if relative_to is not None:
        candidates.append(relative_to / given)
        candidates.append(relative_to / f"{name_or_path}.yaml")
    candidates += [given, Path("scenarios/structures") / f"{name_or_path}.yaml"]
    candidates.append(STRUCTURE_DIR / f"{name_or_path}.yaml")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return given if given.suffix in {".yaml", ".yml"} else STRUCTURE_DIR / f"{name_or_path}.yaml"
