"""Parsing of option values and building the use-case context for each command."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from tracker.clock import utc_now
from tracker.config import get_settings
from tracker.context import Context
from tracker.contracts import parse_amount
from tracker.db import get_engine
from tracker.errors import BadInput, Failure
from tracker.files import write_atomic
from tracker.migrate import current_revision, head_revision


def write_output(path: Path, data: bytes) -> None:
    """Write a file the user named with -o, whole or not at all."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise BadInput(f"-o: the directory {directory} does not exist")
    if path.is_dir():
        raise BadInput(f"-o: {path} is a directory")
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise Failure(f"-o: cannot write {path}: {exc.strerror}") from None


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


# The help of --now on commands that write, and on those that only read.
NOW_WRITES_HELP = (
    "act as if it were this ISO 8601 time; this command writes, so only with "
    "TRACKER_ALLOW_CLOCK_OVERRIDE=1 (tests); to rehearse, use `tracker preview`"
)
NOW_READS_HELP = "as of this ISO 8601 time (default: now); reads only, so always allowed"


def context(now: str | None = None, *, writes: bool = True, require_schema: bool = True) -> Context:
    """Settings, engine and clock for one command; refuses a database that is not ready.

    A command that `writes` refuses `--now` unless TRACKER_ALLOW_CLOCK_OVERRIDE=1: a rehearsed
    time would be written into the live records (statuses, reminders, emails "sent" then).
    """
    settings = get_settings()
    if now is not None and writes and not settings.allow_clock_override:
        raise BadInput(
            "this command writes to the database, so it does not take a rehearsed time; "
            "use `tracker preview --until DATE` to see what would happen "
            "(tests set TRACKER_ALLOW_CLOCK_OVERRIDE=1)",
            field="now",
        )
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
