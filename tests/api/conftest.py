"""API tests build the page tests' small world through the real CLI on a real database (both
engines), and give each role a personal token made by `tracker user token`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.cli import Cli
from tests.web.world import ROLES, World, build, email_of


@dataclass
class Api:
    world: World
    tokens: dict[str, str]

    def client(self, role: str | None = "admin") -> TestClient:
        """A client of the whole web app sending `role`'s token (none for None)."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return TestClient(
            self.world.app(), headers=headers, follow_redirects=False, raise_server_exceptions=False
        )


def token_for(cli: Cli, email: str, name: str = "tests") -> str:
    return cli.ok("user", "token", email, "--name", name).out.strip()


@pytest.fixture
def api(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Api:
    cli = Cli(capsys, monkeypatch)
    world = build(cli, tmp_path, tracker_env, monkeypatch)
    return Api(world=world, tokens={role: token_for(cli, email_of(role)) for role in ROLES})
