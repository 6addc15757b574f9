"""The README's run command: `tracker demo` prints a sign-in that opens the web app on the
demo portfolio as its contract manager."""

from __future__ import annotations

import re

import pytest

from tests.cli import Cli
from tests.web.world import sign_in
from tracker.config import get_settings
from tracker.web.app import create_app


def test_the_demo_prints_a_sign_in_that_works(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(capsys, monkeypatch)
    cli.ok("init")
    shown = cli.ok("demo").out
    found = re.search(r"Web sign-in: (\S+) with password (\S+)", shown)
    assert found is not None, shown
    email, password = found.groups()
    assert email.endswith("@example.com")

    get_settings.cache_clear()
    client = sign_in(create_app(get_settings()), email, password)
    dashboard = client.get("/").text
    assert "Dashboard" in dashboard
    assert "DEMO-2025-001" in dashboard  # the manager's own contracts are on it

    # A second run cannot show the password again (only its hash is kept) and says how to
    # set a new one.
    again = cli.ok("demo").out
    assert password not in again
    assert f"tracker user password {email}" in again
