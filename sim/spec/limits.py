"""The bounds every input lies within: sizes, names, finite numbers (docs/inputs.md).

Every spec model derives from :class:`Strict`: unknown fields are errors, and no number may be
infinite or not a number. Names that may become parts of file names (a structure's, a
scenario's, an experiment's) and ids (partners, bodies, issues, streams, indicators) follow
:data:`NAME_PATTERN`; free text (titles, descriptions) may hold no control characters. The
caps below are generous for real research and small enough that a mistyped number fails at
once, with one line naming the field and the cap, instead of running for days.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

MAX_FILE_BYTES = 4_000_000
"""Largest YAML file read (the shipped files are below 20 kB)."""
MAX_DEPTH = 100
"""Deepest nesting of YAML mappings and lists (about 30 levels of follow-ups)."""
MAX_NODES = 1_000_000
"""Most YAML values in a file once its aliases (``*name``) are expanded: a bound on
"billion laughs" files, whose few lines expand to billions of values."""

MAX_WEEKS = 5200.0
"""Longest run and latest week anything may happen: 100 years."""
MAX_PER_YEAR = 10_000.0
"""Fastest issue stream, in issues a year."""
MIN_CADENCE_WEEKS = 0.1
"""Shortest interval between a body's meetings: 0.1 weeks (about 17 hours)."""
MAX_ISSUES_PER_RUN = 200_000
"""Most issues a run may expect: named issues (with their follow-ups) plus each stream's
``per_year`` x the weeks it runs / 52."""
MAX_NAMED_ISSUES = 10_000
"""Most named issues of a scenario, follow-ups included, each counted once for every place
it may be raised (an issue that an alias, ``*name``, repeats counts as often as it is
repeated); counted before any issue is built. The shipped scenarios name at most 27."""
MAX_MEETINGS_PER_RUN = 1_000_000
"""Most meetings a run may expect: the sum over bodies with a cadence of the weeks they
sit / ``cadence_weeks``."""
MAX_RUNS = 5_000_000
"""Most runs of one sweep, comparison or Garbage Can command (points x replications x
structures x scenarios; replications x structures x seeds; variants x replications)."""
MAX_REPLICATIONS = 1_000_000
"""Most replications of one experiment or command."""
MAX_SEED = 2**63 - 1
"""Largest root seed (seeds are whole numbers from 0)."""
MAX_WORKERS = 1024
"""Most worker processes."""
MAX_COUNT = 1_000_000
"""Largest count in a spec (a quorum, an agenda, samples of a design, a shock's repeats)."""
MAX_AMOUNT = 1e12
"""Largest amount of money or resource units, and largest magnitude of an indicator value."""
MAX_ITEMS = 10_000
"""Most items of one list in a spec (partners, bodies, issues, ...)."""
MAX_NAME_LENGTH = 64
MAX_TEXT_LENGTH = 10_000

NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"
"""Names and ids: letters, digits, ``_``, ``-`` and ``.``, not starting with ``.`` or ``-``
(so never a path, a hidden file or an option), at most 64 characters."""


def _no_control(value: str) -> str:
    bad = next((c for c in value if (ord(c) < 32 and c not in "\n\t") or ord(c) == 127), None)
    if bad is not None:
        raise ValueError(f"control character {ord(bad):#04x} is not allowed in text")
    return value


def _safe_name(value: str) -> str:
    if not re.fullmatch(NAME_PATTERN, value):
        raise ValueError(f"{value!r} is not a safe name: use letters, digits, '_', '-' and '.', "
                         "not starting with '.' or '-' (docs/inputs.md)")  # fmt: skip
    return value


Name = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH), AfterValidator(_safe_name)
]
"""A name or id that may become part of a file name (:data:`NAME_PATTERN`)."""
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_LENGTH), AfterValidator(_no_control)]
"""Free text: a title, a description, a label; no control characters but tab and newline."""
Ref = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_TEXT_LENGTH), AfterValidator(_no_control)
]
"""A reference to something named elsewhere (a partner, a body, a scope, a file)."""

Weeks = Annotated[float, Field(ge=0, le=MAX_WEEKS)]
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
Change = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
Share = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


class Strict(BaseModel):
    """The base of every spec model: unknown fields are errors; numbers are finite."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class At(ValueError):
    """A validation error at a field below the validator's model (``path``: keys and list
    indexes), so that the one-line error names the field, not just the model."""

    def __init__(self, path: tuple, message: str) -> None:
        super().__init__(message)
        self.path = tuple(path)


def unique(items, what: str, key=lambda item: item) -> None:
    """Raise :class:`At` (at the item's index) naming the first item whose ``key`` is used
    twice."""
    seen: set = set()
    for index, item in enumerate(items):
        k = key(item)
        if k in seen:
            raise At((index,), f"{what} '{k}' is given twice")
        seen.add(k)
