"""People who use the web app: add, list, disable, set a password. Every change is audited
with the person who made it (`ctx.actor`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from tracker import validate
from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import read_session, write_session
from tracker.errors import BadInput, NotFound
from tracker.models import ApiToken, User, UserRole, UserSession
from tracker.people.passwords import hash_password


@dataclass(frozen=True)
class UserPublic:
    email: str
    display_name: str
    role: str
    disabled: bool
    expires_on: date | None
    has_password: bool
    created_at: datetime


def public(user: User) -> UserPublic:
    return UserPublic(
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        disabled=user.disabled,
        expires_on=user.expires_on,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
    )


def _snapshot(user: User) -> dict[str, object]:
    # Never the password hash: the audit trail is read by auditors.
    return {
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "disabled": user.disabled,
        "expires_on": user.expires_on,
    }


def role_of(value: str) -> UserRole:
    try:
        return UserRole(value.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in UserRole)
        raise BadInput(f"{value!r} is not one of {allowed}", field="role") from None


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(col(User.email) == email.strip().lower())).first()


def get_user(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"no user {email!r}", field="email")
    return user


def add_user(
    ctx: Context,
    *,
    email: str,
    role: str,
    display_name: str | None = None,
    expires_on: date | None = None,
    password: str | None = None,
) -> UserPublic:
    address = validate.email(email, field="email").lower()
    kind = role_of(role)
    name = validate.text(
        display_name or address.split("@")[0], field="display_name", max_length=200
    )
    if kind is UserRole.AUDITOR and expires_on is None:
        raise BadInput("an auditor's access ends on a date; give it", field="expires_on")
    if kind is not UserRole.AUDITOR and expires_on is not None:
        raise BadInput("only auditor accounts expire", field="expires_on")
    hashed = hash_password(password) if password is not None else None
    with write_session(ctx.engine) as session:
        if find_user(session, address) is not None:
            raise BadInput(f"{address} already has an account", field="email")
        user = User(
            email=address,
            display_name=name,
            role=kind.value,
            password_hash=hashed,
            expires_on=expires_on,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="user",
            entity_id=user.id,
            action="added",
            after=_snapshot(user),
        )
        return public(user)


def list_users(ctx: Context) -> list[UserPublic]:
    with read_session(ctx.engine) as session:
        return [public(u) for u in session.scalars(select(User).order_by(col(User.email)))]


def revoke_access(session: Session, user_id: int, *, now: datetime) -> None:
    """End every session and API token of a user (in the caller's transaction)."""
    for model in (UserSession, ApiToken):
        session.execute(
            update(model)
            .where(col(model.user_id) == user_id, col(model.revoked_at).is_(None))
            .values(revoked_at=now)
        )


def disable_user(ctx: Context, email: str) -> UserPublic:
    """Disable an account: its sessions and tokens stop working at once."""
    with write_session(ctx.engine) as session:
        user = get_user(session, email)
        assert user.id is not None
        before = _snapshot(user)
        user.disabled = True
        user.updated_at = ctx.now
        session.add(user)
        revoke_access(session, user.id, now=ctx.now)
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="user",
            entity_id=user.id,
            action="disabled",
            before=before,
            after=_snapshot(user),
        )
        return public(user)


def set_password(ctx: Context, email: str, password: str) -> UserPublic:
    """Set a new password; other sign-ins of the account end (they may be the intruder's)."""
    hashed = hash_password(password)
    with write_session(ctx.engine) as session:
        user = get_user(session, email)
        assert user.id is not None
        user.password_hash = hashed
        user.updated_at = ctx.now
        session.add(user)
        session.execute(
            update(UserSession)
            .where(col(UserSession.user_id) == user.id, col(UserSession.revoked_at).is_(None))
            .values(revoked_at=ctx.now)
        )
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="user",
            entity_id=user.id,
            action="password_set",
            after={"email": user.email},
        )
        return public(user)
