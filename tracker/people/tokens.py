"""Personal API tokens: random, shown once, stored as their SHA-256, revoked with the user."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlmodel import col

from tracker import validate
from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import write_session
from tracker.errors import BadInput
from tracker.models import ApiToken, User
from tracker.people.accounts import get_user
from tracker.people.roles import Person
from tracker.people.secret_tokens import digest, new_token
from tracker.people.sessions import person_of, usable

PREFIX = "ctk_"  # recognisable in logs and by secret scanners


@dataclass(frozen=True)
class IssuedToken:
    email: str
    name: str
    token: str  # shown once; only its hash is kept


def create_token(ctx: Context, email: str, *, name: str) -> IssuedToken:
    label = validate.text(name, field="name", max_length=100)
    token = PREFIX + new_token()
    with write_session(ctx.engine) as session:
        user = get_user(session, email)
        assert user.id is not None
        if user.disabled:
            raise BadInput(f"{user.email} is disabled", field="email")
        taken = session.scalars(
            select(ApiToken).where(col(ApiToken.user_id) == user.id, col(ApiToken.name) == label)
        ).first()
        if taken is not None:
            raise BadInput(f"{user.email} already has a token named {label!r}", field="name")
        row = ApiToken(user_id=user.id, name=label, token_sha256=digest(token), created_at=ctx.now)
        session.add(row)
        session.flush()
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="api_token",
            entity_id=row.id,
            action="created",
            after={"user": user.email, "name": label},
        )
    return IssuedToken(email=user.email, name=label, token=token)


def person_for_token(ctx: Context, token: str) -> Person | None:
    """The person an API token belongs to, or None (unknown, revoked, user disabled)."""
    with write_session(ctx.engine) as session:
        found = session.execute(
            select(ApiToken, User)
            .join(User, col(User.id) == col(ApiToken.user_id))
            .where(col(ApiToken.token_sha256) == digest(token))
        ).first()
        if found is None:
            return None
        row, user = found
        if row.revoked_at is not None or not usable(user, ctx.now, ctx.settings.timezone):
            return None
        session.execute(
            update(ApiToken).where(col(ApiToken.id) == row.id).values(last_used_at=ctx.now)
        )
        return person_of(user)
