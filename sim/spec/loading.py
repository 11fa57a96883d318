"""Finding and reading YAML, and turning validation failures into one-line, file:field errors.

The shipped structures, scenarios and experiments are package data (the project's
``scenarios/`` folder, installed as ``sim.shipped``): a command finds them by short name
from any folder (``sim run employer_closure --structure pilot``), and a user's own files by
path, relative to the folder it runs in.
"""

from __future__ import annotations

import os
import re
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import SpecError
from sim.spec.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, NAME_PATTERN, At

SCENARIO_DIR = Path(str(files("sim.shipped")))
STRUCTURE_DIR = SCENARIO_DIR / "structures"
WORKED_EXAMPLES_DIR = Path(str(files("sim.worked_examples")))
"""The worked examples' full robustness runs (the project's ``docs/robustness/``, installed as
``sim.worked_examples``): one folder per scenario, what `sim demo`, the app and the docs read."""

WORKED_SEARCHES_DIR = Path(str(files("sim.worked_searches")))
"""The shipped design searches (the project's ``docs/search/``, installed as
``sim.worked_searches``): one folder per scenario with the set, its structure files and
figures, what the app's design page and the docs read."""

Kind = Literal[
    "structure", "scenario", "experiment", "checks", "gcm design", "robustness", "design"
]
SHIPPED_FOLDER: dict[str, Path] = {
    "structure": STRUCTURE_DIR,
    "scenario": SCENARIO_DIR,
    "experiment": SCENARIO_DIR / "experiments",
    "checks": SCENARIO_DIR / "experiments",
    "gcm design": SCENARIO_DIR / "gcm",
    "robustness": SCENARIO_DIR / "robustness",
    "design": SCENARIO_DIR / "design",
}


def shipped_names(kind: Kind) -> list[str]:
    """The short names of the shipped files of a kind."""
    return sorted(p.stem for p in SHIPPED_FOLDER[kind].glob("*.yaml"))


def resolve(kind: Kind, name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """The file a user means. A bare name (no folder, no ``.yaml``) is the shipped file of
    that kind and name wherever the command runs: a file of the same name in the working
    folder never takes its place (give its path, ``./pilot.yaml``, for that). Otherwise a
    path (tried as given, then with ``.yaml``; first relative to ``relative_to``, the folder
    of a file that names it, if given, then to the working folder). A name that is neither
    is a one-line error listing the shipped names."""
    given = Path(name_or_path)
    text = str(name_or_path)
    bare = "/" not in text and os.sep not in text and given.suffix not in (".yaml", ".yml")

    def tried(base: Path) -> list[Path]:
        return [base / given, base / given.with_name(given.name + ".yaml")]

    candidates = tried(relative_to) if relative_to is not None else []
    if bare:
        candidates.append(SHIPPED_FOLDER[kind] / f"{given.name}.yaml")
    candidates += [*tried(Path(".")), SHIPPED_FOLDER[kind] / given.name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if given.is_dir():
        return given  # read_yaml says it is a folder
    if not bare:
        raise SpecError(str(name_or_path), "", "file not found")
    names = ", ".join(shipped_names(kind))
    raise SpecError(str(name_or_path), "", f"no such file, nor a shipped {kind} (shipped: {names})")


class _Refused(Exception):
    """A YAML file the reader will not build: too deep, too big once expanded, a key twice."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def _line(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, bounded: nesting at most :data:`MAX_DEPTH` deep, at most
    :data:`MAX_NODES` values once aliases are expanded, and no key twice in one mapping
    (merge keys ``<<`` may still bring in keys that the mapping then overrides)."""

    depth = 0

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _Refused(f"line {mark.line + 1}, column {mark.column + 1}",
                               f"nested more than {MAX_DEPTH} levels deep")  # fmt: skip
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def get_single_data(self):
        node = self.get_single_node()
        if node is None:
            return None
        _check_graph(node)
        return self.construct_document(node)


MERGE = "tag:yaml.org,2002:merge"


def _check_graph(root: yaml.Node) -> None:
    """Count the values the document expands to (each alias counted as a copy of what it
    names) and look for keys given twice; without building anything.

    Children are sized before their parents (a true post-order: a node that several
    mappings or lists share, through an alias, is sized before each of them is), so that
    every alias counts in full. An alias to a node still open (a cycle) counts as 1."""
    sizes: dict[int, int] = {}
    opened: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # depth-first post-order without recursion
        node, children_sized = stack.pop()
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        if children_sized:
            size = 1 + sum(sizes.get(id(child), 1) for child in children)
            if size > MAX_NODES:
                raise _Refused(
                    _line(node),
                    f"expands to more than {MAX_NODES:,} values (aliases "
                    "repeat what they name); write it out, or make it smaller",
                )
            sizes[id(node)] = size
            continue
        if id(node) in opened:
            continue
        opened.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict[tuple[str, str], yaml.Node] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != MERGE:
                    if (key.tag, key.value) in keys:
                        raise _Refused(
                            _line(key),
                            f"the key '{key.value}' is given twice in "
                            f"one mapping (first at {_line(keys[key.tag, key.value])})",
                        )
                    keys[(key.tag, key.value)] = key
        stack.append((node, True))
        stack += [(child, False) for child in reversed(children) if id(child) not in opened]


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML mapping, with a one-line error for a missing file or bad YAML; a file
    larger than :data:`MAX_FILE_BYTES`, not UTF-8, nested too deeply, expanding (through
    aliases) to too many values, or giving one key twice in a mapping is refused."""
    if not path.exists():
        raise SpecError(str(path), "", "file not found")
    if path.is_dir():
        raise SpecError(str(path), "", "is a folder, not a YAML file")
    if not path.is_file():
        raise SpecError(str(path), "", "is not a regular file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SpecError(str(path), "", f"the file is {size:,} bytes; the largest read is "
                        f"{MAX_FILE_BYTES:,} (docs/inputs.md)")  # fmt: skip
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise SpecError(str(path), "", f"the file is larger than {MAX_FILE_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(
            str(path), f"line {line}", f"not UTF-8 text (byte {exc.start}: {raw[exc.start]:#04x})"
        ) from None
    try:
        loader = _Loader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except _Refused as exc:
        raise SpecError(str(path), exc.where, exc.message) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, yaml.reader.ReaderError):
            where = f"line {text[: exc.position].count(chr(10)) + 1}"
            char = exc.character
            shown = f"{char:#04x}" if isinstance(char, int) else repr(char)
            problem = f"character {shown} is not allowed (control characters cannot be read)"
        raise SpecError(str(path), where, f"YAML does not parse: {problem}") from None
    except (RecursionError, MemoryError):
        raise SpecError(str(path), "", "too deeply nested or too large to read") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a value PyYAML cannot build
        raise SpecError(str(path), "", f"YAML value cannot be read: {exc}") from None
    if data is None:
        raise SpecError(str(path), "", "the file is empty; expected a YAML mapping (key: value)")
    if not isinstance(data, dict):
        shown = {"str": "string", "int": "number", "float": "number", "bool": "true/false"}
        raise SpecError(str(path), "", "expected a YAML mapping (key: value) at the top level, "
                        f"not a {shown.get(type(data).__name__, type(data).__name__)}")  # fmt: skip
    bad = next((k for k in data if not isinstance(k, str)), None)
    if bad is not None:
        raise SpecError(str(path), str(bad), "a top-level key must be a name, not a "
                        f"{type(bad).__name__}")  # fmt: skip
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
                if isinstance(node, dict):
                    named = node.get("id", node.get("name"))
                    if isinstance(named, str) and re.fullmatch(NAME_PATTERN, named):
                        label = named
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
        original = (err.get("ctx") or {}).get("error")
        if isinstance(original, At):
            loc += original.path
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
