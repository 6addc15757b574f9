"""The schedule engine: exact due dates a contract manager can check by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.factories import FOUR_YEAR_BODY, clause, dates
from tracker.domain.schedule import (
    ContractDates,
    ScheduleError,
    contract_occurrences,
    event_occurrence,
    expiry_occurrence,
    local_today,
)
from tracker.library.parameters import resolve_values
from tracker.library.schema import ClauseFile

FOUR_YEAR = clause(FOUR_YEAR_BODY)


def schedule(
    clause_file: ClauseFile, contract: ContractDates, **params: str
) -> dict[str, list[date]]:
    values = resolve_values(clause_file, params)
    return {
        t.id: [
            o.due_on
            for o in contract_occurrences(t, clause=clause_file, values=values, contract=contract)
        ]
        for t in clause_file.obligations
    }


def test_four_year_contract_lists_exactly_the_right_dates() -> None:
    # Start Monday 15 March 2027 in Germany: Good Friday (26 Mar) and Easter Monday (29 Mar)
    # fall inside the 20 business days, so the disclosure is due Wednesday 14 April.
    contract = dates(date(2027, 3, 15), date(2031, 3, 14), country="DE", timezone="Europe/Berlin")
    got = schedule(FOUR_YEAR, contract)
    assert got["disclosure"] == [date(2027, 4, 14)]
    assert got["annual-audit"] == [date(2028, 3, 15), date(2029, 3, 15), date(2030, 3, 15)]
    assert got["exit-plan"] == [date(2030, 12, 14)]


def test_without_a_country_only_weekends_are_skipped() -> None:
    contract = dates(date(2027, 3, 15), date(2031, 3, 14))
    assert schedule(FOUR_YEAR, contract)["disclosure"] == [date(2027, 4, 12)]


def test_the_buyer_parameter_changes_the_deadline() -> None:
    contract = dates(date(2027, 3, 15), date(2031, 3, 14), country="DE")
    got = schedule(FOUR_YEAR, contract, disclosure_period="P5D")
    assert got["disclosure"] == [date(2027, 3, 22)]


MONTHLY = clause(
    """
    obligations:
      - id: from-fixed-date
        title: Monthly report anchored on a fixed date
        trigger: {type: recurring}
        recurrence: {interval: P1M, anchor: fixed_date, anchor_date: "2027-01-31", first: P0D}
      - id: from-first-due
        title: Monthly report anchored on the first due date
        trigger: {type: recurring}
        recurrence: {interval: P1M, anchor: first_due, first: P1M}
      - id: from-start
        title: Monthly report anchored on the start
        trigger: {type: recurring}
        recurrence: {interval: P1M, anchor: contract_start}
    """
)


def test_month_end_anchor_never_drifts() -> None:
    contract = dates(date(2027, 1, 31), date(2028, 4, 30))
    got = schedule(MONTHLY, contract)
    assert got["from-fixed-date"][:4] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    # 2028 is a leap year: 29 February, then back to the 31st.
    assert date(2028, 2, 29) in got["from-fixed-date"]
    assert date(2028, 3, 31) in got["from-fixed-date"]
    # Anchored on the start (31 Jan): one month on is 28 Feb, two months on is 31 Mar.
    assert got["from-start"][:3] == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    # Anchored on the first due date (28 Feb) every later one is the 28th: that is what
    # "anchored on the first due date" means, and it must not creep any further.
    assert got["from-first-due"][:3] == [date(2027, 2, 28), date(2027, 3, 28), date(2027, 4, 28)]


def test_recurrence_stops_at_contract_end_inclusive() -> None:
    contract = dates(date(2027, 1, 1), date(2029, 1, 1))
    got = schedule(FOUR_YEAR, contract)
    assert got["annual-audit"] == [date(2028, 1, 1), date(2029, 1, 1)]


def test_signature_trigger_needs_a_signature_date() -> None:
    signed = clause(
        """
        obligations:
          - id: kickoff
            title: Kick-off meeting after signature
            trigger: {type: contract_signed, offset: P14D}
        """
    )
    template = signed.obligations[0]
    with pytest.raises(ScheduleError, match="signature date"):
        list(
            contract_occurrences(
                template,
                clause=signed,
                values={},
                contract=dates(date(2027, 1, 1), date(2028, 1, 1)),
            )
        )
    got = list(
        contract_occurrences(
            template,
            clause=signed,
            values={},
            contract=dates(date(2027, 1, 1), date(2028, 1, 1), signed=date(2026, 12, 20)),
        )
    )
    assert [o.due_on for o in got] == [date(2027, 1, 3)]


def test_adjust_moves_weekend_deadlines() -> None:
    adjusted = clause(
        """
        obligations:
          - id: following
            title: Moves to the next business day
            trigger: {type: contract_end, offset: -P90D, adjust: following}
          - id: preceding
            title: Moves to the previous business day
            trigger: {type: contract_end, offset: -P90D, adjust: preceding}
        """
    )
    contract = dates(date(2027, 3, 15), date(2031, 3, 14), country="DE")
    got = schedule(adjusted, contract)  # 90 days before end is Saturday 14 Dec 2030
    assert got["following"] == [date(2030, 12, 16)]
    assert got["preceding"] == [date(2030, 12, 13)]


EVENTS = clause(
    """
    parameters:
      change_period: {type: duration, default: P30D, source: inference}
    evidence_types:
      - id: certificate
        label: Certificate
        has_validity: true
    obligations:
      - id: site-change
        title: Report a site change
        trigger: {type: event, event: supplier_site_change, offset: "{change_period}"}
      - id: renewal
        title: Renew the certificate
        trigger: {type: evidence_expiry, evidence_type: certificate, offset: -P30D}
    """
)


def test_event_and_expiry_templates_are_not_planned_from_the_contract() -> None:
    contract = dates(date(2027, 1, 1), date(2030, 12, 31))
    assert schedule(EVENTS, contract) == {"site-change": [], "renewal": []}


def test_event_counts_from_the_day_it_happened() -> None:
    contract = dates(date(2027, 1, 1), date(2030, 12, 31))
    values = resolve_values(EVENTS, {})
    got = event_occurrence(
        EVENTS.obligations[0],
        clause=EVENTS,
        values=values,
        contract=contract,
        occurred_on=date(2027, 6, 10),
        event_key="7",
    )
    assert (got.key, got.due_on) == ("event:7", date(2027, 7, 10))


def test_expiry_plans_renewal_before_the_certificate_runs_out() -> None:
    contract = dates(date(2027, 1, 1), date(2030, 12, 31))
    values = resolve_values(EVENTS, {})
    got = expiry_occurrence(
        EVENTS.obligations[1],
        clause=EVENTS,
        values=values,
        contract=contract,
        valid_until=date(2028, 3, 1),
        evidence_key="12",
    )
    assert (got.key, got.due_on) == ("expiry:12", date(2028, 1, 31))


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        # 23:30 UTC on 14 April is already 15 April in Berlin but still 14 April in New York.
        (datetime(2027, 4, 14, 23, 30, tzinfo=UTC), "Europe/Berlin", date(2027, 4, 15)),
        (datetime(2027, 4, 14, 23, 30, tzinfo=UTC), "America/New_York", date(2027, 4, 14)),
        (datetime(2027, 4, 14, 14, 59, tzinfo=UTC), "Pacific/Kiritimati", date(2027, 4, 15)),
    ],
)
def test_today_is_the_contracts_date(instant: datetime, zone: str, expected: date) -> None:
    assert local_today(instant, zone) == expected


def test_local_today_refuses_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_today(datetime(2027, 1, 1, 12), "UTC")


NEAR_THE_END = clause(
    """\
obligations:
  - id: audit
    title: Social audit
    trigger: {type: recurring}
    recurrence: {interval: P12M, anchor: contract_start}
  - id: exit-plan
    title: Exit plan, after the end
    trigger: {type: contract_end, offset: P90D, adjust: following}
"""
)


def test_dates_near_9999_end_the_schedule_instead_of_crashing() -> None:
    contract = dates(date(9990, 3, 31), date(9999, 12, 31), country="DE")
    [audit, exit_plan] = NEAR_THE_END.obligations
    due = [
        o.due_on
        for o in contract_occurrences(audit, clause=NEAR_THE_END, values={}, contract=contract)
    ]
    assert due[-1] == date(9999, 3, 31)
    assert len(due) == 9
    with pytest.raises(ScheduleError, match="would fall after 9999-12-31"):
        list(contract_occurrences(exit_plan, clause=NEAR_THE_END, values={}, contract=contract))
