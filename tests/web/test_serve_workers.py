"""`tracker serve --workers N`: several processes answer, and each knows every sign-in."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.cli import Cli
from tests.e2e.server import free_port

PASSWORD = "correct horse battery staple"


def test_more_processes_need_the_secret_key(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(capsys, monkeypatch)
    cli.ok("init")
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    refused = cli("serve", "--workers", "2", "--no-worker")
    assert refused.code == 2
    assert "--workers" in refused.err
    assert "TRACKER_SECRET_KEY" in refused.err


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_two_processes_serve_one_sign_in(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = Cli(capsys, monkeypatch)
    cli.ok("init")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    cli.ok("user", "add", "viewer@example.com", "--role", "viewer", "--password-stdin")
    monkeypatch.setenv("TRACKER_SECRET_KEY", "s" * 40)
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "serve", "--workers", "2", "--no-worker",
         "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.3)
        with httpx.Client(base_url=base) as client:
            form = client.get("/sign-in").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token is not None
            signed = client.post(
                "/sign-in",
                data={"email": "viewer@example.com", "password": PASSWORD,
                      "csrf_token": token.group(1), "next": "/"},
            )  # fmt: skip
            assert signed.status_code == 303
            # New connections land on either process; each knows the sign-in.
            for _ in range(12):
                with httpx.Client(base_url=base, cookies=client.cookies) as fresh:
                    page = fresh.get("/suppliers")
                    assert page.status_code == 200
                    assert "<h1>Suppliers</h1>" in page.text
        assert len(_children(proc.pid)) >= 2  # the supervisor's worker processes
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert "serving on" in (tmp_path / "serve.log").read_text()
