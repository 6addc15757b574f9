"""Clause files: every kind of mistake gives `file:line: field: message`; nothing loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import HEADER
from tracker.library.loader import ClauseFileError, load_library, parse_clause_text

GOOD_BODY = """\
parameters:
  period: {type: duration, default: P20D, calendar: business, source: secondary}
evidence_types:
  - id: factory-list
    label: Factory list
    accepted_formats: [csv]
    confidentiality: restricted
obligations:
  - id: disclose
    title: Disclose the factories
    trigger: {type: contract_start, offset: "{period}"}
    evidence: [factory-list]
"""


def write(directory: Path, clause_id: str, body: str = GOOD_BODY, header: str = HEADER) -> Path:
    path = directory / f"{clause_id}.yaml"
    path.write_text(header.format(id=clause_id) + body, encoding="utf-8")
    return path


def problems(text: str, name: str = "x.yaml") -> list[str]:
    with pytest.raises(ClauseFileError) as caught:
        parse_clause_text(text, name)
    return [str(p) for p in caught.value.problems]


def good(**replace: str) -> str:
    text = HEADER.format(id="x") + GOOD_BODY
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_a_good_file_loads() -> None:
    loaded = parse_clause_text(good(), "x.yaml")
    assert loaded.obligations[0].trigger.offset == "{period}"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # bad YAML: the line of the syntax error
        (
            "label: Factory list",
            "label: [Factory list",
            "x.yaml:17: not valid YAML: expected ',' or ']', but got ':' "
            "(while parsing a flow sequence on line 16)",
        ),
        # unknown field
        (
            "title: Disclose the factories",
            "titel: Disclose the factories",
            "x.yaml:21: obligations[0].titel: is not a known field",
        ),
        # wrong type
        (
            "accepted_formats: [csv]",
            "accepted_formats: csv",
            "x.yaml:17: evidence_types[0].accepted_formats:",
        ),
        # unknown parameter in the clause text
        (
            "clause_text: The supplier shall",
            "clause_text: Within {perod} the supplier shall",
            "x.yaml:11: clause_text: {perod} is not a declared parameter",
        ),
        # bad duration
        ("default: P20D", "default: P20X", "x.yaml:13: parameters.period.default: 'P20X' is not"),
        # business days counted in months
        (
            "default: P20D",
            "default: P1M",
            "x.yaml:13: parameters.period.default: 'P1M': business-day durations are counted",
        ),
        # evidence type that does not exist
        (
            "evidence: [factory-list]",
            "evidence: [factory-lst]",
            "x.yaml:23: obligations[0].evidence[0]: 'factory-lst' is not one of evidence_types",
        ),
        # event trigger without its event
        (
            "type: contract_start, offset",
            "type: event, offset",
            "x.yaml:22: obligations[0].trigger.event: an event trigger names its event",
        ),
        # enum value not allowed
        ("category: labour", "category: ethics", "x.yaml:5: category: 'ethics' is not allowed"),
        # id that is not a slug
        (
            "  - id: disclose",
            "  - id: Disclose Now",
            "x.yaml:20: obligations[0].id: 'Disclose Now' is not an id",
        ),
    ],
)
def test_each_mistake_names_file_line_and_field(old: str, new: str, expected: str) -> None:
    found = problems(good(**{old: new}))
    assert any(p.startswith(expected) for p in found), found


def test_duplicate_keys_are_refused_not_silently_overwritten() -> None:
    text = good(
        **{
            "title: Disclose the factories": (
                "title: Disclose the factories\n    title: Something else"
            )
        }
    )
    assert problems(text) == ["x.yaml:22: obligations[0].title: appears twice in the same mapping"]


def test_every_schema_problem_in_a_file_is_listed() -> None:
    text = good(
        **{
            "category: labour": "category: ethics",
            "title: Disclose the factories": "titel: Disclose the factories",
        }
    )
    # The misspelt key is unknown (line 21) and so the obligation lacks its title (line 20).
    assert [p.split(": ", 2)[0:2] for p in problems(text)] == [
        ["x.yaml:5", "category"],
        ["x.yaml:20", "obligations[0].title"],
        ["x.yaml:21", "obligations[0].titel"],
    ]


def test_duplicate_id_across_directories(tmp_path: Path) -> None:
    shipped, custom = tmp_path / "shipped", tmp_path / "custom"
    shipped.mkdir()
    custom.mkdir()
    write(shipped, "audit")
    copy = write(custom, "audit")
    with pytest.raises(ClauseFileError) as caught:
        load_library(shipped, [custom])
    (only,) = caught.value.problems
    assert only.file == str(copy)
    assert "already defined" in only.message
    assert "overrides: true" in only.message


def test_a_custom_clause_may_override_when_it_says_so(tmp_path: Path) -> None:
    shipped, custom = tmp_path / "shipped", tmp_path / "custom"
    shipped.mkdir()
    custom.mkdir()
    write(shipped, "audit")
    write(
        custom,
        "audit",
        header=HEADER.replace('version: "1.0.0"', 'version: "1.1.0"\noverrides: true'),
    )
    library = load_library(shipped, [custom])
    assert library.get("audit").version == "1.1.0"


def test_a_bad_file_contributes_nothing(tmp_path: Path) -> None:
    write(tmp_path, "good-one")
    write(tmp_path, "bad-one", body=GOOD_BODY.replace("P20D", "P20X"))
    with pytest.raises(ClauseFileError) as caught:
        load_library(tmp_path)
    assert {Path(p.file).name for p in caught.value.problems} == {"bad-one.yaml"}


def test_file_name_must_match_the_id(tmp_path: Path) -> None:
    path = tmp_path / "other-name.yaml"
    path.write_text(HEADER.format(id="audit") + GOOD_BODY, encoding="utf-8")
    with pytest.raises(ClauseFileError, match=r"other-name.yaml:2: id: 'audit' does not match"):
        load_library(tmp_path)


def laughs(levels: int) -> str:
    """A "billion laughs": each alias list repeats the one before ten times."""
    lines = ['a0: &a0 "lol"']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_aliases_are_refused_so_a_billion_laughs_cannot_hang_the_tracker(tmp_path: Path) -> None:
    (tmp_path / "laughs.yaml").write_text(HEADER.format(id="laughs") + laughs(5))
    with pytest.raises(ClauseFileError) as caught:
        load_library(None, [tmp_path])
    [problem] = caught.value.problems
    assert str(problem).startswith(f"{tmp_path / 'laughs.yaml'}:13: aliases (*name) are not")


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    text = HEADER.format(id="deep") + "nested: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(ClauseFileError) as caught:
        parse_clause_text(text, "deep.yaml")
    assert str(caught.value) == "deep.yaml:12: is nested more than 40 levels deep"


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(HEADER.format(id="huge") + "# " + "x" * 2_000_000 + "\n")
    with pytest.raises(ClauseFileError) as caught:
        load_library(None, [tmp_path])
    assert str(caught.value) == (
        f"{path}:1: is {path.stat().st_size:,} bytes; a clause file may be at most 1,048,576 bytes"
    )
