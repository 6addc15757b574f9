"""Scheduled reports end to end: real SQLite file and PostgreSQL, a real SMTP server, and
real `tracker` processes for the workers."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from tests.cli import Cli, mail_cli
from tests.factories import HEADER
from tests.smtp_server import Received, SmtpSink
from tracker.config import get_settings
from tracker.context import Context
from tracker.db import get_engine, read_session
from tracker.models import (
    AuditEvent,
    OutboxMessage,
    ReportFile,
    ReportRun,
    ReportSchedule,
    WorkerHeartbeat,
)
from tracker.reports import due, schedules
from tracker.reports.periods import parse_period

ONE_DUTY = (
    HEADER.format(id="one-duty")
    + """\
obligations:
  - id: report
    title: Send the social audit report
    trigger: {type: contract_start, offset: P40D}
"""
)
BOARD = "board@example.com"
AUDITOR = "auditor@example.com"


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
        smtp_timeout="5",
    )
    return runner


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def add_schedule(cli: Cli, *args: str, now: str = "2027-02-10T12:00:00+01:00") -> int:
    """A schedule made at `now`; returns its id."""
    result = cli.ok(
        "report", "schedule", "add", *args, "--now", now, "--output-format", "json"
    ).json()
    return int(result["id"])


def monthly(cli: Cli, *extra: str, now: str = "2027-02-10T12:00:00+01:00") -> int:
    return add_schedule(
        cli,
        "--every",
        "month",
        "--scope",
        "portfolio",
        "--to",
        f"{BOARD},{AUDITOR}",
        "--format",
        "html,csv",
        *extra,
        now=now,
    )


def tick(cli: Cli, when: str) -> dict[str, Any]:
    result: dict[str, Any] = cli.ok(
        "report", "schedule", "tick", "--now", when, "--format", "json"
    ).json()
    return result


def context_at(url: str, when: datetime) -> Context:
    settings = get_settings()
    assert settings.database_url == url
    return Context(settings=settings, engine=get_engine(url), now=when, actor="worker")


def runs(url: str) -> list[ReportRun]:
    with read_session(get_engine(url)) as session:
        return list(session.scalars(select(ReportRun).order_by(col(ReportRun.id))))


def count(url: str, model: Any, *where: Any) -> int:
    with read_session(get_engine(url)) as session:
        stmt = select(func.count()).select_from(model)
        for condition in where:
            stmt = stmt.where(condition)
        return int(session.execute(stmt).scalar_one())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_delivered_as_recorded(url: str, received: list[Received]) -> None:
    """Each email is the outbox message of one run, its attachments the run's files."""
    with read_session(get_engine(url)) as session:
        messages = {m.message_id: m for m in session.scalars(select(OutboxMessage))}
        by_outbox = {r.outbox_id: r for r in session.scalars(select(ReportRun))}
        stored = {(f.run_id, f.sha256): f for f in session.scalars(select(ReportFile))}
    for mail in received:
        message = messages[mail.message_id]
        run = by_outbox[message.id]
        assert message.kind == "report"
        assert message.group_key == f"report:{run.schedule_id}:{run.period_label}"
        assert sorted(mail.recipients) == sorted(run.recipients)
        assert run.period_label in str(mail.message["Subject"])
        attached = {}
        for part in mail.message.iter_attachments():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            attached[part.get_filename()] = sha256(payload)
        assert sorted(attached.values()) == sorted(run.hashes.values())
        for digest in attached.values():
            assert sha256(stored[(run.id or 0, digest)].content) == digest
        assert mail.message.get_body(("plain",)) is not None


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_hourly_ticks_send_one_report_per_month_across_a_dst_change(
    cli: Cli, sink: SmtpSink, tracker_env: str, zone: str
) -> None:
    """February to April 2027, the tick every hour: March holds the spring DST change in
    both zones. Each month is produced once, on the first tick after its local midnight,
    as at that midnight, and mailed once with its files."""
    schedule_id = monthly(cli, "--timezone", zone)
    tz = ZoneInfo(zone)
    ends = [
        datetime(2027, 3, 1, tzinfo=tz),
        datetime(2027, 4, 1, tzinfo=tz),
        datetime(2027, 5, 1, tzinfo=tz),
    ]
    now = utc("2027-02-10T12:00:00+00:00")
    queued = 0
    while now < utc("2027-05-03T00:00:00+00:00"):
        result = schedules.tick(context_at(tracker_env, now))
        assert result.failed == []
        queued += result.queued
        now += timedelta(hours=1)
    assert queued == 3
    produced = runs(tracker_env)
    assert [r.period_label for r in produced] == ["2027-02", "2027-03", "2027-04"]
    for run, end in zip(produced, ends, strict=True):
        assert run.schedule_id == schedule_id
        assert run.status == "queued"
        assert run.as_of == end
        # the first hourly tick at or after the local midnight that ends the month
        assert end <= run.created_at < end + timedelta(hours=1)
        assert sorted(run.hashes) == ["csv", "html"]
    cli.ok("relay", "--now", "2027-05-03T00:00:00+00:00")
    assert len(sink.received) == 3
    assert Counter(sink.message_ids()).most_common(1)[0][1] == 1
    assert_delivered_as_recorded(tracker_env, sink.received)


def test_after_three_months_of_downtime_each_month_once_oldest_first(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    monthly(cli)
    assert tick(cli, "2027-02-28T23:30:00+01:00")["due"] == 0
    result = tick(cli, "2027-05-03T09:00:00+02:00")
    assert result == {"due": 3, "queued": 3, "skipped": 0, "already_done": 0, "failed": []}
    produced = runs(tracker_env)
    assert [r.period_label for r in produced] == ["2027-02", "2027-03", "2027-04"]
    assert [r.as_of for r in produced] == [
        utc("2027-03-01T00:00:00+01:00"),
        utc("2027-04-01T00:00:00+02:00"),
        utc("2027-05-01T00:00:00+02:00"),
    ]
    assert count(tracker_env, AuditEvent, col(AuditEvent.entity) == "report_run") == 3
    again = tick(cli, "2027-05-31T23:00:00+02:00")
    assert again["due"] == 0
    assert again["queued"] == 0
    assert len(runs(tracker_env)) == 3
    assert count(tracker_env, OutboxMessage) == 3
    cli.ok("relay", "--now", "2027-05-31T23:00:00+02:00")
    assert [str(r.message["Subject"]).split()[2] for r in sink.received] == [
        "2027-02:",
        "2027-03:",
        "2027-04:",
    ]


def test_skip_if_empty_records_the_run_and_sends_nothing(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    cli.ok("supplier", "add", "Busy Devices AB", "--email", "busy@example.com")
    cli.ok("supplier", "add", "Quiet Devices AB", "--email", "quiet@example.com")
    for reference, supplier in (("C-1", "1"), ("C-2", "2")):
        cli.ok(
            "contract",
            "add",
            reference,
            "--supplier",
            supplier,
            "--title",
            "Notebooks",
            "--start",
            "2027-03-01",
            "--end",
            "2029-02-28",
            "--timezone",
            "Europe/Berlin",
        )
    # C-1's one duty falls due on 2027-04-10; C-2 has no clause, so nothing is ever due.
    cli.ok("contract", "attach", "C-1", "one-duty", "--now", "2027-02-01T10:00:00+01:00")
    when = "2027-04-05T10:00:00+02:00"
    scope_args = ("--every", "month", "--to", BOARD, "--format", "html")
    quiet = add_schedule(cli, *scope_args, "--scope", "supplier:2", "--skip-if-empty", now=when)
    busy = add_schedule(cli, *scope_args, "--scope", "supplier:1", "--skip-if-empty", now=when)
    always = add_schedule(cli, *scope_args, "--scope", "supplier:2", now=when)
    result = tick(cli, "2027-05-01T08:00:00+02:00")
    assert (result["queued"], result["skipped"]) == (2, 1)
    status = {r.schedule_id: r for r in runs(tracker_env)}
    assert status[quiet].status == "skipped"
    assert status[quiet].outbox_id is None
    assert status[quiet].recipients == []
    assert count(tracker_env, ReportFile, col(ReportFile.run_id) == status[quiet].id) == 0
    assert status[busy].status == "queued"
    assert status[always].status == "queued"
    skipped_events = count(
        tracker_env,
        AuditEvent,
        col(AuditEvent.entity) == "report_run",
        col(AuditEvent.action) == "skipped",
    )
    assert skipped_events == 1
    cli.ok("relay", "--now", "2027-05-01T08:00:00+02:00")
    assert len(sink.received) == 2
    assert_delivered_as_recorded(tracker_env, sink.received)
    # The next tick does not reconsider the skipped period.
    assert tick(cli, "2027-05-02T08:00:00+02:00")["due"] == 0


def test_a_hostile_supplier_name_is_safe_in_the_report_email(
    cli: Cli, sink: SmtpSink, tracker_env: str
) -> None:
    name = '<script>alert("x")</script> Société & Co =?utf-8?q?Bcc:_spy@example.com?='
    cli.ok("supplier", "add", name, "--email", "s@example.com")
    add_schedule(cli, "--every", "month", "--scope", "supplier:1", "--to", BOARD, "--format", "csv")
    tick(cli, "2027-03-01T00:30:00+01:00")
    cli.ok("relay", "--now", "2027-03-01T00:30:00+01:00")
    (mail,) = sink.received
    assert mail.recipients == [BOARD]
    assert mail.message.get_all("Bcc") is None
    subject = str(mail.message["Subject"])
    assert "<script>" in subject  # a header is text, never markup
    assert "Société & Co =?utf-8?q?Bcc:_spy@example.com?=" in subject  # not decoded twice
    html = mail.message.get_body(("html",))
    assert html is not None
    body = html.get_content()
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    assert_delivered_as_recorded(tracker_env, sink.received)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--every", "week"], "--every"),
        (["--to", "board@example.com\r\nBcc: spy@example.com"], "--to"),
        (["--to", "board@example.com\nBcc: spy@example.com"], "--to"),
        (["--to", "board@example.com,\r\nspy@example.com"], "--to"),
        (["--to", "board@example.com>\r\nSubject: hi"], "--to"),
        (["--to", "not an address"], "--to"),
        (["--to", " , "], "--to"),
        (["--format", "html,docx"], "--format"),
        (["--format", ","], "--format"),
        (["--scope", "everything"], "--scope"),
        (["--scope", "supplier:abc"], "--scope"),
        (["--scope", "supplier:99"], "--scope"),
        (["--scope", "contract:NOPE-1"], "--scope"),
        (["--timezone", "Mars/Olympus_Mons"], "--timezone"),
    ],
)
def test_bad_input_is_refused_naming_the_option_and_nothing_is_stored(
    cli: Cli, tracker_env: str, args: list[str], option: str
) -> None:
    given = {"--every": "month", "--scope": "portfolio", "--to": BOARD, "--format": "html"}
    for name, value in zip(args[::2], args[1::2], strict=True):
        given[name] = value
    flat = [part for pair in given.items() for part in pair]
    result = cli("report", "schedule", "add", *flat)
    assert result.code == 2, result.err
    assert option in result.err
    assert "\r" not in result.err.strip()
    assert count(tracker_env, ReportSchedule) == 0
    assert count(tracker_env, AuditEvent) == 0


def test_list_and_remove_keep_the_history(cli: Cli, sink: SmtpSink, tracker_env: str) -> None:
    first = monthly(cli)
    second = add_schedule(
        cli,
        "--every",
        "quarter",
        "--scope",
        "portfolio",
        "--to",
        AUDITOR,
        "--to",
        f"{BOARD}, {AUDITOR}",
        "--format",
        "csv,CSV",
        "--timezone",
        "Europe/London",
    )
    tick(cli, "2027-03-02T09:00:00+01:00")
    listed = cli.ok(
        "report", "schedule", "list", "--now", "2027-03-02T09:00:00+01:00", "--format", "json"
    ).json()
    assert [row["id"] for row in listed] == [first, second]
    assert listed[0]["last_report"] == "2027-02 (queued)"
    assert listed[0]["next_report"] == "2027-03 at 2027-04-01T00:00:00+02:00"
    assert listed[1]["to"] == f"{AUDITOR},{BOARD}"
    assert listed[1]["formats"] == "csv"
    assert listed[1]["next_report"] == "2027-Q1 at 2027-04-01T00:00:00+01:00"
    removed = cli.ok("report", "schedule", "remove", str(first), "--format", "json").json()
    assert removed["active"] is False
    again = cli("report", "schedule", "remove", str(first))
    assert again.code == 2
    assert "already removed" in again.err
    missing = cli("report", "schedule", "remove", "99")
    assert missing.code == 2
    assert "ID" in missing.err
    active = cli.ok("report", "schedule", "list", "--format", "json").json()
    assert [row["id"] for row in active] == [second]
    every = cli.ok("report", "schedule", "list", "--all", "--format", "json").json()
    assert [(row["id"], row["active"]) for row in every] == [(first, False), (second, True)]
    # A removed schedule sends nothing more; its report stays.
    assert tick(cli, "2027-04-02T09:00:00+02:00")["queued"] == 1  # the quarterly one
    assert [r.schedule_id for r in runs(tracker_env)] == [first, second]
    with read_session(get_engine(tracker_env)) as session:
        actions = session.execute(
            select(col(AuditEvent.entity_id), col(AuditEvent.action))
            .where(col(AuditEvent.entity) == "report_schedule")
            .order_by(col(AuditEvent.id))
        ).all()
    assert [tuple(a) for a in actions] == [
        (str(first), "create"),
        (str(second), "create"),
        (str(first), "remove"),
    ]


def test_two_ticks_racing_for_the_same_period_send_once(
    cli: Cli, tracker_env: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Both workers pass the checks before either writes; the unique key decides. On
    PostgreSQL both reach the INSERT and the loser's IntegrityError rolls everything
    back; on SQLite BEGIN IMMEDIATE queues the second writer, which then finds the run."""
    from tracker.reports import runs as runs_module

    monthly(cli)
    both_checked = threading.Barrier(2, timeout=60)
    real_record = runs_module.record_run

    def record_after_both_checked(*args: Any, **kwargs: Any) -> ReportRun:
        # On SQLite the other writer is queued behind this transaction (BEGIN IMMEDIATE), so
        # it cannot have checked yet: waiting for it would only wait out the timeout.
        if tracker_env.startswith("postgresql"):
            both_checked.wait()
        return real_record(*args, **kwargs)

    monkeypatch.setattr(runs_module, "record_run", record_after_both_checked)
    when = utc("2027-03-01T06:00:00+01:00")
    outcomes: list[Any] = []

    def worker() -> None:
        outcomes.append(schedules.tick(context_at(tracker_env, when)))

    caplog.set_level(logging.INFO, logger="tracker.reports.schedules")
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted((o.queued, o.already_done, o.failed == []) for o in outcomes) == [
        (0, 1, True),
        (1, 0, True),
    ]
    assert len(runs(tracker_env)) == 1
    assert count(tracker_env, OutboxMessage) == 1
    assert count(tracker_env, AuditEvent, col(AuditEvent.entity) == "report_run") == 1
    if tracker_env.startswith("postgresql"):
        assert "another worker sent it" in caplog.text


def test_a_failing_report_holds_up_only_its_own_schedule(
    cli: Cli, tracker_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.reports import produce

    broken = monthly(cli)
    fine = add_schedule(
        cli, "--every", "month", "--scope", "portfolio", "--to", BOARD, "--format", "csv"
    )
    real_render = produce.render

    def render(figures: Any, fmt: str) -> bytes:
        if fmt == "html":
            raise RuntimeError("renderer out of order")
        return real_render(figures, fmt)

    monkeypatch.setattr(produce, "render", render)
    result = cli("report", "schedule", "tick", "--now", "2027-04-02T09:00:00+02:00")
    assert result.code == 1
    assert f"schedule {broken} 2027-02: renderer out of order" in result.err
    assert [(r.schedule_id, r.period_label) for r in runs(tracker_env)] == [
        (fine, "2027-02"),
        (fine, "2027-03"),
    ]
    monkeypatch.setattr(produce, "render", real_render)
    assert tick(cli, "2027-04-02T10:00:00+02:00")["queued"] == 2  # both months, oldest first
    labels = [r.period_label for r in runs(tracker_env) if r.schedule_id == broken]
    assert labels == ["2027-02", "2027-03"]


# --- real worker processes ---------------------------------------------------------------


def worker_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)  # the test's TRACKER_* settings (database, SMTP, clauses)
    env.update(TRACKER_RELAY_SECONDS="1", TRACKER_SWEEP_SECONDS="3600")
    env.update(TRACKER_REPORT_SECONDS="10", **overrides)
    return env


def missed_months(cli: Cli) -> tuple[int, list[str]]:
    """A monthly schedule made 70 days ago (real time): the months it owes now."""
    made = datetime.now(UTC) - timedelta(days=70)
    schedule_id = monthly(cli, now=made.isoformat())
    first = parse_period(made.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m"))
    owed = due.due_periods(
        every="month", timezone="Europe/Berlin", first_start=first.start, now=datetime.now(UTC)
    )
    assert len(owed) >= 2
    return schedule_id, [p.label for p in owed]


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def report_beat(url: str) -> WorkerHeartbeat | None:
    return beat(url, "report")


def beat(url: str, job: str) -> WorkerHeartbeat | None:
    with read_session(get_engine(url)) as session:
        return session.get(WorkerHeartbeat, job)


def relayed_after(url: str, moment: datetime) -> None:
    """Wait for a relay pass that started after `moment`: anything queued by then (a
    duplicate, were there one) has been sent when it ends."""

    def passed() -> bool:
        relay = beat(url, "relay")
        return (
            relay is not None
            and relay.last_started_at is not None
            and relay.last_started_at > moment
            and relay.last_ok_at is not None
            and relay.last_ok_at > relay.last_started_at
        )

    wait_until(passed, timeout=60, what="a relay pass")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return err


def test_two_worker_processes_send_each_report_once(
    cli: Cli,
    sink: SmtpSink,
    tracker_env: str,
    tmp_path: Path,
    tracker: Callable[..., subprocess.Popen[str]],
) -> None:
    _, owed = missed_months(cli)
    env = worker_env()
    workers = [tracker("worker", env=env, cwd=tmp_path) for _ in range(2)]
    sink.wait_for(len(owed), timeout=120)
    wait_until(
        lambda: (report_beat(tracker_env) or WorkerHeartbeat(job="", worker="")).runs >= 2,
        timeout=60,
        what="both workers' report ticks",
    )
    relayed_after(tracker_env, datetime.now(UTC))  # room for a duplicate, were there one
    logs = [stop(proc) for proc in workers]
    assert [r.period_label for r in runs(tracker_env)] == owed
    assert count(tracker_env, OutboxMessage) == len(owed)
    ids = sink.message_ids()
    assert len(ids) == len(owed)
    assert len(set(ids)) == len(owed)
    assert_delivered_as_recorded(tracker_env, sink.received)
    # The worker logs one line in words per report tick that did something.
    queued = [
        int(found.group(1))
        for log in logs
        for found in re.finditer(r" INFO report: (\d+) queued", log)
    ]
    assert sum(queued) == len(owed), logs
    assert " failed" not in "".join(logs), logs


def test_a_worker_killed_after_producing_sends_nothing_twice(
    cli: Cli,
    sink: SmtpSink,
    tracker_env: str,
    tmp_path: Path,
    tracker: Callable[..., subprocess.Popen[str]],
) -> None:
    _, owed = missed_months(cli)
    # The first worker relays only once an hour: it produces, then dies before sending.
    first = tracker("worker", env=worker_env(TRACKER_RELAY_SECONDS="3600"), cwd=tmp_path)
    wait_until(
        lambda: len(runs(tracker_env)) == len(owed), timeout=120, what="the reports produced"
    )
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    restarted_at = datetime.now(UTC)
    second = tracker("worker", env=worker_env(), cwd=tmp_path)
    sink.wait_for(len(owed), timeout=120)

    def ticked_since_restart() -> bool:
        beat = report_beat(tracker_env)
        return beat is not None and beat.last_ok_at is not None and beat.last_ok_at > restarted_at

    wait_until(ticked_since_restart, timeout=60, what="a report tick after the restart")
    relayed_after(tracker_env, datetime.now(UTC))
    stop(second)
    assert [r.period_label for r in runs(tracker_env)] == owed
    assert count(tracker_env, OutboxMessage) == len(owed)
    assert sorted(Counter(sink.message_ids()).values()) == [1] * len(owed)
    assert_delivered_as_recorded(tracker_env, sink.received)
