"""Properties of the schedule engine that must hold for every contract (hypothesis)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import clause, dates
from tracker.domain.business_days import add_business_days, is_business_day
from tracker.domain.durations import Duration, shift
from tracker.domain.schedule import contract_occurrences

INTERVALS = ["P7D", "P14D", "P30D", "P1M", "P2M", "P3M", "P6M", "P12M", "P1Y", "P2Y"]
ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "America/St_Johns",
]

starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def rd(duration: Duration, factor: int) -> relativedelta:
    """The reference: dateutil's relativedelta, which the engine's arithmetic must match."""
    return relativedelta(months=duration.total_months * factor, days=duration.day_part * factor)


@settings(max_examples=2000, deadline=None)
@given(
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    months=st.integers(-600, 600),
    days=st.integers(-3000, 3000),
)
def test_month_arithmetic_matches_dateutil(day: date, months: int, days: int) -> None:
    assert shift(day, months=months, days=days) == day + relativedelta(months=months, days=days)


def recurring(interval: str, anchor: str = "contract_start"):  # type: ignore[no-untyped-def]
    return clause(
        f"""
        obligations:
          - id: periodic
            title: Periodic report
            trigger: {{type: recurring}}
            recurrence: {{interval: {interval}, anchor: {anchor}}}
        """
    )


CLAUSES = {(i, a): recurring(i, a) for i in INTERVALS for a in ("contract_start", "first_due")}


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    days=st.integers(30, 6 * 366),
    interval=st.sampled_from(INTERVALS),
    anchor=st.sampled_from(["contract_start", "first_due"]),
)
def test_recurrences_stay_inside_the_contract_increase_and_are_anchored(
    start: date, days: int, interval: str, anchor: str
) -> None:
    end = start + timedelta(days=days)
    periodic = CLAUSES[(interval, anchor)]
    got = [
        o.due_on
        for o in contract_occurrences(
            periodic.obligations[0], clause=periodic, values={}, contract=dates(start, end)
        )
    ]
    assert all(start <= d <= end for d in got)
    assert all(a < b for a, b in itertools.pairwise(got))
    step = Duration.parse(interval)
    first = start + rd(step, 1)
    for k, due in enumerate(got):
        # Each occurrence is computed from the anchor in one step: no drift at month ends.
        expected = start + rd(step, k + 1) if anchor == "contract_start" else first + rd(step, k)
        assert due == expected
    # Nothing is missing: the next one would fall after the end of the contract.
    following = (
        start + rd(step, len(got) + 1) if anchor == "contract_start" else first + rd(step, len(got))
    )
    assert following > end


@settings(max_examples=100, deadline=None)
@given(
    start=starts,
    years=st.integers(1, 6),
    zone_a=st.sampled_from(ZONES),
    zone_b=st.sampled_from(ZONES),
    interval=st.sampled_from(INTERVALS),
)
def test_due_dates_do_not_depend_on_the_timezone(
    start: date, years: int, zone_a: str, zone_b: str, interval: str
) -> None:
    # Deadlines are calendar dates: the contract's UTC offset and its DST changes must not
    # move them by a day.
    end = start + relativedelta(years=years)
    periodic = CLAUSES[(interval, "contract_start")]
    template = periodic.obligations[0]
    in_a = list(
        contract_occurrences(
            template, clause=periodic, values={}, contract=dates(start, end, timezone=zone_a)
        )
    )
    in_b = list(
        contract_occurrences(
            template, clause=periodic, values={}, contract=dates(start, end, timezone=zone_b)
        )
    )
    assert in_a == in_b


@settings(max_examples=200, deadline=None)
@given(start=starts, count=st.integers(-60, 60), country=st.sampled_from([None, "DE", "SE", "GB"]))
def test_business_day_offsets_count_exactly_n_business_days(
    start: date, count: int, country: str | None
) -> None:
    due = add_business_days(start, count, country)
    if count == 0:
        assert due == start
        return
    assert is_business_day(due, country)
    # Forwards: business days in (start, due]. Backwards: in [due, start).
    window = (
        [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
        if count > 0
        else [due + timedelta(days=i) for i in range((start - due).days)]
    )
    assert sum(1 for d in window if is_business_day(d, country)) == abs(count)
    assert (due > start) == (count > 0)


@settings(max_examples=100, deadline=None)
@given(end=starts, days=st.integers(1, 400))
def test_negative_offsets_fall_before_the_end(end: date, days: int) -> None:
    before_end = clause(
        f"""
        obligations:
          - id: before-end
            title: Before the end
            trigger: {{type: contract_end, offset: -P{days}D}}
        """
    )
    start = end - timedelta(days=3 * 365)
    got = list(
        contract_occurrences(
            before_end.obligations[0], clause=before_end, values={}, contract=dates(start, end)
        )
    )
    assert [o.due_on for o in got] == [end - timedelta(days=days)]
