"""The SMTP and file transports against a real SMTP server (aiosmtpd in a thread).

No mocks: each test starts an aiosmtpd Controller on 127.0.0.1 whose handler can accept,
refuse with 4xx/5xx, stall, or hang up at a chosen step, and checks how `SmtpTransport`
classifies what happened and what the server really received.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import syntax

from tests.smtp_server import free_port, hold_port
from tracker.config import Settings
from tracker.errors import ConfigError
from tracker.mail.backends import send_test, smtp_from_url, transport_from_settings
from tracker.mail.files import FileTransport, file_name
from tracker.mail.message import as_bytes, build_message, new_message_id
from tracker.mail.smtp import SmtpTransport
from tracker.mail.transport import DeliveryResult, Envelope, Outcome

NOW = datetime(2027, 3, 15, 8, 0, tzinfo=UTC)
SENDER = "tracker@example.com"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    content: bytes
    mail_options: list[str] = field(default_factory=list)

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Behaviour:
    """What the server does; a test sets these before sending."""

    rcpt_4xx: int = 0  # answer 451 to RCPT this many times, then accept
    data_4xx: int = 0  # answer 451 after DATA this many times, then accept
    reject_all: bool = False  # 550 to MAIL FROM (and everything after)
    data_reply: str | None = None  # e.g. "554 5.7.1 rejected" after DATA
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> reply
    stall_rcpt: float = 0.0  # sleep before answering RCPT
    stall_354: float = 0.0  # sleep before answering the DATA command with 354
    stall_after_data: float = 0.0  # keep the message, then answer too late
    hang_up_at: str | None = None  # "MAIL" or "DATA": close the connection there


class Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    @property
    def b(self) -> Behaviour:
        return self.server.behaviour

    def _take(self, name: str) -> bool:
        with self.server.lock:
            left: int = getattr(self.b, name)
            if left > 0:
                setattr(self.b, name, left - 1)
                return True
            return False

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname  # the hook's duty in aiosmtpd
        with self.server.lock:
            self.server.sessions += 1
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.b.hang_up_at == "MAIL":
            server.transport.close()
            return "421 4.3.0 going away"
        if self.b.reject_all:
            return "550 5.7.1 Sender rejected"
        envelope.mail_from = address  # the hook's duty in aiosmtpd
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.b.stall_rcpt:
            await asyncio.sleep(self.b.stall_rcpt)
        if address in self.b.refuse:
            return self.b.refuse[address]
        if self._take("rcpt_4xx"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.b.data_reply:
            return self.b.data_reply
        if self._take("data_4xx"):
            return "451 4.3.0 Try again later"
        with self.server.lock:
            self.server.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.original_content,
                    list(envelope.mail_options),
                )
            )
        if self.b.hang_up_at == "DATA":
            server.transport.close()  # stored, but the client never hears so
        if self.b.stall_after_data:
            await asyncio.sleep(self.b.stall_after_data)
        return "250 2.0.0 Queued"


class Server(SMTPServer):
    """aiosmtpd's SMTP with a pause before 354 and a registry of open connections."""

    def __init__(self, owner: MailServer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.owner.open.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        self.owner.open.discard(self)
        super().connection_lost(error)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if self.owner.behaviour.stall_354:
            await asyncio.sleep(self.owner.behaviour.stall_354)
        await super().smtp_DATA(arg)


class MailServer(Controller):
    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.received: list[Received] = []
        self.sessions = 0  # EHLOs, i.e. SMTP sessions the client opened
        self.open: set[Server] = set()
        self.lock = threading.Lock()
        self.port = free_port()
        super().__init__(Handler(self), hostname="127.0.0.1", port=self.port)

    def factory(self) -> Server:
        return Server(self, self.handler, **self.SMTP_kwargs)

    def transport(self, timeout: float = 5.0) -> SmtpTransport:
        return SmtpTransport("127.0.0.1", self.port, tls="none", timeout=timeout)

    def hang_up_all(self) -> None:
        """Close every connection from the server side, and wait until it is done."""

        async def close() -> None:
            for conn in list(self.open):
                if conn.transport is not None:
                    conn.transport.close()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(5)

    def ids(self) -> list[str]:
        with self.lock:
            return [str(r.message["Message-ID"]) for r in self.received]


@pytest.fixture
def server() -> Iterator[MailServer]:
    srv = MailServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def envelope(key: str, *recipients: str, subject: str = "Reminder") -> Envelope:
    to = recipients or ("supplier@example.com",)
    message_id = new_message_id(key, "example.com")
    msg = build_message(
        message_id=message_id,
        sender=f"Clause Tracker <{SENDER}>",
        to=list(to),
        subject=subject,
        text=f"Evidence is due ({key}).\n",
        html=f"<p>Evidence is due ({key}).</p>",
        now=NOW,
    )
    return Envelope(message_id, SENDER, tuple(to), as_bytes(msg))


async def send_all(transport: SmtpTransport, *envelopes: Envelope) -> list[DeliveryResult]:
    async with transport:
        return [await transport.send(e) for e in envelopes]


def run(transport: SmtpTransport, *envelopes: Envelope) -> list[DeliveryResult]:
    return asyncio.run(send_all(transport, *envelopes))


# --- delivery and connection reuse ---------------------------------------------------------


def test_200_messages_over_one_connection_arrive_once_with_their_message_id(
    server: MailServer,
) -> None:
    envelopes = [envelope(f"bulk:{i}", f"s{i}@example.com") for i in range(200)]
    transport = server.transport()
    results = run(transport, *envelopes)
    assert {r.outcome for r in results} == {Outcome.SENT}
    assert all(
        r.code == 250 and r.accepted == e.recipients
        for r, e in zip(results, envelopes, strict=True)
    )
    assert sorted(server.ids()) == sorted(e.message_id for e in envelopes)
    assert server.sessions == 1
    assert transport.connections == 1
    first = server.received[0]
    assert (first.sender, first.recipients) == (SENDER, ["s0@example.com"])


def test_the_message_arrives_byte_for_byte_with_its_size_declared(server: MailServer) -> None:
    # Lines starting with a dot and a lone LF: the wire form differs from the stored one.
    raw = b"Subject: dots\r\n\r\n.first\r\n..second\nlast line without an ending"
    message = Envelope("<dots@example.com>", SENDER, ("s@example.com",), raw)
    (result,) = run(server.transport(), message)
    assert result.outcome is Outcome.SENT
    (got,) = server.received
    on_the_wire = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n"
    assert got.content == on_the_wire
    assert got.mail_options == [f"SIZE={len(on_the_wire)}"]
    assert (got.sender, got.recipients) == (SENDER, ["s@example.com"])


def test_a_message_already_in_wire_form_arrives_byte_for_byte(server: MailServer) -> None:
    # CRLF throughout, no line starting with a dot: sent as it is, without aiosmtplib's
    # rewriting (the composer's messages), then the same for one that needs it.
    raw = envelope("wire").raw
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")
    dotted = raw + b".dot\r\n"
    results = run(
        server.transport(),
        Envelope("<w@example.com>", SENDER, ("s@example.com",), raw),
        Envelope("<d@example.com>", SENDER, ("s@example.com",), dotted),
    )
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    assert [r.content for r in server.received] == [raw, dotted]
    assert [r.mail_options for r in server.received] == [
        [f"SIZE={len(raw)}"],
        [f"SIZE={len(dotted)}"],
    ]


def test_a_message_over_the_servers_size_limit_is_refused_before_its_data(
    server: MailServer,
) -> None:
    big = envelope("big")
    server.SMTP_kwargs["data_size_limit"] = len(big.raw) - 1
    small = Envelope("<small@example.com>", SENDER, ("s@example.com",), b"Subject: s\r\n\r\nx\r\n")
    too_big, fine = run(server.transport(), big, small)
    assert too_big.outcome is Outcome.PERMANENT
    assert too_big.code == 552
    assert "MAIL FROM" in too_big.detail
    assert fine.outcome is Outcome.SENT  # the refusal left the connection usable
    assert [r.content for r in server.received] == [small.raw]


def test_a_connection_the_server_dropped_is_replaced(server: MailServer) -> None:
    async def scenario(transport: SmtpTransport) -> list[DeliveryResult]:
        async with transport:
            first = await transport.send(envelope("drop:1"))
            server.hang_up_all()  # the client has not noticed yet: MAIL hits a dead line
            second = await transport.send(envelope("drop:2"))
            server.hang_up_all()
            await asyncio.sleep(0.2)  # now it has noticed
            third = await transport.send(envelope("drop:3"))
            return [first, second, third]

    transport = server.transport()
    results = asyncio.run(scenario(transport))
    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert server.sessions == 3
    assert sorted(server.ids()) == sorted(envelope(f"drop:{i}").message_id for i in (1, 2, 3))


# --- classification ------------------------------------------------------------------------


def test_nothing_listening_is_transient_and_the_batch_does_not_retry_each_message() -> None:
    with hold_port() as held:  # bound, never listening: connections are refused
        transport = SmtpTransport("127.0.0.1", held.getsockname()[1], tls="none", timeout=2)
        first, second = run(transport, envelope("refused:1"), envelope("refused:2"))
    assert first.outcome is Outcome.TRANSIENT
    assert first.code is None
    assert "connect" in first.detail
    assert second.outcome is Outcome.TRANSIENT
    assert "not tried again" in second.detail
    assert transport.connections == 1


def test_4xx_to_rcpt_is_transient_until_the_server_accepts(server: MailServer) -> None:
    server.behaviour.rcpt_4xx = 2
    transport = server.transport()
    e = envelope("rcpt451")
    results = run(transport, e, e, e)
    assert [r.outcome for r in results] == [Outcome.TRANSIENT] * 2 + [Outcome.SENT]
    assert results[0].code == 451
    assert results[0].refused == {"supplier@example.com": (451, "4.3.0 Try again later")}
    assert server.ids() == [e.message_id]
    assert transport.connections == 1  # a refusal does not cost the connection


def test_4xx_after_data_is_transient_until_the_server_accepts(server: MailServer) -> None:
    server.behaviour.data_4xx = 1
    e = envelope("data451")
    first, second = run(server.transport(), e, e)
    assert (first.outcome, first.code) == (Outcome.TRANSIENT, 451)
    assert second.outcome is Outcome.SENT
    assert server.ids() == [e.message_id]


def test_550_to_everything_is_permanent(server: MailServer) -> None:
    server.behaviour.reject_all = True
    (result,) = run(server.transport(), envelope("reject"))
    assert (result.outcome, result.code) == (Outcome.PERMANENT, 550)
    assert "MAIL FROM" in result.detail
    assert "Sender rejected" in result.detail
    assert server.received == []


def test_5xx_after_data_is_permanent(server: MailServer) -> None:
    server.behaviour.data_reply = "554 5.7.1 Message rejected by policy"
    (result,) = run(server.transport(), envelope("policy"))
    assert (result.outcome, result.code) == (Outcome.PERMANENT, 554)
    assert "rejected by policy" in result.detail


def test_partly_refused_recipients_are_reported_per_recipient(server: MailServer) -> None:
    server.behaviour.refuse = {
        "gone@example.com": "550 5.1.1 No such user",
        "full@example.com": "452 4.2.2 Mailbox full",
    }
    e = envelope("partial", "gone@example.com", "ok@example.com", "full@example.com")
    (result,) = run(server.transport(), e)
    assert result.outcome is Outcome.SENT
    assert result.accepted == ("ok@example.com",)
    assert result.refused == {
        "gone@example.com": (550, "5.1.1 No such user"),
        "full@example.com": (452, "4.2.2 Mailbox full"),
    }
    assert [r.recipients for r in server.received] == [["ok@example.com"]]


@pytest.mark.parametrize(
    ("replies", "outcome", "code"),
    [
        (("452 4.2.2 Mailbox full", "451 4.3.0 Later"), Outcome.TRANSIENT, 452),
        (("452 4.2.2 Mailbox full", "550 5.1.1 No such user"), Outcome.PERMANENT, 550),
    ],
)
def test_every_recipient_refused(
    server: MailServer, replies: tuple[str, str], outcome: Outcome, code: int
) -> None:
    server.behaviour.refuse = dict(zip(["a@example.com", "b@example.com"], replies, strict=True))
    (result,) = run(server.transport(), envelope("allrefused", "a@example.com", "b@example.com"))
    assert (result.outcome, result.code) == (outcome, code)
    assert set(result.refused) == {"a@example.com", "b@example.com"}
    assert result.accepted == ()


def test_no_answer_after_the_data_is_ambiguous_and_the_next_send_reconnects(
    server: MailServer,
) -> None:
    server.behaviour.stall_after_data = 3.0
    transport = server.transport(timeout=1.0)

    async def scenario() -> list[DeliveryResult]:
        async with transport:
            first = await transport.send(envelope("stall"))
            server.behaviour.stall_after_data = 0
            return [first, await transport.send(envelope("after-stall"))]

    first, second = asyncio.run(scenario())
    assert first.outcome is Outcome.AMBIGUOUS
    assert first.code is None
    assert "end of data" in first.detail
    assert envelope("stall").message_id in server.ids()  # why it is ambiguous
    assert second.outcome is Outcome.SENT
    assert transport.connections == 2


def test_hang_up_after_the_data_is_ambiguous(server: MailServer) -> None:
    server.behaviour.hang_up_at = "DATA"
    (result,) = run(server.transport(), envelope("hangup-data"))
    assert result.outcome is Outcome.AMBIGUOUS


def test_no_answer_before_data_is_transient(server: MailServer) -> None:
    server.behaviour.stall_rcpt = 3.0
    (result,) = run(server.transport(timeout=1.0), envelope("stall_rcpt"))
    assert result.outcome is Outcome.TRANSIENT
    assert result.code is None
    assert "RCPT TO" in result.detail
    assert server.received == []


def test_no_answer_to_the_data_command_is_treated_as_ambiguous(server: MailServer) -> None:
    # aiosmtplib cannot tell this apart from a stall after the message; retrying with the
    # same Message-ID is right in both cases, and nothing was stored here.
    server.behaviour.stall_354 = 3.0
    (result,) = run(server.transport(timeout=1.0), envelope("stall_354"))
    assert result.outcome is Outcome.AMBIGUOUS
    assert server.received == []


def test_hang_up_before_data_is_transient(server: MailServer) -> None:
    server.behaviour.hang_up_at = "MAIL"
    (result,) = run(server.transport(), envelope("hangup-mail"))
    assert result.outcome is Outcome.TRANSIENT
    assert server.received == []


def test_an_address_that_cannot_be_sent_is_permanent_without_connecting() -> None:
    transport = SmtpTransport("127.0.0.1", 9, tls="none")  # never reached: refused before
    bad = Envelope("<x@example.com>", SENDER, ("a\r\nRCPT TO:<b@example.com>",), b"x\r\n")
    (result,) = run(transport, bad)
    assert result.outcome is Outcome.PERMANENT
    assert transport.connections == 0


# --- header safety, end to end -------------------------------------------------------------


def test_hostile_subject_and_names_arrive_as_text_not_headers(server: MailServer) -> None:
    hostile = "Société Générale Ω\r\nBcc: victim@example.com <script>alert(1)</script>"
    folded = "Société Générale Ω Bcc: victim@example.com <script>alert(1)</script>"
    message_id = new_message_id("hostile", "example.com")
    msg = build_message(
        message_id=message_id,
        sender=f"{hostile} <{SENDER}>",
        to=[f"{hostile} <supplier@example.com>"],
        subject=f"[C-1] {hostile}",
        text="Bonjour Société Générale Ω\n",
        html="<p>&lt;script&gt;</p>",
        now=NOW,
    )
    e = Envelope(message_id, SENDER, ("supplier@example.com",), as_bytes(msg))
    (result,) = run(server.transport(), e)
    assert result.outcome is Outcome.SENT
    (got,) = server.received
    assert got.recipients == ["supplier@example.com"]
    received = got.message
    assert received.get_all("Bcc") is None
    assert len(received.get_all("Subject") or []) == 1
    assert str(received["Subject"]) == f"[C-1] {folded}"
    assert str(received["Message-ID"]) == message_id
    header_lines = got.content.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert not [line for line in header_lines if line.lower().startswith(b"bcc")]
    assert all(line.isascii() and len(line) <= 78 for line in header_lines)
    for name, address in (("From", SENDER), ("To", "supplier@example.com")):
        (parsed,) = received[name].addresses
        assert parsed.addr_spec == address
        # Python's structured-header parser puts a space between two adjacent encoded
        # words of a display name; RFC 2047 (and mail clients) join them: decode as they do.
        assert str(make_header(decode_header(_raw(got, name)))) == f"{folded} <{address}>"
    body = received.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == "Bonjour Société Générale Ω\n"


def _raw(got: Received, name: str) -> str:
    """The header's value as it travelled, unfolded."""
    head = got.content.split(b"\r\n\r\n", 1)[0].decode("ascii")
    for field_ in head.replace("\r\n ", " ").split("\r\n"):
        key, _, value = field_.partition(":")
        if key == name:
            return value.strip()
    raise AssertionError(f"no {name} header")


# --- the file transport --------------------------------------------------------------------


def test_file_transport_writes_one_file_per_message_id_and_overwrites_it(tmp_path: Path) -> None:
    outbox = tmp_path / "new" / "outbox"
    transport = FileTransport(outbox)
    e = envelope("file:1")

    async def twice() -> list[DeliveryResult]:
        async with transport:
            first = await transport.send(e)
            again = await transport.send(Envelope(e.message_id, e.sender, e.recipients, b"v2"))
            return [first, again]

    first, again = asyncio.run(twice())
    assert first.outcome is again.outcome is Outcome.SENT
    assert first.accepted == e.recipients
    files = list(outbox.iterdir())
    assert [f.name for f in files] == [file_name(e.message_id)]
    assert files[0].read_bytes() == b"v2"
    assert transport.describe() == f"files in {outbox.absolute()}"


@pytest.mark.parametrize(
    "message_id",
    ["<../../etc/passwd@x>", "<..@..>", "</abs/path@x>", "<a\\..\\b@x>", "<>", "<.@.>", "<\x00@x>"],
)
def test_hostile_message_ids_stay_inside_the_directory(tmp_path: Path, message_id: str) -> None:
    outbox = tmp_path / "outbox"
    e = Envelope(message_id, SENDER, ("supplier@example.com",), b"x\r\n")
    result = asyncio.run(FileTransport(outbox).send(e))
    assert result.outcome is Outcome.SENT
    (written,) = list(tmp_path.rglob("*.eml"))
    assert written.parent == outbox
    assert not written.name.startswith(".")


def test_distinct_message_ids_never_share_a_file() -> None:
    ids = ["<a/b@x>", "<a_b@x>", "<a@b_x>", "<a_b_x@y>", "<" + "a" * 300 + "@x>"]
    assert len({file_name(i) for i in ids}) == len(ids)
    assert file_name("<abc@example.com>") == "abc_example.com.eml"


def test_an_unwritable_outbox_is_transient_with_the_error(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the directory should be")
    result = asyncio.run(FileTransport(blocker).send(envelope("file:err")))
    assert result.outcome is Outcome.TRANSIENT
    assert "cannot write" in result.detail
    assert "outbox" in result.detail


# --- choosing the backend ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "description"),
    [
        ("smtp://mail.example.com", "smtp://mail.example.com:587 (STARTTLS if offered)"),
        (
            "smtp://tracker:s3cret@mail.example.com:2525?starttls=true",
            "smtp://mail.example.com:2525 (STARTTLS, user tracker)",
        ),
        ("smtp://localhost:1025?starttls=false", "smtp://localhost:1025 (no TLS)"),
        ("smtps://u%40example.com:p%3Aw@mail.example.com", None),
    ],
)
def test_smtp_urls(url: str, description: str | None) -> None:
    transport = smtp_from_url(url)
    if description:
        assert transport.describe() == description
    assert "s3cret" not in transport.describe() + repr(transport)
    if url.startswith("smtps"):
        assert (transport.port, transport.tls, transport.username) == (
            465,
            "implicit",
            "u@example.com",
        )
        assert transport._password == "p:w"
        assert transport.describe() == "smtps://mail.example.com:465 (TLS, user u@example.com)"


def test_password_file_wins_over_the_url(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("from-file\n")
    transport = smtp_from_url("smtp://u:from-url@mail.example.com", password_file=secret)
    assert transport._password == "from-file"


@pytest.mark.parametrize("url", ["smtp://h?starttls=maybe", "smtps://h?starttls=true"])
def test_bad_smtp_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        smtp_from_url(url)


def test_without_smtp_url_mail_goes_to_files(tmp_path: Path) -> None:
    settings = Settings(smtp_url=None, outbox_dir=tmp_path / "outbox")
    transport = transport_from_settings(settings)
    assert isinstance(transport, FileTransport)
    result = asyncio.run(send_test(settings, "manager@example.com"))
    assert result.outcome is Outcome.SENT
    (written,) = list((tmp_path / "outbox").iterdir())
    assert b"Clause Tracker test message" in written.read_bytes()


def test_send_test_through_smtp_names_the_backend(server: MailServer) -> None:
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{server.port}?starttls=false",
        mail_from=f"Clause Tracker <{SENDER}>",
        smtp_timeout=5,
    )
    result = asyncio.run(send_test(settings, "manager@example.com"))
    assert result.outcome is Outcome.SENT
    (got,) = server.received
    assert str(got.message["Subject"]) == "Clause Tracker test message"
    body = got.message.get_body(("plain",))
    assert body is not None
    assert f"smtp://127.0.0.1:{server.port} (no TLS)" in body.get_content()
