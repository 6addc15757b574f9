"""Scheduled reports: add, list and remove schedules; find what is due; send each once.

A schedule's periods are calendar months, quarters or years in its timezone. A period's
report is due at local midnight after its last day and is produced *as at* that instant,
so a report produced late (after downtime) holds the figures it would have held on time.
After downtime every missed period since the schedule's first is produced once, oldest
first, but only the last CATCH_UP_PERIODS (12) of them: older ones are left to
`tracker report --period ...` rather than mailed in a burst.

Why one periodic tick over the database rather than an APScheduler cron trigger per
schedule: a trigger only knows the fire times that pass while its process runs. A worker
that is down at 00:00 on the 1st skips the month (or, with misfire handling, fires once
for several missed periods); each worker's in-memory job store fires on its own, so N
workers send N times; a schedule added through the CLI needs every running worker to
reload its triggers; and one cron timezone cannot serve schedules kept in several. The
tick asks instead, every TRACKER_REPORT_SECONDS: "which ended periods of which active
schedule have no report_run yet?". The report_run rows are the memory, so a restart,
downtime, a new schedule or a second worker needs nothing special, and the unique
(schedule_id, period_label) key makes a concurrent duplicate lose before it sends anything.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from tracker import validate
from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import read_session, write_session
from tracker.errors import BadInput, Failure, NotFound
from tracker.mail.message import mailbox
from tracker.models import (
    Contract,
    OutboxMessage,
    ReportRun,
    ReportSchedule,
    Supplier,
    table_of,
)
from tracker.reports.due import (
    CATCH_UP_PERIODS,
    due_periods,
    ends_at,
    first_period_start,
    next_period,
)
from tracker.reports.periods import EVERY, Period, period_containing
from tracker.reports.report_mail import attachment, report_message
from tracker.reports.scope import Scope, parse_scope

log = logging.getLogger("tracker.reports.schedules")

MAX_RECIPIENTS = 50


# --- checking what a user asks for --------------------------------------------------------


def check_every(value: str) -> str:
    every = value.strip().lower()
    if every not in EVERY:
        raise BadInput(f"{value!r} is not one of {', '.join(EVERY)}", field="every")
    return every


def check_recipients(values: Sequence[str]) -> list[str]:
    """Addresses from `--to a@x.org,b@y.org` (repeatable); line breaks and other control
    characters are refused outright, so nothing given here can become a header."""
    found: list[str] = []
    for value in values:
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            raise BadInput(f"{value!r} contains a line break or control character", field="to")
        for part in value.split(","):
            if not part.strip():
                continue
            address = validate.email(part, field="to")
            try:
                _, address = mailbox(address)
            except ValueError as exc:
                raise BadInput(f"{exc}", field="to") from None
            if address not in found:
                found.append(address)
    if not found:
        raise BadInput("give at least one email address", field="to")
    if len(found) > MAX_RECIPIENTS:
        raise BadInput(f"at most {MAX_RECIPIENTS} addresses", field="to")
    return found


def check_formats(value: str, *, known: Sequence[str]) -> list[str]:
    formats: list[str] = []
    for part in value.split(","):
        fmt = part.strip().lower()
        if not fmt:
            continue
        if fmt not in known:
            raise BadInput(f"{part.strip()!r} is not one of {', '.join(known)}", field="formats")
        if fmt not in formats:
            formats.append(fmt)
    if not formats:
        raise BadInput(f"give at least one of {', '.join(known)}", field="formats")
    return formats


def check_scope(session: Session, value: str) -> Scope:
    """A scope whose supplier or contract exists (parse_scope checks only the form)."""
    scope = parse_scope(value)
    if scope.kind == "supplier" and session.get(Supplier, scope.supplier_id) is None:
        raise NotFound(f"no supplier with id {scope.key}; `tracker supplier list`", field="scope")
    if scope.kind == "contract":
        found = session.scalars(
            select(col(Contract.id)).where(col(Contract.reference) == scope.key)
        ).first()
        if found is None:
            raise NotFound(f"no contract {scope.key!r}; `tracker contract list`", field="scope")
    return scope


# --- schedules ---------------------------------------------------------------------------


def _schedule_view(
    schedule: ReportSchedule, *, now: datetime, last: ReportRun | None
) -> dict[str, Any]:
    upcoming = next_period(
        every=schedule.every,
        timezone=schedule.timezone,
        first_start=schedule.first_period_start,
        now=now,
    )
    first = period_containing(schedule.first_period_start, schedule.every)
    return {
        "id": schedule.id,
        "every": schedule.every,
        "scope": schedule.scope,
        "formats": ",".join(schedule.formats),
        "to": ",".join(schedule.recipients),
        "timezone": schedule.timezone,
        "skip_if_empty": schedule.skip_if_empty,
        "active": schedule.active,
        "first_period": first.label,
        "last_report": f"{last.period_label} ({last.status})" if last else None,
        "next_report": (
            f"{upcoming.label} at "
            + ends_at(upcoming, schedule.timezone)
            .astimezone(ZoneInfo(schedule.timezone))
            .isoformat()
            if schedule.active
            else None
        ),
    }


def _last_runs(session: Session, ids: list[int]) -> dict[int, ReportRun]:
    if not ids:
        return {}
    runs = session.scalars(
        select(ReportRun)
        .where(col(ReportRun.schedule_id).in_(ids))
        .order_by(col(ReportRun.period_start), col(ReportRun.id))
    )
    return {run.schedule_id: run for run in runs if run.schedule_id is not None}


def add_schedule(
    ctx: Context,
    *,
    every: str,
    scope: str,
    recipients: Sequence[str],
    formats: str,
    timezone: str | None = None,
    skip_if_empty: bool = False,
) -> dict[str, Any]:
    """A new schedule; its first report covers the period running at `ctx.now`."""
    from tracker.reports.produce import FORMATS

    every = check_every(every)
    to = check_recipients(recipients)
    chosen = check_formats(formats, known=list(FORMATS))
    zone = validate.timezone(timezone or ctx.settings.timezone, field="timezone")
    with write_session(ctx.engine) as session:
        checked = check_scope(session, scope)
        schedule = ReportSchedule(
            every=every,
            scope=str(checked),
            formats=chosen,
            recipients=to,
            timezone=zone,
            skip_if_empty=skip_if_empty,
            active=True,
            first_period_start=first_period_start(every=every, timezone=zone, created_at=ctx.now),
            created_at=ctx.now,
            created_by=ctx.actor,
        )
        session.add(schedule)
        session.flush()
        view = _schedule_view(schedule, now=ctx.now, last=None)
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="report_schedule",
            entity_id=schedule.id,
            action="create",
            after=_audited(schedule),
        )
    return view


def _audited(schedule: ReportSchedule) -> dict[str, Any]:
    return {
        "every": schedule.every,
        "scope": schedule.scope,
        "formats": schedule.formats,
        "recipients": schedule.recipients,
        "timezone": schedule.timezone,
        "skip_if_empty": schedule.skip_if_empty,
        "active": schedule.active,
        "first_period_start": schedule.first_period_start.isoformat(),
    }


def list_schedules(ctx: Context, *, include_removed: bool = False) -> list[dict[str, Any]]:
    stmt = select(ReportSchedule).order_by(col(ReportSchedule.id))
    if not include_removed:
        stmt = stmt.where(col(ReportSchedule.active).is_(True))
    with read_session(ctx.engine) as session:
        schedules = list(session.scalars(stmt))
        last = _last_runs(session, [s.id for s in schedules if s.id is not None])
    return [_schedule_view(s, now=ctx.now, last=last.get(s.id or 0)) for s in schedules]


def remove_schedule(ctx: Context, schedule_id: int) -> dict[str, Any]:
    """Stop a schedule. It stays, with its reports, for the record."""
    with write_session(ctx.engine) as session:
        schedule = session.get(ReportSchedule, schedule_id)
        if schedule is None:
            raise NotFound(
                f"no report schedule {schedule_id}; `tracker report schedule list`",
                field="schedule_id",
            )
        if not schedule.active:
            raise BadInput(f"report schedule {schedule_id} is already removed", field="schedule_id")
        moved = session.execute(
            update(ReportSchedule)
            .where(col(ReportSchedule.id) == schedule_id, col(ReportSchedule.active).is_(True))
            .values(active=False)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if not moved:
            raise BadInput(f"report schedule {schedule_id} is already removed", field="schedule_id")
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="report_schedule",
            entity_id=schedule_id,
            action="remove",
            before={"active": True},
            after={"active": False},
        )
        schedule.active = False
        view = _schedule_view(
            schedule, now=ctx.now, last=_last_runs(session, [schedule_id]).get(schedule_id)
        )
    return view


# --- the tick ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReport:
    schedule: ReportSchedule
    period: Period
    as_of: datetime


def due_reports(
    session: Session, *, now: datetime, limit: int = CATCH_UP_PERIODS
) -> list[DueReport]:
    """Every (active schedule, ended period) without a report run, by schedule, oldest first."""
    schedules = list(
        session.scalars(
            select(ReportSchedule)
            .where(col(ReportSchedule.active).is_(True))
            .order_by(col(ReportSchedule.id))
        )
    )
    if not schedules:
        return []
    done: dict[int, set[str]] = defaultdict(set)
    rows = session.execute(
        select(col(ReportRun.schedule_id), col(ReportRun.period_label)).where(
            col(ReportRun.schedule_id).in_([s.id for s in schedules])
        )
    )
    for schedule_id, label in rows:
        done[schedule_id].add(label)
    due: list[DueReport] = []
    for schedule in schedules:
        assert schedule.id is not None
        for period in due_periods(
            every=schedule.every,
            timezone=schedule.timezone,
            first_start=schedule.first_period_start,
            now=now,
            done=done[schedule.id],
            limit=limit,
        ):
            as_of = min(ends_at(period, schedule.timezone), now)
            due.append(DueReport(schedule, period, as_of))
    return due


@dataclass
class ReportTick:
    due: int = 0
    queued: int = 0
    skipped: int = 0
    already_done: int = 0  # another worker (or an earlier run of this one) got there first
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def checked(self) -> ReportTick:
        """Itself, or Failure when a report could not be produced (so the worker's
        heartbeat records the error and `tracker status` can show it)."""
        if self.failed:
            raise Failure("; ".join(self.failed))
        return self


Outcome = Literal["queued", "skipped", "already_done"]


def _never() -> bool:
    return False


def tick(ctx: Context, *, stop: Callable[[], bool] = _never) -> ReportTick:
    """Produce and enqueue every report that is due at `ctx.now`, one (schedule, period)
    per unit of work; stops between units when `stop()` says so.

    A report that fails (say, its contract was deleted) is logged and counted in
    `failed`; that schedule's later periods wait for the next tick, so they still go out
    oldest first, and the other schedules carry on. Records the "report" heartbeat,
    whoever runs it (the worker or cron).
    """
    from tracker.reminders import heartbeat
    from tracker.reminders.relay import worker_id

    with heartbeat.beating(ctx.engine, "report", worker_id()) as run:
        report = _tick(ctx, stop=stop)
        if report.failed:
            run.error = "; ".join(report.failed)
    return report


def _tick(ctx: Context, *, stop: Callable[[], bool]) -> ReportTick:
    with read_session(ctx.engine) as session:
        due = due_reports(session, now=ctx.now)
    report = ReportTick(due=len(due))
    broken: set[int] = set()
    for item in due:
        if stop():
            break
        schedule_id = item.schedule.id or 0
        if schedule_id in broken:
            continue
        try:
            outcome = send_once(ctx, item)
        except Exception as exc:
            log.exception("report schedule %s, %s failed", schedule_id, item.period.label)
            broken.add(schedule_id)
            report.failed.append(f"schedule {schedule_id} {item.period.label}: {exc}")
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _exists(session: Session, schedule_id: int, label: str) -> bool:
    found = session.scalars(
        select(col(ReportRun.id)).where(
            col(ReportRun.schedule_id) == schedule_id, col(ReportRun.period_label) == label
        )
    ).first()
    return found is not None


def send_once(ctx: Context, item: DueReport) -> Outcome:
    """Produce one scheduled report and record it with its email, exactly once.

    The files are produced outside any transaction (it takes time); then one transaction
    writes the report_run, its files, the outbox message and the audit event. A worker
    that loses the race to another (unique schedule_id + period_label, and the message's
    unique group_key) rolls everything back and sends nothing.
    """
    from tracker.reports import produce
    from tracker.reports.runs import record_run

    schedule, period = item.schedule, item.period
    assert schedule.id is not None
    with read_session(ctx.engine) as session:
        if _exists(session, schedule.id, period.label):
            return "already_done"
    scope = parse_scope(schedule.scope)
    figures = produce.compute_figures(
        ctx, scope, period, as_of=item.as_of, timezone=schedule.timezone
    )
    skip = schedule.skip_if_empty and not produce.had_anything_due(figures)
    files = {} if skip else {fmt: produce.render(figures, fmt) for fmt in schedule.formats}
    status: Outcome = "skipped" if skip else "queued"
    try:
        with write_session(ctx.engine) as session:
            if _exists(session, schedule.id, period.label):
                return "already_done"
            run = record_run(
                session,
                scope=scope,
                period=period,
                as_of=item.as_of,
                files=files,
                recipients=[] if skip else list(schedule.recipients),
                status=status,
                actor=ctx.actor,
                now=ctx.now,
                schedule_id=schedule.id,
            )
            outbox_id = None
            if not skip:
                message = report_message(
                    ctx,
                    schedule=schedule,
                    figures=figures,
                    run_id=run.id or 0,
                    files=[
                        attachment(produce.filename(scope, period, fmt), fmt, data)
                        for fmt, data in files.items()
                    ],
                )
                table = table_of(OutboxMessage)
                outbox_id = session.execute(
                    insert(table).returning(table.c.id), [message]
                ).scalar_one()
                session.execute(
                    update(ReportRun)
                    .where(col(ReportRun.id) == run.id)
                    .values(outbox_id=outbox_id)
                    .execution_options(synchronize_session=False)
                )
            audit.record(
                session,
                now=ctx.now,
                actor=ctx.actor,
                entity="report_run",
                entity_id=run.id,
                action=status,
                after={
                    "schedule_id": schedule.id,
                    "scope": schedule.scope,
                    "period": period.label,
                    "as_of": item.as_of.isoformat(),
                    "hashes": dict(run.hashes),
                    "recipients": list(run.recipients),
                    "outbox_id": outbox_id,
                },
            )
    except IntegrityError:
        with read_session(ctx.engine) as session:
            if _exists(session, schedule.id, period.label):
                log.info("schedule %s %s: another worker sent it", schedule.id, period.label)
                return "already_done"
        raise
    return status
