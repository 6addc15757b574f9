"""Three workers sweeping at once: each reminder in exactly one message, one digest per
manager and day, no unique-key violations, and no message text in the logs."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from tests.cli import Cli, mail_cli
from tests.integration.test_reminders_e2e import MANAGER, ONE_DUTY, contract
from tests.smtp_server import SmtpSink
from tracker import reminders
from tracker.config import get_settings
from tracker.context import Context
from tracker.db import get_engine, read_session
from tracker.models import OutboxMessage, Reminder
from tracker.reminders import compose, enqueue, passes

CONTRACTS = 24
WORKERS = 3


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    sink: SmtpSink,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    return mail_cli(
        capsys,
        monkeypatch,
        clauses={"one-duty": ONE_DUTY},
        folder=tmp_path,
        smtp_url=sink.url,
    )


def test_three_workers_compose_each_reminder_once_and_one_digest(
    cli: Cli,
    sink: SmtpSink,
    tracker_env: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for n in range(CONTRACTS):
        contract(cli, reference=f"C-{n}")  # all due 2027-04-10, one manager
    # Small units of work, so the three workers interleave many times.
    monkeypatch.setattr(passes, "reminder_batch", partial(enqueue.reminder_batch, batch_size=3))
    monkeypatch.setattr(passes, "compose_batch", partial(compose.compose_batch, batch_rows=5))
    get_settings.cache_clear()
    settings = get_settings()
    engine = get_engine(tracker_env)
    # Seven days late: each contract's supplier and the manager are told.
    now = datetime.fromisoformat("2027-04-17T08:05:00+02:00")
    start = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def work() -> None:
        ctx = Context(settings=settings, engine=engine, now=now, actor="worker")
        start.wait()
        try:
            for _ in range(3):
                reminders.sweep(ctx)
        except BaseException as exc:
            errors.append(exc)

    caplog.set_level(logging.DEBUG)
    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    with read_session(engine) as session:
        unassigned = session.execute(
            select(func.count()).where(col(Reminder.outbox_id).is_(None))
        ).scalar_one()
        digests = session.execute(
            select(col(OutboxMessage.group_key)).where(col(OutboxMessage.kind) == "digest")
        ).all()
        reminded = session.execute(select(func.count()).select_from(Reminder)).scalar_one()
    assert unassigned == 0
    assert [k for (k,) in digests] == [f"digest:{MANAGER}:*:2027-04-17"]
    assert reminded == 2 * CONTRACTS  # supplier and manager, each once
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in caplog.records if "Send the social audit report" in r.getMessage()]
    cli.ok("relay", "--now", "2027-04-17T08:05:00+02:00")
    to_manager = [r for r in sink.received if r.recipients == [MANAGER]]
    assert len(to_manager) == 1
    assert str(to_manager[0].message["Subject"]).startswith(
        f"Clause Tracker digest for 2027-04-17: {CONTRACTS} items"
    )
    assert len(sink.received) == CONTRACTS + 1
