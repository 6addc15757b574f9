"""Build emails only through `email.message.EmailMessage`: safe headers, stable Message-ID."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr


def one_line(value: str) -> str:
    """Header text from data: CR, LF and other control characters become spaces, so a
    supplier name can never start a header of its own."""
    return " ".join("".join(" " if ord(ch) < 32 or ch == "\x7f" else ch for ch in value).split())


def new_message_id(key: str, domain: str) -> str:
    """The same key always gives the same Message-ID, so a resent message is recognisable."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def domain_of(address: str) -> str:
    _, addr = parseaddr(address)
    domain = (addr or address).rpartition("@")[2].strip().lower()
    return domain or "localhost"


def _mailbox(value: str) -> Address:
    name, addr = parseaddr(one_line(value))
    return Address(display_name=name, addr_spec=addr)


def build_message(
    *,
    message_id: str,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None,
    reply_to: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A multipart text + HTML message with the headers every tracker email carries."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _mailbox(sender)
    msg["To"] = [_mailbox(t) for t in to]
    msg["Subject"] = one_line(subject)
    msg["Message-ID"] = one_line(message_id)
    msg["Date"] = format_datetime(datetime.now(UTC))
    if reply_to:
        msg["Reply-To"] = _mailbox(reply_to)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    for name, value in (extra_headers or {}).items():
        msg[one_line(name)] = one_line(value)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def as_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=SMTP)
