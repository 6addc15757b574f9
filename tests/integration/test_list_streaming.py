"""`tracker obligations --limit 0` streams every obligation, batch by batch, and prints
the same JSON and CSV as when the whole list was read first."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli import Cli, mail_cli
from tests.integration.test_reminders_e2e import ONE_DUTY, contract
from tests.smtp_server import SmtpSink
from tracker import db
from tracker.cli.columns import machine
from tracker.cli.output import as_record
from tracker.config import get_settings
from tracker.context import Context
from tracker.obligations import list_obligations

CONTRACTS = 7
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    sink: SmtpSink,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    runner = mail_cli(
        capsys, monkeypatch, clauses={"one-duty": ONE_DUTY}, folder=tmp_path, smtp_url=sink.url
    )
    for n in range(CONTRACTS):
        contract(runner, reference=f"C-{n}", start=f"2027-03-0{n + 1}")
    return runner


def _whole_list(tracker_env: str) -> list[dict[str, object]]:
    """The records as the list command printed them before it streamed: read them all."""
    get_settings.cache_clear()
    settings = get_settings()
    ctx = Context(settings=settings, engine=db.get_engine(tracker_env), now=NOW, actor="t")
    return [machine(as_record(r)) for r in list_obligations(ctx, limit=0)]


def test_json_of_a_list_read_in_many_batches_is_the_json_of_the_whole_list(
    cli: Cli, tracker_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "STREAM_BATCH", 2)  # four batches for seven obligations
    printed = cli.ok("obligations", "--limit", "0", "--format", "json").out
    whole = _whole_list(tracker_env)
    assert len(whole) == CONTRACTS
    assert printed == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
    assert [o["contract"] for o in json.loads(printed)] == [f"C-{n}" for n in range(CONTRACTS)]


def test_csv_of_a_streamed_list_is_the_csv_of_the_whole_list(
    cli: Cli, tracker_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "STREAM_BATCH", 3)
    printed = cli.ok("obligations", "--limit", "0", "--format", "csv").out
    rows = list(csv.DictReader(io.StringIO(printed)))
    whole = _whole_list(tracker_env)
    assert [r["id"] for r in rows] == [str(o["id"]) for o in whole]
    assert rows[0]["due_on"] == whole[0]["due_on"]


def test_a_limit_still_limits_and_a_bad_filter_prints_nothing(cli: Cli) -> None:
    assert len(cli.ok("obligations", "--limit", "3", "--format", "json").json()) == 3
    bad = cli("obligations", "--contract", "NOPE", "--limit", "0", "--format", "json")
    assert bad.code == 2
    assert bad.out == ""
    assert "NOPE" in bad.err
    negative = cli("obligations", "--limit", "-1")
    assert negative.code == 2
    assert "--limit" in negative.err
