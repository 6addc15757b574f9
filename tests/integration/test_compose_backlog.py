"""A catch-up composes its whole backlog in one pass, batch after batch, each batch
continuing where the previous one stopped; the backlog is read through its own index, so
no plan depends on statistics."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlmodel import Session, col

from tests.cli import Cli, mail_cli
from tests.integration.test_reminders_e2e import MANAGER, ONE_DUTY, SUPPLIER, contract
from tests.smtp_server import SmtpSink
from tracker import reminders
from tracker.config import get_settings
from tracker.context import Context
from tracker.db import get_engine, read_session
from tracker.models import OutboxMessage, Reminder
from tracker.reminders import compose, passes
from tracker.reminders.compose import Backlog

CONTRACTS = 12
SEVEN_DAYS_LATE = datetime.fromisoformat("2027-04-17T08:05:00+02:00")


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    sink: SmtpSink,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    return mail_cli(
        capsys, monkeypatch, clauses={"one-duty": ONE_DUTY}, folder=tmp_path, smtp_url=sink.url
    )


def test_one_sweep_composes_a_backlog_many_batches_long(
    cli: Cli, sink: SmtpSink, tracker_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(CONTRACTS):
        contract(cli, reference=f"C-{n}")
    # Four rows per batch: supplier emails split across batches, and the manager's digest
    # is longer than a batch, so it is written by one batch and extended by the next ones.
    monkeypatch.setattr(passes, "compose_batch", partial(compose.compose_batch, batch_rows=4))
    get_settings.cache_clear()
    settings = get_settings()
    engine = get_engine(tracker_env)
    ctx = Context(settings=settings, engine=engine, now=SEVEN_DAYS_LATE, actor="worker")

    report = reminders.sweep(ctx)  # one pass, no second chance

    with read_session(engine) as session:
        left = session.execute(
            select(func.count()).where(col(Reminder.outbox_id).is_(None))
        ).scalar_one()
        messages = session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    assert left == 0
    assert messages == CONTRACTS + 1
    assert report.messages_composed >= CONTRACTS + 1
    cli.ok("relay", "--now", SEVEN_DAYS_LATE.isoformat())
    to_manager = [r for r in sink.received if r.recipients == [MANAGER]]
    assert [str(r.message["Subject"]) for r in to_manager] == [
        f"Clause Tracker digest for 2027-04-17: {CONTRACTS} items, {CONTRACTS} overdue"
    ]
    to_supplier = sorted(
        str(r.message["Subject"]) for r in sink.received if SUPPLIER in r.recipients
    )
    assert to_supplier == sorted(
        f"[C-{n}] Overdue: Send the social audit report (April 10, 2027)" for n in range(CONTRACTS)
    )


def test_the_backlog_is_read_in_index_order_from_where_the_last_batch_stopped(
    tracker_env: str,
) -> None:
    """Never analysed, as after an import: SQLite still reads the backlog from its own
    index, from the batch's start key, without sorting what is left. (PostgreSQL's plan
    at scale is in bench/README.md: tiny test tables are scanned, whatever the indexes.)"""
    engine = get_engine(tracker_env)
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's is measured by bench.catchup")
    statements: list[tuple[str, Any]] = []

    def capture(_c: object, _cur: object, statement: str, params: Any, *_: object) -> None:
        if "FROM reminder" in statement:
            statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            start = (MANAGER, date(2027, 4, 17), 3, 7)
            compose._backlog_batch(session, Backlog(start=start, inclusive=True), 4)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, params = statements[0]
    with engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)]
    assert any("USING INDEX ix_reminder_unassigned ((recipient,local_date" in p for p in plan)
    assert not any("TEMP B-TREE" in p or p.startswith("SCAN") for p in plan), plan
