"""The grown-up deployment as real processes on one database: two web servers and two
workers while a few hundred reminders and several monthly reports come due.

Workers read the real clock, so the portfolio is planned relative to today: every
contract's duty fell due some days ago, far enough from any 08:00 reminder step that the
test holds at any hour of the day.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.e2e.server import free_port
from tests.integration.test_reminders_e2e import ONE_DUTY
from tests.smtp_server import SmtpSink
from tests.web.world import PDF, csrf_of
from tracker import audit
from tracker.clock import utc_now
from tracker.config import get_settings
from tracker.context import Context
from tracker.contracts.register import add_contract, attach_clause
from tracker.contracts.suppliers import add_supplier
from tracker.db import get_engine, read_session
from tracker.models import (
    AuditEvent,
    DeliveryAttempt,
    Obligation,
    OutboxMessage,
    Reminder,
    ReportRun,
)
from tracker.people.accounts import add_user
from tracker.reports.schedules import add_schedule

ZONE = "Europe/Berlin"
SUPPLIERS = 40
CONTRACTS = 240
MANAGERS = 4
SENDER = "tracker@example.com"
COUNCIL = "council@example.com"
WEB_USER = "web.manager@example.com"
PASSWORD = "a long enough passphrase"
SECRET_KEY = "k" * 48  # the same in every web process: a sign-in on one holds on the other


def supplier_email(n: int) -> str:
    return f"compliance{n}@example.com"


def manager_email(n: int) -> str:
    return f"manager{n}@example.com"


def days_late(n: int) -> int:
    """Three to five days late: only the 1-day-late step has passed (supplier). Nine to
    twelve: the 7-days-late step has passed too (supplier and manager), the 14-day one not."""
    return 3 + n % 3 if n % 5 < 3 else 9 + n % 4


@dataclass(frozen=True)
class World:
    expected: frozenset[tuple[str, int]]  # (recipient, obligation id) told once each
    periods: tuple[str, ...]  # monthly report periods that have ended
    upload_to: tuple[int, int]  # one obligation per web server, not yet due


def months_between(first: date, last: date) -> tuple[str, ...]:
    labels = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(labels)


def build_world(url: str, clause_dir: Path) -> World:
    """Through the use cases, at the real time: the portfolio, a web user and a monthly
    report schedule created ten weeks ago."""
    settings = get_settings()
    assert settings.database_url == url
    assert clause_dir in settings.clause_dirs()
    now = utc_now()
    ctx = Context(settings=settings, engine=get_engine(url), now=now, actor="tester")
    today = now.astimezone(ZoneInfo(ZONE)).date()
    for n in range(SUPPLIERS):
        add_supplier(ctx, name=f"Supplier {n} AB", email=supplier_email(n))
    add_user(ctx, email=WEB_USER, role="manager", password=PASSWORD)

    def contract(reference: str, supplier: int, manager: str, due: date) -> None:
        start = due - timedelta(days=40)  # ONE_DUTY: due 40 days after the start
        add_contract(
            ctx,
            reference=reference,
            supplier_id=f"Supplier {supplier} AB",
            title=f"Devices {reference}",
            start_on=start,
            end_on=start + timedelta(days=3 * 365),
            manager_email=manager,
            timezone=ZONE,
        )
        attach_clause(ctx, reference, "one-duty")

    for n in range(CONTRACTS):
        contract(
            f"MP-{n:03d}",
            n % SUPPLIERS,
            manager_email(n % MANAGERS),
            today - timedelta(days=days_late(n)),
        )
    for name in ("WEB-A", "WEB-B"):  # due in 100 days: nothing to remind yet
        contract(name, 0, WEB_USER, today + timedelta(days=100))
    created = now - timedelta(days=70)
    add_schedule(
        Context(settings=settings, engine=ctx.engine, now=created, actor="tester"),
        every="month",
        scope="portfolio",
        recipients=[COUNCIL],
        formats="csv",
        timezone=ZONE,
    )
    last_month = today.replace(day=1) - timedelta(days=1)
    periods = months_between(created.astimezone(ZoneInfo(ZONE)).date(), last_month)
    with read_session(ctx.engine) as session:
        rows = session.execute(
            select(col(Obligation.id), col(Obligation.contract_id)).order_by(col(Obligation.id))
        ).all()
    assert len(rows) == CONTRACTS + 2
    expected: set[tuple[str, int]] = set()
    for n, (oid, _) in enumerate(rows[:CONTRACTS]):
        expected.add((supplier_email(n % SUPPLIERS), oid))
        if days_late(n) >= 7:
            expected.add((manager_email(n % MANAGERS), oid))
    return World(frozenset(expected), periods, (rows[-2][0], rows[-1][0]))


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def told(sink: SmtpSink) -> Counter[tuple[str, int]]:
    """(recipient, obligation) as the received reminder emails list them."""
    found: Counter[tuple[str, int]] = Counter()
    with sink.lock:
        received = list(sink.received)
    for r in received:
        if COUNCIL in r.recipients:
            continue
        obligations = {int(m) for m in re.findall(r"/obligations/(\d+)", text_of(r.message))}
        for recipient in r.recipients:
            found.update((recipient, oid) for oid in obligations)
    return found


def reports_received(sink: SmtpSink) -> list[EmailMessage]:
    with sink.lock:
        return [r.message for r in sink.received if COUNCIL in r.recipients]


@pytest.fixture
def env(
    tracker_env: str, tmp_path: Path, sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """One environment for every process, as a deployment's unit files would share it."""
    clause_dir = tmp_path / "clauses"
    clause_dir.mkdir()
    (clause_dir / "one-duty.yaml").write_text(ONE_DUTY, encoding="utf-8")
    values = {
        "TRACKER_DATABASE_URL": tracker_env,
        "TRACKER_CLAUSE_PATH": str(clause_dir),
        "TRACKER_TIMEZONE": ZONE,
        "TRACKER_SMTP_URL": sink.url,
        "TRACKER_SMTP_TIMEOUT": "10",
        "TRACKER_MAIL_FROM": f"Clause Tracker <{SENDER}>",
        "TRACKER_EMAIL_MAX_ITEMS": "1000",  # every item listed, so the test can count them
        "TRACKER_SWEEP_SECONDS": "2",
        "TRACKER_RELAY_SECONDS": "1",
        "TRACKER_REPORT_SECONDS": "10",
        "TRACKER_SECRET_KEY": SECRET_KEY,
        "TRACKER_EVIDENCE_DIR": str(tmp_path / "evidence"),  # shared storage
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return dict(os.environ)


def wait_healthy(base: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=2)
            return
        except httpx.TransportError:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the web server did not start"
            time.sleep(0.2)


def sign_in(client: httpx.Client) -> None:
    form = client.get("/sign-in").text
    signed = client.post(
        "/sign-in",
        data={"email": WEB_USER, "password": PASSWORD, "csrf_token": csrf_of(form), "next": "/"},
    )
    assert signed.status_code == 303, signed.text


def upload(client: httpx.Client, oid: int, name: str) -> None:
    token = csrf_of(client.get(f"/obligations/{oid}").text)
    sent = client.post(
        f"/obligations/{oid}/evidence",
        data={"csrf_token": token, "evidence_type": "audit-report"},
        files={"file": (name, PDF, "application/pdf")},
    )
    assert sent.status_code == 303, sent.text


def settle(sink: SmtpSink, world: World, timeout: float) -> None:
    """Until every expected reminder and report has arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if set(told(sink)) >= world.expected and len(reports_received(sink)) >= len(world.periods):
            return
        time.sleep(0.25)
    missing = world.expected - set(told(sink))
    raise AssertionError(
        f"{len(missing)} reminders and {len(world.periods) - len(reports_received(sink))} "
        f"reports not received, e.g. {sorted(missing)[:5]}"
    )


def test_two_web_servers_and_two_workers_share_one_database(
    tracker_env: str,
    env: dict[str, str],
    sink: SmtpSink,
    tmp_path: Path,
    tracker: Callable[..., subprocess.Popen[str]],
) -> None:
    # The processes start first; the portfolio is registered while they come up, so the
    # workers' first sweeps may meet it half-built, as they would in production.
    ports = [free_port(), free_port()]
    webs = [
        tracker("serve", "--no-worker", "--port", str(port), env=env, cwd=tmp_path)
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    workers = [tracker("worker", env=env, cwd=tmp_path) for _ in range(2)]
    world = build_world(tracker_env, Path(env["TRACKER_CLAUSE_PATH"]))
    assert len(world.expected) > 300
    assert len(world.periods) >= 2
    for base, web in zip(bases, webs, strict=True):
        wait_healthy(base, web)

    # While the workers sweep and send: a sign-in on one server holds on the other, and
    # evidence uploaded through either is seen by both.
    with (
        httpx.Client(base_url=bases[0], timeout=20) as on_a,
        httpx.Client(base_url=bases[1], timeout=20) as on_b,
    ):
        sign_in(on_a)
        on_b.cookies = on_a.cookies
        upload(on_a, world.upload_to[0], "audit-a.pdf")
        upload(on_b, world.upload_to[1], "audit-b.pdf")
        for client, other, name in (
            (on_a, world.upload_to[1], "audit-b.pdf"),
            (on_b, world.upload_to[0], "audit-a.pdf"),
        ):
            page = client.get(f"/obligations/{other}")
            assert page.status_code == 200
            assert name in page.text
            assert client.get("/").status_code == 200

    settle(sink, world, timeout=90)
    # Two more sweeps and several relay ticks: anything doubled would have arrived by now.
    time.sleep(4)
    for proc in workers + webs:
        assert proc.poll() is None, proc.communicate()[1]

    ids = Counter(r.message_id for r in sink.received)
    assert max(ids.values()) == 1, [m for m, n in ids.items() if n > 1][:5]
    counted = told(sink)
    assert set(counted) == world.expected  # none lost, nobody told of anything else
    assert max(counted.values()) == 1  # nobody told twice of one obligation

    reports = [str(m["Subject"]) for m in reports_received(sink)]
    assert sorted(reports) == [f"Compliance report {p}: Portfolio" for p in world.periods]
    engine = get_engine(tracker_env)
    with read_session(engine) as session:
        runs = session.scalars(
            select(col(ReportRun.period_label)).where(col(ReportRun.schedule_id).is_not(None))
        ).all()
        run_events = session.scalars(
            select(col(AuditEvent.id)).where(col(AuditEvent.entity) == "report_run")
        ).all()
        statuses = Counter(session.scalars(select(col(OutboxMessage.status))))
        attempts = Counter(session.scalars(select(col(DeliveryAttempt.outbox_id))))
        senders = set(session.scalars(select(col(DeliveryAttempt.worker))))
        unassigned = session.scalars(
            select(col(Reminder.id)).where(col(Reminder.outbox_id).is_(None))
        ).all()
    assert sorted(runs) == list(world.periods)
    assert len(run_events) == len(world.periods)  # the loser of a race left no trace
    assert statuses == {"sent": len(sink.received)}
    assert unassigned == []
    assert max(attempts.values()) == 1  # no message was even tried twice
    print(f"sent by {len(senders)} workers: {sorted(senders)}")
    chain = audit.verify(
        Context(settings=get_settings(), engine=engine, now=utc_now(), actor="tester")
    )
    assert chain.ok, chain.detail

    for base in bases:
        assert httpx.get(f"{base}/livez", timeout=10).status_code == 200
        health = httpx.get(f"{base}/healthz", timeout=10)
        assert health.status_code == 200, health.text
        assert health.json()["ok"] is True

    for proc in workers + webs:
        proc.send_signal(signal.SIGTERM)
    for proc in workers:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    for proc in webs:
        # Uvicorn shuts down gracefully, then ends by the signal it was sent (systemd
        # counts that as a clean stop).
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (0, -signal.SIGTERM), err
        assert "Finished server process" in err
