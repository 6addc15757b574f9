"""The record of every produced report: what it covered, as of when, which generator made
it, the exact bytes of each format and their SHA-256, and who received it."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.context import Context
from tracker.db import read_session
from tracker.errors import Failure, NotFound
from tracker.models import ReportFile, ReportRun
from tracker.reports.periods import Period
from tracker.reports.produce import FORMATS, GENERATOR_VERSION, filename
from tracker.reports.scope import Scope, parse_scope

RUN_STATUSES = ("produced", "queued", "skipped")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_run(
    session: Session,
    *,
    scope: Scope,
    period: Period,
    as_of: datetime,
    files: dict[str, bytes],
    recipients: list[str],
    status: str,
    actor: str,
    now: datetime,
    schedule_id: int | None = None,
    generator: str = GENERATOR_VERSION,
) -> ReportRun:
    """Add a report_run row and one report_file row per format (flushed, so the run has
    its id). The caller owns the transaction: the run and whatever it goes with (an
    outbox message) commit together or not at all."""
    if status not in RUN_STATUSES:
        raise ValueError(f"status {status!r} is not one of {', '.join(RUN_STATUSES)}")
    unknown = set(files) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown formats {sorted(unknown)}")
    ordered = [fmt for fmt in FORMATS if fmt in files]
    run = ReportRun(
        schedule_id=schedule_id,
        scope=str(scope),
        period_label=period.label,
        period_start=period.start,
        period_end=period.end,
        as_of=as_of,
        generator_version=generator,
        formats=ordered,
        hashes={fmt: sha256(files[fmt]) for fmt in ordered},
        recipients=list(recipients),
        status=status,
        created_at=now,
        created_by=actor,
    )
    session.add(run)
    session.flush()
    assert run.id is not None
    for fmt in ordered:
        data = files[fmt]
        session.add(
            ReportFile(
                run_id=run.id, format=fmt, sha256=sha256(data), size_bytes=len(data), content=data
            )
        )
    session.flush()
    return run


def run_record(run: ReportRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "when": run.created_at.isoformat(),
        "scope": run.scope,
        "period": run.period_label,
        "as_of": run.as_of.isoformat(),
        "generator": run.generator_version,
        "formats": list(run.formats),
        "hashes": dict(run.hashes),
        "recipients": list(run.recipients),
        "status": run.status,
        "schedule_id": run.schedule_id,
        "created_by": run.created_by,
    }


def list_runs(
    ctx: Context,
    *,
    limit: int = 50,
    schedule_id: int | None = None,
    scope: Scope | None = None,
) -> list[dict[str, Any]]:
    """The most recent runs first (never their bytes)."""
    stmt = select(ReportRun).order_by(col(ReportRun.id).desc()).limit(limit)
    if schedule_id is not None:
        stmt = stmt.where(col(ReportRun.schedule_id) == schedule_id)
    if scope is not None:
        stmt = stmt.where(col(ReportRun.scope) == str(scope))
    with read_session(ctx.engine) as session:
        return [run_record(run) for run in session.scalars(stmt)]


def run_file(ctx: Context, run_id: int, fmt: str) -> bytes:
    """The stored bytes of one format of a run, exactly as produced (hash checked)."""
    with read_session(ctx.engine) as session:
        run = session.get(ReportRun, run_id)
        if run is None:
            raise NotFound(
                f"no report run {run_id}; `tracker report runs` lists them", field="run_id"
            )
        stored = session.scalars(
            select(ReportFile).where(
                col(ReportFile.run_id) == run_id, col(ReportFile.format) == fmt
            )
        ).one_or_none()
    if stored is None:
        kept = ", ".join(run.formats) or "none"
        raise NotFound(f"report run {run_id} has no {fmt} (it has {kept})", field="format")
    content = bytes(stored.content)
    if sha256(content) != stored.sha256:
        raise Failure(f"report run {run_id} {fmt}: stored bytes do not match their hash")
    return content


def run_filename(ctx: Context, run_id: int, fmt: str) -> str:
    """The name a run's file is downloaded under: the one the CLI and scheduled emails give
    it (`compliance-report_portfolio_2026-Q4.pdf`), from the run's recorded scope and period."""
    with read_session(ctx.engine) as session:
        run = session.get(ReportRun, run_id)
    if run is None:
        raise NotFound(f"no report run {run_id}; `tracker report runs` lists them", field="run_id")
    # Only the label names the file; the kind is not recorded and plays no part in it.
    period = Period(run.period_start, run.period_end, run.period_label, "custom")
    return filename(parse_scope(run.scope), period, fmt)
