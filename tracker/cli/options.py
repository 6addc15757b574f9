"""Parsing of option values and building the use-case context for each command."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from tracker.config import get_settings
from tracker.context import Context
from tracker.contracts import parse_amount
from tracker.db import get_engine
from tracker.domain.schedule import utc_now
from tracker.errors import BadInput
from tracker.migrate import current_revision, head_revision


def parse_date(value: str | None, *, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{option}: {value!r} is not a date; use YYYY-MM-DD") from None


def parse_now(value: str | None, *, timezone: str) -> datetime:
    """--now: ISO 8601; without an offset it is read in TRACKER_TIMEZONE."""
    if value is None:
        return utc_now()
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(
            f"--now: {value!r} is not an ISO 8601 time, e.g. 2027-02-03T08:30:00+01:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment


def parse_params(values: list[str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BadInput(f"--param: {item!r} is not NAME=VALUE")
        if name.strip() in params:
            raise BadInput(f"--param: {name.strip()!r} is given twice")
        params[name.strip()] = value.strip()
    return params


def parse_money(value: str | None) -> Decimal | None:
    """--value as people type it (2400000.50, 2 400 000,50, 2,400,000.50); the rule and
    its refusals of ambiguous amounts live with the use cases, so every door reads alike."""
    if value is None:
        return None
    return parse_amount(value, field="value")


def context(now: str | None = None, *, require_schema: bool = True) -> Context:
    """Settings, engine and clock for one command; refuses a database that is not ready."""
    settings = get_settings()
    engine = get_engine(settings.database_url)
    if require_schema:
        current = current_revision(engine)
        head = head_revision(settings.database_url)
        if current is None:
            raise BadInput("the database has no tracker schema yet; run `tracker init` first")
        if current != head:
            raise BadInput(
                f"the database schema is at {current} but this version needs {head}; "
                "run `tracker db upgrade`"
            )
    return Context(
        settings=settings,
        engine=engine,
        now=parse_now(now, timezone=settings.timezone),
        actor=settings.actor,
    )
