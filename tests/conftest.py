"""Shared fixtures: a fresh real database per test on SQLite and, when configured, PostgreSQL.

PostgreSQL tests read TRACKER_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:
5432/test); each test gets its own database created from it and dropped afterwards. Without
the variable they are skipped and the run says so in its header and summary. With
TRACKER_REQUIRE_POSTGRES=1 (as in CI) a missing PostgreSQL fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.smtp_server import SmtpSink
from tracker import migrate
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


def _create_postgres(template: str | None = None) -> str:
    assert PG_URL is not None
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    with _pg_admin(PG_URL) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{clause}')
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    assert PG_URL is not None
    get_engine(url).dispose()
    name = make_url(url).database
    with _pg_admin(PG_URL) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_postgres(template: str | None = None) -> Iterator[str]:
    rendered = _create_postgres(template)
    try:
        yield rendered
    finally:
        _drop_postgres(rendered)


ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


class MigratedTemplates:
    """One database per engine brought to the head revision once per test process; each
    test that wants a migrated database gets a copy (a file copy on SQLite, `CREATE
    DATABASE ... TEMPLATE` on PostgreSQL) instead of running every migration again. The
    migrations themselves are tested from an empty database (`empty_database` marker)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    def sqlite_copy(self, target: Path) -> str:
        if self._sqlite is None:
            source = self._folder / "template.db"
            url = f"sqlite:///{source}"
            migrate.upgrade(url)
            get_engine(url).dispose()
            self._sqlite = source
        shutil.copyfile(self._sqlite, target)
        return f"sqlite:///{target}"

    def postgres_template(self) -> str:
        if self._postgres is None:
            url = _create_postgres()
            migrate.upgrade(url)
            get_engine(url).dispose()
            self._postgres = url
        name = make_url(self._postgres).database
        assert name is not None
        return name

    def close(self) -> None:
        if self._postgres is not None:
            _drop_postgres(self._postgres)


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    templates = MigratedTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


@pytest.fixture(params=ENGINES)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: MigratedTemplates
) -> Iterator[str]:
    """A URL of a database at the head revision (what `tracker init` leaves): a real SQLite
    file, or a new PostgreSQL database. Tests marked `empty_database` get an empty one."""
    empty = request.node.get_closest_marker("empty_database") is not None
    if request.param == "sqlite":
        target = tmp_path / "tracker.db"
        url = f"sqlite:///{target}" if empty else migrated_templates.sqlite_copy(target)
        yield url
        get_engine(url).dispose()
        return
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail(f"TRACKER_REQUIRE_POSTGRES=1 but {PG_ENV} is not set")
        pytest.skip(SKIP_REASON)
    yield from _fresh_postgres(None if empty else migrated_templates.postgres_template())


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
