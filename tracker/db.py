"""Engines and sessions. SQLite: WAL, busy_timeout, foreign keys, BEGIN IMMEDIATE for writes.

Every use case runs in one transaction: `write_session` for changes (on SQLite it takes the
write lock up front, so two writers queue instead of failing half-way), `read_session`
for queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Executable, create_engine, event
from sqlalchemy.engine import Connection, Row, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from tracker.errors import Failure

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Rows fetched at a time by `stream`: memory stays flat however long the list.
STREAM_BATCH = 1000
WRITE_OPTION = "tracker_write"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets its pragmas and explicit transaction control."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to emit (SQLAlchemy's
        # documented recipe for pysqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    return make_engine(url)


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed on success, rolled back entirely on any error."""
    bound = engine.execution_options(**{WRITE_OPTION: True})
    with Session(bound, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise Failure(f"the database refused the change: {exc.orig}") from exc
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only unit: closing returns the connection, which the pool rolls back; loaded
    objects stay readable (an explicit rollback would expire them)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def stream(engine: Engine, stmt: Executable, *, batch: int | None = None) -> Iterator[Row[Any]]:
    """The rows of a query as they come, `batch` at a time (a server-side cursor on
    PostgreSQL), for lists of any length; the connection is returned when the rows run
    out or the caller stops early."""
    with engine.connect() as conn:
        per = batch or STREAM_BATCH
        result = conn.execution_options(stream_results=True, yield_per=per).execute(stmt)
        yield from result
