"""Build emails only through `email.message.EmailMessage`: safe headers, stable Message-ID.

Headers that carry data (From, To, Reply-To, Subject, extra headers) are encoded here
rather than by the email package: Python 3.11's folder loses the space between two
RFC 2047 encoded words ("Société Générale" arrives as "SociétéGénérale") and has had
quoting bugs when folding display names. Every such value is made one line first (CR, LF
and other control characters become a space), then written as plain ASCII or as complete
base64 encoded words, and folded here with CRLF + space, so nothing from data can ever
start a header of its own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from functools import lru_cache
from typing import Any


class _Folded(str):
    """A header value already encoded and folded by this module: stored verbatim."""

    __slots__ = ()


class _Policy(EmailPolicy):
    """`email.policy.SMTP` (CRLF), 7-bit bodies (quoted-printable or base64 for non-ASCII
    text, so no server needs 8BITMIME), and pre-folded header values kept as they are."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, _Folded):
            return (name, str(value))
        return super().header_store_parse(name, value)


POLICY = _Policy(linesep="\r\n", cte_type="7bit", refold_source="none")

_ATEXT_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_LOCAL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_PLAIN_DOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*")
_HEADER_NAME = re.compile(r"[!-9;-~]+")  # RFC 5322 ftext: printable ASCII except ':'
_ENCODED_CHUNK = 39  # UTF-8 bytes per encoded word: "=?utf-8?b?" + 52 + "?=" = 64 chars
_LINE = 76
_BASE64_LINE = 76
_OURS = {"from", "to", "subject", "message-id", "date", "reply-to", "mime-version"}
_OURS |= {"auto-submitted", "x-auto-response-suppress"}


def one_line(value: str) -> str:
    """CR, LF, tabs and every other control character become a space; runs of white
    space collapse to one; so a supplier name can never start a header of its own."""
    if value.isprintable():  # no control character (they are all unprintable)
        spaced = value
    else:
        spaced = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value)
    return " ".join(spaced.split())


def new_message_id(key: str, domain: str) -> str:
    """The same key always gives the same Message-ID, so a resent message is recognisable."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{_ascii_domain(domain, lower=False)}>"


def domain_of(address: str) -> str:
    """The domain of 'Name <user@Example.com>' or 'user@example.com', lower case."""
    text = one_line(address)
    if text.endswith(">") and "<" in text:
        text = text[:-1].rpartition("<")[2]
    _, at, domain = text.rpartition("@")
    return _ascii_domain(domain, lower=True) if at else "localhost"


@lru_cache(maxsize=256)  # the sender's domain, once per message otherwise
def _ascii_domain(domain: str, *, lower: bool) -> str:
    domain = domain.strip().strip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return "localhost"
    domain = re.sub(r"[^A-Za-z0-9.-]", "", domain.lower() if lower else domain).strip(".")
    return domain or "localhost"


def _needs_encoding(text: str) -> bool:
    return not text.isascii() or "=?" in text or any(len(w) > 900 for w in text.split())


def _encoded_words(text: str) -> list[str]:
    """Base64 encoded words of whole characters, each at most 64 characters long."""
    chunks: list[bytes] = []
    chunk = b""
    for ch in text:
        raw = ch.encode("utf-8")
        if chunk and len(chunk) + len(raw) > _ENCODED_CHUNK:
            chunks.append(chunk)
            chunk = b""
        chunk += raw
    if chunk:
        chunks.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks]


def _fold(tokens: Sequence[str], start: int) -> str:
    """Join tokens with spaces, breaking the line (CRLF + space) before a token that would
    pass 76 characters. `start` is what the line already holds ("Subject: ")."""
    out: list[str] = []
    width = start
    for token in tokens:
        if out and width + 1 + len(token) > _LINE:
            out.append("\r\n ")
            width = 1
        elif out:
            out.append(" ")
            width += 1
        out.append(token)
        width += len(token)
    return "".join(out)


def _unstructured(name: str, value: str) -> _Folded:
    text = one_line(value)
    if _needs_encoding(text):
        # Adjacent encoded words are joined by the reader with no space between them:
        # the spaces of the text travel inside the words.
        return _Folded("\r\n ".join(_encoded_words(text)))
    return _Folded(_fold(text.split(), len(name) + 2))


def _phrase(name: str) -> list[str]:
    """A display name as header tokens: atoms, one quoted string, or encoded words."""
    if not name:
        return []
    if _needs_encoding(name):
        return _encoded_words(name)
    if _ATEXT_PHRASE.fullmatch(name):
        return name.split()
    return ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']


def mailbox(value: str) -> tuple[str, str]:
    """('display name', 'user@example.com') from 'Name <user@example.com>' or a bare
    address. The display name is made one line; the address must be valid ASCII (an
    internationalised domain is converted to its xn-- form), else ValueError."""
    text = one_line(value)
    name, addr = "", text
    if text.endswith(">") and "<" in text:
        head, _, addr = text[:-1].rpartition("<")
        name = head.strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\").strip()
    local, at, domain = addr.strip().rpartition("@")
    if not at or not local or not domain or not local.isascii():
        raise ValueError(f"{addr!r} is not an email address this tracker can send to")
    if _PLAIN_LOCAL.fullmatch(local) and _PLAIN_DOMAIN.fullmatch(domain):
        # The common case, checked without the email package's parser (a millisecond per
        # address): a dot-atom at a plain ASCII domain, which that parser returns unchanged.
        return name, f"{local}@{domain}"
    try:
        domain = domain.encode("idna").decode("ascii")
        checked = Address(addr_spec=f"{local}@{domain}").addr_spec
    except (UnicodeError, ValueError, IndexError) as exc:
        raise ValueError(f"{addr!r} is not a valid email address") from exc
    return name, checked


def _address_list(name: str, values: Sequence[str]) -> _Folded:
    if not values:
        raise ValueError(f"{name} needs at least one address")
    tokens: list[str] = []
    for i, value in enumerate(values):
        display, addr = mailbox(value)
        words = _phrase(display)
        tokens += [*words, f"<{addr}>"] if words else [addr]
        if i < len(values) - 1:
            tokens[-1] += ","
    return _Folded(_fold(tokens, len(name) + 2))


@lru_cache(maxsize=4096)
def _address_header(name: str, values: tuple[str, ...]) -> _Folded:
    """`_address_list`, once per sender and per recipient: a sweep writes thousands of
    messages from one sender to a few hundred people, and checking an address through
    `email.headerregistry` costs more than the rest of its header."""
    return _address_list(name, values)


def _check_message_id(message_id: str) -> None:
    if not re.fullmatch(r"<[!-;=?-~]+@[!-;=?-~]+>", message_id):
        raise ValueError(f"{message_id!r} is not a Message-ID such as <id@example.com>")


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
    now: datetime,
) -> EmailMessage:
    """A text (+ HTML alternative) message with the headers every tracker email carries."""
    _check_message_id(message_id)
    msg = EmailMessage(policy=POLICY)
    msg["From"] = _address_list("From", [sender])
    msg["To"] = _address_list("To", to)
    msg["Subject"] = _unstructured("Subject", subject)
    msg["Message-ID"] = message_id
    msg["Date"] = _date(now)
    if reply_to:
        msg["Reply-To"] = _address_list("Reply-To", [reply_to])
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    for name, value in (extra_headers or {}).items():
        if not _HEADER_NAME.fullmatch(name) or name.lower() in _OURS:
            raise ValueError(f"{name!r} cannot be set as an extra header")
        msg[name] = _unstructured(name, value)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def _delimiter(boundary: str, *, last: bool = False) -> bytes:
    """A MIME boundary line (RFC 2046): two hyphens, the boundary, two more if it closes."""
    dashes = "-" * 2
    return f"{dashes}{boundary}{dashes if last else ''}\r\n".encode("ascii")


def _date(now: datetime) -> str:
    """The Date header for `now` (the time the message was written, passed in), in UTC."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return format_datetime(now.astimezone(UTC).replace(microsecond=0))


def as_bytes(msg: EmailMessage) -> bytes:
    """The message as sent: CRLF line endings, 7-bit clean."""
    return msg.as_bytes(policy=POLICY)


def _base64_body(text: str) -> bytes:
    # MIME canonical text: CRLF line ends and a final one, split as the email package
    # does (bytes.splitlines: CR and LF only, unlike str.splitlines).
    canonical = b"\r\n".join(text.encode("utf-8").splitlines()) + b"\r\n"
    # What base64.encodebytes writes (76-character lines: 57 bytes each, a multiple of 3,
    # so cutting the encoded whole gives the same lines), without its per-line Python loop.
    encoded = binascii.b2a_base64(canonical, newline=False)
    lines = [encoded[i : i + _BASE64_LINE] for i in range(0, len(encoded), _BASE64_LINE)]
    return b"\r\n".join(lines) + b"\r\n" if lines else b""


def render_bytes(
    *,
    message_id: str,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None,
    reply_to: str | None = None,
    attachments: Sequence[Attachment] = (),
    now: datetime,
) -> bytes:
    """The same message as `as_bytes(build_message(...))`, written directly.

    Headers go through the same encoders; bodies are base64 (7-bit safe) and the boundary
    starts with '=_', which base64 text can never contain. The email package's generator
    costs milliseconds per message, which a sweep enqueuing 10,000 reminders cannot pay.

    With `attachments` (report files) the message becomes multipart/mixed: the body as
    above, then each file base64-encoded byte for byte, named with RFC 2231 parameters.
    Without them the output is exactly what it always was.
    """
    _check_message_id(message_id)
    headers = [
        f"From: {_address_header('From', (sender,))}",
        f"To: {_address_header('To', tuple(to))}",
        f"Subject: {_unstructured('Subject', subject)}",
        f"Message-ID: {message_id}",
        f"Date: {_date(now)}",
    ]
    if reply_to:
        headers.append(f"Reply-To: {_address_header('Reply-To', (reply_to,))}")
    headers += [
        "Auto-Submitted: auto-generated",
        "X-Auto-Response-Suppress: All",
        "MIME-Version: 1.0",
    ]
    text_part = (
        b'Content-Type: text/plain; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + _base64_body(text)
    )
    if attachments:
        return _with_attachments(headers, message_id, text_part, html, attachments)
    if html is None:
        head = "\r\n".join(headers).encode("ascii") + b"\r\n"
        return head + text_part
    boundary = "=_" + hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]
    headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    html_part = (
        b'Content-Type: text/html; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + _base64_body(html)
    )
    mark = _delimiter(boundary)
    return (
        "\r\n".join(headers).encode("ascii")
        + b"\r\n\r\n"
        + mark
        + text_part
        + mark
        + html_part
        + _delimiter(boundary, last=True)
    )


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message, e.g. a report: its bytes arrive unchanged."""

    filename: str
    content_type: str  # "application/pdf", "text/csv" ...
    data: bytes
    charset: str | None = None  # for text/* files: how their bytes are encoded

    def __post_init__(self) -> None:
        if not _MIME_TYPE.fullmatch(self.content_type):
            raise ValueError(f"{self.content_type!r} is not a MIME type such as application/pdf")
        if self.charset is not None and not _TOKEN.fullmatch(self.charset):
            raise ValueError(f"{self.charset!r} is not a charset name such as utf-8")


_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")  # RFC 2045 token
_MIME_TYPE = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+/[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_QUOTABLE = re.compile(r"[A-Za-z0-9!#$%&'()*+,./:;<=>?@\[\]^_`{|}~ -]+")  # no " or \
_ATTR_CHAR = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~"
)


def safe_filename(name: str) -> str:
    """One line, no directory part (a reader saving it must not climb out of a folder)."""
    text = one_line(name).replace("/", "_").replace("\\", "_").strip(" .")
    return text or "attachment"


def _parameter(name: str, value: str, width: int) -> list[str]:
    """`name="value"` when that is plain ASCII and fits on a line, else RFC 2231:
    `name*0*=utf-8''%C3%A9...; name*1*=...`, percent-encoded UTF-8 cut into pieces that
    never split a %XX escape, each piece on its own folded line."""
    plain = f'{name}="{value}"'
    if _QUOTABLE.fullmatch(value) and width + len(plain) + 1 <= _LINE:
        return [plain]
    encoded = [chr(b) if b in _ATTR_CHAR else f"%{b:02X}" for b in value.encode("utf-8")]
    pieces: list[str] = []
    current = "utf-8''"
    room = _LINE - len(f" {name}*99*=;")
    for escape in encoded:
        if len(current) + len(escape) > room:
            pieces.append(current)
            current = ""
        current += escape
    pieces.append(current)
    if len(pieces) == 1:
        return [f"{name}*={pieces[0]}"]
    return [f"{name}*{i}*={piece}" for i, piece in enumerate(pieces)]


def _header_with_parameters(name: str, value: str, parameters: Sequence[str]) -> str:
    line = f"{name}: {value}"
    for parameter in parameters:
        if len(line.rpartition("\n")[2]) + len(parameter) + 2 > _LINE:
            line += ";\r\n " + parameter
        else:
            line += "; " + parameter
    return line


def _attachment_part(attachment: Attachment) -> bytes:
    filename = safe_filename(attachment.filename)
    content_type = attachment.content_type.lower()
    type_parameters = [f'charset="{attachment.charset}"'] if attachment.charset else []
    type_parameters += _parameter("name", filename, 1)
    lines = [
        _header_with_parameters("Content-Type", content_type, type_parameters),
        _header_with_parameters(
            "Content-Disposition", "attachment", _parameter("filename", filename, 1)
        ),
        "Content-Transfer-Encoding: base64",
    ]
    body = base64.encodebytes(attachment.data).replace(b"\n", b"\r\n")
    return "\r\n".join(lines).encode("ascii") + b"\r\n\r\n" + body


def _with_attachments(
    headers: list[str],
    message_id: str,
    text_part: bytes,
    html: str | None,
    attachments: Sequence[Attachment],
) -> bytes:
    digest = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]
    # 'm' is not a hex digit: neither boundary is a prefix of the other.
    mixed = "=_m" + digest
    body = text_part
    if html is not None:
        alternative = "=_" + digest
        html_part = (
            b'Content-Type: text/html; charset="utf-8"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" + _base64_body(html)
        )
        mark = _delimiter(alternative)
        body = (
            f'Content-Type: multipart/alternative; boundary="{alternative}"\r\n\r\n'.encode()
            + mark
            + text_part
            + mark
            + html_part
            + _delimiter(alternative, last=True)
        )
    headers = [*headers, f'Content-Type: multipart/mixed; boundary="{mixed}"']
    mark = _delimiter(mixed)
    parts = [body, *(_attachment_part(a) for a in attachments)]
    return (
        "\r\n".join(headers).encode("ascii")
        + b"\r\n\r\n"
        + b"".join(mark + part for part in parts)
        + _delimiter(mixed, last=True)
    )
