"""Alembic owns the schema on both engines: up, down, up again, and models agree."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from tracker import migrate
from tracker.db import get_engine

# Each test starts from an empty database: these tests are about the migrations themselves.
pytestmark = pytest.mark.empty_database

TRACKER_TABLES = {
    "supplier",
    "supplier_contact",
    "contract",
    "clause_version",
    "contract_clause",
    "contract_event",
    "obligation",
    "obligation_decision",
    "product_model",
    "evidence",
    "finding",
    "report_schedule",
    "report_run",
    "report_file",
    "audit_event",
    "reminder",
    "outbox_message",
    "delivery_attempt",
    "worker_heartbeat",
    "app_user",
    "user_session",
    "login_attempt",
    "api_token",
    "portal_link",
    "portal_use",
    "calendar_feed_token",
    "closure_day",
}


def tables(url: str) -> set[str]:
    return set(inspect(get_engine(url)).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    migrate.upgrade(database_url)
    assert tables(database_url) == TRACKER_TABLES
    assert migrate.current_revision(get_engine(database_url)) == migrate.head_revision(database_url)
    migrate.downgrade(database_url, "base")
    assert tables(database_url) == set()
    assert migrate.current_revision(get_engine(database_url)) is None
    migrate.upgrade(database_url)
    assert tables(database_url) == TRACKER_TABLES


def test_models_and_migrations_agree(database_url: str) -> None:
    migrate.upgrade(database_url)
    with get_engine(database_url).connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'x.db'}"
    migrate.upgrade(url)
    with get_engine(url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000
