"""SMTP through aiosmtplib: one connection per batch, every failure classified.

Steps are driven one by one (MAIL, RCPT per recipient, DATA) so the phase of a failure is
known: before DATA a timeout or disconnect is transient (nothing was delivered); once
DATA was issued it is ambiguous (the server may have queued the message), and the relay
retries with the same Message-ID.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosmtplib
from aiosmtplib import (
    SMTPException,
    SMTPRecipientRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)

from tracker.mail.transport import DeliveryResult, Envelope, Outcome


def _by_code(code: int) -> Outcome:
    return Outcome.PERMANENT if code >= 500 else Outcome.TRANSIENT


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: str  # "starttls" (when offered), "require-starttls", "implicit" or "none"
    timeout: float


class SmtpTransport:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._client: aiosmtplib.SMTP | None = None

    def describe(self) -> str:
        c = self.config
        mode = {
            "starttls": "STARTTLS when offered",
            "require-starttls": "STARTTLS",
            "implicit": "TLS",
            "none": "no TLS",
        }[c.tls]
        user = f", user {c.username}" if c.username else ""
        scheme = "smtps" if c.tls == "implicit" else "smtp"
        return f"{scheme}://{c.host}:{c.port} ({mode}{user})"

    async def __aenter__(self) -> SmtpTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._close()

    async def _close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except SMTPException:
                client.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        c = self.config
        start_tls = {"starttls": None, "require-starttls": True}.get(c.tls, False)
        client = aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            timeout=c.timeout,
            use_tls=c.tls == "implicit",
            start_tls=start_tls,
            username=c.username,
            password=c.password,
        )
        await client.connect()
        self._client = client
        return client

    async def send(self, envelope: Envelope) -> DeliveryResult:
        try:
            client = await self._connect()
        except SMTPResponseException as exc:
            await self._close()
            return DeliveryResult(_by_code(exc.code), exc.code, f"connect: {exc.message}")
        except (SMTPException, OSError) as exc:
            await self._close()
            return DeliveryResult(Outcome.TRANSIENT, None, f"connect: {exc}")
        phase = "MAIL FROM"
        try:
            await client.mail(envelope.sender)
            phase = "RCPT TO"
            accepted: list[str] = []
            refused: dict[str, tuple[int, str]] = {}
            for recipient in envelope.recipients:
                try:
                    await client.rcpt(recipient)
                    accepted.append(recipient)
                except SMTPRecipientRefused as exc:
                    refused[recipient] = (exc.code, exc.message)
            if not accepted:
                await client.rset()
                codes = [code for code, _ in refused.values()]
                outcome = Outcome.TRANSIENT if all(c < 500 for c in codes) else Outcome.PERMANENT
                first = next(iter(refused.values()))
                return DeliveryResult(outcome, first[0], f"RCPT TO: {first[1]}", (), refused)
            phase = "DATA"
            response = await client.data(envelope.raw)
            return DeliveryResult(
                Outcome.SENT, response.code, response.message, tuple(accepted), refused
            )
        except (SMTPTimeoutError, SMTPServerDisconnected) as exc:
            await self._close()
            outcome = Outcome.AMBIGUOUS if phase == "DATA" else Outcome.TRANSIENT
            return DeliveryResult(outcome, None, f"{phase}: {exc}")
        except SMTPResponseException as exc:
            await self._reset()
            return DeliveryResult(_by_code(exc.code), exc.code, f"{phase}: {exc.message}")
        except (SMTPException, OSError) as exc:
            await self._close()
            return DeliveryResult(Outcome.TRANSIENT, None, f"{phase}: {exc}")

    async def _reset(self) -> None:
        """After a refused transaction, RSET so the connection serves the next message."""
        if self._client is None:
            return
        try:
            await self._client.rset()
        except (SMTPException, OSError):
            await self._close()
