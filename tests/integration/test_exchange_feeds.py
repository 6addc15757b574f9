"""Calendar feeds by subscription address: `tracker feed add|list|revoke`, fetched at
`/ics/<token>.ics` as a calendar app does, on both engines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ics  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlmodel import col

from tests.cli import Cli
from tests.integration.exchange_world import BASE_URL, MANAGER, obligation_id, world_cli
from tracker.config import get_settings
from tracker.db import get_engine, read_session
from tracker.models import CalendarFeedToken
from tracker.people.secret_tokens import digest
from tracker.web.app import create_app


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    monkeypatch.setenv("TRACKER_SECRET_KEY", "k" * 40)
    return world_cli(capsys, monkeypatch, tmp_path)


def add(cli: Cli, *scope: str) -> str:
    url: str = cli.ok("feed", "add", *scope, "--format", "json").json()["url"]
    assert url.startswith(f"{BASE_URL}/ics/")
    return url.removeprefix(BASE_URL)


def fetch(path: str) -> tuple[int, bytes]:
    get_settings.cache_clear()
    response = TestClient(create_app(get_settings())).get(path)
    return response.status_code, response.content


def events(content: bytes) -> dict[str, Event]:
    return {str(e.summary): e for e in Calendar.from_ical(content).events}


def test_feeds_for_a_manager_a_contact_and_a_contract(cli: Cli, tracker_env: str) -> None:
    manager = add(cli, "--manager", MANAGER)
    contact = add(cli, "--contact", "1")
    contract = add(cli, "--contract", "C-1")
    token = manager.removeprefix("/ics/").removesuffix(".ics")
    with read_session(get_engine(tracker_env)) as s:
        stored = list(s.scalars(select(col(CalendarFeedToken.token_sha256))))
    assert digest(token) in stored  # only the hash is kept
    assert all(token not in row for row in stored)

    for path in (manager, contact, contract):
        status, content = fetch(path)
        assert status == 200
        assert len(events(content)) == 3
        assert len(ics.Calendar(content.decode("utf-8")).events) == 3
    status, content = fetch(contact)
    name = Calendar.from_ical(content).calendar_name
    assert name == "Clause Tracker: what compliance@example.com owes"
    factory = events(content)["C-1: Disclose the factory list"]
    # The supplier has no account: no link to the managers' pages.
    assert "/obligations/" not in str(factory.description)
    assert "portal link in your reminder email" in str(factory.description)
    assert factory.get("URL") is None

    listed = cli.ok("feed", "list", "--format", "json").json()
    assert [f["covers"] for f in listed] == [
        "contract C-1",
        "what compliance@example.com owes",
        f"contracts managed by {MANAGER}",
    ]
    assert all("url" not in f and "token" not in str(f) for f in listed)
    assert {f["state"] for f in listed} == {"live"}


def test_a_revoked_feed_and_a_removed_contacts_feed_stop(cli: Cli, tracker_env: str) -> None:
    manager = add(cli, "--manager", MANAGER)
    contact = add(cli, "--contact", "1")
    feed_id = cli.ok("feed", "list", "--format", "json").json()[-1]["id"]
    cli.ok("feed", "revoke", str(feed_id))
    assert fetch(manager) == (404, b"There is no calendar at this address.\n")
    again = cli("feed", "revoke", str(feed_id))
    assert again.code == 2
    assert "already revoked" in again.err
    cli.ok(
        "supplier", "contact", "add", "1", "--email", "second@example.com", "--role", "compliance"
    )
    cli.ok("supplier", "contact", "remove", "1")
    assert fetch(contact)[0] == 404
    states = {f["covers"]: f["state"] for f in cli.ok("feed", "list", "--format", "json").json()}
    assert set(states.values()) == {"revoked"}


def test_bad_requests_are_refused_naming_the_option(cli: Cli) -> None:
    none = cli("feed", "add")
    assert none.code == 2
    assert none.err.startswith("error: --manager: give exactly one of")
    assert cli("feed", "add", "--manager", MANAGER, "--contract", "C-1").code == 2
    unknown = cli("feed", "add", "--contact", "9")
    assert (unknown.code, unknown.err.strip()) == (
        2,
        "error: --contact: no current supplier contact 9",
    )
    assert cli("feed", "add", "--contract", "C-404").code == 2
    assert cli("feed", "add", "--manager", "not an address").code == 2
    assert "no calendar feeds yet" in cli.ok("feed", "list").err


def test_moving_the_contract_raises_the_sequence_of_moved_deadlines(
    cli: Cli, tracker_env: str
) -> None:
    path = add(cli, "--contract", "C-1")
    before = events(fetch(path)[1])["C-1: Disclose the factory list"]
    assert (before.start, before.sequence) == (date(2027, 3, 21), 0)
    cli.ok("contract", "edit", "C-1", "--start", "2027-03-08", "--now", "2027-02-10T10:00:00-05:00")
    after = events(fetch(path)[1])
    moved = after["C-1: Disclose the factory list"]
    assert moved.uid == before.uid
    assert (moved.start, moved.sequence) == (date(2027, 3, 28), 1)
    # The exit plan hangs on the contract's end, which did not move.
    assert after["C-1: Exit and take-back plan"].sequence == 0
    assert obligation_id(tracker_env, "factory-list") == int(
        str(moved.uid).removeprefix("obligation-").split("@")[0]
    )
