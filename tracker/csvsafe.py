"""The one guard against CSV (formula) injection, for every CSV the tracker writes.

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return, which some
strip first) as a formula: `=HYPERLINK(...)` in a supplier's name would become a live link.
Such text gets a leading ' so it is shown as written. Only text is guarded: numbers stay
numbers, negative ones included.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """`value` as a spreadsheet shows it as text, never runs it."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value
