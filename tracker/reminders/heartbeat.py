"""Heartbeats of the worker's jobs, so a stopped scheduler is noticed, not assumed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine, select, update
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


@contextmanager
def beating(engine: Engine, job: str, worker: str) -> Iterator[None]:
    """Record the start and end of one run of `job`, and whether it went well."""
    _ensure(engine, job, worker)
    with write_session(engine) as session:
        session.execute(
            update(WorkerHeartbeat)
            .where(col(WorkerHeartbeat.job) == job)
            .values(worker=worker, last_started_at=utc_now())
        )
    try:
        yield
    except Exception as exc:
        with write_session(engine) as session:
            session.execute(
                update(WorkerHeartbeat)
                .where(col(WorkerHeartbeat.job) == job)
                .values(
                    last_finished_at=utc_now(),
                    last_error=repr(exc)[:2000],
                    runs=col(WorkerHeartbeat.runs) + 1,
                )
            )
        raise
    with write_session(engine) as session:
        finished = utc_now()
        session.execute(
            update(WorkerHeartbeat)
            .where(col(WorkerHeartbeat.job) == job)
            .values(
                last_finished_at=finished,
                last_ok_at=finished,
                last_error=None,
                runs=col(WorkerHeartbeat.runs) + 1,
            )
        )


def heartbeats(engine: Engine) -> dict[str, WorkerHeartbeat]:
    with read_session(engine) as session:
        return {h.job: h for h in session.scalars(select(WorkerHeartbeat))}


def stale(beat: WorkerHeartbeat | None, *, now: datetime, limit_seconds: int) -> bool:
    if beat is None or beat.last_ok_at is None:
        return True
    return (now - beat.last_ok_at).total_seconds() > limit_seconds
