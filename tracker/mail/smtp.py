"""SMTP through aiosmtplib: one connection per batch, every failure classified.

A small subclass of `aiosmtplib.SMTP` does the transaction and records how far it got.
A timeout or disconnect before DATA is TRANSIENT (nothing was delivered); from the
DATA command on it is AMBIGUOUS (the server may have queued the message), and the relay
retries with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Sequence
from dataclasses import replace
from enum import Enum
from typing import Literal

import aiosmtplib
from aiosmtplib import (
    SMTPDataError,
    SMTPException,
    SMTPHeloError,
    SMTPRecipientRefused,
    SMTPRecipientsRefused,
    SMTPResponse,
    SMTPResponseException,
    SMTPSenderRefused,
    SMTPServerDisconnected,
    SMTPStatus,
    SMTPTimeoutError,
)

from tracker.mail.transport import DeliveryResult, Envelope, Outcome

TlsMode = Literal["starttls", "opportunistic", "implicit", "none"]
_TLS_LABEL: dict[str, str] = {
    "starttls": "STARTTLS",
    "opportunistic": "STARTTLS if offered",
    "implicit": "TLS",
    "none": "no TLS",
}
# RFC 5321 atext local part (no quoted strings), a domain or an [address literal].
_BARE_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.:\[\]-]+")


class Phase(Enum):
    CONNECT = "connect"  # connection, greeting, EHLO, STARTTLS, AUTH
    MAIL = "MAIL FROM"
    RCPT = "RCPT TO"
    BODY = "end of data"  # from the DATA command on: the server may have the message


class PhasedSMTP(aiosmtplib.SMTP):
    """aiosmtplib.SMTP that records the phase of the transaction in progress, with a
    transaction for addresses already checked to be bare ASCII `user@domain`."""

    phase: Phase = Phase.CONNECT

    async def transact(
        self, sender: str, recipients: Sequence[str], raw: bytes
    ) -> tuple[dict[str, SMTPResponse], str]:
        """`sendmail` for envelope addresses `_address_problem` has accepted.

        `sendmail` parses every address twice (`email.utils.parseaddr`) and rewrites the
        whole message once more to count its SIZE; here the addresses go on the command
        lines as they are (they are bare and ASCII: nothing to quote, nothing to smuggle,
        and aiosmtplib still refuses control characters in any command) and the size is
        counted. Otherwise the same transaction: per-recipient refusals returned, every
        recipient refused raised, the envelope reset after a refusal.
        """
        if self.is_ehlo_or_helo_needed:
            try:
                await self.ehlo()
            except SMTPHeloError:
                if not self.is_connected:
                    raise
                await self.helo()
        wire = _as_sent(raw)
        options: tuple[bytes, ...] = ()
        if self.supports_extension("size"):
            size = len(wire) - len(_END) if wire is not None else _wire_size(raw)
            options = (b"SIZE=%d" % size,)
        try:
            self.phase = Phase.MAIL
            reply = await self.execute_command(b"MAIL", b"FROM:<%s>" % sender.encode(), *options)
            if reply.code != SMTPStatus.completed:
                raise SMTPSenderRefused(reply.code, reply.message, sender)
            self.phase = Phase.RCPT
            refusals: list[SMTPRecipientRefused] = []
            for recipient in recipients:
                reply = await self.execute_command(b"RCPT", b"TO:<%s>" % recipient.encode())
                if reply.code not in (SMTPStatus.completed, SMTPStatus.will_forward):
                    refusals.append(SMTPRecipientRefused(reply.code, reply.message, recipient))
            if len(refusals) == len(recipients):
                raise SMTPRecipientsRefused(refusals)
            # From the DATA command on, the outcome is ambiguous: aiosmtplib cannot say
            # whether a timeout came before the server's 354 or after the message was
            # sent (the relay retries with the same Message-ID either way).
            self.phase = Phase.BODY
            reply = await self._data(raw, wire)
        except (SMTPResponseException, SMTPRecipientsRefused):
            # The refusal is what the caller must hear about, not a failed reset.
            with contextlib.suppress(ConnectionError, SMTPResponseException):
                await self.rset()
            raise
        refused = {r.recipient: SMTPResponse(r.code, r.message) for r in refusals}
        return refused, reply.message

    async def _data(self, raw: bytes, wire: bytes | None) -> SMTPResponse:
        """`data(raw)`, sending `wire` (`_as_sent(raw)`) as it is when there is one.

        `data` runs two regular expressions over every message, to make line breaks CRLF
        and double a period starting a line: about 70 µs for a 4 kB message, more than the
        rest of the transaction's own work. The composer's messages need neither, and
        `_as_sent` says so in a few `bytes` scans. The same bytes go on the wire, after
        the same DATA command, with the same errors raised and the connection closed on
        the same failures. Transactions are one at a time (the transport's lock), so
        nothing else writes to the connection between the DATA command and the message.
        """
        protocol = self.protocol
        if wire is None or protocol is None:
            return await self.data(raw)
        try:
            start = await protocol.execute_command(b"DATA", timeout=self.timeout)
            if start.code != SMTPStatus.start_input:
                raise SMTPDataError(start.code, start.message)
            protocol.write(wire)
            reply = await protocol.read_response(timeout=self.timeout)
        except (SMTPServerDisconnected, SMTPTimeoutError):
            self.close()
            raise
        if reply.code != SMTPStatus.completed:
            raise SMTPDataError(reply.code, reply.message)
        return reply


# What ends the message data (RFC 5321 4.1.1.4).
_END = b".\r\n"


def _as_sent(raw: bytes) -> bytes | None:
    """The message data as aiosmtplib's DATA sends it (lone CR or LF made CRLF, a final
    CRLF added, a period starting a line doubled, then the end marker) when that is
    `raw` itself followed by the end marker; None when `raw` needs changing."""
    crlf = raw.count(b"\r\n")
    if raw.count(b"\n") != crlf or raw.count(b"\r") != crlf or not raw.endswith(b"\r\n"):
        return None
    if raw.startswith(b".") or b"\n." in raw:
        return None
    return raw + _END


def _wire_size(raw: bytes) -> int:
    """Octets of `raw` on the wire (RFC 1870 SIZE): lone CR or LF become CRLF, and a
    final CRLF is added if missing, as aiosmtplib's DATA does."""
    crlf = raw.count(b"\r\n")
    size = len(raw) + (raw.count(b"\n") - crlf) + (raw.count(b"\r") - crlf)
    return size if raw.endswith((b"\r\n", b"\n", b"\r")) else size + 2


def _by_code(code: int) -> Outcome:
    return Outcome.PERMANENT if code >= 500 else Outcome.TRANSIENT


def classify(exc: BaseException, phase: Phase) -> DeliveryResult:
    """What a failure of `sendmail` means for the message, given how far it got."""
    # sendmail sends RSET after a refusal; if that RSET times out, the refusal is the
    # exception's context and still decides.
    if isinstance(exc, SMTPTimeoutError | SMTPServerDisconnected) and isinstance(
        exc.__context__, SMTPResponseException | SMTPRecipientsRefused
    ):
        exc = exc.__context__
    where = phase.value
    if isinstance(exc, SMTPRecipientsRefused):
        if not exc.recipients:  # aiosmtplib's answer to an empty recipient list
            return DeliveryResult(Outcome.PERMANENT, None, "no recipients")
        refused = {r.recipient: (r.code, r.message) for r in exc.recipients}
        permanent = [r for r in exc.recipients if r.code >= 500]
        first = permanent[0] if permanent else exc.recipients[0]
        outcome = Outcome.PERMANENT if permanent else Outcome.TRANSIENT
        detail = f"{where}: every recipient refused: {first.code} {first.message}"
        return DeliveryResult(outcome, first.code, detail, (), refused)
    if isinstance(exc, SMTPResponseException):
        detail = f"{where}: {exc.code} {exc.message}"
        if phase is Phase.CONNECT:
            # Greeting, EHLO, STARTTLS or AUTH refused: the server or our settings, not
            # this message; it must not be given up.
            return DeliveryResult(Outcome.TRANSIENT, exc.code, detail)
        if exc.code >= 400:
            return DeliveryResult(_by_code(exc.code), exc.code, detail)
        # Not a reply code at all (a malformed reply): after the data, nobody knows.
        outcome = Outcome.AMBIGUOUS if phase is Phase.BODY else Outcome.TRANSIENT
        return DeliveryResult(outcome, None, detail)
    if isinstance(exc, ValueError) and phase in (Phase.MAIL, Phase.RCPT):
        # An address aiosmtplib cannot put on a command line: sending again cannot help.
        return DeliveryResult(Outcome.PERMANENT, None, f"{where}: {exc}")
    detail = f"{where}: {type(exc).__name__}: {exc}".rstrip(": ")
    if phase is Phase.BODY:
        return DeliveryResult(Outcome.AMBIGUOUS, None, f"{detail} (the server may have it)")
    return DeliveryResult(Outcome.TRANSIENT, None, detail)


class SmtpTransport:
    """One SMTP connection for a whole `async with` block, opened on the first send and
    opened again when the server has dropped it. `send` never raises for a delivery
    problem. When connecting fails, the rest of the block fails fast with the same result
    instead of waiting for the same timeout once per message."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        tls: TlsMode = "opportunistic",
        timeout: float = 30.0,
    ) -> None:
        if tls not in _TLS_LABEL:
            raise ValueError(f"unknown TLS mode {tls!r}")
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.tls: TlsMode = tls
        self.timeout = timeout
        self.connections = 0  # connections opened (or tried) so far
        self._client: PhasedSMTP | None = None
        self._connect_failure: DeliveryResult | None = None
        self._lock = asyncio.Lock()

    def describe(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        user = f", user {self.username}" if self.username else ""
        return f"{scheme}://{host}:{self.port} ({_TLS_LABEL[self.tls]}{user})"

    def __repr__(self) -> str:
        return f"SmtpTransport({self.describe()!r})"

    async def __aenter__(self) -> SmtpTransport:
        self._connect_failure = None
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """QUIT politely; close regardless."""
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit(timeout=min(self.timeout, 5.0))
        except (SMTPException, OSError):
            client.close()

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def _connect(self) -> PhasedSMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        self._drop()
        client = PhasedSMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self._password,
            use_tls=self.tls == "implicit",
            start_tls={"starttls": True, "opportunistic": None}.get(self.tls, False),
            timeout=self.timeout,
        )
        self.connections += 1
        await client.connect()
        self._client = client
        return client

    async def send(self, envelope: Envelope) -> DeliveryResult:
        async with self._lock:
            problem = _address_problem(envelope)
            if problem:
                return DeliveryResult(Outcome.PERMANENT, None, problem)
            if self._connect_failure is not None:
                failed = self._connect_failure
                detail = f"{failed.detail} (not tried again in this batch)"
                return DeliveryResult(failed.outcome, failed.code, detail, tried=False)
            reused = self._client is not None and self._client.is_connected
            result, stale = await self._attempt(envelope)
            if reused and stale:
                # The server closed an idle or used-up connection before this
                # transaction began: nothing was sent, so try once on a new one.
                result, _ = await self._attempt(envelope)
            return result

    async def _attempt(self, envelope: Envelope) -> tuple[DeliveryResult, bool]:
        """The result, and whether the failure says the connection had gone stale."""
        try:
            client = await self._connect()
        except Exception as exc:  # never raise for a delivery problem
            self._drop()
            # Whatever went wrong (refused, TLS, AUTH, a 5xx greeting), it is not this
            # message's fault: transient, so nothing is given up over a bad password.
            result = classify(exc, Phase.CONNECT)
            self._connect_failure = replace(result, outcome=Outcome.TRANSIENT)
            return self._connect_failure, False
        client.phase = Phase.CONNECT
        try:
            errors, reply = await client.transact(
                envelope.sender, envelope.recipients, envelope.raw
            )
        except Exception as exc:  # never raise for a delivery problem
            phase = client.phase
            await self._after_failure(client, exc)
            stale = phase is Phase.MAIL and (
                isinstance(exc, SMTPServerDisconnected)
                or getattr(exc, "code", None) == SMTPStatus.domain_unavailable
            )
            return classify(exc, phase), stale
        refused = {rcpt: (r.code, r.message) for rcpt, r in errors.items()}
        accepted = tuple(r for r in envelope.recipients if r not in refused)
        return DeliveryResult(Outcome.SENT, 250, reply, accepted, refused), False

    async def _after_failure(self, client: PhasedSMTP, exc: Exception) -> None:
        """Keep the connection only after a clean refusal, and only if it still answers
        RSET: a confused connection must not fail the next, innocent message."""
        clean = isinstance(exc, SMTPResponseException | SMTPRecipientsRefused)
        if clean and client.is_connected:
            try:
                await client.rset()
                return
            except (SMTPException, OSError):
                pass
        self._drop()


def _address_problem(envelope: Envelope) -> str | None:
    """Why these envelope addresses cannot be sent, if they cannot. Only bare ASCII
    addresses pass: aiosmtplib would quietly reduce 'x <y@example.com>' to y@example.com."""
    if not envelope.recipients:
        return "no recipients"
    senders = (envelope.sender,) if envelope.sender else ()
    for address in (*senders, *envelope.recipients):
        if not _BARE_ADDRESS.fullmatch(address):
            return f"invalid address {address!r}: not a bare user@domain address"
    return None
