"""Signing in and out: server-side sessions that can be revoked and that end when idle.

The browser holds a random token; the database holds its SHA-256, the user and when it was
last used. A session stops working when it is revoked (sign-out, password change, account
disabled), idle longer than `TRACKER_SESSION_IDLE_MINUTES`, or its auditor's access ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import read_session, write_session
from tracker.domain.schedule import local_today
from tracker.errors import TrackerError
from tracker.models import LoginAttempt, User, UserRole, UserSession
from tracker.people.passwords import verify_password
from tracker.people.roles import Person
from tracker.people.secret_tokens import digest, new_token
from tracker.people.throttle import WINDOW, throttled

# Writing last_seen_at on every request would make each page view a write; a minute's
# precision is plenty for an idle timeout counted in minutes.
TOUCH_EVERY = timedelta(seconds=60)


class SignInRefused(TrackerError):
    """Wrong email or password, a disabled or expired account, or too many attempts."""


@dataclass(frozen=True)
class SignedIn:
    token: str  # for the cookie; never stored
    person: Person


@dataclass(frozen=True)
class Current:
    """The person behind a valid session, and the session's row id."""

    session_id: int
    person: Person


def person_of(user: User) -> Person:
    assert user.id is not None
    return Person(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=UserRole(user.role),
        expires_on=user.expires_on,
    )


def usable(user: User, now: datetime, timezone: str) -> bool:
    if user.disabled:
        return False
    return user.expires_on is None or local_today(now, timezone) <= user.expires_on


def sign_in(ctx: Context, *, email: str, password: str, ip: str) -> SignedIn:
    """Check the password and open a session; every attempt is recorded. The refusal says
    the same whatever was wrong, so it does not tell which accounts exist.

    The password is checked between two short transactions, never inside one: argon2 takes
    tens of milliseconds and 64 MiB, and on SQLite a write transaction held that long makes
    every other writer (other sign-ins, the worker) wait behind it."""
    address = email.strip().lower()[:320]
    with read_session(ctx.engine) as session:
        _refuse_if_throttled(session, ctx.now, address, ip)
        user = session.scalars(select(User).where(col(User.email) == address)).first()
        stored = user.password_hash if user else None
    matches = verify_password(password, stored)
    with write_session(ctx.engine) as session:
        # Again, with the attempts recorded while the password was being checked.
        _refuse_if_throttled(session, ctx.now, address, ip)
        user = session.scalars(select(User).where(col(User.email) == address)).first()
        ok = matches and user is not None and user.password_hash == stored  # not changed since
        ok = ok and user is not None and usable(user, ctx.now, ctx.settings.timezone)
        session.add(LoginAttempt(email=address, ip=ip[:64], at=ctx.now, succeeded=ok))
        if not ok or user is None:
            # The failed attempt must be kept even though sign-in is refused.
            session.commit()
            raise SignInRefused("the email address or password is not right")
        assert user.id is not None
        token = new_token()
        row = UserSession(
            user_id=user.id,
            token_sha256=digest(token),
            created_at=ctx.now,
            last_seen_at=ctx.now,
            ip=ip[:64],
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            now=ctx.now,
            actor=user.email,
            entity="user",
            entity_id=user.id,
            action="signed_in",
            after={"ip": ip[:64], "session": row.id},
        )
        return SignedIn(token=token, person=person_of(user))


def _refuse_if_throttled(session: Session, now: datetime, email: str, ip: str) -> None:
    if throttled(session, now=now, email=email, ip=ip):
        minutes = int(WINDOW.total_seconds() // 60)
        raise SignInRefused(f"too many failed sign-ins; wait {minutes} minutes and try again")


def current(ctx: Context, token: str) -> Current | None:
    """The person behind `token`, or None when the session is unknown or has ended."""
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    with read_session(ctx.engine) as session:
        found = session.execute(
            select(UserSession, User)
            .join(User, col(User.id) == col(UserSession.user_id))
            .where(col(UserSession.token_sha256) == digest(token))
        ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or ctx.now - row.last_seen_at > idle:
        return None
    if not usable(user, ctx.now, ctx.settings.timezone):
        return None
    assert row.id is not None
    if ctx.now - row.last_seen_at >= TOUCH_EVERY:
        with write_session(ctx.engine) as session:
            session.execute(
                update(UserSession)
                .where(col(UserSession.id) == row.id, col(UserSession.revoked_at).is_(None))
                .values(last_seen_at=ctx.now)
            )
    return Current(session_id=row.id, person=person_of(user))


def sign_out(ctx: Context, token: str) -> bool:
    """End the session of `token`; False when there was none to end."""
    with write_session(ctx.engine) as session:
        row = session.scalars(
            select(UserSession).where(col(UserSession.token_sha256) == digest(token))
        ).first()
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = ctx.now
        session.add(row)
        user = session.get(User, row.user_id)
        audit.record(
            session,
            now=ctx.now,
            actor=user.email if user else ctx.actor,
            entity="user",
            entity_id=row.user_id,
            action="signed_out",
            after={"session": row.id},
        )
        return True
