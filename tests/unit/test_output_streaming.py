"""Lists are written as their rows arrive: JSON and CSV text identical to writing the
whole list at once, the first rows out before the last are read, a long table aligned
by its first page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.cli import output
from tracker.cli.output import Format, emit_rows

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.floats(allow_nan=False)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
RECORDS = st.lists(
    st.fixed_dictionaries({"id": st.integers(), "title": st.text(max_size=30), "extra": VALUES}),
    max_size=6,
)


def _printed(capsys: pytest.CaptureFixture[str], rows: list[dict[str, Any]], fmt: Format) -> str:
    capsys.readouterr()
    emit_rows(iter(rows), fmt)
    return capsys.readouterr().out


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=RECORDS)
def test_streamed_json_is_the_text_of_the_whole_list_at_once(
    capsys: pytest.CaptureFixture[str], rows: list[dict[str, Any]]
) -> None:
    printed = _printed(capsys, rows, Format.JSON)
    assert printed == json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    assert json.loads(printed) == rows


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=RECORDS.filter(bool))
def test_streamed_csv_is_the_text_of_the_whole_list_at_once(
    capsys: pytest.CaptureFixture[str], rows: list[dict[str, Any]]
) -> None:
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(rows[0].keys())
    writer.writerows([output._csv_cell(r[c]) for c in rows[0]] for r in rows)
    assert _printed(capsys, rows, Format.CSV) == expected.getvalue()


def test_the_first_rows_are_written_before_the_last_are_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[str] = []

    def rows() -> Iterator[dict[str, Any]]:
        for n in range(3):
            yield {"id": n}
            seen.append(capsys.readouterr().out)

    capsys.readouterr()
    emit_rows(rows(), Format.JSON)
    assert seen[0] == '[\n  {\n    "id": 0\n  }'
    capsys.readouterr()
    seen.clear()
    emit_rows(rows(), Format.CSV)
    assert seen[0] == "id\n0\n"


def test_a_table_longer_than_a_page_keeps_the_first_page_s_widths(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "TABLE_PAGE", 2)
    rows = [{"id": 1, "name": "ab"}, {"id": 22, "name": "abcd"}, {"id": 3, "name": "abcdefg"}]
    lines = _printed(capsys, rows, Format.TABLE).splitlines()
    assert lines == ["ID  NAME", "1   ab", "22  abcd", "3   abcdefg"]


def test_an_empty_list_is_an_empty_json_array_and_a_message_for_people(
    capsys: pytest.CaptureFixture[str],
) -> None:
    emit_rows(iter([]), Format.JSON)
    assert capsys.readouterr().out == "[]\n"
    emit_rows(iter([]), Format.TABLE, empty="no obligations match")
    assert capsys.readouterr().err == "no obligations match\n"
    emit_rows(iter([]), Format.CSV)
    assert capsys.readouterr().out == ""
