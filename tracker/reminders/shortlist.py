"""Which items an email lists when there are too many to read, and what it says of the rest.

At most `limit` items are listed, most urgent first: overdue by the most days, then the
soonest due. The rest are counted per heading (overdue, coming up ...) and per contract,
so a digest of 550 items stays a page a person reads, with a link to where the rest are.
Pure: items in, a shortlist out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

DEFAULT_LIMIT = 50
LIMITS = (1, 1000)
# Contracts named one by one in the counts of the rest; beyond that, one line for all.
CONTRACT_LINES = 20

Item = Mapping[str, Any]
T = TypeVar("T", bound=Item)


@dataclass(frozen=True)
class Shortlist(Generic[T]):
    items: list[T]  # listed, most urgent first
    left_out: int
    by_section: list[tuple[str, int]]  # the rest per heading key, in heading order
    by_contract: list[tuple[str, int]]  # the rest per contract reference, most first
    other_contracts: int  # contracts of the rest beyond those named
    other_items: int  # ... and how many items they hold


def urgency(item: Item) -> tuple[Any, ...]:
    """Sort key, lowest first: days left until due (negative: overdue), then stable."""
    return (
        item["days_left"],
        item["contract_reference"],
        item["title"],
        item["obligation_id"],
    )


def shortlist(
    items: Sequence[T],
    *,
    limit: int,
    order: Sequence[str],
    contract_lines: int = CONTRACT_LINES,
) -> Shortlist[T]:
    """The `limit` most urgent items and the counts of the others. `order` lists the
    heading keys as the email orders its headings."""
    if not LIMITS[0] <= limit <= LIMITS[1]:
        raise ValueError(f"limit must be between {LIMITS[0]} and {LIMITS[1]}, not {limit}")
    ranked = sorted(items, key=urgency)
    shown, rest = ranked[:limit], ranked[limit:]
    sections = Counter(str(i["section"]) for i in rest)
    position = {key: n for n, key in enumerate(order)}
    by_section = sorted(sections.items(), key=lambda kv: (position.get(kv[0], len(order)), kv[0]))
    contracts = sorted(
        Counter(str(i["contract_reference"]) for i in rest).items(),
        key=lambda kv: (-kv[1], kv[0]),
    )
    named, others = contracts[:contract_lines], contracts[contract_lines:]
    return Shortlist(
        items=list(shown),
        left_out=len(rest),
        by_section=by_section,
        by_contract=named,
        other_contracts=len(others),
        other_items=sum(n for _, n in others),
    )
