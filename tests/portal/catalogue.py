"""Every text the portal and the supplier emails pass through `_(...)`: in their Python code
and their templates."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = [*sorted((ROOT / "tracker" / "portal").glob("*.py")), ROOT / "tracker/web/portal/routes.py"]
TEMPLATES = sorted((ROOT / "templates" / "web" / "portal").glob("*.*"))
# What a supplier's reminder, rejection and corrective-action notices are written from
# (the receipt and new-link emails are portal templates, above). The digest's own intro is
# for contract managers and stays English.
MAIL_CODE = [
    ROOT / "tracker/reminders/wording.py",
    ROOT / "tracker/reminders/notes.py",
    ROOT / "tracker/reminders/compose.py",
]
MAIL_TEMPLATES = sorted(
    p
    for p in (ROOT / "templates" / "email").glob("*.*")
    if p.stem in ("_base", "_items", "_rest", "reminder")
)
_CALL = re.compile(r'_\("((?:[^"\\]|\\.)*)"')
# Words the pages translate from data: obligation and evidence statuses.
STATUSES = (
    "upcoming", "due", "overdue", "submitted", "accepted", "rejected", "waived",
    "not_applicable", "superseded",
)  # fmt: skip


def _calls(code: list[Path], templates: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in code:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and (
                    (isinstance(node.func, ast.Name) and node.func.id == "_")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == "_")
                )
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    for path in templates:
        for match in _CALL.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1).replace('\\"', '"'))
    return found


def msgids() -> set[str]:
    return set(STATUSES) | _calls(CODE, TEMPLATES)


def mail_msgids() -> set[str]:
    """Texts of the supplier emails, those written from data included: headings, stages,
    severities."""
    from tracker.reminders.compose import SECTIONS
    from tracker.reminders.notes import SEVERITIES
    from tracker.reminders.wording import STAGES

    found = _calls(MAIL_CODE, MAIL_TEMPLATES)
    for section in SECTIONS:
        found |= {section.label, section.heading, section.intro}
    return found | set(STAGES.values()) | set(SEVERITIES.values())
