"""Calendar feeds, read back by two independent parsers (icalendar and ics), on both engines.

The contract runs in America/New_York, whose clocks change in March and November: all-day
deadlines must stay plain dates whatever the offset.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import ics  # type: ignore[import-untyped]
import pytest
from icalendar import Alarm, Calendar, Event

from tests.cli import Cli
from tests.integration.exchange_world import BASE_URL, MANAGER, obligation_id, pdf, world_cli


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    return world_cli(capsys, monkeypatch, tmp_path)


def feed(cli: Cli, tmp_path: Path, *scope: str, now: str = "2027-03-02T09:00:00-05:00") -> bytes:
    target = tmp_path / "deadlines.ics"
    cli.ok("export", "ics", *scope, "-o", str(target), "--now", now)
    return target.read_bytes()


def events(content: bytes) -> dict[str, Event]:
    calendar = Calendar.from_ical(content)
    return {e.uid: e for e in calendar.events}


def alarms(event: Event) -> list[Alarm]:
    return [c for c in event.subcomponents if isinstance(c, Alarm)]


def test_each_obligation_is_an_all_day_event_on_its_due_date(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    content = feed(cli, tmp_path, "--contract", "C-1")
    calendar = Calendar.from_ical(content)
    assert calendar["METHOD"] == "PUBLISH"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in content
    assert calendar.refresh_interval == timedelta(hours=6)
    assert calendar["X-PUBLISHED-TTL"] == "PT6H"

    listed = events(content)
    factory = listed[f"obligation-{obligation_id(tracker_env, 'factory-list')}@tracker.example.com"]
    # 20 days after the start, 2027-03-21: after New York moved its clocks (2027-03-14).
    assert b"DTSTART;VALUE=DATE:20270321\r\n" in content
    assert type(factory.start) is date
    assert factory.start == date(2027, 3, 21)
    assert factory.end == date(2027, 3, 22)  # exclusive: the event covers the due date only
    assert factory.summary == "C-1: Disclose the factory list"
    assert "Evidence due: Factory list." in str(factory.description)
    link = f"{BASE_URL}/obligations/{obligation_id(tracker_env, 'factory-list')}"
    assert link in str(factory.description)
    assert factory.url == link
    assert factory.status == "CONFIRMED"
    assert factory.sequence == 0
    # The clause's reminder steps (14 and 3 days before), at the reminder hour (08:00).
    triggers = sorted(a.TRIGGER for a in alarms(factory))
    assert triggers == [timedelta(days=-14, hours=8), timedelta(days=-3, hours=8)]
    exit_plan = listed[f"obligation-{obligation_id(tracker_env, 'exit-plan')}@tracker.example.com"]
    # Default reminder steps when the clause gives none: 30, 14 and 3 days before.
    assert len(alarms(exit_plan)) == 3
    # A November date in New York (after the clocks went back) is still a plain date.
    assert exit_plan.start == date(2029, 11, 30)


def test_a_second_parser_reads_the_same_dates(cli: Cli, tracker_env: str, tmp_path: Path) -> None:
    content = feed(cli, tmp_path, "--contract", "C-1")
    parsed = ics.Calendar(content.decode("utf-8"))
    by_uid = {e.uid: e for e in parsed.events}
    assert len(by_uid) == 3
    factory = by_uid[f"obligation-{obligation_id(tracker_env, 'factory-list')}@tracker.example.com"]
    assert factory.all_day
    assert factory.begin.date() == date(2027, 3, 21)
    assert factory.name == "C-1: Disclose the factory list"
    assert len(factory.alarms) == 2


def test_the_same_data_gives_the_same_bytes_and_the_same_uids(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    first = feed(cli, tmp_path, "--contract", "C-1")
    second = feed(cli, tmp_path, "--contract", "C-1", now="2027-03-05T09:00:00-05:00")
    assert first == second


def test_a_new_deadline_raises_the_sequence_and_keeps_the_uid(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    audit = obligation_id(tracker_env, "audit")  # due 2027-03-31
    uid = f"obligation-{audit}@tracker.example.com"
    added = cli.ok(
        "evidence", "add", str(audit), str(pdf(tmp_path, "audit.pdf")), "--type", "audit-report",
        "--now", "2027-03-28T10:00:00-04:00", "--format", "json",
    ).json()[0]  # fmt: skip
    cli.ok(
        "evidence", "review", str(added["id"]), "--reject", "--reason", "Two of five models",
        "--now", "2027-03-29T10:00:00-04:00",
    )  # fmt: skip
    moved = events(feed(cli, tmp_path, "--contract", "C-1", now="2027-03-29T11:00:00-04:00"))[uid]
    assert moved.start == date(2027, 4, 8)  # the deadline in force
    assert moved.sequence == 1
    assert "Originally due on 2027-03-31." in str(moved.description)


def test_fulfilled_ones_are_marked_and_cancelled_ones_sent_as_cancelled(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    audit = obligation_id(tracker_env, "audit")
    factory = obligation_id(tracker_env, "factory-list")
    added = cli.ok(
        "evidence", "add", str(audit), str(pdf(tmp_path, "audit.pdf")), "--type", "audit-report",
        "--now", "2027-03-28T10:00:00-04:00", "--format", "json",
    ).json()[0]  # fmt: skip
    cli.ok("evidence", "review", str(added["id"]), "--accept", "--now", "2027-03-29T10:00:00-04:00")
    cli.ok(
        "obligations", "waive", str(factory), "--reason", "Covered by the framework",
        "--now", "2027-03-29T11:00:00-04:00",
    )  # fmt: skip
    listed = events(feed(cli, tmp_path, "--contract", "C-1", now="2027-03-30T10:00:00-04:00"))
    done = listed[f"obligation-{audit}@tracker.example.com"]
    assert str(done.summary).startswith("Done: ")
    assert alarms(done) == []  # nothing left to remind of
    assert done.sequence == 1
    waived = listed[f"obligation-{factory}@tracker.example.com"]
    assert waived.status == "CANCELLED"
    assert waived.sequence == 1
    # Long after, closed ones have left the feed; the open one stays.
    later = events(feed(cli, tmp_path, "--contract", "C-1", now="2028-01-10T10:00:00-05:00"))
    assert list(later) == [
        f"obligation-{obligation_id(tracker_env, 'exit-plan')}@tracker.example.com"
    ]


def test_feeds_for_a_manager_and_a_supplier(cli: Cli, tracker_env: str, tmp_path: Path) -> None:
    assert len(events(feed(cli, tmp_path, "--manager", MANAGER.upper()))) == 3
    assert len(events(feed(cli, tmp_path, "--supplier", "1"))) == 3
    assert events(feed(cli, tmp_path, "--manager", "nobody@example.com")) == {}


def test_a_scope_that_does_not_exist_is_refused(cli: Cli, tracker_env: str, tmp_path: Path) -> None:
    missing = cli("export", "ics", "--contract", "C-404", "-o", str(tmp_path / "x.ics"))
    assert missing.code == 2
    assert missing.err.strip() == "error: --contract: no contract 'C-404'"
    assert not (tmp_path / "x.ics").exists()
    both = cli("export", "ics", "--contract", "C-1", "--supplier", "1")
    assert both.code == 2
    assert "give one of" in both.err
    assert cli("export", "ics", "--supplier", "9").code == 2


def test_a_feed_written_to_a_missing_folder_is_refused(cli: Cli, tmp_path: Path) -> None:
    result = cli("export", "ics", "-o", str(tmp_path / "no-such-folder" / "x.ics"))
    assert result.code == 2
    assert result.err.startswith("error: --output: ")
    assert "cannot be written" in result.err
