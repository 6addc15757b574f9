"""One `python -m tracker ...` child process, measured: its own CPU and peak memory
(`os.wait4`), wall time, and the size of what it printed (kept in a file, not in memory)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_tracker(url: str, args: list[str], out: Path) -> dict[str, Any]:
    """Run `tracker ARGS` against `url` with its output in `out`; exits on failure."""
    env = os.environ | {"TRACKER_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tracker", *args]
    started = time.perf_counter()
    # stderr goes to a file too: a pipe read only after the child ends could fill and block it.
    with out.open("wb") as sink, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=sink, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        err.seek(0)
        message = err.read().decode(errors="replace").strip()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"tracker {' '.join(args)} failed: {message}")
    return {
        "command": " ".join(args),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "wall_seconds": round(wall, 2),
        "bytes": out.stat().st_size,
    }
