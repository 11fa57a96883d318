"""Shared helpers: small hand-built structures whose behaviour is known in advance."""

from __future__ import annotations

import copy
import os
import shutil
import signal
from functools import cache
from pathlib import Path

import pytest

from sim.model import PartnershipModel, RunResult, collect
from sim.spec import load_scenario, load_structure
from sim.spec.loading import SCENARIO_DIR
from sim.spec.scenario import ScenarioSpec, scenario_from_dict
from sim.spec.structure import StructureSpec, structure_from_dict

# A test run started in the background by a shell without job control inherits Ctrl-C
# ignored, and so would every command a test starts (an ignored signal stays ignored across
# exec): the tests that interrupt a command need it heard.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Attendance is certain for commitment 1 and impossible for commitment 0.
CERTAIN = {"attendance_base": 1.0, "load_penalty": 0.0, "substitute_probability": 0.0}


def town(
    voting: int = 15,
    committed: int | None = None,
    board: dict | None = None,
    team: dict | None = None,
    mandate: float = 1.0,
) -> dict:
    """A one-scope structure ('town'): forum deliberates, board decides, team delivers,
    review evaluates. ``committed`` of the board's voting partners always attend; the
    rest never do."""
    committed = voting if committed is None else committed
    partners = [
        {
            "id": f"p{i:02d}",
            "sector": "voluntary" if i % 3 == 0 else "public",
            "commitment": 1.0 if i < committed else 0.0,
            "mandate": mandate,
            "budget": 100.0,
            "capacity": 100.0,
        }
        for i in range(voting)
    ]
    seats = [{"partner": f"p{i:02d}"} for i in range(voting)]
    body = dict(
        scope="town", members=seats, cadence_weeks=13, first_meeting_week=13, agenda_capacity=50
    )
    return {
        "name": "town",
        "partners": partners,
        "bodies": [
            {**body, "id": "forum", "functions": ["deliberation"], "first_meeting_week": 1,
             "cadence_weeks": 4, "members": seats[:1]},
            {**body, "id": "board", "functions": ["decision"], "quorum": 5, **(board or {})},
            {**body, "id": "team", "functions": ["delivery"], "reports_to": "board",
             "cadence_weeks": 4, "first_meeting_week": 2, "members": seats[:1], **(team or {})},
            {**body, "id": "review", "functions": ["evaluation"], "cadence_weeks": 4,
             "first_meeting_week": 3, "members": seats[:1]},
        ],
        "routing": {
            "town": [
                {"function": "deliberation", "body": "forum"},
                {"function": "decision", "body": "board"},
                {"function": "delivery", "body": "team"},
                {"function": "evaluation", "body": "review"},
            ]
        },
    }  # fmt: skip


def town_scenario(n: int = 3, weeks: float = 60, **issue) -> dict:
    issues = [
        {"id": f"i{k}", "at_week": 0.5, "scope": "town", "resources": 4.0, "effort_weeks": 8,
         **issue}
        for k in range(n)
    ]  # fmt: skip
    return {"name": "town-test", "duration_weeks": weeks, "parameters": dict(CERTAIN),
            "issues": issues}  # fmt: skip


def run_model(
    structure: dict | StructureSpec,
    scenario: dict | ScenarioSpec,
    seed: int = 1,
    parameters: dict | None = None,
) -> tuple[PartnershipModel, RunResult]:
    if isinstance(structure, dict):
        structure = structure_from_dict(structure)
    if isinstance(scenario, dict):
        scenario = scenario_from_dict(scenario)
    model = PartnershipModel(structure, scenario, rng=seed, parameters=parameters)
    model.run_until(scenario.duration_weeks)
    return model, collect(model)


@cache
def shipped(name: str) -> StructureSpec:
    return load_structure(name)


@cache
def smoke() -> ScenarioSpec:
    return load_scenario(SCENARIO_DIR / "smoke.yaml")


@cache
def _smoke_run(structure: str, seed: int) -> tuple[PartnershipModel, RunResult]:
    return run_model(shipped(structure), smoke(), seed=seed)


@pytest.fixture
def smoke_run():
    """(model, result) of the smoke scenario under a shipped structure; cached per seed."""
    return _smoke_run


@pytest.fixture
def town_structure():
    return copy.deepcopy(town())


def find_chromium() -> str | None:
    """An installed Chromium (``$SIM_CHROMIUM``, Debian's ``/usr/bin/chromium``, or one on
    PATH) for the browser tests; they never download one."""
    for candidate in (os.environ.get("SIM_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):  # fmt: skip
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by Playwright; the test skips, saying why, when either is
    missing."""
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set $SIM_CHROMIUM)")
    why = "Playwright is not installed: pip install -e '.[dev]'"
    sync_api = pytest.importorskip("playwright.sync_api", reason=why)
    with sync_api.sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=path, headless=True,
                                   args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        yield chrome
        chrome.close()
