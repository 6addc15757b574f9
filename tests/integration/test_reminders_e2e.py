"""Reminders end to end: sweep, outbox, relay, a real SMTP server, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from tests.cli import Cli, mail_cli
from tests.factories import HEADER
from tests.smtp_server import SmtpSink
from tracker import reminders
from tracker.config import get_settings
from tracker.context import Context
from tracker.db import get_engine, read_session, write_session
from tracker.models import (
    Contract,
    DeliveryAttempt,
    Obligation,
    OutboxMessage,
    Supplier,
)

ONE_DUTY = (
    HEADER.format(id="one-duty")
    + """\
evidence_types:
  - id: audit-report
    label: Social audit report
    accepted_formats: [pdf]
obligations:
  - id: report
    title: Send the social audit report
    trigger: {type: contract_start, offset: P40D}
    evidence: [audit-report]
"""
)
SUPPLIER = "compliance@example.com"
ESCALATION = "ceo@example.com"
MANAGER = "manager@example.com"


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    sink: SmtpSink,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    runner = mail_cli(
        capsys,
        monkeypatch,
        clauses={"one-duty": ONE_DUTY},
        folder=tmp_path,
        smtp_url=sink.url,
        smtp_timeout="2",
    )
    return runner


def contract(
    cli: Cli,
    *,
    supplier_name: str = "Example Devices AB",
    title: str = "Notebooks",
    reference: str = "C-1",
    start: str = "2027-03-01",
) -> None:
    if cli("supplier", "show", "1").code != 0:
        cli.ok("supplier", "add", supplier_name, "--email", SUPPLIER)
        cli.ok("supplier", "contact", "1", "--email", ESCALATION, "--role", "escalation")
    cli.ok(
        "contract",
        "add",
        reference,
        "--supplier",
        "1",
        "--title",
        title,
        "--start",
        start,
        "--end",
        "2029-02-28",
        "--timezone",
        "Europe/Berlin",
        "--manager",
        MANAGER,
    )
    cli.ok("contract", "attach", reference, "one-duty", "--now", "2027-02-01T10:00:00+01:00")


def tick(cli: Cli, when: str) -> None:
    cli.ok("sweep", "--now", when)
    cli.ok("relay", "--now", when)


def direct_tick(when: datetime) -> None:
    """What `tick` does, through the use cases themselves: for the tests that make hundreds
    of ticks, where starting the CLI each time adds nothing but time."""
    get_settings.cache_clear()
    settings = get_settings()
    ctx = Context(settings=settings, engine=get_engine(settings.database_url), now=when, actor="t")
    reminders.sweep(ctx)
    reminders.relay(ctx, clock=lambda: when)


def inbox(sink: SmtpSink) -> list[tuple[str, str]]:
    """(recipient, subject) of every message received, in order."""
    return [(r.recipients[0], str(r.message["Subject"])) for r in sink.received]


def test_the_right_people_on_the_right_days(cli: Cli, sink: SmtpSink) -> None:
    contract(cli)  # due 2027-04-10 (start + 40 days), Berlin
    tick(cli, "2027-03-11T07:55:00+01:00")  # 30 days before, but before 08:00 local
    assert inbox(sink) == []
    tick(cli, "2027-03-11T08:05:00+01:00")
    assert inbox(sink) == [
        (SUPPLIER, "[C-1] Coming due: Send the social audit report (April 10, 2027)")
    ]
    tick(cli, "2027-03-11T09:05:00+01:00")  # an hour later: nothing again
    assert len(sink.received) == 1
    steps = [
        ("2027-03-27T08:05:00+01:00", [SUPPLIER]),  # 14 days before
        ("2027-04-07T08:05:00+02:00", [SUPPLIER]),  # 3 days before (now summer time)
        ("2027-04-10T08:05:00+02:00", [SUPPLIER]),  # due today
        ("2027-04-11T08:05:00+02:00", [SUPPLIER]),  # 1 day late
        ("2027-04-17T08:05:00+02:00", [SUPPLIER, MANAGER]),  # 7 days late
        ("2027-04-24T08:05:00+02:00", [SUPPLIER, ESCALATION, MANAGER]),  # formal notice
        ("2027-05-10T08:05:00+02:00", [ESCALATION, MANAGER]),  # escalation meeting
        ("2027-05-25T08:05:00+02:00", [MANAGER]),  # sanctions: a decision
        ("2027-06-09T08:05:00+02:00", [MANAGER]),  # termination: a decision
    ]
    for when, people in steps:
        before = len(sink.received)
        tick(cli, when)
        assert sorted(r for r, _ in inbox(sink)[before:]) == sorted(people), when
    subjects = [s for _, s in inbox(sink)]
    assert "[C-1] Due today: Send the social audit report (April 10, 2027)" in subjects
    assert "[C-1] Overdue: Send the social audit report (April 10, 2027)" in subjects
    assert "[C-1] Formal notice: Send the social audit report (April 10, 2027)" in subjects
    assert any(
        s.startswith("Clause Tracker digest for 2027-04-17: 1 item, 1 overdue") for s in subjects
    )
    shown = cli.ok("obligations", "show", "1", "--format", "json").json()
    assert shown["escalation_level"] == 5
    assert shown["status"] == "overdue"
    assert {r["delivery"] for r in shown["reminders"]} == {"sent"}
    assert len(shown["reminders"]) == 14  # one row per person per step


def test_a_supplier_email_says_what_when_and_how(cli: Cli, sink: SmtpSink) -> None:
    contract(cli)
    tick(cli, "2027-04-10T08:05:00+02:00")
    (received,) = sink.received
    message = received.message
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Reply-To"] == MANAGER
    assert message["Message-ID"].endswith("@example.com>")
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Send the social audit report" in text
    assert "C-1 - Notebooks" in text
    assert "April 10, 2027 - due today" in text
    assert "Social audit report (pdf)" in text
    assert "reply to this email with the evidence attached" in text
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<td" in html
    assert "http://localhost:8000/obligations/1" in html


def test_worker_down_three_days_sends_each_missed_step_once(cli: Cli, sink: SmtpSink) -> None:
    contract(cli, reference="C-1", start="2027-03-01")  # due 04-10: 3 days before on 04-07
    contract(cli, reference="C-2", start="2027-03-02")  # due 04-11: 3 days before on 04-08
    contract(cli, reference="C-3", start="2027-03-03")  # due 04-12: 3 days before on 04-09
    tick(cli, "2027-04-06T09:00:00+02:00")
    sink.received.clear()
    # Down from 6 April to 9 April noon: each contract missed one step.
    tick(cli, "2027-04-09T12:00:00+02:00")
    assert sorted(s for _, s in inbox(sink)) == [
        "[C-1] Coming due: Send the social audit report (April 10, 2027)",
        "[C-2] Coming due: Send the social audit report (April 11, 2027)",
        "[C-3] Coming due: Send the social audit report (April 12, 2027)",
    ]
    # The same sweep again (or many missed ticks): nothing more.
    tick(cli, "2027-04-09T12:01:00+02:00")
    tick(cli, "2027-04-09T13:00:00+02:00")
    assert len(sink.received) == 3


@pytest.mark.parametrize(
    "days",
    [("2027-03-27", "2027-03-28", "2027-03-29"), ("2027-10-30", "2027-10-31", "2027-11-01")],
    ids=["spring", "autumn"],
)
def test_daily_reminders_across_dst_none_skipped_or_doubled(
    cli: Cli, sink: SmtpSink, days: tuple[str, str, str]
) -> None:
    # One contract per day, each due 3 days later, so each day has exactly one step.
    for index, day in enumerate(days):
        start = date.fromisoformat(day) + timedelta(days=3 - 40)
        contract(cli, reference=f"C-{index}", start=start.isoformat())
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime.combine(date.fromisoformat(days[0]), time(0, 1), tzinfo=UTC)
    direct_tick(first - timedelta(hours=1))  # catch up on earlier steps first
    sink.received.clear()
    sent: list[tuple[str, int]] = []
    for hour in range(72):  # a sweep every hour through the three days
        moment = first + timedelta(hours=hour)
        before = len(sink.received)
        direct_tick(moment)
        local = moment.astimezone(berlin)
        sent += [(local.date().isoformat(), local.hour)] * (len(sink.received) - before)
    assert sent == [(day, 8) for day in days]


def test_hostile_names_are_safe_in_headers_and_html(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    hostile = "Société Ω <script>alert(1)</script>\r\nBcc: evil@example.com"
    refused = cli("supplier", "add", hostile, "--email", SUPPLIER)
    assert refused.code == 2  # the CLI refuses it outright...
    contract(cli)
    # ...but names can arrive by other roads (imports), so the mail layer must hold alone.
    with write_session(get_engine(tracker_env)) as session:
        session.execute(update(Supplier).values(name=hostile))
        session.execute(
            update(Contract).values(title="Écrans\r\nBcc: evil@example.com <b>bold</b>")
        )
        session.execute(update(Obligation).values(title="Report\r\nBcc: evil@example.com <i>x</i>"))
    tick(cli, "2027-04-10T08:05:00+02:00")
    (received,) = sink.received
    assert received.recipients == [SUPPLIER]
    message = received.message
    assert message.get_all("Bcc") is None
    assert len(message.get_all("Subject") or []) == 1
    assert str(message["Subject"]) == (
        "[C-1] Due today: Report Bcc: evil@example.com <i>x</i> (April 10, 2027)"
    )
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<i>x</i>" not in html
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Écrans" in text


def count(url: str, table: type) -> int:
    with read_session(get_engine(url)) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_server_down_then_up_delivers_each_once(cli: Cli, sink: SmtpSink, tracker_env: str) -> None:
    contract(cli)
    sink.stop()
    tick(cli, "2027-04-10T08:05:00+02:00")
    assert count(tracker_env, DeliveryAttempt) == 1
    listed = cli.ok("outbox", "list", "--format", "json").json()
    assert [(m["status"], m["attempts"]) for m in listed] == [("pending", 1)]
    assert listed[0]["last_error"]
    # Still down at the next relay (after the backoff): another attempt, still pending.
    cli.ok("relay", "--now", "2027-04-10T08:10:00+02:00")
    sink.start()
    cli.ok("relay", "--now", "2027-04-10T08:30:00+02:00")
    assert len(sink.received) == 1
    cli.ok("relay", "--now", "2027-04-10T09:30:00+02:00")
    assert len(sink.received) == 1
    assert cli.ok("outbox", "list", "--format", "json").json()[0]["status"] == "sent"


def test_temporary_failure_then_success(cli: Cli, sink: SmtpSink, tracker_env: str) -> None:
    contract(cli)
    sink.faults.temporary_failures = 2
    tick(cli, "2027-04-10T08:05:00+02:00")
    cli.ok("relay", "--now", "2027-04-10T08:10:00+02:00")
    assert sink.received == []
    cli.ok("relay", "--now", "2027-04-10T08:30:00+02:00")
    assert len(sink.received) == 1
    assert count(tracker_env, DeliveryAttempt) == 3


def test_permanent_failure_tells_the_contract_manager(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    contract(cli)
    sink.faults.refuse = {SUPPLIER: "550 5.1.1 No such user"}
    tick(cli, "2027-04-10T08:05:00+02:00")
    failed = cli.ok("outbox", "list", "--status", "failed", "--format", "json").json()
    assert len(failed) == 1
    assert "550" in failed[0]["last_error"]
    cli.ok("relay", "--now", "2027-04-10T08:06:00+02:00")
    (notice,) = sink.received
    assert notice.recipients == [MANAGER]
    assert str(notice.message["Subject"]) == f"[C-1] Reminder not delivered to {SUPPLIER}"
    status = cli("status", "--format", "json")
    assert status.code == 1
    # After fixing the address the manager retries it.
    sink.faults.refuse = {}
    cli.ok("outbox", "retry", str(failed[0]["id"]))
    cli.ok("relay", "--now", "2027-04-10T09:00:00+02:00")
    assert [r.recipients for r in sink.received] == [[MANAGER], [SUPPLIER]]


def test_stall_after_data_is_retried_with_the_same_message_id(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    contract(cli)
    sink.faults.stall_seconds = 4.0  # client timeout is 2 s
    sink.faults.stall_times = 1
    tick(cli, "2027-04-10T08:05:00+02:00")
    assert cli.ok("outbox", "list", "--format", "json").json()[0]["status"] == "pending"
    cli.ok("relay", "--now", "2027-04-10T08:30:00+02:00")
    sink.wait_for(2)
    first, second = sink.message_ids()
    assert first == second  # the one rare duplicate is recognisable as such
    assert cli.ok("outbox", "list", "--format", "json").json()[0]["status"] == "sent"


def test_default_backend_writes_eml_files_and_sends_nothing(
    cli: Cli, sink: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_SMTP_URL")
    contract(cli)
    tick(cli, "2027-04-10T08:05:00+02:00")
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert b"Send the social audit report" in files[0].read_bytes()
    assert sink.received == []
    assert count_sent(cli) == 1


def count_sent(cli: Cli) -> int:
    return sum(
        1 for m in cli.ok("outbox", "list", "--format", "json").json() if m["status"] == "sent"
    )


def test_outbox_rows_are_unique_per_group(cli: Cli, tracker_env: str) -> None:
    contract(cli)
    cli.ok("sweep", "--now", "2027-04-10T08:05:00+02:00")
    cli.ok("sweep", "--now", "2027-04-10T08:05:00+02:00")
    assert count(tracker_env, OutboxMessage) == 1
