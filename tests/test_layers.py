"""The layers of the package (README, "What is where"): spec -> model -> experiment -> analysis
-> cli. Each module imports only from its own layer and the layers above it (lazy imports
inside functions included); ``sim.errors``, ``sim.progress`` and the package's version belong
to every layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
LAYERS = ["spec", "model", "experiment", "analysis", "cli"]
SHARED = {"sim", "sim.errors", "sim.paths", "sim.progress"}


def layer(module: str) -> int | None:
    """The rank of a module of the package, or None for a module every layer may use."""
    if module in SHARED:
        return None
    part = module.split(".")[1]
    return LAYERS.index("cli" if part == "entry" else part)  # the command's entry point


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "sim"}
    return found


MODULES = sorted(p for p in SIM.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SIM)))
def test_no_import_runs_up_the_layers(path):
    name = ".".join(("sim", *path.relative_to(SIM).with_suffix("").parts)).removesuffix(".__init__")
    own = layer(name)
    if own is None:
        assert not {m for m in imports(path) if m not in SHARED}, "shared modules import no layer"
        return
    upward = [m for m in imports(path) if (rank := layer(m)) is not None and rank > own]
    assert not upward, f"{name} imports {upward} from a layer below it"
