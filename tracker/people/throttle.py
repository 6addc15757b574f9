"""Sign-in throttling: failed attempts are rows, counted per account and per address."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from tracker.models import LoginAttempt

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5
PER_ADDRESS = 20


def failures(
    session: Session, *, now: datetime, email: str | None = None, ip: str | None = None
) -> int:
    stmt = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(col(LoginAttempt.at) > now - WINDOW, col(LoginAttempt.succeeded).is_(False))
    )
    if email is not None:
        stmt = stmt.where(col(LoginAttempt.email) == email)
    if ip is not None:
        stmt = stmt.where(col(LoginAttempt.ip) == ip)
    return int(session.execute(stmt).scalar_one())


def throttled(session: Session, *, now: datetime, email: str, ip: str) -> bool:
    return (
        failures(session, now=now, email=email) >= PER_ACCOUNT
        or failures(session, now=now, ip=ip) >= PER_ADDRESS
    )
