"""Schedule shapes of issue 14: deadline plans chosen when an event is recorded, duties
that repeat after an event until it is closed, whichever is earlier of two triggers, and
duties that apply only to some contracts or product models."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import HEADER, clause, dates
from tests.unit.test_clause_loader import problems
from tracker.domain.schedule import (
    ContractDates,
    contract_occurrences,
    event_occurrence,
    event_occurrences,
)
from tracker.domain.templates import applies_to_model
from tracker.library.describe import describe
from tracker.library.parameters import resolve_values

PLANS = clause(
    """
    parameters:
      cap_period: {type: duration, default: P14D, source: verified}
      urgent_period: {type: duration, default: P7D, source: verified}
    obligations:
      - id: cap
        title: Corrective action plan
        trigger:
          type: event
          event: breach_reported
          offset: "{cap_period}"
          plans: {priority: "{urgent_period}", same_day: P0D}
      - id: progress
        title: Progress report
        trigger: {type: event, event: breach_reported, offset: P1M}
    """
)
CONTRACT = dates(date(2027, 1, 4), date(2030, 12, 31))


def due(template: int, plan: str | None, **params: str) -> date:
    return event_occurrence(
        PLANS.obligations[template],
        clause=PLANS,
        values=resolve_values(PLANS, params),
        contract=CONTRACT,
        occurred_on=date(2027, 3, 1),
        event_key="1",
        plan=plan,
    ).due_on


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        (None, date(2027, 3, 15)),
        ("normal", date(2027, 3, 15)),
        ("priority", date(2027, 3, 8)),
        ("same_day", date(2027, 3, 1)),
    ],
)
def test_the_chosen_plan_sets_the_deadline(plan: str | None, expected: date) -> None:
    assert due(0, plan) == expected


def test_a_plan_follows_the_buyers_parameter() -> None:
    assert due(0, "priority", urgent_period="P3D") == date(2027, 3, 4)


def test_a_template_without_the_plan_keeps_its_own_offset() -> None:
    assert due(1, "priority") == date(2027, 4, 1)


def test_the_plans_are_said_in_words() -> None:
    words = describe(PLANS.obligations[0], PLANS, resolve_values(PLANS, {}))
    assert words == (
        "Each time a breach is reported: within 14 days (with the plan priority: within "
        "7 days) (with the plan same_day: at once)."
    )


def test_plans_that_could_not_act_are_refused() -> None:
    text = HEADER.format(id="x") + (
        "parameters:\n"
        "  count: {type: integer, default: 3, source: inference}\n"
        "obligations:\n"
        "  - id: a\n"
        "    title: Contract-driven duty\n"
        "    trigger: {type: contract_start, plans: {priority: P7D}}\n"
        "  - id: b\n"
        "    title: Event duty\n"
        "    trigger: {type: event, event: allegation, plans: {normal: P1D, fast: '{count}'}}\n"
        "  - id: c\n"
        "    title: Model duty\n"
        "    trigger: {type: event, event: new_product_model, plans: {fast: P1D}}\n"
        "    per_model: true\n"
    )
    found = problems(text)
    assert any("obligations[0].trigger.plans" in p and "only event and finding" in p for p in found)
    assert any("plans.normal" in p and "the trigger's own offset" in p for p in found)
    assert any("plans.fast" in p and "not a duration" in p for p in found)
    assert any("obligations[2].trigger.plans" in p and "per_model" in p for p in found)


REPEATING = clause(
    """
    obligations:
      - id: progress
        title: Progress report
        trigger: {type: event, event: breach_reported, offset: P1M}
        recurrence: {interval: P1M, anchor: trigger, until: event_closed}
      - id: bounded
        title: Follow-up visits
        trigger: {type: event, event: breach_reported, offset: P0D}
        recurrence: {interval: P6M, anchor: trigger, until: contract_end, count: 3}
    """
)


def repeated(
    template: int, *, closed_on: date | None = None, end: date | None = None
) -> list[tuple[str, date]]:
    contract = dates(date(2027, 1, 4), end or date(2027, 12, 31))
    return [
        (o.key, o.due_on)
        for o in event_occurrences(
            REPEATING.obligations[template],
            clause=REPEATING,
            values={},
            contract=contract,
            occurred_on=date(2027, 1, 31),
            event_key="5",
            closed_on=closed_on,
        )
    ]


def test_a_repeating_event_duty_runs_monthly_until_the_contract_ends() -> None:
    got = repeated(0)
    # From the first due date in one step each time: month ends never drift.
    assert got[:3] == [
        ("event:5", date(2027, 2, 28)),
        ("event:5:r2", date(2027, 3, 31)),
        ("event:5:r3", date(2027, 4, 30)),
    ]
    assert got[-1] == ("event:5:r11", date(2027, 12, 31))
    assert len(got) == 11


def test_closing_the_event_ends_the_repetition() -> None:
    got = repeated(0, closed_on=date(2027, 5, 15))
    assert [d for _, d in got] == [
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    assert repeated(0, closed_on=date(2027, 2, 1)) == []


def test_a_count_bounds_the_repetition_and_closing_does_not_apply_to_it() -> None:
    got = repeated(1, closed_on=date(2027, 2, 1), end=date(2030, 1, 1))
    assert [d for _, d in got] == [date(2027, 1, 31), date(2027, 7, 31), date(2028, 1, 31)]


def test_a_repeating_event_duty_is_said_in_words() -> None:
    assert describe(REPEATING.obligations[0], REPEATING, {}) == (
        "Each time a breach is reported: within 1 month, then every 1 month until the event "
        "is closed or the contract ends."
    )


def test_repetition_shapes_that_could_not_act_are_refused() -> None:
    text = HEADER.format(id="x") + (
        "obligations:\n"
        "  - id: a\n"
        "    title: Contract duty anchored on a trigger\n"
        "    trigger: {type: recurring}\n"
        "    recurrence: {interval: P1M, anchor: trigger, until: event_closed}\n"
        "  - id: b\n"
        "    title: Event duty anchored on the contract\n"
        "    trigger: {type: event, event: allegation}\n"
        "    recurrence: {interval: P1M, anchor: contract_start}\n"
        "  - id: c\n"
        "    title: Event duty without an end\n"
        "    trigger: {type: event, event: allegation}\n"
        "    recurrence: {interval: P1M, anchor: trigger, until: none, first: P1D}\n"
    )
    found = problems(text)
    assert any("obligations[0].recurrence.anchor" in p for p in found)
    assert any("obligations[1].recurrence" in p and "anchor: trigger" in p for p in found)
    assert any("obligations[2].recurrence.until" in p for p in found)
    assert any("obligations[2].recurrence.first" in p for p in found)


EARLIER = clause(
    """
    parameters:
      application_date: {type: date, default: "2029-07-26", source: secondary}
    obligations:
      - id: statement
        title: Scope statement
        trigger:
          type: contract_start
          offset: P30D
          or_earlier: {type: fixed_date, date: "{application_date}"}
      - id: manifest
        title: Delivery manifest
        trigger:
          type: event
          event: delivery
          offset: P10D
          calendar: business
          or_earlier: {type: contract_end, offset: -P1D}
    """
)


def earlier(start: date, end: date = date(2031, 12, 31), **params: str) -> list[date]:
    template = EARLIER.obligations[0]
    values = resolve_values(EARLIER, params)
    return [
        o.due_on
        for o in contract_occurrences(
            template, clause=EARLIER, values=values, contract=dates(start, end)
        )
    ]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2029, 1, 7), date(2029, 2, 6)),  # 30 days first
        (date(2029, 7, 10), date(2029, 7, 26)),  # the fixed date first
        (date(2029, 6, 26), date(2029, 7, 26)),  # both the same day
        # The fixed date before the contract start does not count: 30 days.
        (date(2030, 3, 1), date(2030, 3, 31)),
    ],
)
def test_a_duty_is_due_at_whichever_date_is_earlier(start: date, expected: date) -> None:
    assert earlier(start) == [expected]


def test_the_earlier_date_follows_the_buyers_parameter() -> None:
    assert earlier(date(2029, 1, 7), application_date="2029-01-20") == [date(2029, 1, 20)]


def test_an_event_duty_is_due_no_later_than_the_day_before_the_contract_ends() -> None:
    def manifest(delivered: date) -> date:
        return event_occurrence(
            EARLIER.obligations[1],
            clause=EARLIER,
            values={},
            contract=dates(date(2027, 1, 4), date(2027, 6, 30)),
            occurred_on=delivered,
            event_key="1",
        ).due_on

    assert manifest(date(2027, 3, 1)) == date(2027, 3, 15)  # 10 business days
    assert manifest(date(2027, 6, 25)) == date(2027, 6, 29)  # the day before the end
    # The second date before the event does not count.
    assert manifest(date(2027, 6, 30)) == date(2027, 7, 14)


def test_whichever_is_earlier_is_said_in_words() -> None:
    words = describe(EARLIER.obligations[0], EARLIER, resolve_values(EARLIER, {}))
    assert (
        words
        == "Within 30 days of the contract start date, or on 2029-07-26, whichever is earlier."
    )


def test_second_triggers_that_could_not_act_are_refused() -> None:
    text = HEADER.format(id="x") + (
        "obligations:\n"
        "  - id: a\n"
        "    title: Recurring duty with a second date\n"
        "    trigger: {type: recurring, or_earlier: {type: contract_end}}\n"
        "    recurrence: {interval: P1M}\n"
        "  - id: b\n"
        "    title: Event as the second trigger\n"
        "    trigger: {type: contract_start, or_earlier: {type: event}}\n"
        "  - id: c\n"
        "    title: Fixed date without its date\n"
        "    trigger: {type: contract_start, or_earlier: {type: fixed_date}}\n"
    )
    found = problems(text)
    assert any("obligations[0].trigger.or_earlier:" in p for p in found)
    assert any("obligations[1].trigger.or_earlier.type" in p for p in found)
    assert any("obligations[2].trigger.or_earlier.date" in p for p in found)


CONDITIONAL = clause(
    """
    obligations:
      - id: phones-only
        title: Duty for phone contracts
        trigger: {type: contract_start, offset: P30D}
        applies_if: {cpv_prefixes: ["3225"]}
      - id: phone-events
        title: Event duty for phone contracts
        trigger: {type: event, event: delivery, offset: P5D}
        applies_if: {cpv_prefixes: ["3225"]}
      - id: always
        title: Duty for every contract
        trigger: {type: contract_start}
      - id: per-phone-model
        title: Duty for each phone model
        trigger: {type: event, event: new_product_model}
        per_model: true
        applies_if: {cpv_prefixes: ["3225"], product_types: [Smartphone]}
    """
)


def planned(*cpv: str) -> dict[str, int]:
    contract = ContractDates(date(2027, 1, 4), date(2028, 1, 3), cpv_codes=cpv)
    found = {
        t.id: len(list(contract_occurrences(t, clause=CONDITIONAL, values={}, contract=contract)))
        for t in (CONDITIONAL.obligations[i] for i in (0, 2, 3))
    }
    found["phone-events"] = len(
        list(
            event_occurrences(
                CONDITIONAL.obligations[1],
                clause=CONDITIONAL,
                values={},
                contract=contract,
                occurred_on=date(2027, 2, 1),
                event_key="1",
            )
        )
    )
    return found


@pytest.mark.parametrize(
    ("cpv", "expected"),
    [
        ((), {"phones-only": 0, "phone-events": 0, "always": 1, "per-phone-model": 0}),
        (("30213100",), {"phones-only": 0, "phone-events": 0, "always": 1, "per-phone-model": 0}),
        (
            ("30213100", "32250000"),
            {"phones-only": 1, "phone-events": 1, "always": 1, "per-phone-model": 0},
        ),
    ],
)
def test_a_duty_is_planned_only_for_contracts_with_its_cpv_codes(
    cpv: tuple[str, ...], expected: dict[str, int]
) -> None:
    assert planned(*cpv) == expected


@pytest.mark.parametrize(
    ("cpv", "product_type", "owes"),
    [
        ((), "smartphone", True),  # the type, in any case
        (("30213100",), " SmartPhone ", True),
        (("30213100",), "notebook", False),
        (("32250000",), "notebook", True),  # every model of a phone contract
    ],
)
def test_a_per_model_duty_is_owed_by_the_models_it_names(
    cpv: tuple[str, ...], product_type: str, owes: bool
) -> None:
    template = CONDITIONAL.obligations[3]
    assert applies_to_model(template, cpv, product_type) is owes


def test_conditions_that_could_not_act_are_refused() -> None:
    text = HEADER.format(id="x") + (
        "obligations:\n"
        "  - id: a\n"
        "    title: Contract duty naming product types\n"
        "    trigger: {type: contract_start}\n"
        "    applies_if: {product_types: [smartphone]}\n"
        "  - id: b\n"
        "    title: Empty condition\n"
        "    trigger: {type: contract_start}\n"
        "    applies_if: {}\n"
    )
    found = problems(text)
    assert any("obligations[0].applies_if.product_types" in p for p in found)
    assert any("obligations[1].applies_if" in p and "give cpv_prefixes" in p for p in found)
    text = HEADER.format(id="x") + (
        "obligations:\n"
        "  - id: c\n"
        "    title: Not a CPV prefix\n"
        "    trigger: {type: contract_start}\n"
        "    applies_if: {cpv_prefixes: [phones]}\n"
    )
    assert any("obligations[0].applies_if.cpv_prefixes" in p for p in problems(text))
