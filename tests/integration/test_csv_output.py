"""Every CLI list printed as CSV is safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.cli import Cli

NAME = '=HYPERLINK("https://example.com/x","click")'


@pytest.fixture
def cli(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    return runner


def test_a_supplier_named_like_a_formula_is_text_in_csv(cli: Cli) -> None:
    cli.ok("supplier", "add", NAME, "--email", "csr@example.com", "--country", "SE")
    cli.ok("supplier", "add", "--email", "minus@example.com", "--", "@Minus Ltd")

    rows = list(csv.DictReader(io.StringIO(cli.ok("supplier", "list", "-f", "csv").out)))
    names = {row["name"] for row in rows}
    assert names == {"'" + NAME, "'@Minus Ltd"}
    assert {row["id"] for row in rows} == {"1", "2"}  # numbers are left as they are

    shown = cli.ok("supplier", "show", "1", "-f", "csv").out
    assert next(csv.DictReader(io.StringIO(shown)))["name"] == "'" + NAME
    # JSON and tables print the name as it was given.
    assert cli.ok("supplier", "list", "-f", "json").json()[0]["name"] == NAME
