"""The SMTP transport's own envelope transaction: what it declares and what it refuses to
put on a command line, without a server."""

from __future__ import annotations

from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings
from hypothesis import given
from hypothesis import strategies as st

from tracker.mail.smtp import _address_problem, _as_sent, _wire_size
from tracker.mail.transport import Envelope


@given(
    st.binary(max_size=300) | st.lists(st.sampled_from([b"a", b".", b"\r", b"\n"])).map(b"".join)
)
def test_the_declared_size_is_what_goes_over_the_wire(raw: bytes) -> None:
    # aiosmtplib sends the message with lone CR/LF made CRLF and a final CRLF added.
    assert _wire_size(raw) == len(normalize_message_line_endings(raw))


@given(
    st.binary(max_size=300)
    | st.lists(st.sampled_from([b"a", b".", b"\r", b"\n", b"\r\n", b"\r\n."])).map(b"".join)
)
def test_a_message_sent_as_it_is_is_what_aiosmtplib_would_send(raw: bytes) -> None:
    # What `SMTPProtocol.execute_data_command` writes after the DATA command.
    theirs = PERIOD_REGEX.sub(b"..", normalize_message_line_endings(raw)) + b".\r\n"
    ours = _as_sent(raw)
    assert ours is None or ours == theirs
    if theirs == raw + b".\r\n":
        assert ours == theirs  # nothing to change: never the slow way
        assert _wire_size(raw) == len(raw)


def envelope(sender: str, *to: str) -> Envelope:
    return Envelope("<m@example.com>", sender, to, b"x\r\n")


def test_bare_addresses_pass() -> None:
    assert _address_problem(envelope("a@example.com", "b.c+d@example.org")) is None
    assert _address_problem(envelope("", "b@[192.0.2.1]")) is None  # null sender: bounces


@given(
    st.sampled_from(
        [
            "a@example.com>\r\nRCPT TO:<evil@example.com",
            "a@example.com> SIZE=1",
            "Name <a@example.com>",
            "a b@example.com",
            "a@example.com\n",
            "dé@example.com",
            "a@exämple.com",
            "",
            "a@",
            "@example.com",
        ]
    ),
    st.booleans(),
)
def test_anything_else_is_refused_before_a_command_line_is_built(bad: str, as_sender: bool) -> None:
    sent = envelope(bad, "b@example.com") if as_sender else envelope("a@example.com", bad)
    if as_sender and bad == "":
        return  # the null sender is allowed
    problem = _address_problem(sent)
    assert problem is not None
    assert "invalid address" in problem
