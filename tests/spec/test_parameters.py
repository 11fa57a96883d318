"""Every named assumption has a short plain title that reads after "where ... is high / low"
(issue 20, item 3), shown in docs/parameters.md."""

from __future__ import annotations

from pathlib import Path

from sim.spec.parameters import Parameters, parameter_title, parameters_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_every_parameter_has_a_plain_title_that_reads_after_where():
    titles = {}
    for name, field in Parameters.model_fields.items():
        title = field.title
        assert title and title == title.strip(), name
        assert title == parameter_title(name)
        assert title[0].islower() and not title.endswith("."), f"{name}: {title!r}"
        assert len(title) <= 80 and "_" not in title.split("(")[0], f"{name}: {title!r}"
        assert title.lower() != field.description.lower()
        titles[name] = title
    assert len(set(titles.values())) == len(titles)  # no two parameters read the same
    assert parameter_title("off_focus_referral_probability") == (
        "the chance that off-focus work is referred out"
    )
    sentence = f"holds where {parameter_title('attendance_base')} is low"
    assert sentence == "holds where the chance that a committed member attends is low"


def test_the_parameters_page_shows_the_titles_and_is_current():
    page = (ROOT / "docs" / "parameters.md").read_text()
    assert page == parameters_markdown(), "regenerate: sim parameters > docs/parameters.md"
    for name in Parameters.model_fields:
        assert f"| `{name}` | {parameter_title(name)} |" in page
