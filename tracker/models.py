"""Database tables (SQLModel). Instants are stored in UTC; deadlines are dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# One naming convention so Alembic migrations name constraints the same on both engines.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, naive UTC on disk (both engines)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: instants must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _utc(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


def _json(**kw: Any) -> Any:
    return Field(sa_type=sa.JSON, **kw)


class ContactRole(StrEnum):
    COMPLIANCE = "compliance"
    ACCOUNT = "account"
    ESCALATION = "escalation"


class ContractStatus(StrEnum):
    # The closed OCDS contractStatus codelist.
    PENDING = "pending"
    ACTIVE = "active"
    CANCELLED = "cancelled"
    TERMINATED = "terminated"


OBLIGATION_TABLE_KEY = ("contract_clause_id", "template_id", "occurrence")


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a model (SQLModel does not declare `__table__` for type checkers)."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, sa.Table)
    return table


class Supplier(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, index=True)
    country: str | None = Field(default=None, max_length=2)
    identifiers: list[str] = _json(default_factory=list)
    created_at: datetime = _utc()


class SupplierContact(SQLModel, table=True):
    __tablename__ = "supplier_contact"
    __table_args__ = (sa.UniqueConstraint("supplier_id", "email", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", ondelete="CASCADE", index=True)
    name: str | None = Field(default=None, max_length=200)
    email: str = Field(max_length=320)
    role: str = Field(max_length=20)
    # Soft delete: a removed contact gets no more reminders; what was sent to it stays.
    removed_at: datetime | None = _utc(default=None)
    # The language of the portal pages and emails this contact gets (NULL: English).
    language: str | None = Field(default=None, max_length=10)


class Contract(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=100, unique=True)
    title: str = Field(max_length=500)
    buyer: str | None = Field(default=None, max_length=300)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    signed_on: date | None = None
    start_on: date
    end_on: date
    value_amount: Decimal | None = Field(default=None, max_digits=18, decimal_places=2)
    currency: str | None = Field(default=None, max_length=3)
    cpv_codes: list[str] = _json(default_factory=list)
    manager_email: str | None = Field(default=None, max_length=320, index=True)
    timezone: str = Field(max_length=64)
    # Whose public holidays count: a country (`DE`) or a region of it (`DE-BY`).
    country: str | None = Field(default=None, max_length=10)
    # When its reminders go out, in minutes after local midnight; None: the site's hour.
    reminder_minute: int | None = None
    status: str = Field(default=ContractStatus.ACTIVE.value, max_length=20)
    created_at: datetime = _utc()
    # Set when the contract is terminated or cancelled before its planned end (`end_on`).
    ended_on: date | None = None
    end_reason: str | None = Field(default=None, max_length=2000)


class ClauseVersion(SQLModel, table=True):
    """A clause definition exactly as it was attached, stored once per content hash.

    Contracts point here, so editing the library never rewrites a running contract, and
    50,000 contracts with the same clause share one copy.
    """

    __tablename__ = "clause_version"

    id: int | None = Field(default=None, primary_key=True)
    clause_id: str = Field(max_length=80, index=True)
    version: str = Field(max_length=20)
    sha256: str = Field(max_length=64, unique=True)
    body: dict[str, Any] = _json()
    first_seen_at: datetime = _utc()


class ContractClause(SQLModel, table=True):
    """A clause version pinned to a contract, with the buyer's parameter values.

    `next_plan_on` is the earliest due date not yet materialised (NULL when the schedule
    is complete), so rolling the horizon forward is an index probe, not a scan.
    """

    __tablename__ = "contract_clause"
    __table_args__ = (sa.UniqueConstraint("contract_id", "clause_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", ondelete="CASCADE", index=True)
    clause_id: str = Field(max_length=80)
    clause_version: str = Field(max_length=20)
    clause_version_id: int = Field(foreign_key="clause_version.id", index=True)
    parameters: dict[str, Any] = _json(default_factory=dict)
    plan_from: date | None = None
    attached_at: datetime = _utc()
    attached_by: str = Field(max_length=320)
    next_plan_on: date | None = Field(default=None, index=True)
    # A detached clause plans nothing new; its obligations stay as history.
    detached_at: datetime | None = _utc(default=None)
    detach_reason: str | None = Field(default=None, max_length=2000)


class ContractEvent(SQLModel, table=True):
    """A named event (new product model, site change, ...) that starts obligations."""

    __tablename__ = "contract_event"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=60)
    occurred_on: date
    note: str | None = Field(default=None, max_length=2000)
    recorded_at: datetime = _utc()
    recorded_by: str = Field(max_length=320)
    # The deadline plan chosen when it was recorded (`priority`); None is the normal one.
    plan: str | None = Field(default=None, max_length=40)
    # Closed (e.g. the breach is remedied): duties that repeat until then stop.
    closed_on: date | None = None


class Obligation(SQLModel, table=True):
    """One dated duty. Unique per (contract clause, template, occurrence): re-planning
    never duplicates one."""

    __table_args__ = (
        sa.UniqueConstraint(*OBLIGATION_TABLE_KEY),
        sa.Index("ix_obligation_status_due_on", "status", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", ondelete="CASCADE", index=True)
    contract_clause_id: int = Field(foreign_key="contract_clause.id", ondelete="CASCADE")
    template_id: str = Field(max_length=80)
    occurrence: str = Field(max_length=80)
    title: str = Field(max_length=300)
    due_on: date = Field(index=True)
    # First day of the reminder window: from here the obligation counts as "due".
    window_opens_on: date
    status: str = Field(max_length=20)
    escalation_level: int = 0
    next_reminder_at: datetime | None = _utc(default=None, index=True)
    # When time next changes the status (window opens, due date passes), as a UTC instant.
    next_status_at: datetime | None = _utc(default=None, index=True)
    # The planned due date once the deadline in force moved (a rejection's resubmission
    # deadline, an extension): reports count the obligation in the period of its planned date.
    rescheduled_from: date | None = None
    # The local date the evidence that was accepted had been submitted (on time or late).
    met_on: date | None = None
    closed_at: datetime | None = _utc(default=None)
    # Why it was waived or found not applicable, and by whom: mandatory for both.
    decision_reason: str | None = Field(default=None, max_length=2000)
    decided_by: str | None = Field(default=None, max_length=320)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    # The delivered product model a per-model duty is about (its certificate), if any.
    product_model_id: int | None = Field(
        default=None, foreign_key="product_model.id", ondelete="CASCADE", index=True
    )


class EscalationOutcome(StrEnum):
    """What the contract manager decided when the ladder asked (manual levels 4-5)."""

    SANCTION = "sanction"
    TERMINATION = "termination"
    CONTINUE = "continue"


class ObligationDecision(SQLModel, table=True):
    """A decision the escalation ladder asked for: sanction applied, termination started,
    or monitoring continued, with the level it answered and why. One row per decision, so
    the history of an obligation's escalation stays readable."""

    __tablename__ = "obligation_decision"

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", ondelete="CASCADE", index=True)
    contract_id: int = Field(foreign_key="contract.id", ondelete="CASCADE", index=True)
    level: int  # the escalation level the obligation had reached
    outcome: str = Field(max_length=20)
    reason: str = Field(max_length=2000)
    decided_by: str = Field(max_length=320)
    decided_at: datetime = _utc()


class EvidenceStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Evidence(SQLModel, table=True):
    """A file (stored once per SHA-256 under TRACKER_EVIDENCE_DIR) or a link submitted for
    an obligation, with its review. The original filename is metadata, never a path."""

    # The dashboard's "waiting for review": the oldest submitted evidence first. Partial, so
    # it holds only the few rows waiting, and SQLite's planner (which has no statistics)
    # never prefers it for the other statuses, where it would read half the table.
    __table_args__ = (
        sa.Index(
            "ix_evidence_waiting_submitted_at",
            "submitted_at",
            sqlite_where=sa.text("status = 'submitted'"),
            postgresql_where=sa.text("status = 'submitted'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", index=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    evidence_type: str = Field(max_length=80)
    sha256: str | None = Field(default=None, max_length=64, index=True)
    url: str | None = Field(default=None, max_length=2000)
    filename: str | None = Field(default=None, max_length=255)
    media_type: str | None = Field(default=None, max_length=100)
    size_bytes: int | None = None
    fields: dict[str, Any] = _json(default_factory=dict)
    valid_from: date | None = None
    valid_until: date | None = Field(default=None, index=True)
    confidentiality: str = Field(max_length=20)
    note: str | None = Field(default=None, max_length=2000)
    submitted_by: str = Field(max_length=320)
    submitted_at: datetime = _utc()
    submitted_on: date  # in the contract's timezone: what "on time" is judged by
    status: str = Field(default=EvidenceStatus.SUBMITTED.value, max_length=20)
    reviewed_by: str | None = Field(default=None, max_length=320)
    reviewed_at: datetime | None = _utc(default=None)
    review_reason: str | None = Field(default=None, max_length=2000)
    checklist: dict[str, bool] | None = _json(default=None)
    resubmit_by: date | None = None
    renewal_obligation_id: int | None = Field(default=None, foreign_key="obligation.id")


class FindingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Finding(SQLModel, table=True):
    """A non-conformity from an audit or monitor; its corrective action plan is an
    obligation (`cap_obligation_id`) with its own deadline and reminders."""

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id")
    severity: str = Field(max_length=20)
    text: str = Field(max_length=4000)
    status: str = Field(default=FindingStatus.OPEN.value, max_length=20, index=True)
    raised_by: str = Field(max_length=320)
    raised_at: datetime = _utc()
    cap_obligation_id: int | None = Field(default=None, foreign_key="obligation.id")
    closed_at: datetime | None = _utc(default=None)


class AuditEvent(SQLModel, table=True):
    """Append-only record of every change, each row's hash chained to the previous one."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = _utc()
    actor: str = Field(max_length=320)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=100)
    action: str = Field(max_length=40)
    contract_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] | None = _json(default=None)
    after: dict[str, Any] | None = _json(default=None)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class Reminder(SQLModel, table=True):
    """One person to be told about one step of one obligation: written in the same
    transaction as the obligation's state change, so a due reminder is never lost."""

    __table_args__ = (
        sa.UniqueConstraint("obligation_id", "step", "due_on", "recipient"),
        # The compose backlog, in the order compose reads it: a catch-up walks it once
        # (keyset), whatever the planner's statistics say.
        sa.Index(
            "ix_reminder_unassigned",
            "recipient",
            "local_date",
            "contract_id",
            "id",
            sqlite_where=sa.text("outbox_id IS NULL"),
            postgresql_where=sa.text("outbox_id IS NULL"),
        ),
        # Rows of one message (and ON DELETE SET NULL). Partial, so no planner can take it
        # for the backlog's `outbox_id IS NULL` and sort the whole backlog per batch.
        sa.Index(
            "ix_reminder_outbox_id",
            "outbox_id",
            sqlite_where=sa.text("outbox_id IS NOT NULL"),
            postgresql_where=sa.text("outbox_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", ondelete="CASCADE", index=True)
    contract_id: int = Field(foreign_key="contract.id", ondelete="CASCADE")
    step: str = Field(max_length=60)
    kind: str = Field(max_length=20)
    level: int = 0
    due_on: date
    recipient: str = Field(max_length=320)
    recipient_role: str = Field(max_length=40)
    local_date: date  # the step's date in the contract's timezone (digests group by it)
    note: str | None = Field(default=None, max_length=2000)  # e.g. why evidence was rejected
    scheduled_at: datetime = _utc()
    created_at: datetime = _utc()
    outbox_id: int | None = Field(
        default=None, foreign_key="outbox_message.id", ondelete="SET NULL"
    )


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    # Accepted for some recipients, refused for good by others (see `refused`).
    PARTIAL = "partial"
    FAILED = "failed"
    # Never sent: everything it would have reminded of was met, waived or submitted
    # before it was written.
    CANCELLED = "cancelled"


class OutboxMessage(SQLModel, table=True):
    """A rendered email waiting for the relay. Claimed with a lease: `next_attempt_at`
    is set to the lease's end, so a crashed relay's message becomes claimable again."""

    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_message_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    group_key: str = Field(max_length=300, unique=True)
    message_id: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=30)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    sender: str = Field(max_length=320)
    recipients: list[str] = _json(default_factory=list)
    pending_recipients: list[str] = _json(default_factory=list)
    subject: str = Field(max_length=500)
    raw: bytes = Field(sa_type=sa.LargeBinary)
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    lease_owner: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=2000)
    notify_on_failure: bool = True
    created_at: datetime = _utc()
    sent_at: datetime | None = _utc(default=None)
    # Transient failures are retried until then (set at the first one), then it fails.
    retry_until: datetime | None = _utc(default=None)
    # Recipients the server refused for good: address -> "550 5.1.1 No such user".
    refused: dict[str, str] | None = _json(default=None)
    # When the contract manager's summary of undelivered mail included this message.
    failure_noticed_at: datetime | None = _utc(default=None)


class DeliveryAttempt(SQLModel, table=True):
    """Every attempt to hand a message to the mail server, whatever came of it."""

    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox_message.id", ondelete="CASCADE", index=True)
    attempt: int
    worker: str = Field(max_length=200)
    started_at: datetime = _utc()
    finished_at: datetime = _utc()
    outcome: str = Field(max_length=20)
    code: int | None = None
    detail: str = Field(default="", max_length=2000)
    accepted: list[str] = _json(default_factory=list)
    refused: dict[str, Any] = _json(default_factory=dict)


class WorkerHeartbeat(SQLModel, table=True):
    """Last run of each periodic job, so `tracker status` can tell a stopped worker."""

    __tablename__ = "worker_heartbeat"

    job: str = Field(primary_key=True, max_length=40)
    worker: str = Field(max_length=200)
    last_started_at: datetime | None = _utc(default=None)
    last_finished_at: datetime | None = _utc(default=None)
    last_ok_at: datetime | None = _utc(default=None)
    last_error: str | None = Field(default=None, max_length=2000)
    runs: int = 0


class ReportSchedule(SQLModel, table=True):
    """A report produced and emailed for every month, quarter or year that ends."""

    __tablename__ = "report_schedule"

    id: int | None = Field(default=None, primary_key=True)
    every: str = Field(max_length=10)  # month | quarter | year
    scope: str = Field(max_length=120)  # portfolio | supplier:ID | contract:REFERENCE
    formats: list[str] = _json(default_factory=list)
    recipients: list[str] = _json(default_factory=list)
    timezone: str = Field(max_length=64)  # periods end at midnight here
    skip_if_empty: bool = False
    active: bool = True
    first_period_start: date  # no report for periods before the schedule existed
    created_at: datetime = _utc()
    created_by: str = Field(max_length=320)


class ReportRun(SQLModel, table=True):
    """One produced report, kept so the report someone received can be shown again.

    Unique per (schedule, period): two workers, or a restart, never send it twice.
    On-demand runs have no schedule (NULLs never collide)."""

    __tablename__ = "report_run"
    __table_args__ = (sa.UniqueConstraint("schedule_id", "period_label"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int | None = Field(default=None, foreign_key="report_schedule.id", index=True)
    scope: str = Field(max_length=120)
    period_label: str = Field(max_length=40)
    period_start: date
    period_end: date  # inclusive
    as_of: datetime = _utc()
    generator_version: str = Field(max_length=40)
    formats: list[str] = _json(default_factory=list)
    hashes: dict[str, str] = _json(default_factory=dict)
    recipients: list[str] = _json(default_factory=list)
    status: str = Field(max_length=20)  # produced | queued | skipped
    outbox_id: int | None = Field(default=None, foreign_key="outbox_message.id")
    created_at: datetime = _utc()
    created_by: str = Field(max_length=320)


class ReportFile(SQLModel, table=True):
    """The exact bytes of one format of a produced report."""

    __tablename__ = "report_file"
    __table_args__ = (sa.UniqueConstraint("run_id", "format"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="report_run.id", ondelete="CASCADE", index=True)
    format: str = Field(max_length=10)
    sha256: str = Field(max_length=64)
    size_bytes: int
    content: bytes = Field(sa_type=sa.LargeBinary)


class UserRole(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    VIEWER = "viewer"


class User(SQLModel, table=True):
    """A person who signs in to the web app (or uses an API token)."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    # Argon2 hash (pwdlib); NULL until a password is set: such an account cannot sign in.
    password_hash: str | None = Field(default=None, max_length=300)
    disabled: bool = False
    # Auditors get access for a period: the account stops working after this local date.
    expires_on: date | None = None
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class UserSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of the cookie's token is stored, so a copy of
    the database does not let anyone in. Revoked on sign-out or when the user is disabled."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", index=True)
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = _utc()
    last_seen_at: datetime = _utc()
    revoked_at: datetime | None = _utc(default=None)
    ip: str | None = Field(default=None, max_length=64)


class LoginAttempt(SQLModel, table=True):
    """Every sign-in attempt, so throttling counts rows (per account and per address)."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_email_at", "email", "at"),
        sa.Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    ip: str = Field(max_length=64)
    at: datetime = _utc()
    succeeded: bool = False


class ApiToken(SQLModel, table=True):
    """A personal API token: shown once, stored as its SHA-256."""

    __tablename__ = "api_token"
    __table_args__ = (sa.UniqueConstraint("user_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=100)
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = _utc()
    last_used_at: datetime | None = _utc(default=None)
    revoked_at: datetime | None = _utc(default=None)


class ProductModel(SQLModel, table=True):
    """A product model delivered under a contract: per-model clauses (certificates,
    registrations, declarations) give each model its own obligations. Retiring a model
    stops its open duties; the row stays as history."""

    __tablename__ = "product_model"
    __table_args__ = (sa.UniqueConstraint("contract_id", "manufacturer", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", ondelete="CASCADE", index=True)
    manufacturer: str = Field(max_length=200)
    name: str = Field(max_length=200)  # model name or number, as on the certificate
    product_type: str = Field(max_length=60)
    first_delivery_on: date
    last_delivery_on: date | None = None
    retired_on: date | None = None
    retire_reason: str | None = Field(default=None, max_length=2000)
    added_at: datetime = _utc()
    added_by: str = Field(max_length=320)


class PortalLink(SQLModel, table=True):
    """A supplier contact's link to the portal for one contract. Only the SHA-256 of the
    token is stored; `nonce` lets the server (with TRACKER_SECRET_KEY) derive the same token
    again, so every email reuses the live link while a copy of the database opens nothing."""

    __tablename__ = "portal_link"
    __table_args__ = (sa.Index("ix_portal_link_contact_contract", "contact_id", "contract_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="supplier_contact.id", ondelete="CASCADE")
    contract_id: int = Field(foreign_key="contract.id", ondelete="CASCADE", index=True)
    token_sha256: str = Field(max_length=64, unique=True)
    nonce: str | None = Field(default=None, max_length=64)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    revoked_at: datetime | None = _utc(default=None)
    revoked_because: str | None = Field(default=None, max_length=200)


class PortalUse(SQLModel, table=True):
    """Every action taken through a portal link (a POST: opening the page is not one), so
    rate limits count rows and the manager sees who did what, from where."""

    __tablename__ = "portal_use"
    __table_args__ = (
        sa.Index("ix_portal_use_link_action_at", "link_id", "action", "at"),
        sa.Index("ix_portal_use_ip_action_at", "ip", "action", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key="portal_link.id", ondelete="CASCADE")
    at: datetime = _utc()
    action: str = Field(max_length=30)  # upload | upload_refused | new_link
    ip: str = Field(max_length=64)
    user_agent: str = Field(default="", max_length=300)
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id")


class CalendarFeedToken(SQLModel, table=True):
    """A calendar subscription address: a random token, stored only as its SHA-256, for one
    manager's contracts, one supplier contact's duties or one contract. Revocable; a removed
    contact's feed stops with it."""

    __tablename__ = "calendar_feed_token"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=20)  # manager | contact | contract
    manager_email: str | None = Field(default=None, max_length=320)
    contact_id: int | None = Field(
        default=None, foreign_key="supplier_contact.id", ondelete="CASCADE", index=True
    )
    contract_id: int | None = Field(
        default=None, foreign_key="contract.id", ondelete="CASCADE", index=True
    )
    created_at: datetime = _utc()
    created_by: str = Field(max_length=320, index=True)
    revoked_at: datetime | None = _utc(default=None)


class ClosureDay(SQLModel, table=True):
    """A day the buyer's office is closed (e.g. between Christmas and New Year): business-day
    deadlines skip it as they skip public holidays."""

    __tablename__ = "closure_day"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    label: str = Field(max_length=200)
    created_at: datetime = _utc()
