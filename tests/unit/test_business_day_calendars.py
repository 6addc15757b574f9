"""Business-day counts with the buyer's closure days, and escalation rungs counted in
business days of the contract's region."""

from __future__ import annotations

from datetime import date, timedelta

from tests.factories import clause
from tracker.domain.business_days import add_business_days, is_business_day, roll
from tracker.domain.durations import CalendarKind
from tracker.domain.policy import LadderStep, counts_business_days, steps_for
from tracker.domain.schedule import ContractDates, event_occurrence

# Christmas week 2027 at the buyer: Monday 27 to Friday 31 December.
CLOSURE_WEEK = frozenset(date(2027, 12, 27) + timedelta(days=i) for i in range(5))

NOTICE = """\
parameters:
  notice_period: {type: duration, default: P5D, calendar: business, source: inference}
obligations:
  - id: notice
    title: Report the incident
    trigger: {type: event, event: allegation, offset: "{notice_period}"}
  - id: rolled
    title: Hand over the list
    trigger: {type: event, event: allegation, offset: P3D, adjust: following}
"""


def test_five_business_days_skip_a_closure_week() -> None:
    # From Wednesday 22 December 2027 in Sweden: Thu 23 and Fri 24 count, Christmas falls
    # on the weekend; without closures Mon 27 .. Wed 29 complete the five days.
    start = date(2027, 12, 22)
    assert add_business_days(start, 5, "SE") == date(2027, 12, 29)
    # With the buyer closed all week the count resumes after New Year's Day (a Saturday):
    # Mon 3, Tue 4, Wed 5 January.
    assert add_business_days(start, 5, "SE", CLOSURE_WEEK) == date(2028, 1, 5)
    # Backwards too, and the closure days are not business days themselves.
    assert add_business_days(date(2028, 1, 3), -1, "SE", CLOSURE_WEEK) == date(2027, 12, 24)
    assert not is_business_day(date(2027, 12, 28), "SE", CLOSURE_WEEK)
    assert is_business_day(date(2027, 12, 28), "SE")


def test_closure_days_count_without_a_country_and_move_rolls() -> None:
    assert add_business_days(date(2027, 12, 24), 1, None, CLOSURE_WEEK) == date(2028, 1, 3)
    assert roll(date(2027, 12, 28), None, direction=1, closed=CLOSURE_WEEK) == date(2028, 1, 3)
    assert roll(date(2027, 12, 28), None, direction=-1, closed=CLOSURE_WEEK) == date(2027, 12, 24)


def test_an_event_duty_in_business_days_skips_the_buyers_closure_days() -> None:
    parsed = clause(NOTICE)
    base = ContractDates(date(2027, 1, 1), date(2030, 12, 31), country="SE")
    closed = ContractDates(date(2027, 1, 1), date(2030, 12, 31), country="SE", closed=CLOSURE_WEEK)

    def due(template_id: str, contract: ContractDates) -> date:
        return event_occurrence(
            parsed.obligation(template_id),
            clause=parsed,
            values={},
            contract=contract,
            occurred_on=date(2027, 12, 22),
            event_key="1",
        ).due_on

    assert due("notice", base) == date(2027, 12, 29)
    assert due("notice", closed) == date(2028, 1, 5)
    # Three calendar days land on Christmas Day; "following" rolls past the closed week.
    assert due("rolled", base) == date(2027, 12, 27)
    assert due("rolled", closed) == date(2028, 1, 3)


LADDER = (
    LadderStep(2, "formal-notice", "P5D", calendar=CalendarKind.BUSINESS),
    LadderStep(3, "escalation-meeting", "P30D"),
    LadderStep(4, "sanctions", None, manual=True),
)


def _on(
    steps_due: date, *, country: str | None, closed: frozenset[date] = frozenset()
) -> dict[str, date]:
    steps = steps_for(steps_due, ladder=LADDER, country=country, closed=closed)
    return {s.key: s.on for s in steps}


def test_a_business_day_rung_skips_the_weekend_and_a_regional_holiday() -> None:
    # Due Monday 24 May 2027. Five business days in Bavaria: Tue 25, Wed 26, (Corpus
    # Christi, Thu 27, is a holiday in Bavaria), Fri 28, (weekend), Mon 31, Tue 1 June.
    due = date(2027, 5, 24)
    assert _on(due, country="DE-BY")["level:2"] == date(2027, 6, 1)
    # Corpus Christi is not a holiday in Germany as a whole: one day earlier.
    assert _on(due, country="DE")["level:2"] == date(2027, 5, 31)
    # Calendar rungs do not move; a manual rung still follows the last dated one.
    bavaria = _on(due, country="DE-BY")
    assert bavaria["level:3"] == due + timedelta(days=30)
    assert bavaria["level:4"] == due + timedelta(days=45)


def test_a_business_day_rung_skips_closure_days() -> None:
    due = date(2027, 12, 22)
    assert _on(due, country="SE")["level:2"] == date(2027, 12, 29)
    assert _on(due, country="SE", closed=CLOSURE_WEEK)["level:2"] == date(2028, 1, 5)


def test_only_ladders_with_a_business_rung_are_computed_per_obligation() -> None:
    assert counts_business_days(LADDER)
    assert not counts_business_days(LADDER[1:])
    assert not counts_business_days(None)
