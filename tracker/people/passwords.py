"""Password hashing (argon2 through pwdlib) and the rule a new password must meet."""

from __future__ import annotations

import threading
from functools import lru_cache

from pwdlib import PasswordHash

from tracker.errors import BadInput

MIN_LENGTH = 12
MAX_LENGTH = 1024
# Each argon2 hash holds 64 MiB while it runs. Twenty people signing in at once would take
# 1.3 GB of the server's memory; queued two at a time (the hash uses a core each) they take
# 128 MiB and wait a few tens of milliseconds longer.
AT_ONCE = threading.BoundedSemaphore(2)


@lru_cache(maxsize=1)
def hasher() -> PasswordHash:
    return PasswordHash.recommended()


def check_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise BadInput(f"use at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise BadInput(f"use at most {MAX_LENGTH} characters", field="password")
    return password


def hash_password(password: str) -> str:
    checked = check_password(password)
    with AT_ONCE:
        return hasher().hash(checked)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not the account has a password, so timing does not tell
    which email addresses have accounts."""
    with AT_ONCE:
        if password_hash is None:
            hasher().hash(password[:MAX_LENGTH])
            return False
        try:
            return hasher().verify(password[:MAX_LENGTH], password_hash)
        except Exception:  # a malformed stored hash never lets anyone in
            return False
