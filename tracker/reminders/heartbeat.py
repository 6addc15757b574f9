"""Heartbeats of the worker's jobs, so a stopped scheduler is noticed, not assumed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import StatementError
from sqlmodel import col

from tracker.bulk import insert_ignoring_duplicates
from tracker.clock import utc_now
from tracker.db import read_session, write_session
from tracker.models import WorkerHeartbeat, table_of


def _ensure(engine: Engine, job: str, worker: str) -> None:
    with write_session(engine) as session:
        insert_ignoring_duplicates(
            session,
            table_of(WorkerHeartbeat),
            [{"job": job, "worker": worker, "runs": 0}],
            conflict=["job"],
        )


def error_text(exc: BaseException) -> str:
    """What went wrong, in one line, without the statement's parameters: a database error's
    text would otherwise carry whole rows (message bodies) into logs and `tracker status`."""
    if isinstance(exc, StatementError) and exc.orig is not None:
        exc = exc.orig
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:2000]


@dataclass
class Run:
    """One run of a job; a pass that carried on past a failure sets `error`."""

    error: str | None = None


@contextmanager
def beating(engine: Engine, job: str, worker: str) -> Iterator[Run]:
    """Record the start and end of one run of `job`, and whether it went well (an
    exception, or an error the run reported)."""
    _ensure(engine, job, worker)
    with write_session(engine) as session:
        session.execute(
            update(WorkerHeartbeat)
            .where(col(WorkerHeartbeat.job) == job)
            .values(worker=worker, last_started_at=utc_now())
        )
    run = Run()
    try:
        yield run
    except Exception as exc:
        _finish(engine, job, error=error_text(exc))
        raise
    _finish(engine, job, error=run.error)


def _finish(engine: Engine, job: str, *, error: str | None) -> None:
    finished = utc_now()
    values: dict[str, object] = {
        "last_finished_at": finished,
        "last_error": error[:2000] if error else None,
        "runs": col(WorkerHeartbeat.runs) + 1,
    }
    if error is None:
        values["last_ok_at"] = finished
    with write_session(engine) as session:
        session.execute(
            update(WorkerHeartbeat).where(col(WorkerHeartbeat.job) == job).values(values)
        )


def heartbeats(engine: Engine) -> dict[str, WorkerHeartbeat]:
    with read_session(engine) as session:
        return {h.job: h for h in session.scalars(select(WorkerHeartbeat))}


def stale(beat: WorkerHeartbeat | None, *, now: datetime, limit_seconds: int) -> bool:
    if beat is None or beat.last_ok_at is None:
        return True
    return (now - beat.last_ok_at).total_seconds() > limit_seconds
