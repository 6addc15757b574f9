"""Where benchmark databases live, how a fresh one is made, and the benchmark clock."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

OUT = Path(__file__).resolve().parent / "out"
PG_DATABASE = "bench_tracker"


def sqlite_url(name: str) -> str:
    return f"sqlite:///{OUT / name}"


def parse_now(text: str | None) -> datetime:
    """An ISO instant (naive means UTC), or the real clock."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--now: {text!r} is not an ISO date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def fresh_database(url: str) -> str:
    """An empty database for `url`; returns the URL to use.

    SQLite: the file is deleted first, but only under bench/out/. PostgreSQL: a dedicated
    database `bench_tracker` is dropped and recreated next to the one in `url`, which is
    otherwise left alone.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return url
        path = Path(parsed.database).expanduser().resolve()
        if path.exists() and OUT not in path.parents:
            raise SystemExit(f"refusing to delete {path}: benchmark files live under {OUT}")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return url
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"unsupported database URL {url!r}")
    admin = parsed.set(drivername="postgresql")
    if admin.database == PG_DATABASE:
        admin = admin.set(database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        name = sql.Identifier(PG_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return parsed.set(database=PG_DATABASE).render_as_string(hide_password=False)
