"""Is the tracker doing its job? Heartbeats of the periodic passes and the state of mail.

One verdict for every door: `tracker status` prints it, the web app's `/healthz` serves it
as JSON (`HealthReport.as_dict()`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from tracker.context import Context
from tracker.db import read_session
from tracker.models import OutboxMessage, OutboxStatus
from tracker.reminders import heartbeat
from tracker.reminders.relay import counts

JOBS = ("sweep", "relay", "report")
# Partially delivered messages named in the report at most (the count is always whole).
SHOWN = 20


@dataclass(frozen=True)
class JobHealth:
    job: str
    last_ok_at: datetime | None
    age_seconds: float | None  # since the last good run; None: never ran well
    limit_seconds: int  # older than this is stale
    stale: bool
    last_error: str | None


@dataclass(frozen=True)
class PartialDelivery:
    """A message some recipients got and others refused for good."""

    id: int
    subject: str
    refused: dict[str, str]  # address -> the server's answer


@dataclass(frozen=True)
class HealthReport:
    ok: bool
    problems: tuple[str, ...]
    jobs: tuple[JobHealth, ...]
    messages: dict[str, int]  # by outbox status: pending, sending, sent, partial, failed
    partial: tuple[PartialDelivery, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: times as ISO 8601 text."""
        found = asdict(self)
        for job in found["jobs"]:
            if job["last_ok_at"] is not None:
                job["last_ok_at"] = job["last_ok_at"].isoformat()
        return found


def database_answers(ctx: Context) -> bool:
    """Whether this process can read the database: what a load balancer needs to know of
    one web process, whatever the state of the workers and the mail."""
    try:
        with read_session(ctx.engine) as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def check_health(ctx: Context) -> HealthReport:
    """Each job's heartbeat against its limit, and the outbox: failed or partially
    delivered mail is a problem until someone retries it."""
    beats = heartbeat.heartbeats(ctx.engine)
    limit = ctx.settings.heartbeat_stale_seconds
    # The report job runs less often: it is stale after three of its own intervals.
    limits = {"sweep": limit, "relay": limit, "report": max(limit, 3 * ctx.settings.report_seconds)}
    problems: list[str] = []
    jobs = []
    for job in JOBS:
        beat = beats.get(job)
        last = beat.last_ok_at if beat else None
        stale = heartbeat.stale(beat, now=ctx.now, limit_seconds=limits[job])
        if stale:
            problems.append(
                f"{job} has not run successfully in the last {limits[job]} s"
                + ("" if last else " (never)")
            )
        jobs.append(
            JobHealth(
                job=job,
                last_ok_at=last,
                age_seconds=(ctx.now - last).total_seconds() if last else None,
                limit_seconds=limits[job],
                stale=stale,
                last_error=beat.last_error if beat else None,
            )
        )
    with read_session(ctx.engine) as session:
        delivery = counts(session)
        partial = tuple(
            PartialDelivery(id=i or 0, subject=s, refused=dict(r or {}))
            for i, s, r in session.execute(
                select(
                    col(OutboxMessage.id), col(OutboxMessage.subject), col(OutboxMessage.refused)
                )
                .where(col(OutboxMessage.status) == OutboxStatus.PARTIAL.value)
                .order_by(col(OutboxMessage.id).desc())
                .limit(SHOWN)
            )
        )
    if delivery[OutboxStatus.FAILED.value]:
        problems.append(f"{delivery[OutboxStatus.FAILED.value]} messages failed")
    if delivery[OutboxStatus.PARTIAL.value]:
        problems.append(
            f"{delivery[OutboxStatus.PARTIAL.value]} messages were refused by some recipients"
        )
    return HealthReport(
        ok=not problems,
        problems=tuple(problems),
        jobs=tuple(jobs),
        messages=delivery,
        partial=partial,
    )
