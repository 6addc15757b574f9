"""Choose the mail backend from the settings, and send a test message through it."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from tracker.config import Settings
from tracker.mail.files import FileTransport
from tracker.mail.message import as_bytes, build_message, domain_of, new_message_id
from tracker.mail.smtp import SmtpConfig, SmtpTransport
from tracker.mail.transport import DeliveryResult, Envelope, Transport


def smtp_config(settings: Settings) -> SmtpConfig:
    assert settings.smtp_url is not None
    parts = urlsplit(settings.smtp_url)
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    implicit = parts.scheme == "smtps"
    starttls = query.get("starttls")
    tls = (
        "implicit"
        if implicit
        else "none"
        if starttls in ("false", "no", "0")
        else "require-starttls"
        if starttls in ("true", "yes", "1")
        else "starttls"
    )
    password = unquote(parts.password) if parts.password else None
    if settings.smtp_password_file is not None:
        password = settings.smtp_password_file.read_text(encoding="utf-8").strip()
    return SmtpConfig(
        host=parts.hostname or "localhost",
        port=parts.port or (465 if implicit else 587),
        username=unquote(parts.username) if parts.username else None,
        password=password,
        tls=tls,
        timeout=settings.smtp_timeout,
    )


def transport_from_settings(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(smtp_config(settings))
    return FileTransport(settings.outbox_dir)


async def send_test(settings: Settings, to: str) -> DeliveryResult:
    """Send a short message that says which backend sent it."""
    transport = transport_from_settings(settings)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    message_id = new_message_id(f"test:{to}:{stamp}", domain_of(settings.mail_from))
    msg = build_message(
        message_id=message_id,
        sender=settings.mail_from,
        to=[to],
        subject="Clause Tracker test message",
        text=f"This test message was sent at {stamp} through {transport.describe()}.\n"
        "If you can read it, reminders can reach this address.",
        html=None,
    )
    envelope = Envelope(message_id, parseaddr(settings.mail_from)[1], (to,), as_bytes(msg))
    async with transport:
        return await transport.send(envelope)
