"""Report periods and scopes: parsing, bad input naming the option, earlier periods."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.errors import BadInput
from tracker.reports.periods import Period, parse_period, period_containing
from tracker.reports.scope import Scope, parse_scope


@pytest.mark.parametrize(
    ("text", "start", "end", "label", "kind"),
    [
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4", "quarter"),
        ("2026-q1", date(2026, 1, 1), date(2026, 3, 31), "2026-Q1", "quarter"),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "2026-11", "month"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026", "year"),
        (" 2026-02 ", date(2026, 2, 1), date(2026, 2, 28), "2026-02", "month"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-02", "month"),  # leap year
        ("2000-02", date(2000, 2, 1), date(2000, 2, 29), "2000-02", "month"),  # 400 rule
        ("2100-02", date(2100, 2, 1), date(2100, 2, 28), "2100-02", "month"),  # 100 rule
        (
            "2026-10-01..2026-12-31",
            date(2026, 10, 1),
            date(2026, 12, 31),
            "2026-10-01..2026-12-31",
            "custom",
        ),
        (
            "2024-02-29..2024-02-29",
            date(2024, 2, 29),
            date(2024, 2, 29),
            "2024-02-29..2024-02-29",
            "custom",
        ),
    ],
)
def test_parse_period(text: str, start: date, end: date, label: str, kind: str) -> None:
    assert parse_period(text) == Period(start, end, label, kind)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-Q5",
        "2026-Q0",
        "2026-13",
        "2026-00",
        "26",
        "2026-11-05",
        "Q4-2026",
        "2023-02-29..2023-03-31",  # not a leap year
        "2026-12-31..2026-10-01",  # ends before it starts
        "2026-10-01..",
        "..2026-10-01",
        "2026-\u0661\u0661",  # Arabic-Indic digits are digits, but not ours
    ],
)
def test_bad_periods_name_the_option(text: str) -> None:
    with pytest.raises(BadInput, match=r"^period: ") as caught:
        parse_period(text)
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "n", "expected"),
    [
        ("2026-Q1", 1, "2025-Q4"),
        ("2026-Q1", 4, "2025-Q1"),
        ("2026-03", 1, "2026-02"),
        ("2026-01", 1, "2025-12"),
        ("2026-01", 13, "2024-12"),
        ("2026", 2, "2024"),
        ("2026-Q3", 0, "2026-Q3"),
    ],
)
def test_previous_calendar_periods(text: str, n: int, expected: str) -> None:
    previous = parse_period(text).previous(n)
    assert previous == parse_period(expected)


def test_previous_month_has_its_own_length() -> None:
    march = parse_period("2024-03")
    assert march.previous() == Period(date(2024, 2, 1), date(2024, 2, 29), "2024-02", "month")
    assert march.previous().days == 29


def test_previous_custom_period_is_the_same_number_of_days_before() -> None:
    # 2024-02-20..2024-03-10 is 20 days (leap day included): the one before ends on 02-19.
    period = parse_period("2024-02-20..2024-03-10")
    assert period.days == 20
    before = period.previous()
    assert (before.start, before.end) == (date(2024, 1, 31), date(2024, 2, 19))
    assert before.label == "2024-01-31..2024-02-19"
    assert before.kind == "custom"
    assert period.previous(2).end == date(2024, 1, 30)


def test_consecutive_previous_periods_tile_without_gaps() -> None:
    for text in ("2026-Q2", "2026-07", "2026", "2026-05-10..2026-06-02"):
        period = parse_period(text)
        for n in range(1, 6):
            later, earlier = period.previous(n - 1), period.previous(n)
            assert (later.start - earlier.end).days == 1, (text, n)


@pytest.mark.parametrize(
    ("day", "every", "label"),
    [
        (date(2026, 11, 20), "month", "2026-11"),
        (date(2026, 11, 20), "quarter", "2026-Q4"),
        (date(2026, 1, 1), "quarter", "2026-Q1"),
        (date(2026, 3, 31), "quarter", "2026-Q1"),
        (date(2026, 4, 1), "quarter", "2026-Q2"),
        (date(2024, 2, 29), "month", "2024-02"),
        (date(2026, 12, 31), "year", "2026"),
    ],
)
def test_period_containing(day: date, every: str, label: str) -> None:
    period = period_containing(day, every)
    assert period.label == label
    assert period.contains(day)


def test_period_containing_refuses_an_unknown_rhythm() -> None:
    with pytest.raises(BadInput, match=r"^every: 'week'"):
        period_containing(date(2026, 1, 1), "week")


@pytest.mark.parametrize(
    ("text", "scope", "shown"),
    [
        ("portfolio", Scope("portfolio"), "portfolio"),
        ("supplier:12", Scope("supplier", "12"), "supplier:12"),
        ("supplier:012", Scope("supplier", "12"), "supplier:12"),
        ("contract:RA-2027-017", Scope("contract", "RA-2027-017"), "contract:RA-2027-017"),
        ("contract:A:B", Scope("contract", "A:B"), "contract:A:B"),
    ],
)
def test_parse_scope(text: str, scope: Scope, shown: str) -> None:
    assert parse_scope(text) == scope
    assert str(parse_scope(text)) == shown
    assert parse_scope(shown) == scope  # str() round-trips


@pytest.mark.parametrize(
    "text",
    [
        "",
        "all",
        "supplier",
        "supplier:",
        "supplier:x",
        "supplier:0",
        "supplier:-3",
        "contract:",
        "contract",
        "Portfolio",
        "buyer:1",
    ],
)
def test_bad_scopes_name_the_option(text: str) -> None:
    with pytest.raises(BadInput, match=r"^scope: "):
        parse_scope(text)
