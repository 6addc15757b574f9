"""Contract values and dates as typed by people: what is accepted, what is refused and why."""

from __future__ import annotations

import ast
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tracker.contracts.dates import check_contract_dates, in_range
from tracker.contracts.money import check_amount, parse_amount
from tracker.errors import BadInput


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("2400000.50", "2400000.50"),
        ("2400000,50", "2400000.50"),  # was stored as 240000050 (issue 11, item 13)
        ("2 400 000,50", "2400000.50"),
        ("2\u00a0400\u00a0000,50", "2400000.50"),
        ("2,400,000.50", "2400000.50"),
        ("2.400.000,50", "2400000.50"),
        ("1'234.5", "1234.5"),
        ("2,400,000", "2400000"),
        ("125000", "125000"),
        ("0,5", "0.5"),
    ],
)
def test_amounts_people_write_are_read_as_meant(typed: str, amount: str) -> None:
    assert parse_amount(typed, field="value") == Decimal(amount)


@pytest.mark.parametrize("typed", ["1,234", "1.234", "12,345"])
def test_a_lone_mark_before_three_digits_is_refused_as_ambiguous(typed: str) -> None:
    with pytest.raises(BadInput, match="is ambiguous: write") as caught:
        parse_amount(typed, field="value")
    assert caught.value.field == "value"
    assert "--" not in caught.value.message


@pytest.mark.parametrize(
    "typed", ["", "abc", "1e5", "1,2,3", "1.234.5", "1,23,456.00", "12.", "2,400.000,50", "NaN"]
)
def test_what_is_not_an_amount_is_refused(typed: str) -> None:
    with pytest.raises(BadInput, match="is not an amount"):
        parse_amount(typed, field="value")


def test_amounts_are_kept_to_the_cent_and_not_negative() -> None:
    assert str(check_amount(Decimal("2400000.5"), field="value")) == "2400000.50"
    with pytest.raises(BadInput, match="must not be negative"):
        check_amount(Decimal("-1"), field="value")
    with pytest.raises(BadInput, match="more than two decimals"):
        check_amount(Decimal("1.234"), field="value")


def test_contract_dates_are_bounded() -> None:
    check_contract_dates(start_on=date(1990, 1, 1), end_on=date(2039, 12, 31), signed_on=None)
    check_contract_dates(start_on=date(2150, 12, 31), end_on=date(2200, 12, 31), signed_on=None)
    with pytest.raises(BadInput, match=r"9999-12-31 is outside .*1990-01-01 to 2200-12-31") as c:
        check_contract_dates(start_on=date(2027, 1, 1), end_on=date(9999, 12, 31), signed_on=None)
    assert c.value.field == "end_on"
    with pytest.raises(BadInput, match="more than 50 years after the start date") as c:
        check_contract_dates(start_on=date(2028, 2, 29), end_on=date(2078, 3, 1), signed_on=None)
    assert c.value.field == "end_on"
    with pytest.raises(BadInput, match="is after the end date") as c:
        check_contract_dates(
            start_on=date(2027, 1, 1), end_on=date(2028, 1, 1), signed_on=date(2028, 1, 2)
        )
    assert c.value.field == "signed_on"
    with pytest.raises(BadInput) as c:
        in_range(date(1989, 12, 31), field="occurred_on")
    assert c.value.field == "occurred_on"


def test_no_contracts_use_case_names_a_cli_option() -> None:
    """Messages name fields in the use case's words; only the CLI maps them to options."""
    package = Path(__file__).parents[2] / "tracker" / "contracts"
    for module in package.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert not re.search(r"[\"'](--|[A-Z_]{3,}: )", text), module.name


def test_every_contracts_error_says_which_field() -> None:
    """Each BadInput names its field (`field=None` only where the whole request is wrong),
    so the web can put the message next to the field and the API can point at it."""
    package = Path(__file__).parents[2] / "tracker" / "contracts"
    missing: list[str] = []
    for module in package.glob("*.py"):
        calls = [
            node
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) in ("BadInput", "NotFound")
        ]
        missing += [
            f"{module.name}:{call.lineno}"
            for call in calls
            if not any(k.arg == "field" for k in call.keywords)
        ]
    assert missing == []
