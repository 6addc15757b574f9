"""Choose the mail backend from the settings, and send a test message through it."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tracker.config import Settings
from tracker.errors import ConfigError
from tracker.mail.files import FileTransport
from tracker.mail.message import as_bytes, build_message, domain_of, new_message_id
from tracker.mail.smtp import SmtpTransport, TlsMode
from tracker.mail.transport import DeliveryResult, Envelope, Transport

_YES = ("true", "yes", "1", "on")
_NO = ("false", "no", "0", "off")


def smtp_from_url(
    url: str, *, password_file: Path | None = None, timeout: float = 30.0
) -> SmtpTransport:
    """smtp://[user[:password]@]host[:port][?starttls=true|false] (port 587; STARTTLS when
    the server offers it, required with starttls=true, never with starttls=false) or
    smtps://... (port 465, implicit TLS). User and password are percent-decoded; a
    password file, when given, wins over the URL's password."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("TRACKER_SMTP_URL: use smtp://host[:port] or smtps://host[:port]")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("TRACKER_SMTP_URL: the port is not a number") from None
    query = {k.lower(): v[-1].strip().lower() for k, v in parse_qs(parts.query).items()}
    starttls = query.get("starttls")
    if starttls is not None and starttls not in _YES + _NO:
        raise ConfigError(f"TRACKER_SMTP_URL: starttls must be true or false, not {starttls!r}")
    tls: TlsMode
    if parts.scheme == "smtps":
        if starttls in _YES:
            raise ConfigError("TRACKER_SMTP_URL: smtps:// is implicit TLS; drop ?starttls")
        tls = "implicit"
    else:
        tls = "opportunistic" if starttls is None else "starttls" if starttls in _YES else "none"
    password = unquote(parts.password) if parts.password is not None else None
    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeError) as exc:
            raise ConfigError(f"TRACKER_SMTP_PASSWORD_FILE: cannot read it: {exc}") from None
    return SmtpTransport(
        parts.hostname,
        port or (465 if tls == "implicit" else 587),
        username=unquote(parts.username) if parts.username else None,
        password=password,
        tls=tls,
        timeout=timeout,
    )


def transport_from_settings(settings: Settings) -> Transport:
    """SMTP when TRACKER_SMTP_URL is set, else .eml files in TRACKER_OUTBOX_DIR."""
    if settings.smtp_url:
        return smtp_from_url(
            settings.smtp_url,
            password_file=settings.smtp_password_file,
            timeout=settings.smtp_timeout,
        )
    return FileTransport(settings.outbox_dir)


async def send_test(settings: Settings, to: str) -> DeliveryResult:
    """Send a short message that says which backend sent it (`tracker mail test`)."""
    transport = transport_from_settings(settings)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    message_id = new_message_id(f"test:{to}:{stamp}", domain_of(settings.mail_from))
    msg = build_message(
        message_id=message_id,
        sender=settings.mail_from,
        to=[to],
        subject="Clause Tracker test message",
        text=f"This test message was sent at {stamp} through {transport.describe()}.\n"
        "If you can read it, reminders can reach this address.\n",
        html=None,
        now=datetime.now(UTC),
    )
    envelope = Envelope(message_id, parseaddr(settings.mail_from)[1], (to,), as_bytes(msg))
    async with transport:
        return await transport.send(envelope)
