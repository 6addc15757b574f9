"""The email that carries a scheduled report, with its files attached."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from tracker.context import Context
from tracker.mail.message import Attachment, domain_of, new_message_id, render_bytes
from tracker.models import ReportSchedule
from tracker.rendering import render
from tracker.reports.figures import Outcomes, ReportFigures, percent
from tracker.reports.produce import MEDIA_TYPES


def attachment(name: str, fmt: str, data: bytes) -> Attachment:
    media, _, parameter = MEDIA_TYPES[fmt].partition(";")
    charset = parameter.strip().removeprefix("charset=") or None
    return Attachment(name, media.strip(), data, charset)


def report_message(
    ctx: Context,
    *,
    schedule: ReportSchedule,
    figures: ReportFigures,
    run_id: int,
    files: Sequence[Attachment],
) -> dict[str, Any]:
    """The outbox row of a scheduled report: rendered email with the files attached."""
    sender = ctx.settings.mail_from
    period, outcomes = figures.period, figures.outcomes
    subject = f"Compliance report {period.label}: {figures.scope_title}"
    context = {
        "subject": subject,
        "scope_title": figures.scope_title,
        "period_label": period.label,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "as_of": figures.as_of.astimezone(ZoneInfo(schedule.timezone)).isoformat(),
        "timezone": schedule.timezone,
        "every": schedule.every,
        "schedule_id": schedule.id,
        "run_id": run_id,
        "due_summary": _in_words(outcomes),
        "on_time_rate": percent(outcomes.on_time_rate),
        "files": [
            {
                "name": f.filename,
                "format": f.filename.rpartition(".")[2].upper(),
                "size": _size(len(f.data)),
            }
            for f in files
        ],
        "base_url": ctx.settings.base_url.rstrip("/"),
    }
    group_key = f"report:{schedule.id}:{period.label}"
    message_id = new_message_id(group_key, domain_of(parseaddr(sender)[1]))
    raw = render_bytes(
        message_id=message_id,
        sender=sender,
        to=list(schedule.recipients),
        subject=subject,
        text=render("email/report.txt", **context),
        html=render("email/report.html", **context),
        attachments=files,
        now=ctx.now,
    )
    return {
        "group_key": group_key,
        "message_id": message_id,
        "kind": "report",
        "contract_id": None,
        "sender": parseaddr(sender)[1],
        "recipients": list(schedule.recipients),
        "pending_recipients": list(schedule.recipients),
        "subject": subject,
        "raw": raw,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": ctx.now,
        # The failure notice speaks of reminders to a contract manager; a report that
        # cannot be delivered shows in `tracker status` and `tracker outbox list`.
        "notify_on_failure": False,
        "created_at": ctx.now,
    }


def _in_words(outcomes: Outcomes) -> str:
    """'6 obligations fell due in the period: 3 met on time, 1 late, 2 overdue, 0 open'
    (and the rarer outcomes when there are any)."""
    total = outcomes.total
    head = f"{total} obligation{'' if total == 1 else 's'} fell due in the period"
    if not total:
        return head
    words = {"on_time": "met on time", "under_review": "under review"}
    words |= {"not_applicable": "not applicable"}
    always = ("on_time", "late", "overdue", "open")
    counts = outcomes.as_dict()
    parts = [f"{n} {words.get(k, k)}" for k, n in counts.items() if n or k in always]
    return f"{head}: {', '.join(parts)}"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"
