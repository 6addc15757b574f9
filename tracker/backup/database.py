"""A consistent copy of the database and its restore: SQLite through its online backup
API, PostgreSQL through `pg_dump` / `pg_restore` (custom format) in one snapshot."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tracker.errors import BadInput, Failure

SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"


@dataclass(frozen=True)
class Head:
    """The copy's schema revision, and its audit trail: how many events, the last hash."""

    revision: str | None
    events: int
    hash: str


_HEAD = (
    "SELECT (SELECT max(version_num) FROM alembic_version), count(*), "
    "(SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1) FROM audit_event"
)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BadInput("an in-memory SQLite database cannot be backed up or restored", field=None)
    return Path(database).expanduser()


def copy_sqlite(url: str, dest: Path) -> Head:
    """One step of the online backup API: a read transaction, so the copy is one consistent
    state even while a worker writes (WAL lets it carry on meanwhile)."""
    source = sqlite_path(url)
    if not source.is_file():
        raise Failure(f"the database file {source} does not exist")
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
        revision, events, head = dst.execute(_HEAD).fetchone()
    finally:
        dst.close()
        src.close()
    return Head(revision, int(events), head or "")


def sqlite_is_empty(url: str) -> bool:
    path = sqlite_path(url)
    if not path.exists() or path.stat().st_size == 0:
        return True
    conn = sqlite3.connect(path)
    try:
        (tables,) = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()
    finally:
        conn.close()
    return int(tables) == 0


def restore_sqlite(url: str, source: Path) -> None:
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it (a password
    on a command line is visible to every user of the machine)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Failure(
            f"{name} is not installed: install the PostgreSQL client tools of the server's "
            "major version (Debian: postgresql-client); by hand, `pg_dump --format=custom` "
            "the database and copy the evidence folder, and restore with `pg_restore`"
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    # The tool is found on PATH by name and every argument is built here, never by a shell.
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise Failure(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


@contextmanager
def _exported_snapshot(engine: Engine) -> Iterator[tuple[str, Head]]:
    """A repeatable-read transaction held open while pg_dump reads the same snapshot, so the
    audit head recorded in the manifest is the dump's."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            revision, events, head = conn.execute(text(_HEAD)).one()
            yield snapshot, Head(revision, int(events), head or "")


def copy_postgres(engine: Engine, url: str, dest: Path) -> Head:
    pg_dump = _tool("pg_dump")
    conninfo, env = _libpq(url)
    with _exported_snapshot(engine) as (snapshot, head):
        _run(
            [pg_dump, "--format=custom", "--no-owner", "--no-privileges",
             f"--snapshot={snapshot}", f"--file={dest}", f"--dbname={conninfo}"],
            env,
        )  # fmt: skip
    return head


def postgres_is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        tables = conn.execute(
            text(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        ).scalar_one()
    return int(tables) == 0


def restore_postgres(url: str, source: Path) -> None:
    pg_restore = _tool("pg_restore")
    conninfo, env = _libpq(url)
    _run(
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={conninfo}", str(source)],
        env,
    )  # fmt: skip
