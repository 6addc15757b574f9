"""Who may do what: the one permission table, by role and by scope.

A route, an API endpoint or a CLI door asks `may(person, action, manager_email=...)`;
`manager_email` is the contract's `Contract.manager_email` when the action is on a contract
(managers act only on the contracts they manage) and None for actions on nothing in
particular. New doors add actions here, not rules of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tracker.errors import TrackerError
from tracker.models import UserRole


class Forbidden(TrackerError):
    """The person is known but their role does not allow this."""


class Action(StrEnum):
    READ = "read"  # dashboard, contracts, obligations, outbox
    READ_RESTRICTED = "read_restricted"  # content of restricted evidence (factory lists...)
    # The file of restricted evidence: narrower than reading about it (the issue: "the
    # contract's manager, a reviewer or an admin"); other files need only READ.
    DOWNLOAD_RESTRICTED = "download_restricted"
    READ_AUDIT = "read_audit"
    SUBMIT_EVIDENCE = "submit_evidence"
    REVIEW_EVIDENCE = "review_evidence"
    WAIVE = "waive"
    RECORD_FINDING = "record_finding"
    EDIT_CONTRACT = "edit_contract"
    RETRY_MAIL = "retry_mail"
    MANAGE_USERS = "manage_users"
    READ_METRICS = "read_metrics"  # /metrics (or with TRACKER_METRICS_TOKEN)
    MANAGE_SUPPLIERS = "manage_suppliers"  # suppliers and their contacts
    ADD_CONTRACT = "add_contract"
    PRODUCE_REPORT = "produce_report"
    SCHEDULE_REPORT = "schedule_report"
    VERIFY_AUDIT = "verify_audit"
    # Own calendar feeds: a secret address that reads deadlines without signing in, so not
    # for viewers (occasional, often outside readers).
    SUBSCRIBE_CALENDAR = "subscribe_calendar"


class Scope(StrEnum):
    ANY = "any"  # every contract
    OWN = "own"  # contracts whose manager_email is the person's email


A, M, R, U, V = (
    UserRole.ADMIN,
    UserRole.MANAGER,
    UserRole.REVIEWER,
    UserRole.AUDITOR,
    UserRole.VIEWER,
)
ANY, OWN = Scope.ANY, Scope.OWN

PERMISSIONS: dict[Action, dict[UserRole, Scope]] = {
    Action.READ: {A: ANY, M: ANY, R: ANY, U: ANY, V: ANY},
    Action.READ_RESTRICTED: {A: ANY, M: ANY, R: ANY, U: ANY},
    Action.DOWNLOAD_RESTRICTED: {A: ANY, M: OWN, R: ANY},
    Action.READ_AUDIT: {A: ANY, M: ANY, U: ANY},
    Action.SUBMIT_EVIDENCE: {A: ANY, M: OWN},
    Action.REVIEW_EVIDENCE: {A: ANY, M: OWN, R: ANY},
    Action.WAIVE: {A: ANY, M: OWN},
    Action.RECORD_FINDING: {A: ANY, M: OWN},
    Action.EDIT_CONTRACT: {A: ANY, M: OWN},
    Action.RETRY_MAIL: {A: ANY, M: ANY},
    Action.MANAGE_USERS: {A: ANY},
    Action.READ_METRICS: {A: ANY},
    Action.MANAGE_SUPPLIERS: {A: ANY, M: ANY},
    Action.ADD_CONTRACT: {A: ANY, M: ANY},
    Action.PRODUCE_REPORT: {A: ANY, M: ANY, U: ANY},
    Action.SCHEDULE_REPORT: {A: ANY, M: ANY},
    Action.VERIFY_AUDIT: {A: ANY, U: ANY},
    Action.SUBSCRIBE_CALENDAR: {A: ANY, M: ANY, R: ANY, U: ANY},
}


@dataclass(frozen=True)
class Person:
    """Who is acting, as the doors know them after sign-in."""

    id: int
    email: str
    display_name: str
    role: UserRole
    expires_on: date | None = None


def scope_of(person: Person, action: Action) -> Scope | None:
    return PERMISSIONS[action].get(person.role)


def may(person: Person, action: Action, *, manager_email: str | None = None) -> bool:
    """Whether `person` may do `action`; on a contract, pass its manager's email.

    Without a contract (`manager_email` None and not on a contract) an OWN scope counts as
    allowed: the person may do it somewhere, and the contract-level check decides."""
    scope = scope_of(person, action)
    if scope is None:
        return False
    if scope is Scope.ANY:
        return True
    return manager_email is None or manager_email.casefold() == person.email.casefold()


def may_on_contract(person: Person, action: Action, *, manager_email: str | None) -> bool:
    """Like `may`, for an action on one contract: a contract with no manager is nobody's own."""
    scope = scope_of(person, action)
    if scope is None:
        return False
    if scope is Scope.ANY:
        return True
    return manager_email is not None and manager_email.casefold() == person.email.casefold()


def require(person: Person, action: Action) -> None:
    if not may(person, action):
        raise Forbidden(f"a {person.role.value} may not {action.value.replace('_', ' ')}")
