"""`tracker worker` as a real process: one line per pass that did something, in words;
no APScheduler chatter; `--log-format json` gives one JSON object per line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.cli import Cli, mail_cli
from tests.integration.test_reminders_e2e import ONE_DUTY, SUPPLIER
from tests.smtp_server import SmtpSink


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


def test_worker_logs_in_words_and_as_json_lines(
    cli: Cli,
    sink: SmtpSink,
    tmp_path: Path,
    tracker: Callable[..., subprocess.Popen[str]],
) -> None:
    # A duty due yesterday (real time): the worker's first sweep has something to send
    # whatever the hour.
    start = (datetime.now(UTC) - timedelta(days=41)).date()
    cli.ok("supplier", "add", "Example Devices AB", "--email", SUPPLIER)
    cli.ok(
        "contract", "add", "C-1", "--supplier", "1", "--title", "Notebooks",
        "--start", start.isoformat(), "--end", (start + timedelta(days=800)).isoformat(),
        "--timezone", "UTC", "--manager", "manager@example.com",
    )  # fmt: skip
    cli.ok("contract", "attach", "C-1", "one-duty")
    env = dict(os.environ)
    env.update(TRACKER_SWEEP_SECONDS="1", TRACKER_RELAY_SECONDS="1")
    proc = tracker("worker", "--log-format", "json", env=env, cwd=tmp_path)
    try:
        sink.wait_for(1, timeout=30)
    except AssertionError:
        proc.kill()
        raise AssertionError(proc.communicate(timeout=10)[1]) from None
    time.sleep(3)  # several more ticks that find nothing to do
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]
    messages = [entry["message"] for entry in lines]
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in lines)
    sweeps = [m for m in messages if m.startswith("sweep: ")]
    assert len(sweeps) == 1, messages  # the other sweeps found nothing: no line
    assert "1 obligation with reminders due, 1 email composed in " in sweeps[0]
    relays = [m for m in messages if m.startswith("relay: ")]
    assert len(relays) == 1, messages
    assert relays[0].startswith("relay: 1 email tried, 1 sent in ")
    # The scheduler's own chatter (jobs added, run, executed) stays out; only its warnings
    # may show, e.g. a tick skipped because a loaded machine made the last one run long.
    scheduler = [e for e in lines if e["logger"].startswith("apscheduler")]
    assert all(e["level"] == "WARNING" for e in scheduler), messages
    assert not [m for m in messages if "{" in m], messages  # words, not Python dicts
