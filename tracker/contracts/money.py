"""Contract values as people type them: `2400000.50`, `2 400 000,50`, `2,400,000.50`.

`--value 2400000,50` used to be stored as 240000050 (issue 11, item 13). The rule: the last
`.` or `,` followed by one or two digits is the decimal mark; before it the other mark,
spaces or `'` may group thousands in threes. A lone mark followed by three digits (`1,234`,
`1.234`) reads as a decimal mark in some countries and a thousands separator in others, so
it is refused, saying how to write it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from tracker.errors import BadInput

CENT = Decimal("0.01")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
EXAMPLES = "e.g. 2400000.50, 2400000,50, 2 400 000,50 or 2,400,000.50"


def parse_amount(text: str, *, field: str) -> Decimal:
    """The amount `text` means; refuses what could be read two ways."""
    compact = _SPACES.sub("", text.strip())
    sign, digits = ("-", compact[1:]) if compact.startswith("-") else ("", compact)
    if not re.fullmatch(r"\d[\d.,]*", digits) or not digits[-1].isdigit():
        raise BadInput(f"{text!r} is not an amount ({EXAMPLES})", field=field)
    marks = [i for i, ch in enumerate(digits) if ch in ".,"]
    if not marks:
        return Decimal(sign + digits)
    last = marks[-1]
    mark, head, tail = digits[last], digits[:last], digits[last + 1 :]
    if len(tail) in (1, 2):
        if mark in head:
            raise BadInput(f"{text!r} is not an amount ({EXAMPLES})", field=field)
        whole = _ungroup(head, "," if mark == "." else ".", text, field)
        return Decimal(f"{sign}{whole}.{tail}")
    if len(tail) == 3 and len(marks) == 1:
        raise BadInput(
            f"{text!r} is ambiguous: write {head}{tail} if {mark!r} separates thousands; "
            "an amount has at most two decimals (e.g. 1234.50 or 1234,50)",
            field=field,
        )
    if len(tail) == 3:
        return Decimal(sign + _ungroup(digits, mark, text, field))
    raise BadInput(f"{text!r} is not an amount ({EXAMPLES})", field=field)


def _ungroup(value: str, mark: str, text: str, field: str) -> str:
    """Digits grouped in threes by `mark` (or not grouped at all), without the marks."""
    parts = value.split(mark)
    if (
        all(p.isdigit() for p in parts)
        and (len(parts) == 1 or 1 <= len(parts[0]) <= 3)
        and all(len(p) == 3 for p in parts[1:])
    ):
        return "".join(parts)
    raise BadInput(f"{text!r} is not an amount ({EXAMPLES})", field=field)


def check_amount(amount: Decimal, *, field: str) -> Decimal:
    """Finite, not negative, at most two decimals, fits the column; returned to the cent."""
    if not amount.is_finite():
        raise BadInput(f"{amount} is not an amount ({EXAMPLES})", field=field)
    if amount < 0:
        raise BadInput("must not be negative", field=field)
    if amount != amount.quantize(CENT):
        raise BadInput(f"{amount} has more than two decimals", field=field)
    if amount >= Decimal(10) ** 16:
        raise BadInput(f"{amount} is too large for a contract value", field=field)
    return amount.quantize(CENT)
