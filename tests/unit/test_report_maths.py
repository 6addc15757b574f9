"""The pure parts of a report: rates, tallies, trend assembly, file names, CSV safety."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.csvsafe import csv_safe
from tracker.reports.figures import (
    DEFINITIONS,
    OUTCOMES,
    BreakdownLine,
    Outcomes,
    Tally,
    assemble_trend,
    category_label,
    on_time_rate,
    percent,
    severity_counts,
    worst_first,
)
from tracker.reports.periods import parse_period
from tracker.reports.produce import FORMATS, filename
from tracker.reports.scope import parse_scope


def test_on_time_rate_leaves_open_waived_and_review_out() -> None:
    o = Outcomes(on_time=3, late=1, overdue=2, open=10, under_review=4, waived=5, not_applicable=6)
    # 3 / (3 + 1 + 2)
    assert o.on_time_rate == 0.5
    assert o.judged == 6
    assert o.total == 31


def test_on_time_rate_is_none_when_nothing_was_judged() -> None:
    assert on_time_rate(0, 0, 0) is None
    assert Outcomes(open=4, waived=1).on_time_rate is None
    assert on_time_rate(0, 0, 1) == 0.0
    assert on_time_rate(1, 0, 0) == 1.0


def test_percent() -> None:
    assert percent(1 / 3) == "33.3 %"
    assert percent(1.0) == "100.0 %"
    assert percent(None) == "—"


def test_outcomes_add_and_convert() -> None:
    a = Outcomes(on_time=1, overdue=2)
    b = Outcomes(overdue=1, waived=4)
    assert a + b == Outcomes(on_time=1, overdue=3, waived=4)
    assert Outcomes.from_counts((a + b).as_dict()) == a + b
    assert list(a.as_dict()) == list(OUTCOMES)
    with pytest.raises(ValueError, match="unknown outcomes"):
        Outcomes.from_counts({"lost": 1})


def test_tally_adds_groups_and_keeps_the_highest_level() -> None:
    tally = Tally()
    tally.add("overdue", 2, 3)
    tally.add("overdue", 1, 5)
    tally.add("on_time", 4, None)
    assert tally.outcomes() == Outcomes(on_time=4, overdue=3)
    assert tally.level == 5
    line = tally.line("RA-1", "Notebooks", "Nordic AB")
    assert line == BreakdownLine("RA-1", "Notebooks", "Nordic AB", Outcomes(4, 0, 3), 5)
    with pytest.raises(ValueError, match="unknown outcome"):
        tally.add("misplaced", 1, 0)


def test_trend_is_oldest_first_with_empty_periods_counted_as_zero() -> None:
    q4 = parse_period("2026-Q4")
    periods = [q4.previous(i) for i in range(5)]
    trend = assemble_trend(periods, {0: Outcomes(on_time=1), 3: Outcomes(overdue=2)})
    assert [t.period.label for t in trend] == [
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    assert [t.outcomes.total for t in trend] == [0, 2, 0, 0, 1]
    assert [t.outcomes.on_time_rate for t in trend] == [None, 0.0, None, None, 1.0]


def test_worst_first_orders_by_overdue_then_size_then_key() -> None:
    def line(key: str, overdue: int, total_open: int) -> BreakdownLine:
        return BreakdownLine(key, key, "", Outcomes(overdue=overdue, open=total_open), 0)

    lines = [line("b", 1, 5), line("a", 1, 5), line("c", 2, 0), line("d", 0, 9)]
    assert [b.key for b in worst_first(lines)] == ["c", "a", "b", "d"]


def test_severity_counts_list_every_known_severity_in_order() -> None:
    assert severity_counts({"minor": 2, "odd": 1}) == (
        ("priority", 0),
        ("major", 0),
        ("minor", 2),
        ("odd", 1),
    )


def test_category_labels() -> None:
    assert category_label("human-rights-dd") == "Human rights due diligence"
    assert category_label("remediation") == "Corrective actions"
    assert category_label("new-theme") == "New theme"


def test_definitions_say_what_on_time_means() -> None:
    terms = dict(DEFINITIONS)
    assert "Met on time" in terms
    assert "÷" in terms["On-time rate"]
    assert "superseded" in terms["Obligations in the period"]


@pytest.mark.parametrize(
    ("scope", "period", "fmt", "expected"),
    [
        ("portfolio", "2026-Q4", "html", "compliance-report_portfolio_2026-Q4.html"),
        ("supplier:12", "2026-11", "pdf", "compliance-report_supplier-12_2026-11.pdf"),
        (
            "contract:RA/2027 ÅÄ*017",
            "2026",
            "csv",
            "compliance-report_contract-RA-2027-017_2026.csv",
        ),
        ("contract:../../etc", "2026", "xlsx", "compliance-report_contract-etc_2026.xlsx"),
        (
            "portfolio",
            "2026-10-01..2026-12-31",
            "pdf",
            "compliance-report_portfolio_2026-10-01_2026-12-31.pdf",
        ),
    ],
)
def test_filename_is_safe_ascii(scope: str, period: str, fmt: str, expected: str) -> None:
    name = filename(parse_scope(scope), parse_period(period), fmt)
    assert name == expected
    assert name.isascii()
    assert "/" not in name
    assert name.count(".") == 1


def test_every_format_has_a_filename() -> None:
    for fmt in FORMATS:
        assert filename(parse_scope("portfolio"), parse_period("2026"), fmt).endswith("." + fmt)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Nordic AB", "Nordic AB"),
        ("2026-10-01", "2026-10-01"),
    ],
)
def test_csv_safe(value: str, expected: str) -> None:
    assert csv_safe(value) == expected


def test_a_date_is_not_a_period_end_before_start() -> None:
    with pytest.raises(ValueError, match="before start"):
        type(parse_period("2026"))(date(2026, 2, 1), date(2026, 1, 1), "x", "custom")
