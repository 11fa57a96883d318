"""docs/sources.md against the tests, the code and docs/ODD.md: every rule id in its table is
well formed, unique and named by a test; every test the table cites exists and names the id;
every code path and file it names exists; every status agrees with ODD Appendix A; and the
ids are exactly those of Appendix A."""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
ODD = ROOT / "docs" / "ODD.md"
TESTS = ROOT / "tests"

COLUMNS = ["id", "says", "documents", "where", "status", "tests"]
HEADER = (
    "| id | what the source says | source document | where the model implements it | status "
    "| tests that show it |"
)
RULE_ID = re.compile(r"^[A-Z]{2}-[A-Z0-9]+(?:-[A-Z0-9]+)*$")
ROW_ID = re.compile(r"^\| ([A-Z]{2}-[A-Z0-9-]+) \|", re.M)
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
DOTTED = re.compile(r"(?<![\w./-])sim(?:\.[A-Za-z_]\w*)+")
FILE = re.compile(r"`((?:scenarios|sim|tests|docs)/[\w/.-]+\.(?:py|yaml|md))`")
DOCUMENTS = {"000", "001", "002", "003", "004"}
STATUS = re.compile(r"^(in part|observed only|in)(?::|$)")
ODD_STATUS = {"in": "in", "in part": "in part", "in (observed)": "observed only"}


@cache
def page() -> str:
    return SOURCES.read_text(encoding="utf-8")


@cache
def rows() -> list[dict[str, str]]:
    """The rows of the rules table of docs/sources.md, as dicts keyed by COLUMNS."""
    lines = page().splitlines()
    start = lines.index(HEADER)
    out = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == len(COLUMNS), line[:60]
        out.append(dict(zip(COLUMNS, cells, strict=True)))
    return out


def ids() -> list[str]:
    return [row["id"] for row in rows()]


def appendix() -> dict[str, str]:
    """Rule id -> status, from the table of docs/ODD.md's Appendix A."""
    text = ODD.read_text(encoding="utf-8").split("## Appendix A.", 1)[1]
    text = re.split(r"^## ", text, flags=re.M)[0]
    found = re.findall(r"^\| ([A-Z]{2}-[A-Z0-9-]+) \| ([^|]+?) \|", text, re.M)
    return dict(found)


def mentions(text: str, rule_id: str) -> bool:
    """The id as written (``PI-ATTEND``) or as a test name starts (``test_pi_attend_...``)."""
    literal = rf"(?<![A-Z0-9-]){re.escape(rule_id)}(?![A-Z0-9-])"
    snake = rf"\btest_{rule_id.lower().replace('-', '_')}(?![a-z0-9])"
    return bool(re.search(literal, text) or re.search(snake, text))


@cache
def functions_in(path: Path) -> dict[str, str]:
    """Name -> source text of every function defined in a test file."""
    text = path.read_text(encoding="utf-8")
    return {
        node.name: ast.get_source_segment(text, node) or ""
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def resolves(path: str) -> bool:
    """Import the longest module prefix of ``path``, then follow the rest as attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue
            raise
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_the_page_describes_the_five_source_documents():
    docs = page().split("## The source documents", 1)[1].split("\n## ", 1)[0]
    headings = re.findall(r"^### (\d{3}): ", docs, re.M)
    assert headings == sorted(DOCUMENTS)
    assert "not distributed with the project" in page()


def test_the_page_stays_inside_the_project():
    """Nothing points outside the checkout; "seed" means only a random seed in this project."""
    assert "../" not in page()
    assert not re.search(r"\bseeds?\b", page(), re.I)


def test_ids_are_well_formed_and_unique():
    listed = ids()
    assert len(listed) > 40
    assert [i for i in listed if not RULE_ID.match(i)] == []
    assert len(set(listed)) == len(listed)
    assert ROW_ID.findall(page()) == listed  # no rule row outside the table


def test_the_ids_are_those_of_the_odd_appendix():
    assert set(ids()) == set(appendix())


def test_every_row_is_complete():
    for row in rows():
        rule = row["id"]
        assert all(row.values()), rule
        documents = re.findall(r"\d{3}", row["documents"])
        assert documents and set(documents) <= DOCUMENTS, rule
        assert STATUS.match(row["status"]), rule
        assert NODE.findall(row["tests"]), rule


def test_every_status_agrees_with_the_odd_appendix():
    statuses = appendix()
    for row in rows():
        status = STATUS.match(row["status"]).group(1)
        assert ODD_STATUS.get(statuses[row["id"]]) == status, row["id"]


def test_every_id_is_named_by_a_test_file():
    files = [p for p in sorted(TESTS.rglob("*.py")) if p.name != Path(__file__).name]
    texts = [p.read_text(encoding="utf-8") for p in files]
    assert [rule for rule in ids() if not any(mentions(t, rule) for t in texts)] == []


def test_every_cited_test_exists_and_names_its_id():
    problems = []
    for row in rows():
        for file, name in NODE.findall(row["tests"]):
            path = ROOT / file
            if not path.is_file():
                problems.append(f"{row['id']}: no file {file}")
            elif name not in functions_in(path):
                problems.append(f"{row['id']}: no {file}::{name}")
            elif not mentions(functions_in(path)[name], row["id"]):
                problems.append(f"{row['id']}: {file}::{name} does not name it")
    assert problems == []


def test_every_code_path_and_file_the_table_names_exists():
    where = "\n".join(row["where"] for row in rows())
    paths = sorted(set(DOTTED.findall(where)))
    files = sorted(set(FILE.findall(where)))
    assert len(paths) > 20 and len(files) > 5
    assert [p for p in paths if not resolves(p)] == []
    assert [f for f in files if not (ROOT / f).is_file()] == []


def test_the_checks_reject_what_is_wrong():
    assert mentions('"""PI-ATTEND: three absences"""', "PI-ATTEND")
    assert mentions("def test_sc_env_pathway():", "SC-ENV")
    assert not mentions("def test_sc_environment():", "SC-ENV")
    assert not mentions("PI-ATTENDANCE", "PI-ATTEND")
    assert not RULE_ID.match("PI-")
    assert not resolves("sim.model.model.PartnershipModel.no_such_method")
    assert STATUS.match("in part: why").group(1) == "in part"
    assert not STATUS.match("inside")
