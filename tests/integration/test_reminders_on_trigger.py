"""`reminders.on_trigger` takes effect: the supplier is told the day a duty is created by an
event, not only days later by the first reminder before the due date."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.cli import Cli
from tests.factories import HEADER
from tracker.db import get_engine, read_session
from tracker.models import Obligation, Reminder

CLAUSE = (
    HEADER.format(id="site-change")
    + """\
obligations:
  - id: told
    title: Report a site change (notice at once)
    trigger: {type: event, event: supplier_site_change, offset: P30D}
    reminders: {on_trigger: true, before_due: [P7D]}
  - id: quiet
    title: Report a site change (reminders only)
    trigger: {type: event, event: supplier_site_change, offset: P30D}
    reminders: {before_due: [P7D]}
"""
)


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    library = tmp_path / "clauses"
    library.mkdir()
    (library / "site-change.yaml").write_text(CLAUSE, encoding="utf-8")
    monkeypatch.setenv("TRACKER_CLAUSE_PATH", str(library))
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    runner.ok("supplier", "add", "Example Devices AB", "--email", "compliance@example.com")
    runner.ok(
        "contract", "add", "C-1", "--supplier", "1", "--title", "Notebooks",
        "--start", "2027-03-01", "--end", "2029-02-28", "--timezone", "Europe/Berlin",
    )  # fmt: skip
    runner.ok("contract", "attach", "C-1", "site-change", "--now", "2027-02-01T10:00:00+01:00")
    return runner


def sent(url: str) -> list[tuple[str, str, str]]:
    with read_session(get_engine(url)) as s:
        rows = s.execute(
            select(col(Obligation.template_id), col(Reminder.step), col(Reminder.local_date))
            .join(Obligation, col(Obligation.id) == col(Reminder.obligation_id))
            .order_by(col(Reminder.id))
        ).all()
    return [(t, step, day.isoformat()) for t, step, day in rows]


def test_the_supplier_is_told_the_day_the_event_is_recorded(cli: Cli, tracker_env: str) -> None:
    cli.ok(
        "contract", "event", "C-1", "supplier_site_change", "--on", "2027-03-10",
        "--now", "2027-03-10T10:00:00+01:00",
    )  # fmt: skip
    cli.ok("sweep", "--now", "2027-03-10T10:05:00+01:00")
    assert sent(tracker_env) == [("told", "notice", "2027-03-10")]
    # Seven days before the due date (9 April) both remind, once each.
    cli.ok("sweep", "--now", "2027-04-02T08:05:00+02:00")
    assert sent(tracker_env)[1:] == [
        ("told", "before:P7D", "2027-04-02"),
        ("quiet", "before:P7D", "2027-04-02"),
    ]
