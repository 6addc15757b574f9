"""`tracker worker`: APScheduler ticks the sweep, the relay and the scheduled reports; the
database knows what is due.

Jobs are defined in code and kept in an in-memory store in each process (never one job
per obligation, never a job store shared between processes). On SIGTERM or Ctrl-C the
current unit of work finishes and the process exits; anything not done is still in the
database for the next run.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracker import reminders, reports
from tracker.clock import utc_now
from tracker.config import Settings
from tracker.context import Context
from tracker.db import get_engine

log = logging.getLogger("tracker.worker")


class JsonLines(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        job = getattr(record, "job", None)
        if job is not None:
            entry["job"] = job
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, json_lines: bool = False) -> None:
    """Our lines at INFO, in words or as JSON; APScheduler's own chatter ("Running job
    ...", "executed successfully") only when it is a warning."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonLines() if json_lines else logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _job(
    name: str,
    settings: Settings,
    stopping: threading.Event,
    work: Callable[[Context, float], str | None],
) -> Callable[[], None]:
    """One tick of a pass: it records its own heartbeat; the log gets one line when it
    did something (in words), or the error."""
    engine = get_engine(settings.database_url)

    def run() -> None:
        if stopping.is_set():
            return
        ctx = Context(settings=settings, engine=engine, now=utc_now(), actor="worker")
        started = time.monotonic()
        try:
            line = work(ctx, started)
        except Exception as exc:
            # The error's type and words, never a traceback's local data (message bodies).
            log.error(
                "%s failed (%s); it will run again at the next tick",
                name,
                reminders.error_text(exc)[:500],
                extra={"job": name},
            )
            return
        if line:
            log.info("%s", line, extra={"job": name})

    return run


def _since(started: float) -> float:
    return time.monotonic() - started


def _report_line(ctx: Context, stop: Callable[[], bool], started: float) -> str | None:
    tick = reports.tick(ctx, stop=stop)
    if not (tick.queued or tick.skipped or tick.failed):
        return None
    failed = f", {len(tick.failed)} failed: {'; '.join(tick.failed)}" if tick.failed else ""
    return (
        f"report: {tick.queued} queued, {tick.skipped} skipped as empty{failed} "
        f"in {time.monotonic() - started:.1f} s"
    )


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
        "sweep",
        settings,
        stopping,
        lambda ctx, t: reminders.sweep(ctx, stop=stopping.is_set).summary(_since(t)),
    )
    relay = _job(
        "relay",
        settings,
        stopping,
        lambda ctx, t: reminders.relay(ctx, stop=stopping.is_set).summary(_since(t)),
    )
    report = _job(
        "report", settings, stopping, lambda ctx, t: _report_line(ctx, stopping.is_set, t)
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
    log.info(
        "worker: sweep every %ss, relay every %ss, reports every %ss, mail to %s",
        settings.sweep_seconds,
        settings.relay_seconds,
        settings.report_seconds,
        reminders.mail_backend(settings),
    )
    scheduler.start()
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        scheduler.shutdown(wait=True)  # running jobs see `stopping` and end their unit
