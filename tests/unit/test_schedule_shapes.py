"""Schedule shapes of issue 14: deadline plans chosen when an event is recorded."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import HEADER, clause, dates
from tests.unit.test_clause_loader import problems
from tracker.domain.schedule import event_occurrence
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
    )
    found = problems(text)
    assert any("obligations[0].trigger.plans" in p and "only event and finding" in p for p in found)
    assert any("plans.normal" in p and "the trigger's own offset" in p for p in found)
    assert any("plans.fast" in p and "not a duration" in p for p in found)
