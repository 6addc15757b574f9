"""One relay pass over several batches, in this process: the next batch is claimed while
one is sent, and a relay that stops gives back what it claimed ahead."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlmodel import col, select

from tests.integration.test_relay_processes import enqueue
from tests.smtp_server import SmtpSink
from tracker.config import Settings
from tracker.context import Context
from tracker.db import get_engine, read_session
from tracker.mail.smtp import SmtpTransport
from tracker.models import OutboxMessage, OutboxStatus
from tracker.reminders.passes import relay


def context(url: str) -> Context:
    settings = Settings(database_url=url)
    return Context(settings=settings, engine=get_engine(url), now=datetime.now(UTC), actor="t")


def transport(sink: SmtpSink) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", sink.port, tls="none", timeout=5.0)


def messages(url: str) -> list[OutboxMessage]:
    with read_session(get_engine(url)) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def test_every_batch_is_sent_once_in_one_pass(database_url: str, sink: SmtpSink) -> None:
    enqueue(database_url, 23)
    report = relay(context(database_url), lambda: transport(sink), batch=5)
    assert report.sent == 23
    ids = Counter(sink.message_ids())
    assert len(ids) == 23
    assert max(ids.values()) == 1
    assert {m.status for m in messages(database_url)} == {OutboxStatus.SENT.value}


def test_a_stopping_relay_gives_back_the_batch_it_claimed_ahead(
    database_url: str, sink: SmtpSink
) -> None:
    enqueue(database_url, 12)
    # Stop once the first batch of 5 is out: the second batch was claimed meanwhile.
    report = relay(
        context(database_url),
        lambda: transport(sink),
        batch=5,
        stop=lambda: len(sink.received) >= 5,
    )
    assert report.sent == 5
    assert len(sink.received) == 5
    rest = [m for m in messages(database_url) if m.status != OutboxStatus.SENT.value]
    assert len(rest) == 7
    # Due again at once for any relay, not leased for ten minutes; no attempt counted.
    assert {m.status for m in rest} == {OutboxStatus.PENDING.value}
    assert {m.lease_owner for m in rest} == {None}
    assert all(m.next_attempt_at <= datetime.now(UTC) for m in rest)
    assert {m.attempts for m in rest} == {0}
    # A later pass sends them, each once.
    assert relay(context(database_url), lambda: transport(sink)).sent == 7
    ids = Counter(sink.message_ids())
    assert len(ids) == 12
    assert max(ids.values()) == 1
