"""Check the mail configuration: say where mail goes, and send a test message through it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tracker.config import Settings
from tracker.validate import email


@dataclass(frozen=True)
class MailTest:
    backend: str  # "smtp://mail.example.com:587 (STARTTLS)" or "files in /srv/outbox"
    sent: bool  # accepted for the address
    outcome: str  # sent, transient, permanent, ambiguous
    answer: str  # the server's words, or where the file went
    refused: str  # "x@example.com: 550 No such user", if the server refused the address


def mail_backend(settings: Settings) -> str:
    """Where mail goes, without secrets."""
    from tracker.mail.backends import transport_from_settings  # aiosmtplib: only when needed

    return transport_from_settings(settings).describe()


def send_test_message(settings: Settings, to: str) -> MailTest:
    """Send a short message that says which backend sent it (`tracker mail test`)."""
    from tracker.mail.backends import send_test
    from tracker.mail.transport import Outcome

    address = email(to, field="to")
    result = asyncio.run(send_test(settings, address))
    answer = f"{result.code} {result.detail}".strip() if result.code else result.detail
    return MailTest(
        backend=mail_backend(settings),
        sent=result.outcome is Outcome.SENT and not result.refused,
        outcome=result.outcome.value,
        answer=answer,
        refused="; ".join(f"{r}: {c} {m}" for r, (c, m) in result.refused.items()),
    )
