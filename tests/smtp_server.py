"""A real SMTP server (aiosmtpd) in the test process, with faults a test can switch on."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Faults:
    """What the server does wrong; tests change these while it runs."""

    temporary_failures: int = 0  # answer 451 to DATA this many times, then accept
    permanent: bool = False  # answer 554 to DATA
    stall_seconds: float = 0.0  # after receiving DATA, wait this long before answering
    stall_times: int = 0  # ... for this many messages
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> "550 ..." / "452 ..."
    delay_seconds: float = 0.0  # slow server: wait before accepting each message


class Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        answer = self.sink.faults.refuse.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        faults = self.sink.faults
        if faults.delay_seconds:
            await asyncio.sleep(faults.delay_seconds)
        if faults.permanent:
            return "554 5.7.1 Message rejected by policy"
        with self.sink.lock:
            if faults.temporary_failures > 0:
                faults.temporary_failures -= 1
                return "451 4.3.0 Try again later"
        message = email.message_from_bytes(
            envelope.original_content or b"", policy=email.policy.default
        )
        assert isinstance(message, EmailMessage)
        with self.sink.lock:
            self.sink.received.append(
                Received(str(envelope.mail_from), list(envelope.rcpt_tos), message)
            )
            stall = faults.stall_times > 0
            if stall:
                faults.stall_times -= 1
        if stall:
            # Accepted and stored, but the reply comes too late: the client cannot know.
            await asyncio.sleep(faults.stall_seconds)
        return "250 2.0.0 Queued"


def hold_port(port: int = 0) -> socket.socket:
    """A socket bound to a local port but not listening: connections to the port are
    refused, and no other process (another test worker, say) is handed the port while the
    server is stopped. SO_REUSEADDR lets the server bind and listen beside it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


class SmtpSink:
    """Start/stop a local SMTP server; `received` lists what it accepted. Its port stays
    reserved from creation to exit, so "stopped" means "connection refused", never "some
    other test's server answers"."""

    def __init__(self, port: int | None = None) -> None:
        self._hold = hold_port(port or 0)
        self.port = int(self._hold.getsockname()[1])
        self.faults = Faults()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=false"

    def start(self) -> SmtpSink:
        self._controller = Controller(
            Handler(self), hostname="127.0.0.1", port=self.port, decode_data=False
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received]

    def wait_for(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.received)}")

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
        self._hold.close()
