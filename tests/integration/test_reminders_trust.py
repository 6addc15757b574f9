"""Reminders and email a person can trust (issue 11): each item under the heading of what
it is now, counted from the day the email is written; one bad record never stops the
rest; an outage is retried by time with one summary to the manager; partial deliveries
are told; every pass leaves a heartbeat. SQLite and PostgreSQL, a real SMTP server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from tests.cli import Cli, mail_cli
from tests.factories import HEADER
from tests.integration.test_reminders_e2e import (
    ESCALATION,
    MANAGER,
    ONE_DUTY,
    SUPPLIER,
    contract,
    inbox,
    tick,
)
from tests.smtp_server import SmtpSink
from tracker import reminders
from tracker.config import get_settings
from tracker.context import Context
from tracker.db import get_engine, read_session, write_session
from tracker.mail.backends import smtp_from_url
from tracker.mail.message import Attachment, new_message_id, render_bytes
from tracker.mail.transport import DeliveryResult, Envelope, Transport
from tracker.models import DeliveryAttempt, Obligation, OutboxMessage, SupplierContact
from tracker.reminders import check_health

# With ONE_DUTY's report due at start + 40 days: a certificate renewal due 89 days after
# the report's formal notice (start + 54), reminded 89 days before: both fall on one day.
TWO_DUTIES = (
    HEADER.format(id="two-duties")
    + """\
obligations:
  - id: renewal
    title: Renew the TCO certificate
    trigger: {type: contract_start, offset: P143D}
    reminders: {before_due: [P89D]}
"""
)


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
        clauses={"one-duty": ONE_DUTY, "two-duties": TWO_DUTIES},
        folder=tmp_path,
        smtp_url=sink.url,
        smtp_timeout="2",
    )


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content()).replace("\r\n", "\n")


def section(text: str, heading: str) -> str:
    """The text under one heading of an email, up to the next heading."""
    start = text.index(f"== {heading} (")
    end = text.find("\n== ", start + 1)
    return text[start : end if end != -1 else len(text)]


def count(url: str, table: type) -> int:
    with read_session(get_engine(url)) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_each_item_is_under_the_heading_of_what_it_is(cli: Cli, sink: SmtpSink) -> None:
    contract(cli)
    cli.ok("contract", "attach", "C-1", "two-duties", "--now", "2027-02-01T10:00:00+01:00")
    # 2027-04-24: the report is 14 days late (formal notice), the renewal due in 89 days.
    cli.ok("sweep", "--now", "2027-04-20T09:00:00+02:00")
    sink.received.clear()
    tick(cli, "2027-04-24T08:05:00+02:00")
    to_supplier = [r.message for r in sink.received if r.recipients == [SUPPLIER]]
    (message,) = [m for m in to_supplier if "Renew the TCO certificate" in text_of(m)]
    assert str(message["Subject"]) == "[C-1] Formal notice: 2 obligations"
    text = text_of(message)
    notice = section(text, "Formal notice of non-compliance")
    assert "Send the social audit report" in notice
    assert "14 days overdue" in notice
    assert "Renew the TCO certificate" not in notice
    coming = section(text, "Coming up")
    assert "Renew the TCO certificate" in coming
    assert "July 22, 2027 - due in 89 days" in coming
    assert "notice of non-compliance" not in coming
    html = message.get_body(("html",))
    assert isinstance(html, EmailMessage)
    assert "Formal notice of non-compliance (1)</h2>" in html.get_content()
    (digest,) = [
        r.message
        for r in sink.received
        if r.recipients == [MANAGER] and "2027-04-24" in str(r.message["Subject"])
    ]
    assert str(digest["Subject"]) == (
        "Clause Tracker digest for 2027-04-24: 1 item, 1 overdue - Formal notice"
    )
    assert "== Formal notice of non-compliance (1) ==" in text_of(digest)


def test_escalation_to_senior_management_is_not_called_a_formal_notice(
    cli: Cli, sink: SmtpSink
) -> None:
    contract(cli)  # due 2027-04-10: formal notice on 04-24, escalation meeting on 05-10
    tick(cli, "2027-04-24T08:05:00+02:00")
    sink.received.clear()
    tick(cli, "2027-05-10T08:05:00+02:00")
    (escalated,) = [r.message for r in sink.received if r.recipients == [ESCALATION]]
    subject = str(escalated["Subject"])
    assert (
        subject
        == "[C-1] Escalated to senior management: Send the social audit report (April 10, 2027)"
    )
    text = text_of(escalated)
    assert "== Escalated to senior management (1) ==" in text
    assert "Stage:     Escalated to senior management" in text
    assert "Formal notice" not in text
    assert "notice of non-compliance" not in text


def test_due_words_count_from_the_day_the_email_is_written(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    from tracker.obligations.planning import VersionCache
    from tracker.reminders.enqueue import reminder_batch

    contract(cli)  # due 2027-04-10, Berlin
    tick(cli, "2027-04-06T09:00:00+02:00")
    engine = get_engine(tracker_env)
    # The step of 3 days before is planned on 04-07, but nothing composes it until 04-20.
    with write_session(engine) as session:
        when = datetime.fromisoformat("2027-04-07T08:05:00+02:00")
        assert reminder_batch(session, now=when, reminder_hour=8, clauses=VersionCache(engine))
    sink.received.clear()
    tick(cli, "2027-04-20T08:05:00+02:00")
    texts = [text_of(r.message) for r in sink.received if r.recipients == [SUPPLIER]]
    assert texts
    for text in texts:
        assert "April 10, 2027 - 10 days overdue" in text
        assert "due in" not in text
        assert "Coming up" not in text
        assert "== Overdue (1) ==" in text


def test_a_reminder_written_late_about_a_duty_met_meanwhile_is_not_sent(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    from tracker.obligations.planning import VersionCache
    from tracker.reminders.enqueue import reminder_batch

    contract(cli)  # due 2027-04-10
    tick(cli, "2027-04-06T09:00:00+02:00")
    sink.received.clear()
    engine = get_engine(tracker_env)
    with write_session(engine) as session:
        when = datetime.fromisoformat("2027-04-07T08:05:00+02:00")
        assert reminder_batch(session, now=when, reminder_hour=8, clauses=VersionCache(engine))
        # Accepted before anything composed the reminder.
        session.execute(update(Obligation).values(status="accepted", next_reminder_at=None))
    tick(cli, "2027-04-07T08:10:00+02:00")
    assert sink.received == []
    listed = cli.ok("outbox", "list", "--format", "json").json()
    assert listed[0]["status"] == "cancelled"
    assert cli("status", "--format", "json").json()["messages_cancelled"] == 1


def test_a_digest_takes_in_rows_that_arrive_later_the_same_day(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    contract(cli, reference="C-1")  # due 04-10; the manager is told 7 days late, 04-17
    cli.ok("sweep", "--now", "2027-04-17T08:05:00+02:00")
    assert count_digests(tracker_env) == 1
    # Later that day (another worker, a contract entered late) more rows for the manager.
    contract(cli, reference="C-2")
    cli.ok("sweep", "--now", "2027-04-17T08:20:00+02:00")
    assert count_digests(tracker_env) == 1
    cli.ok("relay", "--now", "2027-04-17T08:20:00+02:00")
    (digest,) = [r.message for r in sink.received if r.recipients == [MANAGER]]
    assert str(digest["Subject"]).startswith("Clause Tracker digest for 2027-04-17: 2 items")
    text = text_of(digest)
    assert "C-1 - Notebooks" in text
    assert "C-2 - Notebooks" in text


def count_digests(url: str) -> int:
    with read_session(get_engine(url)) as session:
        return int(
            session.execute(
                select(func.count()).where(OutboxMessage.kind == "digest")  # type: ignore[arg-type]
            ).scalar_one()
        )


def add_contacts(url: str, emails: list[str]) -> None:
    """Contacts written straight into the database, as old rows or an import may hold them
    (bypassing the input check that now refuses a non-ASCII local part)."""
    with write_session(get_engine(url)) as session:
        session.execute(
            insert(SupplierContact),
            [{"supplier_id": 1, "email": e, "role": "compliance"} for e in emails],
        )


def test_one_bad_address_among_500_fails_alone_and_the_manager_is_told(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    contract(cli)
    good = [f"contact{i}@example.com" for i in range(498)]
    add_contacts(tracker_env, [*good[:250], "jörg@example.com", *good[250:]])
    tick(cli, "2027-04-10T08:05:00+02:00")  # due today: one email per contact
    received = {r.recipients[0] for r in sink.received}
    assert received == {SUPPLIER, *good, MANAGER}  # 499 reminders and the manager's notice
    failed = cli.ok("outbox", "list", "--status", "failed", "--format", "json").json()
    assert [m["to"] for m in failed] == ["jörg@example.com"]
    assert "jörg@example.com" in failed[0]["last_error"]
    (notice,) = [r.message for r in sink.received if r.recipients == [MANAGER]]
    assert str(notice["Subject"]) == "[C-1] Reminder not delivered to jörg@example.com"
    assert "jörg@example.com" in text_of(notice)
    # The next sweep does not trip over it again, nor tell the manager twice.
    tick(cli, "2027-04-10T08:06:00+02:00")
    assert len(sink.received) == 500
    assert cli.ok("outbox", "list", "--format", "json").json()[0]["status"] == "sent"


def test_two_hours_of_smtp_outage_loses_nothing_and_counts_only_real_attempts(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    for n in range(3):
        contract(cli, reference=f"C-{n}")  # three emails to the supplier, one per contract
    sink.stop()
    tick(cli, "2027-04-10T08:05:00+02:00")
    passes = 1
    for minute in range(10, 125, 15):  # still down for two hours, a relay now and then
        cli.ok("relay", "--now", f"2027-04-10T{8 + minute // 60:02d}:{minute % 60:02d}:00+02:00")
        passes += 1
    listed = cli.ok("outbox", "list", "--format", "json").json()
    assert {m["status"] for m in listed} == {"pending"}
    # One connection refused per pass, not one "attempt" per claimed message.
    assert count(tracker_env, DeliveryAttempt) <= passes
    assert sum(m["attempts"] for m in listed) == count(tracker_env, DeliveryAttempt)
    sink.start()
    # Past the longest backoff after the last failed pass (09:55 + 1 h + 20 % jitter).
    cli.ok("relay", "--now", "2027-04-10T11:30:00+02:00")
    assert sorted(inbox(sink)) == sorted(
        (SUPPLIER, f"[C-{n}] Due today: Send the social audit report (April 10, 2027)")
        for n in range(3)
    )
    assert {m["status"] for m in cli.ok("outbox", "list", "--format", "json").json()} == {"sent"}


def test_after_the_retry_window_the_manager_gets_one_summary(
    cli: Cli, sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_MAIL_RETRY_HOURS", "1")
    for n in range(3):
        contract(cli, reference=f"C-{n}")
    sink.stop()
    tick(cli, "2027-04-10T08:05:00+02:00")
    for when in ("08:30", "09:00", "09:30", "10:00"):
        cli.ok("relay", "--now", f"2027-04-10T{when}:00+02:00")
    failed = cli.ok("outbox", "list", "--status", "failed", "--format", "json").json()
    assert len(failed) == 3
    assert all("gave up retrying" in m["last_error"] for m in failed)
    sink.start()
    cli.ok("relay", "--now", "2027-04-10T10:30:00+02:00")
    cli.ok("relay", "--now", "2027-04-10T11:30:00+02:00")
    (summary,) = sink.received
    assert summary.recipients == [MANAGER]
    assert str(summary.message["Subject"]) == "Clause Tracker: 3 emails not delivered"
    text = text_of(summary.message)
    assert all(f"[C-{n}] Due today" in text for n in range(3))


def test_a_recipient_refused_among_several_is_partial_and_told(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    contract(cli)
    now = datetime(2027, 4, 10, 6, 5, tzinfo=UTC)
    to = ["a@example.com", "gone@example.com", "c@example.com"]
    message_id = new_message_id("multi", "example.com")
    with write_session(get_engine(tracker_env)) as session:
        session.add(
            OutboxMessage(
                group_key="multi",
                message_id=message_id,
                kind="report",
                contract_id=1,
                sender="tracker@example.com",
                recipients=to,
                pending_recipients=to,
                subject="[C-1] Quarterly figures",
                raw=render_bytes(
                    message_id=message_id,
                    sender="tracker@example.com",
                    to=to,
                    subject="[C-1] Quarterly figures",
                    text="Figures.\n",
                    html=None,
                    now=now,
                    attachments=[Attachment("figures.csv", "text/csv", b"a,b\n1,2\n", "utf-8")],
                ),
                next_attempt_at=now,
                created_at=now,
            )
        )
    sink.faults.refuse = {"gone@example.com": "550 5.1.1 No such user"}
    cli.ok("relay", "--now", "2027-04-10T08:05:00+02:00")
    (listed,) = [
        m for m in cli.ok("outbox", "list", "--format", "json").json() if m["kind"] == "report"
    ]
    assert listed["status"] == "partial"
    assert listed["refused"] == "gone@example.com (550 5.1.1 No such user)"
    status = cli("status", "--format", "json")
    assert status.code == 1
    shown = status.json()
    assert shown["messages_partial"] == 1
    assert shown["partially_delivered"][0]["refused"] == "gone@example.com"
    delivered = [r for r in sink.received if r.recipients != [MANAGER]]
    assert sorted(delivered[0].recipients) == ["a@example.com", "c@example.com"]
    (notice,) = [r.message for r in sink.received if r.recipients == [MANAGER]]
    assert str(notice["Subject"]) == "[C-1] Reminder not delivered to gone@example.com"
    text = text_of(notice)
    assert "550 5.1.1 No such user" in text
    assert "a@example.com, c@example.com" in text  # who did get it
    shown_message = cli.ok("outbox", "show", str(listed["id"])).out
    assert "Refused: gone@example.com: 550 5.1.1 No such user" in shown_message
    assert "figures.csv (text/csv, 8 bytes)" in shown_message
    # Retrying sends it again only to the one who refused it.
    sink.faults.refuse = {}
    retried = cli.ok("outbox", "retry", str(listed["id"]), "--format", "json").json()
    assert retried["to"] == ["gone@example.com"]
    cli.ok("relay", "--now", "2027-04-10T09:05:00+02:00")
    assert sink.received[-1].recipients == ["gone@example.com"]


def test_cron_users_passes_leave_heartbeats_and_status_is_ok(cli: Cli, tracker_env: str) -> None:
    assert cli("status").code == 1  # nothing has run yet
    cli.ok("sweep")
    cli.ok("relay")
    cli.ok("report", "schedule", "tick")
    shown = cli.ok("status", "--format", "json").json()
    assert shown["ok"] is True
    assert shown["problems"] == []
    assert all(shown[f"last_{job}"] for job in ("sweep", "relay", "report"))
    # The same verdict as a typed use case, ready to serve as JSON (/healthz).
    report = check_health(context_for(tracker_env))
    assert report.ok
    assert [j.job for j in report.jobs if not j.stale] == ["sweep", "relay", "report"]
    assert json.loads(json.dumps(report.as_dict()))["ok"] is True


def context_for(url: str, now: datetime | None = None) -> Context:
    get_settings.cache_clear()
    return Context(
        settings=get_settings(),
        engine=get_engine(url),
        now=now or datetime.now(UTC),
        actor="tester@example.com",
    )


class Choking:
    """The real SMTP transport, except that it raises (a bug meeting odd data) for one
    contract's message: the port's contract broken, to show the relay holds anyway."""

    def __init__(self, inner: Transport, poison: bytes) -> None:
        self.inner, self.poison = inner, poison

    def describe(self) -> str:
        return self.inner.describe()

    async def __aenter__(self) -> Choking:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    async def send(self, envelope: Envelope) -> DeliveryResult:
        if self.poison in envelope.raw:
            raise UnicodeEncodeError("ascii", "jörg", 1, 2, "ordinal not in range(128)")
        return await self.inner.send(envelope)


def test_a_message_the_backend_chokes_on_fails_alone(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    for n in range(3):
        contract(cli, reference=f"C-{n}")
    cli.ok("sweep", "--now", "2027-04-10T08:05:00+02:00")
    now = datetime.fromisoformat("2027-04-10T08:05:00+02:00")
    report = reminders.relay(
        context_for(tracker_env, now),
        lambda: Choking(smtp_from_url(sink.url, timeout=2), b"Subject: [C-1] Due today"),
        clock=lambda: now,
    )
    assert (report.sent, report.failed) == (3, 1)  # two reminders and the manager's notice
    subjects = sorted(s for _, s in inbox(sink))
    assert subjects == [
        "[C-0] Due today: Send the social audit report (April 10, 2027)",
        "[C-1] Reminder not delivered to compliance@example.com",
        "[C-2] Due today: Send the social audit report (April 10, 2027)",
    ]
    (failed,) = cli.ok("outbox", "list", "--status", "failed", "--format", "json").json()
    assert failed["contract"] == "C-1"
    assert "UnicodeEncodeError" in failed["last_error"]


def test_outbox_show_reads_like_the_email_and_files_sort_by_date(
    cli: Cli, sink: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_SMTP_URL")
    contract(cli, reference="RA-2027/017")
    tick(cli, "2027-04-10T08:05:00+02:00")
    (path,) = (tmp_path / "outbox").glob("*.eml")
    assert path.name == "2027-04-10T0605Z_RA-2027_017_reminder_1.eml"
    shown = cli.ok("outbox", "show", "1").out
    assert (
        "Subject: [RA-2027/017] Due today: Send the social audit report (April 10, 2027)" in shown
    )
    assert f"To: {SUPPLIER}" in shown
    assert "Date: Sat, 10 Apr 2027 06:05:00 +0000" in shown
    assert "April 10, 2027 - due today" in shown  # the text part, decoded
    assert "Content-Transfer-Encoding" not in shown
    assert "written to" in shown  # the delivery attempt


def test_bad_status_filter_names_the_option(cli: Cli) -> None:
    result = cli("outbox", "list", "--status", "lost")
    assert result.code == 2
    assert (
        "--status: 'lost' is not one of pending, sending, sent, partial, failed, cancelled"
        in result.err
    )
