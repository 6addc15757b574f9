"""Rehearsing a date cannot hurt: commands that write refuse `--now`, and `tracker preview`
shows what the sweeps would send without changing the database or sending anything."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlmodel import SQLModel, col

from tests.cli import Cli
from tracker.cli.options import context
from tracker.db import get_engine, read_session
from tracker.models import Contract, Obligation, Reminder
from tracker.reminders.passes import sweep
from tracker.reminders.preview import preview, sweep_times

NOW = "2026-11-24T09:30:00+01:00"
UNTIL = date(2026, 12, 20)


@pytest.fixture
def cli(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    runner.ok("demo", "--now", NOW)
    return runner


def snapshot(url: str) -> dict[str, Any]:
    """Every table's row count and every obligation's status and next reminder."""
    with read_session(get_engine(url)) as session:
        counts = {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }
        obligations = session.execute(
            select(
                col(Obligation.id),
                col(Obligation.status),
                col(Obligation.escalation_level),
                col(Obligation.next_reminder_at),
            ).order_by(col(Obligation.id))
        ).all()
        head = session.execute(text("SELECT max(id) FROM audit_event")).scalar()
    return {"counts": counts, "obligations": [tuple(r) for r in obligations], "audit": head}


@pytest.mark.parametrize(
    "args",
    [
        ("plan",),
        ("sweep",),
        ("relay",),
        ("demo",),
        ("report", "schedule", "tick"),
        ("obligations", "waive", "1", "--reason", "rehearsal"),
    ],
    ids=lambda a: " ".join(a),
)
def test_commands_that_write_refuse_a_rehearsed_time(
    cli: Cli, tracker_env: str, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.delenv("TRACKER_ALLOW_CLOCK_OVERRIDE")
    before = snapshot(tracker_env)
    result = cli(*args, "--now", "2028-03-01T08:00:00+01:00")
    assert result.code == 2, result.err
    [line] = result.err.strip().splitlines()
    assert line.startswith("error: --now: this command writes to the database")
    assert "tracker preview" in line
    assert snapshot(tracker_env) == before


def test_commands_that_only_read_take_a_rehearsed_time(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TRACKER_ALLOW_CLOCK_OVERRIDE")
    later = "2027-01-10T08:00:00+01:00"
    cli.ok("report", "--scope", "portfolio", "--period", "2026-Q4", "--now", later, "-f", "csv",
           "-o", "q4.csv")  # fmt: skip
    assert (tmp_path / "q4.csv").is_file()
    cli.ok("report", "schedule", "list", "--now", later)
    assert "TRACKER_ALLOW_CLOCK_OVERRIDE" in cli.ok("sweep", "--help").out
    assert "reads only" in cli.ok("report", "--help").out


def test_preview_changes_nothing_and_lists_what_the_real_sweeps_send(
    cli: Cli, tracker_env: str
) -> None:
    cli.ok("sweep", "--now", NOW)  # what is due today has gone; the preview looks ahead
    before = snapshot(tracker_env)
    ctx = context(NOW, writes=False)

    result = preview(ctx, until=UNTIL)

    assert snapshot(tracker_env) == before
    assert result.reminders, "the demo has reminders coming up in the next weeks"
    assert len(result.emails) >= 1
    times = sweep_times(ctx.now, until=UNTIL, timezone="Europe/Berlin", hour=8)
    assert list(result.sweeps) == times
    assert times[1].isoformat() == "2026-11-25T07:00:00+00:00"

    # The same sweeps for real write the same reminders, to the same people.
    mark = before["counts"]["reminder"]
    for at in times:
        sweep(context(at.isoformat()))
    with read_session(get_engine(tracker_env)) as session:
        real = session.execute(
            select(Reminder, Contract.reference)  # type: ignore[call-overload]
            .join(Contract, col(Contract.id) == col(Reminder.contract_id))
            .where(col(Reminder.id) > mark)
        ).all()
    assert sorted(
        (r.obligation_id, r.step, r.recipient, r.due_on, r.scheduled_at, ref) for r, ref in real
    ) == sorted(
        (p.obligation_id, p.step, p.recipient, p.due_on, p.at, p.contract) for p in result.reminders
    )


def test_preview_command_prints_and_writes_the_emails(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    before = snapshot(tracker_env)
    result = cli.ok(
        "preview", "--until", "2027-03-31", "--format", "json", "--write-emails", "mails"
    )
    rows = result.json()
    assert rows
    assert {"at", "recipient", "contract", "obligation", "step"} <= set(rows[0])
    files = sorted((tmp_path / "mails").glob("*.eml"))
    assert files
    first = message_from_bytes(files[0].read_bytes())
    assert first["Message-ID"]
    assert first["To"]
    assert snapshot(tracker_env) == before
    assert not (tmp_path / "outbox").exists()  # nothing was "sent" to the file backend

    only = cli.ok("preview", "--until", "2027-03-31", "--contract", "DEMO-2025-001", "-f", "json")
    assert {r["contract"] for r in only.json()} <= {"DEMO-2025-001"}

    bad = cli("preview", "--until", "2020-01-01")
    assert bad.code == 2
    assert bad.err.startswith("error: --until: is before today")


def test_the_demo_lists_the_statuses_a_sweep_leaves(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(capsys, monkeypatch)
    cli.ok("init")
    printed = cli.ok("demo", "--now", NOW).out.splitlines()
    start = next(i for i, line in enumerate(printed) if line.startswith("ID "))
    shown = {
        (int(line.split()[0]), line.split()[2])
        for line in printed[start + 1 :]
        if line[:1].isdigit()
    }
    cli.ok("plan", "--now", NOW)  # the status pass any sweep at that time runs first
    listed = {
        (row["id"], row["status"])
        for row in cli.ok("obligations", "--format", "json").json()
        if row["status"] in ("due", "overdue")
    }
    assert shown == listed
    assert {"due", "overdue"} == {status for _id, status in shown}
