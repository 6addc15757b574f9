"""Why a reminder was sent (a rejection, a finding), stored as a kind and its values.

The words are chosen when the email is written, in the reader's language, so a note is
JSON (`{"kind": "evidence_rejected", ...}`), never prose. Notes written before this were
prose: they are shown as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from tracker.portal.language import Translate

# The note column holds 2,000 characters; free text in a note (a reviewer's reason, a
# finding) is cut to leave room for the rest.
NOTE_CHARS = 2000
_FREE_TEXT = 1500

Day = Callable[[date], str]


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _FREE_TEXT else text[: _FREE_TEXT - 1] + "…"


def _dump(values: dict[str, Any]) -> str:
    note = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    assert len(note) <= NOTE_CHARS, "a structured note outgrew its column"
    return note


def rejection_note(
    *, evidence: str, evidence_id: int, submitted_on: date, reason: str, resubmit_by: date
) -> str:
    """A piece of evidence was not accepted; a corrected version is due by `resubmit_by`."""
    return _dump(
        {
            "kind": "evidence_rejected",
            "evidence": evidence[:200],
            "evidence_id": evidence_id,
            "submitted_on": submitted_on.isoformat(),
            "reason": _cut(reason),
            "resubmit_by": resubmit_by.isoformat(),
        }
    )


def finding_note(*, finding_id: int, severity: str, text: str, cap_due: date) -> str:
    """A finding was raised; a corrective action plan is due by `cap_due`."""
    return _dump(
        {
            "kind": "finding",
            "finding_id": finding_id,
            "severity": severity,
            "text": _cut(text),
            "cap_due": cap_due.isoformat(),
        }
    )


def structured(note: str) -> dict[str, Any] | None:
    """The kind and values of a note, or None for prose (an older note)."""
    if not note.startswith("{"):
        return None
    try:
        found = json.loads(note)
    except ValueError:
        return None
    return found if isinstance(found, dict) and isinstance(found.get("kind"), str) else None


def word_note(note: str, _: Translate, day: Day) -> str:
    """The note in the reader's words; prose and kinds this version does not know are
    shown as written."""
    found = structured(note)
    try:
        if found is not None and found["kind"] == "evidence_rejected":
            return _(
                "Your %(evidence)s (evidence %(id)s, submitted %(submitted)s) was not "
                "accepted: %(reason)s. Please send a corrected version by %(deadline)s.",
                evidence=found["evidence"],
                id=found["evidence_id"],
                submitted=day(date.fromisoformat(found["submitted_on"])),
                reason=found["reason"],
                deadline=day(date.fromisoformat(found["resubmit_by"])),
            )
        if found is not None and found["kind"] == "finding":
            return _(
                "Finding %(id)s (%(severity)s): %(finding)s. Send a corrective action plan "
                "(root cause, corrective and preventive actions, owners, dates) by "
                "%(deadline)s.",
                id=found["finding_id"],
                severity=_(SEVERITIES.get(found["severity"], found["severity"])),
                finding=found["text"],
                deadline=day(date.fromisoformat(found["cap_due"])),
            )
    except (KeyError, TypeError, ValueError):
        pass
    return note


# Finding severities as a supplier reads them (msgids of the mail catalogue).
SEVERITIES = {"minor": "minor", "major": "major", "priority": "priority"}
