"""Listings as people read them (local minutes, narrow, cut titles) and as programs read
them (every column, ISO instants), across daylight-saving changes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from tracker.cli.columns import emit_listing, local_minutes
from tracker.cli.output import Format


@pytest.mark.parametrize(
    ("instant", "timezone", "shown"),
    [
        (datetime(2027, 3, 15, 7, 0, 0, 123456, tzinfo=UTC), "Europe/Berlin", "2027-03-15 08:00"),
        (datetime(2027, 3, 29, 6, 0, tzinfo=UTC), "Europe/Berlin", "2027-03-29 08:00"),  # CEST
        (datetime(2027, 10, 31, 8, 0, tzinfo=UTC), "Europe/London", "2027-10-31 08:00"),  # GMT
        (datetime(2027, 3, 14, 13, 0, tzinfo=UTC), "America/New_York", "2027-03-14 09:00"),
    ],
)
def test_instants_are_shown_in_the_contract_s_timezone_to_the_minute(
    instant: datetime, timezone: str, shown: str
) -> None:
    assert local_minutes(instant, timezone) == shown


@dataclass(frozen=True)
class Row:
    id: int
    due_on: date
    title: str
    supplier: str
    next_reminder_at: datetime | None
    timezone: str


ROWS = [
    Row(
        1,
        date(2027, 3, 31),
        "Remedy the labour rights breach found at the final assembly site",
        "Example Devices AB",
        datetime(2027, 3, 15, 7, 0, 0, 500, tzinfo=UTC),
        "Europe/Berlin",
    )
]


def test_the_table_is_narrow_local_and_cut(capsys: pytest.CaptureFixture[str]) -> None:
    emit_listing(
        ROWS, Format.TABLE, narrow=("id", "title", "next_reminder_at"), wide=False, empty=""
    )
    header, line = capsys.readouterr().out.splitlines()
    assert header.split() == ["ID", "TITLE", "NEXT_REMINDER_AT"]
    assert "2027-03-15 08:00" in line
    assert "…" in line
    assert "Example Devices" not in line


def test_wide_shows_every_column_but_the_timezone(capsys: pytest.CaptureFixture[str]) -> None:
    emit_listing(ROWS, Format.TABLE, narrow=("id",), wide=True, empty="")
    header, line = capsys.readouterr().out.splitlines()
    assert header.split() == ["ID", "DUE_ON", "TITLE", "SUPPLIER", "NEXT_REMINDER_AT"]
    assert "final assembly site" in line


def test_json_keeps_every_field_and_full_iso_instants(capsys: pytest.CaptureFixture[str]) -> None:
    emit_listing(ROWS, Format.JSON, narrow=("id",), wide=False, empty="")
    [row] = json.loads(capsys.readouterr().out)
    assert row["next_reminder_at"] == "2027-03-15T07:00:00.000500+00:00"
    assert row["due_on"] == "2027-03-31"
    assert row["timezone"] == "Europe/Berlin"
    assert row["supplier"] == "Example Devices AB"
