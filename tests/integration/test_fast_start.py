"""`tracker --help` and the everyday commands start without the heavy libraries that only
reports, clause documents and migrations need."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "weasyprint", "openpyxl", "docx", "alembic")

PROBE = (
    "import sys, tracker.cli.app\n"
    f"heavy = {HEAVY!r}\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
)


def test_the_cli_starts_without_heavy_libraries() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
