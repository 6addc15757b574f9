"""The port every mail backend implements, and how delivery outcomes are classified.

A transport never raises for a delivery problem: it returns a `DeliveryResult` whose
outcome says whether retrying can help. The relay decides what to do with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    SENT = "sent"  # the server accepted the message for every recipient we asked for
    TRANSIENT = "transient"  # connection error, timeout before DATA, 4xx: retry later
    PERMANENT = "permanent"  # 5xx: retrying will not help
    AMBIGUOUS = "ambiguous"  # timeout or disconnect after DATA: it may have been delivered


@dataclass(frozen=True)
class Envelope:
    """What the relay hands to a transport: the rendered message and its SMTP envelope."""

    message_id: str  # "<...@...>", also inside `raw`; stable across retries
    sender: str  # envelope MAIL FROM
    recipients: tuple[str, ...]  # envelope RCPT TO (only those still to deliver)
    raw: bytes  # the complete RFC 5322 message, rendered once when the message was composed
    # What a person sorting files would call it: "2027-03-15T0800Z_RA-2027-017_reminder_42"
    # (the file backend names its files so); empty: named after the Message-ID.
    label: str = ""


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    code: int | None = None  # the SMTP reply code that decided the outcome, if any
    detail: str = ""  # the server's words or the exact local error, for the attempt row
    # Per recipient: those the server accepted, and those it refused with (code, message).
    accepted: tuple[str, ...] = ()
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    # False when the transport gave up before trying this message (the connection had
    # already failed in this batch): not an attempt, nothing to record but the delay.
    tried: bool = True


class Transport(Protocol):
    """A mail backend. Used as `async with transport: await transport.send(...)`, so one
    connection serves a whole batch."""

    async def __aenter__(self) -> Transport: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def send(self, envelope: Envelope) -> DeliveryResult: ...

    def describe(self) -> str:
        """Where mail goes, without secrets: 'smtp://mail.example.com:587 (STARTTLS)'."""
        ...
