"""Run the real `tracker` entry point in-process and capture what a user would see."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tracker.cli.app import main
from tracker.config import get_settings


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def __call__(self, *args: str) -> Result:
        get_settings.cache_clear()  # each command starts fresh, as a new process would
        self._capsys.readouterr()
        self._monkeypatch.setattr(sys, "argv", ["tracker", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.code == 0, f"tracker {' '.join(args)} -> {result.code}\n{result.err}"
        return result


def mail_cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    clauses: dict[str, str],
    folder: Path,
    smtp_url: str,
    smtp_timeout: str = "2",
) -> Cli:
    """A user whose own clauses (id -> YAML) are in `folder`/clauses and whose mail goes
    to the SMTP server at `smtp_url`, with the database initialised."""
    library = folder / "clauses"
    library.mkdir()
    for clause_id, text in clauses.items():
        (library / f"{clause_id}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("TRACKER_CLAUSE_PATH", str(library))
    monkeypatch.setenv("TRACKER_SMTP_URL", smtp_url)
    monkeypatch.setenv("TRACKER_SMTP_TIMEOUT", smtp_timeout)
    monkeypatch.setenv("TRACKER_MAIL_FROM", "Clause Tracker <tracker@example.com>")
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    return runner
