"""Which items a long email lists and what it says of the rest: the most urgent first
(overdue by the most days, then the soonest due), the others counted, nothing lost."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.reminders.shortlist import shortlist, urgency

ORDER = ["formal_notice", "overdue", "due_today", "upcoming"]


def item(n: int, days_left: int, contract: str = "C-1", section: str = "") -> dict[str, Any]:
    if not section:
        section = "overdue" if days_left < 0 else "due_today" if days_left == 0 else "upcoming"
    return {
        "obligation_id": n,
        "title": f"Obligation {n}",
        "contract_reference": contract,
        "days_left": days_left,
        "section": section,
    }


def test_overdue_by_the_most_days_first_then_the_soonest_due() -> None:
    items = [item(1, 30), item(2, -3), item(3, 0), item(4, -40), item(5, 2), item(6, 90)]
    found = shortlist(items, limit=4, order=ORDER)
    assert [i["obligation_id"] for i in found.items] == [4, 2, 3, 5]
    assert found.left_out == 2
    assert found.by_section == [("upcoming", 2)]


def test_the_rest_is_counted_per_heading_in_heading_order_and_per_contract_most_first() -> None:
    items = [item(0, -100, "C-0")] + [
        item(n, n, f"C-{n % 3}", "formal_notice" if n % 5 == 0 else "") for n in range(1, 31)
    ]
    found = shortlist(items, limit=1, order=ORDER, contract_lines=2)
    assert [i["obligation_id"] for i in found.items] == [0]
    assert found.by_section == [("formal_notice", 6), ("upcoming", 24)]
    assert found.by_contract == [("C-0", 10), ("C-1", 10)]
    assert (found.other_contracts, found.other_items) == (1, 10)


def test_nothing_left_out_when_everything_fits() -> None:
    found = shortlist([item(1, 3), item(2, -1)], limit=50, order=ORDER)
    assert [i["obligation_id"] for i in found.items] == [2, 1]
    assert (found.left_out, found.by_section, found.by_contract) == (0, [], [])


@pytest.mark.parametrize("limit", [0, -1, 1001])
def test_a_limit_outside_1_to_1000_is_refused_naming_it(limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be between 1 and 1000"):
        shortlist([item(1, 1)], limit=limit, order=ORDER)


items_strategy = st.lists(
    st.builds(
        item,
        n=st.integers(0, 10_000),
        days_left=st.integers(-400, 400),
        contract=st.sampled_from([f"C-{k}" for k in range(40)]),
    ),
    max_size=300,
)


@given(items=items_strategy, limit=st.integers(1, 1000), lines=st.integers(1, 30))
def test_every_item_is_listed_or_counted_and_none_listed_is_less_urgent_than_one_left_out(
    items: list[dict[str, Any]], limit: int, lines: int
) -> None:
    found = shortlist(items, limit=limit, order=ORDER, contract_lines=lines)
    assert len(found.items) == min(limit, len(items))
    assert len(found.items) + found.left_out == len(items)
    assert sum(n for _, n in found.by_section) == found.left_out
    assert sum(n for _, n in found.by_contract) + found.other_items == found.left_out
    assert len(found.by_contract) <= lines
    assert [urgency(i) for i in found.items] == sorted(urgency(i) for i in found.items)
    listed = {id(i) for i in found.items}
    rest = [i for i in items if id(i) not in listed]
    if found.items and rest:
        assert max(urgency(i) for i in found.items) <= min(urgency(i) for i in rest)
