"""Calendar feeds from the web: a person creates a feed of their own contracts, a calendar
app fetches it by its secret address (no sign-in), revoking it stops it at once."""

from __future__ import annotations

import html
import logging
import re
from datetime import date

import ics  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.web.world import World, csrf_of, email_of, sign_in
from tracker.web.portal.logs import RedactPortalTokens

NOT_HERE = "There is no calendar at this address.\n"


def address_on(page: str) -> str:
    match = re.search(r'id="feed-address" type="text" readonly value="([^"]+)"', page)
    assert match is not None, "the page shows no new feed address"
    return html.unescape(match.group(1))


def path_of(url: str) -> str:
    return url[url.index("/ics/") :]


def test_a_manager_subscribes_to_their_contracts_and_revokes_the_feed(world: World) -> None:
    app = world.app()
    manager = sign_in(app, email_of("manager"))
    page = manager.get("/feeds")
    assert page.status_code == 200
    assert "You have no calendar feed yet." in page.text
    assert "Google Calendar refreshes subscriptions only every few hours" in page.text
    created = manager.post("/feeds", data={"csrf_token": csrf_of(page.text), "covers": "mine"})
    assert created.status_code == 200
    assert "it is shown only this once" in created.text
    url = address_on(created.text)
    assert url.endswith(".ics")
    token = path_of(url)[len("/ics/") : -len(".ics")]
    assert len(token) >= 43  # 256 bits, url-safe base64

    calendar_app = TestClient(app, follow_redirects=False)  # no cookie: the address is the key
    fetched = calendar_app.get(path_of(url))
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "text/calendar; charset=utf-8"
    assert fetched.headers["referrer-policy"] == "no-referrer"
    calendar = Calendar.from_ical(fetched.content)
    assert calendar.calendar_name == "Clause Tracker: contracts managed by manager@example.com"
    summaries = sorted(str(e.summary) for e in calendar.events)
    # Only C-1 is the manager's; C-2 belongs to someone else.
    assert summaries == [
        "C-1: Disclose the factory list",
        "C-1: Send the facility certificate",
        "C-1: Send the social audit report",
    ]
    certificate = next(e for e in calendar.events if "certificate" in str(e.summary))
    assert certificate.start == date(2027, 3, 11)
    link = f"/obligations/{world.obligation('C-1', 'certificate')}"
    assert link in str(certificate.description)
    # A second, independent parser reads the same events.
    second = ics.Calendar(fetched.content.decode("utf-8"))
    assert sorted(e.name for e in second.events) == summaries
    assert all(e.all_day for e in second.events)

    listed = manager.get("/feeds")
    assert "contracts managed by manager@example.com" in listed.text
    assert token not in listed.text  # the address is shown once, never again
    [feed_id] = re.findall(r'name="feed_id" value="(\d+)"', listed.text)
    revoked = manager.post(
        "/feeds/revoke", data={"csrf_token": csrf_of(listed.text), "feed_id": feed_id}
    )
    assert revoked.status_code == 303
    assert "Calendar feed revoked" in manager.get(revoked.headers["location"]).text
    gone = calendar_app.get(path_of(url))
    unknown = calendar_app.get("/ics/" + "x" * 43 + ".ics")
    # A revoked address and one that never existed get the same answer.
    assert (gone.status_code, gone.text) == (unknown.status_code, unknown.text) == (404, NOT_HERE)


def test_a_feed_of_one_contract_and_nobody_revokes_anothers_feed(world: World) -> None:
    app = world.app()
    reviewer = sign_in(app, email_of("reviewer"))
    page = reviewer.get("/feeds")
    token = csrf_of(page.text)
    missing = reviewer.post("/feeds", data={"csrf_token": token, "covers": "contract"})
    assert missing.status_code == 400
    assert "Enter the contract&#39;s reference" in missing.text
    unknown = reviewer.post(
        "/feeds", data={"csrf_token": token, "covers": "contract", "contract": "C-404"}
    )
    assert unknown.status_code == 400
    assert "No contract &#39;C-404&#39;" in unknown.text
    created = reviewer.post(
        "/feeds", data={"csrf_token": token, "covers": "contract", "contract": "C-2"}
    )
    assert created.status_code == 200
    url = address_on(created.text)
    calendar = Calendar.from_ical(TestClient(app).get(path_of(url)).content)
    assert {str(e.summary)[:4] for e in calendar.events} == {"C-2:"}
    feed_id = re.findall(r'name="feed_id" value="(\d+)"', reviewer.get("/feeds").text)[0]

    manager = sign_in(app, email_of("manager"))
    assert "You have no calendar feed yet." in manager.get("/feeds").text
    refused = manager.post(
        "/feeds/revoke",
        data={"csrf_token": csrf_of(manager.get("/feeds").text), "feed_id": feed_id},
    )
    assert refused.status_code == 400
    assert f"No calendar feed {feed_id}" in refused.text
    assert TestClient(app).get(path_of(url)).status_code == 200  # still works


def test_a_form_without_its_token_changes_nothing(world: World) -> None:
    app = world.app()
    manager = sign_in(app, email_of("manager"))
    refused = manager.post("/feeds", data={"covers": "mine"})
    assert refused.status_code == 403
    assert "This form has expired" in refused.text
    assert "You have no calendar feed yet." in manager.get("/feeds").text


def test_the_access_log_never_shows_a_feed_token() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.1:5", "GET", "/ics/secret-feed-token.ics", "1.1", 200), None,
    )  # fmt: skip
    assert RedactPortalTokens().filter(record)
    assert "secret-feed-token" not in record.getMessage()
    assert '"GET /ics/[feed] HTTP/1.1"' in record.getMessage()
