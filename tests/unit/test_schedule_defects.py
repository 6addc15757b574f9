"""The three date defects an independent check found: duties before the contract start,
a field the engine ignored (`after_due` on manual steps), recipients lost in a merge."""

from __future__ import annotations

from datetime import date

from tests.factories import clause, dates
from tests.unit.test_clause_loader import problems
from tracker.domain.policy import Kind, LadderStep, Role, steps_for
from tracker.domain.schedule import contract_occurrences
from tracker.library.ladders import policy_inputs
from tracker.library.parameters import resolve_values
from tracker.library.schema import ClauseFile

SUPPLIER = Role.SUPPLIER_COMPLIANCE
MANAGER = Role.CONTRACT_MANAGER

BEFORE_START = clause(
    """
    parameters:
      report_day: {type: date, default: "2026-08-31", source: inference}
    obligations:
      - id: yearly-report
        title: Yearly report on a fixed day
        trigger: {type: recurring}
        recurrence: {interval: P1Y, anchor: fixed_date, anchor_date: "{report_day}", first: P0D}
      - id: allowed-early
        title: Yearly report the clause wants before the start too
        trigger: {type: recurring, before_start: true}
        recurrence: {interval: P1Y, anchor: fixed_date, anchor_date: "{report_day}", first: P0D}
      - id: in-force-date
        title: Policy in place from a legal date
        trigger: {type: fixed_date, date: "2025-08-18"}
      - id: kickoff
        title: Kick-off after signature
        trigger: {type: contract_signed, offset: P14D}
    """
)


def due_dates(clause_file: ClauseFile, template_id: str, signed: date | None = None) -> list[date]:
    contract = dates(date(2027, 1, 15), date(2029, 12, 31), signed=signed)
    template = clause_file.obligation(template_id)
    values = resolve_values(clause_file, {})
    found = contract_occurrences(template, clause=clause_file, values=values, contract=contract)
    return [o.due_on for o in found]


def test_a_fixed_anchor_before_the_start_plans_nothing_before_the_start() -> None:
    # Anchored on 31 Aug 2026, the contract starts 15 Jan 2027: the 2026 report is not
    # this contract's, and would be overdue the moment it existed.
    assert due_dates(BEFORE_START, "yearly-report") == [
        date(2027, 8, 31),
        date(2028, 8, 31),
        date(2029, 8, 31),
    ]


def test_a_template_may_say_explicitly_that_it_starts_earlier() -> None:
    assert due_dates(BEFORE_START, "allowed-early")[0] == date(2026, 8, 31)


def test_a_one_off_duty_owed_before_the_start_is_due_on_the_start() -> None:
    assert due_dates(BEFORE_START, "in-force-date") == [date(2027, 1, 15)]
    assert due_dates(BEFORE_START, "kickoff", signed=date(2026, 11, 2)) == [date(2027, 1, 15)]
    assert due_dates(BEFORE_START, "kickoff", signed=date(2027, 1, 10)) == [date(2027, 1, 24)]


MANUAL_DATED = clause(
    """
    obligations:
      - id: certificate
        title: Valid certificate
        trigger: {type: contract_start, offset: P30D}
        reminders: {before_due: [], after_due: [P1D, P7D]}
        escalation: fast
    escalation_profiles:
      - id: fast
        steps:
          - {level: 2, name: formal-notice, after_due: P3D}
          - {level: 4, name: suspend-calloffs, after_due: P20D, manual: true}
          - {level: 5, name: termination, manual: true}
    """
)


def test_a_manual_step_falls_on_the_day_its_after_due_gives() -> None:
    template = MANUAL_DATED.obligation("certificate")
    inputs = policy_inputs(MANUAL_DATED, template, resolve_values(MANUAL_DATED, {}))
    due = date(2027, 6, 30)
    steps = steps_for(
        due, before_due=inputs.before_due, after_due=inputs.after_due, ladder=inputs.ladder
    )
    by_name = {s.name: s.on for s in steps}
    assert by_name["suspend-calloffs"] == date(2027, 7, 20)  # 20 days, as the clause says
    # The undated termination comes 15 days after the last rung before it.
    assert by_name["termination"] == date(2027, 8, 4)


MANUAL_DATED_TEXT = """\
schema_version: 1
id: x
version: "1.0.0"
title: Test clause for the schedule engine
category: labour
references:
  - id: ref
    title: A source
    url: https://example.com/source
    verification: inference
clause_text: The supplier shall do what the obligations below say.
obligations:
  - id: certificate
    title: Valid certificate
    trigger: {type: contract_start, offset: P30D}
    reminders: {before_due: [], after_due: [P1D, P7D]}
    escalation: fast
escalation_profiles:
  - id: fast
    steps:
      - {level: 2, name: formal-notice, after_due: P3D}
      - {level: 4, name: suspend-calloffs, after_due: P20D, manual: true}
"""


def test_a_level_one_step_the_reminders_would_ignore_is_refused() -> None:
    text = MANUAL_DATED_TEXT.replace(
        "- {level: 2, name: formal-notice, after_due: P3D}",
        "- {level: 1, name: informal-reminder, after_due: P2D}",
    )
    found = problems(text)
    assert any(
        "escalation_profiles[0].steps[0].after_due: level 1 is the informal reminders" in p
        for p in found
    ), found


def test_merging_two_steps_on_one_day_keeps_everyone_either_would_tell() -> None:
    # The shipped TCO profile: suspension of call-offs is decided on day +1, the day the
    # supplier's compliance contact gets the first overdue reminder.

    due = date(2027, 6, 30)
    steps = steps_for(
        due,
        before_due=[],
        after_due=["P1D", "P7D"],
        ladder=[LadderStep(4, "suspend-model-calloffs", "P1D", manual=True)],
    )
    day_one = [s for s in steps if s.on == date(2027, 7, 1)]
    assert len(day_one) == 1
    assert day_one[0].kind is Kind.DECISION_NEEDED
    assert day_one[0].level == 4
    assert set(day_one[0].roles) == {SUPPLIER, MANAGER}
    assert day_one[0].roles[0] is MANAGER  # the louder step's people first


def test_on_trigger_adds_a_notice_on_the_day_the_duty_was_planned() -> None:
    due = date(2027, 4, 9)
    steps = steps_for(due, before_due=["P7D"], notice_on=date(2027, 3, 10))
    assert [(s.key, s.on) for s in steps[:2]] == [
        ("notice", date(2027, 3, 10)),
        ("before:P7D", date(2027, 4, 2)),
    ]
    # A duty planned on or after its due date has no separate notice.
    assert "notice" not in {s.key for s in steps_for(due, notice_on=due)}


def test_an_event_or_expiry_before_the_start_owes_its_duty_on_the_start() -> None:
    from tracker.domain.schedule import event_occurrence, expiry_occurrence

    events = clause(
        """
        evidence_types:
          - {id: certificate, label: Certificate, has_validity: true}
        obligations:
          - id: site-change
            title: Report a site change
            trigger: {type: event, event: supplier_site_change, offset: P10D}
          - id: renewal
            title: Renew the certificate
            trigger: {type: evidence_expiry, evidence_type: certificate, offset: -P30D}
        """
    )
    contract = dates(date(2027, 1, 15), date(2029, 12, 31))
    event = event_occurrence(
        events.obligation("site-change"),
        clause=events,
        values={},
        contract=contract,
        occurred_on=date(2026, 12, 20),
        event_key="1",
    )
    assert event.due_on == date(2027, 1, 15)
    expiry = expiry_occurrence(
        events.obligation("renewal"),
        clause=events,
        values={},
        contract=contract,
        valid_until=date(2027, 1, 31),
        evidence_key="1",
    )
    assert expiry.due_on == date(2027, 1, 15)  # 30 days before 31 Jan is 1 Jan
