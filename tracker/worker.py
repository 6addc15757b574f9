"""`tracker worker`: APScheduler ticks the sweep, the relay and the scheduled reports; the
database knows what is due.

Jobs are defined in code and kept in an in-memory store in each process (never one job
per obligation, never a job store shared between processes). On SIGTERM or Ctrl-C the
current unit of work finishes and the process exits; anything not done is still in the
database for the next run.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracker.clock import utc_now
from tracker.config import Settings
from tracker.context import Context
from tracker.db import get_engine
from tracker.mail.backends import transport_from_settings
from tracker.reminders import heartbeat
from tracker.reminders import passes as ticks
from tracker.reminders.relay import worker_id
from tracker.reports import schedules

log = logging.getLogger("tracker.worker")


def _job(
    name: str, settings: Settings, stopping: threading.Event, work: Callable[[Context], object]
) -> Callable[[], None]:
    engine = get_engine(settings.database_url)

    def run() -> None:
        if stopping.is_set():
            return
        ctx = Context(settings=settings, engine=engine, now=utc_now(), actor="worker")
        try:
            with heartbeat.beating(engine, name, worker_id()):
                result = work(ctx)
            log.info("%s: %s", name, result)
        except Exception:
            log.exception("%s failed; it will run again at the next tick", name)

    return run


def run_worker(settings: Settings, *, stopping: threading.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or `stopping` is set by a caller)."""
    stopping = stopping or threading.Event()
    scheduler = BackgroundScheduler(
        timezone=UTC,
        # One thread per job: a long report (a PDF) never holds up the sweep or the relay.
        executors={"default": ThreadPoolExecutor(max_workers=3)},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
    )
    sweep = _job(
        "sweep", settings, stopping, lambda ctx: ticks.sweep(ctx, stop=stopping.is_set).as_dict()
    )
    relay = _job(
        "relay",
        settings,
        stopping,
        lambda ctx: ticks.relay(
            ctx, lambda: transport_from_settings(settings), stop=stopping.is_set
        ).as_dict(),
    )
    report = _job(
        "report",
        settings,
        stopping,
        lambda ctx: schedules.tick(ctx, stop=stopping.is_set).checked().as_dict(),
    )
    start = utc_now()
    scheduler.add_job(
        sweep,
        IntervalTrigger(seconds=settings.sweep_seconds, timezone=UTC),
        id="sweep",
        next_run_time=start,
    )
    scheduler.add_job(
        relay,
        IntervalTrigger(seconds=settings.relay_seconds, timezone=UTC),
        id="relay",
        next_run_time=start,
    )
    scheduler.add_job(
        report,
        IntervalTrigger(seconds=settings.report_seconds, timezone=UTC),
        id="report",
        next_run_time=start,
    )

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the current unit of work", signum)
        stopping.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    scheduler.start()
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        scheduler.shutdown(wait=True)  # running jobs see `stopping` and end their unit
