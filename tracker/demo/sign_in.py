"""The demo's contract manager as a web user, so the demo can be explored in the browser."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tracker.context import Context
from tracker.db import read_session
from tracker.people.accounts import add_user, find_user


@dataclass(frozen=True)
class DemoSignIn:
    email: str
    # Shown once, when the account is made; only its argon2 hash is stored.
    password: str | None


def ensure_demo_manager(ctx: Context, email: str) -> DemoSignIn:
    """Create the demo manager's account with a fresh random password the first time;
    later runs say the account exists (its password cannot be shown again)."""
    with read_session(ctx.engine) as session:
        exists = find_user(session, email) is not None
    if exists:
        return DemoSignIn(email=email, password=None)
    password = secrets.token_urlsafe(12)
    add_user(
        ctx, email=email, role="manager", display_name="Demo contract manager", password=password
    )
    return DemoSignIn(email=email, password=password)
