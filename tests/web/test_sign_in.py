"""Signing in and out of the web app, throttling, the idle timeout, CSRF, and the headers
every page carries."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.web.world import PASSWORD, World, csrf_of, email_of, sign_in
from tracker.db import get_engine, read_session
from tracker.models import Obligation


def attempt(client: TestClient, email: str, password: str) -> str:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
    )
    return response.text if response.status_code != 303 else "signed in"


def test_unauthenticated_pages_send_to_sign_in_and_back(world: World) -> None:
    client = TestClient(world.app(), follow_redirects=False)
    response = client.get("/contracts?q=C-1")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/contracts%3Fq%3DC-1"
    page = client.get(response.headers["location"])
    assert "<h1>Sign in</h1>" in page.text
    signed = client.post(
        "/sign-in",
        data={
            "email": email_of("viewer"),
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/contracts?q=C-1",
        },
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/contracts?q=C-1"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    listed = client.get("/contracts?q=C-1")
    assert listed.status_code == 200
    assert "1 contract" in listed.text


def test_wrong_password_is_shown_next_to_the_field_and_on_top(world: World) -> None:
    client = TestClient(world.app(), follow_redirects=False)
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": email_of("viewer"), "password": "wrong", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert response.text.count("he email address or password is not right") == 2
    assert 'value="viewer@example.com"' in response.text  # what was typed is kept
    assert "tracker_session" not in response.headers.get("set-cookie", "")


def test_sign_in_is_throttled_after_five_failures(world: World) -> None:
    client = TestClient(world.app(), follow_redirects=False)
    for _ in range(5):
        assert "not right" in attempt(client, email_of("manager"), "guess")
    # Even the right password is refused now: the account is throttled for 15 minutes.
    assert "too many failed sign-ins" in attempt(client, email_of("manager"), PASSWORD).lower()
    world.clock.now += timedelta(minutes=16)
    assert attempt(client, email_of("manager"), PASSWORD) == "signed in"


def test_idle_timeout_ends_the_session(world: World) -> None:
    app = world.app()
    client = sign_in(app, email_of("viewer"))
    assert client.get("/").status_code == 200
    world.clock.now += timedelta(minutes=25)
    assert client.get("/").status_code == 200  # used: the idle time starts again
    world.clock.now += timedelta(minutes=25)
    assert client.get("/").status_code == 200
    world.clock.now += timedelta(minutes=31)
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in")


def test_sign_out_ends_the_session_for_good(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    stolen = dict(client.cookies)
    page = client.get("/")
    response = client.post("/sign-out", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    assert "You are signed out" in client.get(response.headers["location"]).text
    # The old cookie, replayed, no longer works.
    replay = TestClient(world.app(), follow_redirects=False, cookies=stolen)
    assert replay.get("/").status_code == 303


def test_a_form_without_its_token_is_refused_and_changes_nothing(world: World) -> None:
    client = sign_in(world.app(), email_of("admin"))
    oid = world.obligation("C-1", "certificate")
    for token in (None, "0" * 64):
        data = {"reason": "not needed"} | ({"csrf_token": token} if token else {})
        response = client.post(f"/obligations/{oid}/waive", data=data)
        assert response.status_code == 403
        assert "This form has expired" in response.text
    # A token from another session does not do either.
    other = sign_in(world.app(), email_of("manager"))
    foreign = csrf_of(other.get(f"/obligations/{oid}").text)
    response = client.post(f"/obligations/{oid}/waive", data={"reason": "x", "csrf_token": foreign})
    assert response.status_code == 403
    with read_session(get_engine(world.url)) as s:
        assert s.get(Obligation, oid).status != "waived"  # type: ignore[union-attr]


def test_security_headers_on_every_page(world: World) -> None:
    client = sign_in(world.app(), email_of("viewer"))
    for path in ("/", "/sign-in", "/contracts", "/nowhere"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == (
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        )
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store"
    page = client.get("/")
    assert "<script" not in page.text
    assert "style=" not in page.text
