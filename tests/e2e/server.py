"""A real `tracker serve` on a free port, for browser tests, with a world built through the CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/e2e-shots")
"""Where journeys leave screenshots to look at by eye (never in git)."""

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="BROWSER TESTS NOT RUN: /usr/bin/chromium is missing (apt-get install chromium)",
)


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot of what the journey sees now, as SHOTS/name.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(cwd: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Start `tracker serve` (with its worker) and yield its base URL; stopped with SIGTERM."""
    port = free_port()
    env = dict(os.environ) | {"TRACKER_SWEEP_SECONDS": "1", "TRACKER_RELAY_SECONDS": "1"}
    env |= extra_env or {}
    log = (cwd / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/sign-in", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((cwd / "serve.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        # A page that failed with a bare "Internal Server Error" in the browser has its
        # traceback here; printed, pytest shows it with the failing test's output.
        written = (cwd / "serve.log").read_text(errors="replace")
        if "Traceback" in written:
            print(f"--- tracker serve log ({cwd / 'serve.log'}) ---\n{written}")
