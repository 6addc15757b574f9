"""Where benchmark databases live, how a fresh one is made, and the benchmark clock."""

from __future__ import annotations

import argparse
import shutil
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

OUT = Path(__file__).resolve().parent / "out"
PG_DATABASE = "bench_tracker"
# `--smoke` runs use their own PostgreSQL databases and SQLite files, so a smoke run in CI
# never drops a full-size database someone prepared for an hour.
_names = {"suffix": ""}


def use_smoke_names() -> None:
    _names["suffix"] = "_smoke"


def named(name: str) -> str:
    """A benchmark database or file name, with the smoke suffix in `--smoke` runs."""
    return name + _names["suffix"]


def sqlite_url(name: str) -> str:
    """The SQLite file `name` under bench/out/ (`x_smoke.db` in `--smoke` runs)."""
    stem, dot, ext = name.rpartition(".")
    return f"sqlite:///{OUT / (named(stem) + dot + ext if dot else named(name))}"


def parse_now(text: str | None) -> datetime:
    """An ISO instant (naive means UTC), or the real clock."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--now: {text!r} is not an ISO date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _admin_conninfo(url: str, *avoid: str) -> str:
    """A libpq conninfo for the server in `url`, connected to a database that is not one
    of `avoid` (those are about to be dropped or copied)."""
    admin = make_url(url).set(drivername="postgresql")
    if admin.database in avoid:
        admin = admin.set(database="postgres")
    return admin.render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser().resolve()


def _delete_sqlite(path: Path) -> None:
    if path.exists() and OUT not in path.parents:
        raise SystemExit(f"refusing to delete {path}: benchmark files live under {OUT}")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def fresh_database(url: str, name: str = PG_DATABASE) -> str:
    """An empty database for `url`; returns the URL to use.

    SQLite: the file is deleted first, but only under bench/out/. PostgreSQL: a dedicated
    database `name` (default `bench_tracker`) is dropped and recreated next to the one in
    `url`, which is otherwise left alone.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if path is not None:
            _delete_sqlite(path)
        return url
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"unsupported database URL {url!r}")
    name = named(name)
    with psycopg.connect(_admin_conninfo(url, name), autocommit=True) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(ident))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    return parsed.set(database=name).render_as_string(hide_password=False)


def beside(url: str, name: str) -> str:
    """The URL of the database `name` next to `url`: for SQLite the file `name`.db in the
    same directory, for PostgreSQL the database `name` on the same server."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if path is None:
            raise SystemExit("an in-memory SQLite database cannot be copied")
        return f"sqlite:///{path.with_name(name + '.db')}"
    return parsed.set(database=named(name)).render_as_string(hide_password=False)


def database_exists(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        return path is not None and path.exists()
    with psycopg.connect(_admin_conninfo(url, str(parsed.database)), autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
    return found is not None


def clone_database(source: str, target: str) -> None:
    """Replace `target` with a copy of `source` (nobody may be connected to either).

    SQLite: a file copy (the source must be checkpointed, as it is once its last
    connection closed). PostgreSQL: `CREATE DATABASE target TEMPLATE source`.
    """
    src, dst = make_url(source), make_url(target)
    if src.get_backend_name() == "sqlite":
        src_path, dst_path = _sqlite_path(source), _sqlite_path(target)
        assert src_path is not None
        assert dst_path is not None
        _delete_sqlite(dst_path)
        shutil.copyfile(src_path, dst_path)
        return
    names = (str(src.database), str(dst.database))
    with psycopg.connect(_admin_conninfo(source, *names), autocommit=True) as conn:
        ident = sql.Identifier(names[1])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(ident))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(ident, sql.Identifier(names[0]))
        )
