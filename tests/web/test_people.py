"""People through the CLI and the use cases, on a real SQLite file and a real PostgreSQL:
accounts, roles, passwords, sessions, throttling, tokens, and the audit events they leave."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.cli import Cli
from tracker import people
from tracker.config import get_settings
from tracker.context import Context
from tracker.db import get_engine, read_session
from tracker.models import AuditEvent, User, UserRole, UserSession
from tracker.people.passwords import verify_password
from tracker.people.roles import Action, Person, may_on_contract
from tracker.people.throttle import PER_ACCOUNT, PER_ADDRESS

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def cli(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    return runner


def ctx_at(now: datetime = NOW, actor: str = "admin@example.com") -> Context:
    settings = get_settings()
    return Context(
        settings=settings, engine=get_engine(settings.database_url), now=now, actor=actor
    )


def add(cli: Cli, monkeypatch: pytest.MonkeyPatch, email: str, *args: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    cli.ok("user", "add", email, "--password-stdin", *args)


def test_user_add_list_disable_with_audit(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    add(cli, monkeypatch, "Manager@Example.com", "--role", "manager", "--name", "Mia Manager")
    listed = cli.ok("user", "list", "--format", "json").json()
    assert [(u["email"], u["role"], u["disabled"]) for u in listed] == [
        ("manager@example.com", "manager", False)
    ]
    signed = people.sign_in(ctx_at(), email="manager@example.com", password=PASSWORD, ip="10.0.0.1")
    assert people.current(ctx_at(), signed.token) is not None
    cli.ok("user", "disable", "manager@example.com")
    # Disabling ends the sign-in at once, and a new one is refused.
    assert people.current(ctx_at(), signed.token) is None
    with pytest.raises(people.SignInRefused):
        people.sign_in(ctx_at(), email="manager@example.com", password=PASSWORD, ip="10.0.0.1")
    with read_session(ctx_at().engine) as session:
        actions = [
            a
            for (a,) in session.execute(
                select(col(AuditEvent.action)).where(col(AuditEvent.entity) == "user")
            )
        ]
        stored = session.scalars(select(User)).one()
    assert actions == ["added", "signed_in", "disabled"]
    assert stored.password_hash is not None
    assert PASSWORD not in stored.password_hash
    assert stored.password_hash.startswith("$argon2")


def test_bad_input_is_refused_with_exit_2(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    result = cli("user", "add", "a@example.com", "--role", "manager", "--password-stdin")
    assert result.code == 2
    assert "at least 12 characters" in result.err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    result = cli("user", "add", "a@example.com", "--role", "boss", "--password-stdin")
    assert result.code == 2
    assert "'boss' is not one of admin" in result.err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    result = cli("user", "add", "a@example.com", "--role", "auditor", "--password-stdin")
    assert result.code == 2
    assert "--expires" in result.err
    assert cli.ok("user", "list", "--format", "json").json() == []


def test_auditor_access_ends_after_expiry(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    add(cli, monkeypatch, "auditor@example.com", "--role", "auditor", "--expires", "2027-03-01")
    signed = people.sign_in(ctx_at(), email="auditor@example.com", password=PASSWORD, ip="1.2.3.4")
    assert signed.person.role.value == "auditor"
    # TRACKER_TIMEZONE is Europe/Berlin in tests: 2 March 00:30 there is the day after.
    later = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)
    assert people.current(ctx_at(later), signed.token) is None


def test_throttling_after_five_failures(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    add(cli, monkeypatch, "viewer@example.com", "--role", "viewer")
    for _ in range(PER_ACCOUNT):
        with pytest.raises(people.SignInRefused, match="not right"):
            people.sign_in(ctx_at(), email="viewer@example.com", password="wrong", ip="1.1.1.1")
    with pytest.raises(people.SignInRefused, match="too many"):
        people.sign_in(ctx_at(), email="viewer@example.com", password=PASSWORD, ip="1.1.1.1")
    # 15 minutes later the failures no longer count.
    later = NOW + timedelta(minutes=16)
    assert people.sign_in(
        ctx_at(later), email="viewer@example.com", password=PASSWORD, ip="1.1.1.1"
    )


def test_idle_timeout_password_change_and_sign_out(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(cli, monkeypatch, "reviewer@example.com", "--role", "reviewer")
    one = people.sign_in(ctx_at(), email="reviewer@example.com", password=PASSWORD, ip="1.1.1.1")
    assert people.current(ctx_at(NOW + timedelta(minutes=29)), one.token) is not None
    # Used at 29 minutes: idle counts from there.
    assert people.current(ctx_at(NOW + timedelta(minutes=58)), one.token) is not None
    assert people.current(ctx_at(NOW + timedelta(minutes=89)), one.token) is None
    two = people.sign_in(ctx_at(), email="reviewer@example.com", password=PASSWORD, ip="1.1.1.1")
    assert people.sign_out(ctx_at(), two.token)
    assert people.current(ctx_at(), two.token) is None
    three = people.sign_in(ctx_at(), email="reviewer@example.com", password=PASSWORD, ip="1.1.1.1")
    monkeypatch.setattr("sys.stdin", io.StringIO("another long passphrase\n"))
    cli.ok("user", "password", "reviewer@example.com", "--password-stdin")
    assert people.current(ctx_at(), three.token) is None
    with read_session(ctx_at().engine) as session:
        hashes = list(session.scalars(select(col(UserSession.token_sha256))))
    assert three.token not in hashes
    assert len(hashes) == 3


def test_token_printed_once_and_stored_hashed(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    add(cli, monkeypatch, "admin@example.com", "--role", "admin")
    result = cli.ok("user", "token", "admin@example.com", "--name", "reports script")
    token = result.out.strip()
    assert token.startswith("ctk_")
    assert len(token) > 40
    assert "not shown again" in result.err
    person = people.person_for_token(ctx_at(), token)
    assert person is not None
    assert person.email == "admin@example.com"
    assert people.person_for_token(ctx_at(), token + "x") is None
    again = cli("user", "token", "admin@example.com", "--name", "reports script")
    assert again.code == 2
    cli.ok("user", "disable", "admin@example.com")
    assert people.person_for_token(ctx_at(), token) is None


def test_permission_table_scopes() -> None:
    manager = Person(id=1, email="m@example.com", display_name="M", role=UserRole.MANAGER)
    assert people.may(manager, Action.WAIVE)
    assert not people.may(manager, Action.MANAGE_USERS)

    assert may_on_contract(manager, Action.WAIVE, manager_email="M@example.com")
    assert not may_on_contract(manager, Action.WAIVE, manager_email="other@example.com")
    assert may_on_contract(manager, Action.READ, manager_email="other@example.com")


def test_throttling_per_address_across_accounts(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    add(cli, monkeypatch, "viewer@example.com", "--role", "viewer")
    for n in range(PER_ADDRESS):
        with pytest.raises(people.SignInRefused, match="not right"):
            people.sign_in(ctx_at(), email=f"guess{n}@example.com", password="x", ip="6.6.6.6")
    with pytest.raises(people.SignInRefused, match="too many"):
        people.sign_in(ctx_at(), email="viewer@example.com", password=PASSWORD, ip="6.6.6.6")
    # Another address is not held up by the first one's guessing.
    assert people.sign_in(ctx_at(), email="viewer@example.com", password=PASSWORD, ip="7.7.7.7")


def test_people_signing_in_at_once_all_get_in(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A room full of people signing in at the same moment: each gets a working session and
    its audit event (passwords are checked outside the write transaction, two at a time)."""
    emails = [f"person{i}@example.com" for i in range(4)]
    for email in emails:
        add(cli, monkeypatch, email, "--role", "viewer")

    def sign_in(email: str) -> people.SignedIn:
        return people.sign_in(ctx_at(), email=email, password=PASSWORD, ip="10.0.0.2")

    with ThreadPoolExecutor(max_workers=8) as pool:
        signed = list(pool.map(sign_in, emails * 2))
    assert all(people.current(ctx_at(), s.token) is not None for s in signed)
    with read_session(ctx_at().engine) as session:
        sessions = len(list(session.scalars(select(col(UserSession.id)))))
        events = list(
            session.scalars(
                select(col(AuditEvent.actor)).where(col(AuditEvent.action) == "signed_in")
            )
        )
    assert sessions == 8
    assert sorted(events) == sorted(emails * 2)


def test_password_changed_while_a_sign_in_is_checked_does_not_let_the_old_one_in(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(cli, monkeypatch, "viewer@example.com", "--role", "viewer")

    def meanwhile(password: str, stored: str | None) -> bool:
        people.set_password(ctx_at(), "viewer@example.com", "another long passphrase")
        return verify_password(password, stored)

    monkeypatch.setattr("tracker.people.sessions.verify_password", meanwhile)
    with pytest.raises(people.SignInRefused, match="not right"):
        people.sign_in(ctx_at(), email="viewer@example.com", password=PASSWORD, ip="10.0.0.3")
