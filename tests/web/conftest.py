"""Page tests build their world through the real CLI on a real database (both engines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import Cli
from tests.web.world import World, build


@pytest.fixture
def world(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    return build(Cli(capsys, monkeypatch), tmp_path, tracker_env, monkeypatch)
