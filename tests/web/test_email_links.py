"""Every link in every email the tracker sends leads to a page: a year of daily sweeps (and
report schedules) on a small portfolio, every link collected from the outbox, each opened
by the contract manager, signed in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient

from tests.factories import FOUR_YEAR_BODY, HEADER
from tests.web.world import CLI_NOW, PASSWORD, World, csrf_of, email_of
from tracker.config import get_settings
from tracker.context import Context
from tracker.db import get_engine
from tracker.reminders import sweep
from tracker.reports.schedules import tick

BASE = "https://tracker.example.com"
LINK = re.compile(r"https?://[^\s\"'<>)\]]+")


def links_in(raw: bytes) -> set[str]:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    found: set[str] = set()
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found |= set(LINK.findall(part.get_content()))
    return found


def test_every_link_in_a_year_of_emails_opens_a_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_BASE_URL", BASE)
    (world.tmp / "clauses" / "sites-clause.yaml").write_text(
        HEADER.format(id="sites-clause") + FOUR_YEAR_BODY, encoding="utf-8"
    )
    world.cli.ok("contract", "attach", "C-1", "sites-clause", "--now", CLI_NOW)
    # A rejection and a finding: their notices carry links of their own.
    evidence = {e.contract_id: e.id for e in world.evidence()}
    world.cli.ok("evidence", "review", str(evidence[world.contract_id("C-1")]), "--reject",
                 "--reason", "incomplete", "--now", CLI_NOW)  # fmt: skip
    world.cli.ok("finding", "add", "--severity", "major", "--text", "Sites missing",
                 "--contract", "C-1", "--now", CLI_NOW)  # fmt: skip
    world.cli.ok("report", "schedule", "add", "--every", "month", "--scope", "portfolio",
                 "--to", email_of("manager"), "--format", "html", "--now", CLI_NOW)  # fmt: skip
    get_settings.cache_clear()
    settings = get_settings()
    engine = get_engine(settings.database_url)
    start = datetime(2027, 3, 5, 7, 0, tzinfo=UTC)  # 08:00 or 09:00 in Berlin, daily
    for day in range(366):
        ctx = Context(settings=settings, engine=engine, now=start + timedelta(days=day),
                      actor="worker")  # fmt: skip
        sweep(ctx)
        if ctx.now.day == 1:
            tick(ctx)
    messages = world.outbox()
    assert len(messages) > 20  # reminders, escalations, digests, notices, reports
    links: set[str] = set()
    for message in messages:
        links |= links_in(message.raw)
    # A supplier's portal link is put in by the relay at send time; the stored copy holds a
    # placeholder by design (tests/portal follows the real link from a sent .eml).
    ours = {link for link in links if link.startswith(BASE) and "/s/PORTAL-LINK-" not in link}
    assert any("/obligations/" in link for link in ours)
    assert not any("localhost" in link for link in links)  # every link uses the base URL
    # Cookies are Secure with an https base URL: the browser talks https too.
    client = TestClient(world.app(), base_url="https://testserver", follow_redirects=False,
                        client=("10.0.0.9", 50000))  # fmt: skip
    form = client.get("/sign-in").text
    signed = client.post("/sign-in", data={"email": email_of("manager"), "password": PASSWORD,
                                           "csrf_token": csrf_of(form), "next": "/"})  # fmt: skip
    assert signed.status_code == 303
    broken = []
    for link in sorted(ours):
        answer = client.get(link.removeprefix(BASE) or "/")
        if answer.status_code != 200:
            broken.append(f"{answer.status_code} {link}")
    assert broken == [], f"{len(broken)} of {len(ours)} links do not open a page"
