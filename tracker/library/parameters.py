"""Clause parameters: check a buyer's values against the clause's typed definitions."""

from __future__ import annotations

import re
import string
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tracker.domain.durations import CalendarKind, Duration
from tracker.domain.templates import JsonValue as JsonValue
from tracker.domain.templates import param_name as param_name
from tracker.errors import BadInput
from tracker.library.schema import ClauseFile, Parameter, ParamType

_MONEY = re.compile(r"^(?P<amount>\d+(?:\.\d{1,2})?)\s*(?P<currency>[A-Z]{3})$")


def coerce(definition: Parameter, raw: Any) -> JsonValue:
    """Return `raw` as the stored (JSON-safe) value of the parameter, or raise ValueError."""
    kind = definition.type
    if kind is ParamType.DURATION:
        duration = Duration.parse(str(raw))
        if definition.calendar is CalendarKind.BUSINESS and not duration.is_day_based:
            raise ValueError(f"{raw!r}: business-day durations are counted in days, e.g. P20D")
        if duration.negative:
            raise ValueError(f"{raw!r}: a deadline parameter cannot be negative")
        _check_range(definition, duration.approx_days(), str(raw))
        return str(duration)
    if kind is ParamType.INTEGER:
        if isinstance(raw, bool):
            raise ValueError(f"{raw!r} is not a whole number")
        try:
            number = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
        _check_range(definition, number, str(raw))
        return number
    if kind is ParamType.DATE:
        if isinstance(raw, date):
            return raw.isoformat()
        try:
            return date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None
    if kind is ParamType.ENUM:
        value = str(raw)
        if value not in (definition.choices or []):
            raise ValueError(f"{raw!r} is not one of {', '.join(definition.choices or [])}")
        return value
    if kind is ParamType.BOOLEAN:
        text = str(raw).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ValueError(f"{raw!r} is not true or false")
    if kind is ParamType.MONEY:
        match = _MONEY.match(str(raw).strip())
        if match is None:
            raise ValueError(f"{raw!r} is not an amount with currency, e.g. '5000 EUR'")
        try:
            Decimal(match.group("amount"))
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not an amount") from None
        return f"{match.group('amount')} {match.group('currency')}"
    text = str(raw)
    if not text.strip():
        raise ValueError("an empty text is not allowed")
    return text


def _check_range(definition: Parameter, value: float, shown: str) -> None:
    if definition.min is not None and value < definition.min:
        raise ValueError(f"{shown} is below the minimum {definition.min}")
    if definition.max is not None and value > definition.max:
        raise ValueError(f"{shown} is above the maximum {definition.max}")


def resolve_values(clause: ClauseFile, given: dict[str, str]) -> dict[str, JsonValue]:
    """Defaults overlaid by the buyer's values; every value checked. Raises BadInput."""
    unknown = sorted(set(given) - set(clause.parameters))
    if unknown:
        known = ", ".join(sorted(clause.parameters)) or "none"
        raise BadInput(
            f"clause {clause.id} has no parameter {unknown[0]!r} (its parameters: {known})",
            field=f"params.{unknown[0]}",
        )
    values: dict[str, JsonValue] = {}
    for name, definition in clause.parameters.items():
        raw = given.get(name, definition.default)
        if raw is None:
            raise BadInput(f"clause {clause.id} needs a value for {name!r}", field=f"params.{name}")
        try:
            values[name] = coerce(definition, raw)
        except ValueError as exc:
            where = "" if name in given else "the clause's default is wrong: "
            raise BadInput(f"{where}{exc}", field=f"params.{name}") from None
    return values


def placeholders(text: str) -> list[str]:
    """Names used as `{name}` in a clause text; raises ValueError on unbalanced braces."""
    names = []
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", field) or spec or conversion:
            raise ValueError(
                f"{{{field}}} is not a parameter placeholder such as {{disclosure_period}}"
            )
        names.append(field)
    return names


def render_text(text: str, values: dict[str, JsonValue]) -> str:
    return text.format_map({k: "" if v is None else v for k, v in values.items()})
