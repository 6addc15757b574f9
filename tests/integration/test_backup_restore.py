"""`tracker backup` while a worker runs, `tracker restore` into an empty database and
evidence folder: the audit chain and the evidence files verify, and the same report gives
the same bytes. On SQLite and on PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.cli import Cli
from tracker.db import get_engine

REPORT = ("report", "--scope", "portfolio", "--period", "2026-Q1", "--now", "2026-05-01T09:00:00Z")


@pytest.fixture
def cli(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    return Cli(capsys, monkeypatch)


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database on the same engine, to restore into."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        url = f"sqlite:///{tmp_path / 'restored' / 'tracker.db'}"
        yield url
        get_engine(url).dispose()
        return
    name = f"tracker_restore_{uuid.uuid4().hex[:12]}"
    admin = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = parsed.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        get_engine(url).dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_for_mail(outbox: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 90
    while not list(outbox.glob("*.eml")):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the worker sent nothing: {proc.communicate(timeout=10)[1]}")
        time.sleep(0.2)


def test_backup_while_the_worker_runs_then_restore_into_an_empty_database(
    cli: Cli,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tracker: Callable[..., subprocess.Popen[str]],
) -> None:
    cli.ok("init")
    cli.ok("demo")  # contracts, obligations due and overdue, evidence files, audit events
    env = {**os.environ, "TRACKER_SWEEP_SECONDS": "1", "TRACKER_RELAY_SECONDS": "1"}
    worker = tracker("worker", env=env, cwd=tmp_path)
    try:
        _wait_for_mail(tmp_path / "outbox", worker)  # it is sweeping and relaying now
        report = tmp_path / "before.html"
        cli.ok(*REPORT, "-o", str(report))
        made = cli.ok("backup", "-o", str(tmp_path / "backup"), "--format", "json").json()
        again = tmp_path / "before-again.html"
        cli.ok(*REPORT, "-o", str(again))
        assert worker.poll() is None, "the worker stopped during the backup"
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=60)
    assert worker.returncode == 0
    assert again.read_bytes() == report.read_bytes()  # what the report reads held still
    assert made["evidence_files"] > 0
    assert made["audit_events"] > 0
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["evidence"]) == made["evidence_files"]

    monkeypatch.setenv("TRACKER_DATABASE_URL", empty_url)
    monkeypatch.setenv("TRACKER_EVIDENCE_DIR", str(tmp_path / "restored-evidence"))
    restored = cli.ok("restore", str(tmp_path / "backup"), "--format", "json").json()
    assert restored["audit_head"] == made["audit_head"]
    assert restored["evidence_verified"] is True

    chain = cli.ok("audit", "verify", "--format", "json").json()
    assert chain["ok"]
    assert chain["head_hash"] == made["audit_head"]
    assert "all evidence files match" in cli.ok("evidence", "verify").out
    after = tmp_path / "after.html"
    cli.ok(*REPORT, "-o", str(after))
    assert after.read_bytes() == report.read_bytes()
    # The restored database takes new records: its id sequences came back too.
    cli.ok("supplier", "add", "Restored Supplier AB", "--email", "restored@example.com")


def test_restore_refuses_a_database_that_is_not_empty(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init")
    cli.ok("demo")
    cli.ok("backup", "-o", str(tmp_path / "backup"))
    refused = cli("restore", str(tmp_path / "backup"))
    assert refused.code == 2
    assert "not empty" in refused.err or "already has tables" in refused.err


def test_restore_refuses_an_altered_backup_before_writing_anything(
    cli: Cli, empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.ok("init")
    cli.ok("demo")
    cli.ok("backup", "-o", str(tmp_path / "backup"))
    victim = next((tmp_path / "backup" / "evidence").glob("*/*/*"))
    victim.write_bytes(victim.read_bytes() + b"tampered")
    monkeypatch.setenv("TRACKER_DATABASE_URL", empty_url)
    monkeypatch.setenv("TRACKER_EVIDENCE_DIR", str(tmp_path / "restored-evidence"))
    refused = cli("restore", str(tmp_path / "backup"))
    assert refused.code == 2
    assert "does not match the manifest" in refused.err
    assert not (tmp_path / "restored-evidence").exists()


def test_backup_refuses_a_folder_that_is_not_empty(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine", encoding="utf-8")
    refused = cli("backup", "-o", str(tmp_path / "taken"))
    assert refused.code == 2
    assert refused.err.startswith("error: --out: ")
    assert (tmp_path / "taken" / "notes.txt").read_text(encoding="utf-8") == "mine"
