"""Shared fixtures: a fresh real database per test on SQLite and, when configured, PostgreSQL.

PostgreSQL tests read TRACKER_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:
5432/test); each test gets its own database created from it and dropped afterwards. Without
the variable they are skipped and the run says so in its header and summary. With
TRACKER_REQUIRE_POSTGRES=1 (as in CI) a missing PostgreSQL fails the run instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.smtp_server import SmtpSink
from tracker.config import get_settings
from tracker.db import get_engine

PG_ENV = "TRACKER_TEST_POSTGRES_URL"
PG_URL = os.environ.get(PG_ENV)
REQUIRE_PG = os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1"
SKIP_REASON = f"PostgreSQL NOT TESTED: set {PG_ENV} to run these tests against a real server"


def pytest_report_header() -> str:
    if PG_URL:
        shown = make_url(PG_URL).render_as_string(hide_password=True)
        return f"PostgreSQL: testing against {shown}"
    return f"PostgreSQL: *** {SKIP_REASON} ***"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not PG_URL:
        terminalreporter.write_sep("!", SKIP_REASON, yellow=True, bold=True)


def _pg_admin(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    parsed = make_url(url).set(drivername="postgresql")
    return psycopg.connect(parsed.render_as_string(hide_password=False), autocommit=True)


def _fresh_postgres() -> Iterator[str]:
    assert PG_URL is not None
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin(PG_URL) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name)
    rendered = url.render_as_string(hide_password=False)
    try:
        yield rendered
    finally:
        get_engine(rendered).dispose()
        with _pg_admin(PG_URL) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a real SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
        yield url
        get_engine(url).dispose()
        return
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail(f"TRACKER_REQUIRE_POSTGRES=1 but {PG_ENV} is not set")
        pytest.skip(SKIP_REASON)
    yield from _fresh_postgres()


@pytest.fixture
def tracker_env(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The environment of one user: its database, its working directory, fixed settings."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKER_DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKER_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("TRACKER_ACTOR", "tester@example.com")
    # Tests rehearse times on commands that write; a user's shell refuses that.
    monkeypatch.setenv("TRACKER_ALLOW_CLOCK_OVERRIDE", "1")
    for name in ("TRACKER_CLAUSE_PATH", "TRACKER_COUNTRY", "TRACKER_HORIZON_DAYS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on a free local port, recording what it receives."""
    with SmtpSink() as server:
        yield server


@pytest.fixture
def tracker() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start `tracker` processes; any still running when the test ends (say, because an
    assertion failed before the test stopped it) is killed, never leaked."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", *args],
            env={**env, "TRACKER_ALLOW_CLOCK_OVERRIDE": "1"},
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
