"""Relays as real processes: killed mid-send, and two at once over 2,000 messages."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.smtp_server import SmtpSink
from tracker import migrate, reminders
from tracker.clock import utc_now
from tracker.config import get_settings
from tracker.context import Context
from tracker.db import get_engine, write_session
from tracker.mail.message import as_bytes, build_message, new_message_id
from tracker.models import OutboxMessage
from tracker.reminders.relay import SAVE_GROUP

SENDER = "tracker@example.com"


def enqueue(url: str, count: int) -> None:
    """`count` pending messages, as the composer would leave them."""
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        key = f"test:{i}"
        message_id = new_message_id(key, "example.com")
        msg = build_message(
            message_id=message_id,
            sender=SENDER,
            to=[f"s{i}@example.com"],
            subject=f"Reminder {i}",
            text=f"Reminder number {i}",
            html=None,
            now=now,
        )
        rows.append(
            OutboxMessage(
                group_key=key,
                message_id=message_id,
                kind="upcoming",
                sender=SENDER,
                recipients=[f"s{i}@example.com"],
                pending_recipients=[f"s{i}@example.com"],
                subject=f"Reminder {i}",
                raw=as_bytes(msg),
                next_attempt_at=now,
                created_at=now,
            )
        )
    with write_session(get_engine(url)) as session:
        session.add_all(rows)


def env_for(url: str, sink: SmtpSink) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        TRACKER_DATABASE_URL=url,
        TRACKER_SMTP_URL=sink.url,
        TRACKER_SMTP_TIMEOUT="5",
        TRACKER_MAIL_FROM=f"Clause Tracker <{SENDER}>",
        TRACKER_RELAY_SECONDS="1",
        TRACKER_SWEEP_SECONDS="60",
    )
    return env


def test_two_relays_deliver_2000_messages_exactly_once(
    database_url: str,
    sink: SmtpSink,
    tmp_path: Path,
    tracker: Callable[..., subprocess.Popen[str]],
) -> None:
    migrate.upgrade(database_url)
    enqueue(database_url, 2000)
    env = env_for(database_url, sink)
    relays = [tracker("relay", env=env, cwd=tmp_path) for _ in range(2)]
    for proc in relays:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    ids = sink.message_ids()
    assert len(ids) == 2000
    assert max(Counter(ids).values()) == 1


def test_a_killed_worker_loses_nothing(
    database_url: str,
    sink: SmtpSink,
    tmp_path: Path,
    tracker: Callable[..., subprocess.Popen[str]],
) -> None:
    migrate.upgrade(database_url)
    enqueue(database_url, 150)
    sink.faults.delay_seconds = 0.03  # slow enough to kill it half-way
    env = env_for(database_url, sink)
    worker = tracker("worker", env=env, cwd=tmp_path)
    sink.wait_for(40, timeout=60)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    delivered_before_kill = len(sink.received)
    assert delivered_before_kill < 150
    # Another relay, once the dead one's lease (5 minutes) has run out.
    later = (datetime.now(UTC) + timedelta(minutes=6)).isoformat()
    again = tracker("relay", "--now", later, env=env, cwd=tmp_path)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    ids = Counter(sink.message_ids())
    assert len(ids) == 150  # none lost
    doubled = [mid for mid, n in ids.items() if n > 1]
    # Each at most twice, with the same Message-ID; only what was in flight or awaiting
    # the group commit in progress is repeated, not the whole batch of 50.
    assert max(ids.values()) <= 2
    assert len(doubled) <= 2 * SAVE_GROUP + 1


def test_sigterm_lets_the_current_unit_finish(
    database_url: str,
    sink: SmtpSink,
    tmp_path: Path,
    tracker: Callable[..., subprocess.Popen[str]],
) -> None:
    migrate.upgrade(database_url)
    enqueue(database_url, 60)
    sink.faults.delay_seconds = 0.05
    env = env_for(database_url, sink)
    worker = tracker("worker", env=env, cwd=tmp_path)
    sink.wait_for(5, timeout=60)
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    delivered = len(sink.received)
    time.sleep(0.5)
    assert len(sink.received) == delivered  # it stopped
    later = (datetime.now(UTC) + timedelta(minutes=6)).isoformat()
    rest = tracker("relay", "--now", later, env=env, cwd=tmp_path)
    rest.communicate(timeout=120)
    ids = Counter(sink.message_ids())
    assert len(ids) == 60
    assert max(ids.values()) == 1  # a graceful stop sends nothing twice


def test_a_batch_slower_than_its_lease_is_not_sent_twice(
    database_url: str,
    sink: SmtpSink,
    tmp_path: Path,
    tracker: Callable[..., subprocess.Popen[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow mail server makes one relay's batch outlast its lease; another relay, free
    to take messages whose lease has run out, must not send what the first still sends."""
    migrate.upgrade(database_url)
    enqueue(database_url, 60)
    sink.faults.delay_seconds = 0.25  # 15 s for the batch: far beyond a 2-second lease
    env = env_for(database_url, sink)
    for name, value in env.items():
        if name.startswith("TRACKER_"):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    settings = get_settings()
    ctx = Context(settings=settings, engine=get_engine(database_url), now=utc_now(), actor="t")
    failed: list[BaseException] = []

    def first() -> None:
        try:
            reminders.relay(ctx, lease=timedelta(seconds=2))
        except BaseException as exc:
            failed.append(exc)

    slow = threading.Thread(target=first)
    slow.start()
    sink.wait_for(1, timeout=60)
    other = tracker("relay", env=env, cwd=tmp_path)  # its own lease: the default
    _, err = other.communicate(timeout=120)
    assert other.returncode == 0, err
    slow.join(timeout=120)
    assert failed == []
    ids = Counter(sink.message_ids())
    assert len(ids) == 60  # none lost
    assert max(ids.values()) == 1, sorted(n for n in ids.values() if n > 1)
