"""People: users and roles, passwords, sign-in sessions, API tokens, sign-in throttling."""

from tracker.people.access import check, manager_of
from tracker.people.accounts import (
    UserPublic,
    add_user,
    disable_user,
    list_users,
    set_password,
)
from tracker.people.roles import PERMISSIONS, Action, Forbidden, Person, Scope, may
from tracker.people.sessions import Current, SignedIn, SignInRefused, current, sign_in, sign_out
from tracker.people.tokens import IssuedToken, create_token, person_for_token

__all__ = [
    "PERMISSIONS",
    "Action",
    "Current",
    "Forbidden",
    "IssuedToken",
    "Person",
    "Scope",
    "SignInRefused",
    "SignedIn",
    "UserPublic",
    "add_user",
    "check",
    "create_token",
    "current",
    "disable_user",
    "list_users",
    "manager_of",
    "may",
    "person_for_token",
    "set_password",
    "sign_in",
    "sign_out",
]
