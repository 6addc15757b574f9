"""Attachments written by `render_bytes`: the bytes arrive unchanged, names survive."""

from __future__ import annotations

import email
import email.policy
import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.mail.message import Attachment, render_bytes, safe_filename

MID = "<0123456789abcdef0123456789abcdef@example.com>"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 50


def render(attachments: list[Attachment], *, html: str | None = "<p>Report</p>") -> bytes:
    return render_bytes(
        message_id=MID,
        sender="Clause Tracker <tracker@example.com>",
        to=["manager@example.com", "auditor@example.com"],
        subject="Compliance report 2026-11",
        text="The report is attached.\n",
        html=html,
        attachments=attachments,
        now=datetime(2027, 3, 15, 8, 0, tzinfo=UTC),
    )


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.mark.parametrize("html", [None, "<p>Report</p>"])
def test_files_arrive_byte_for_byte_after_the_body(html: str | None) -> None:
    csv = "supplier,on_time\r\nSociété Générale,0.75\n".encode()
    msg = parse(
        render(
            [
                Attachment("report-2026-11.pdf", "application/pdf", PDF),
                Attachment("report-2026-11.csv", "text/csv", csv, charset="utf-8"),
            ],
            html=html,
        )
    )
    assert msg.get_content_type() == "multipart/mixed"
    assert not msg.defects
    body = msg.get_body(("plain",))
    assert body is not None
    assert body.get_content().splitlines() == ["The report is attached."]
    assert (msg.get_body(("html",)) is None) == (html is None)
    files = list(msg.iter_attachments())
    assert [(f.get_filename(), f.get_content_type()) for f in files] == [
        ("report-2026-11.pdf", "application/pdf"),
        ("report-2026-11.csv", "text/csv"),
    ]
    for part, data in zip(files, (PDF, csv), strict=True):
        assert part.get_content_disposition() == "attachment"
        assert part["Content-Transfer-Encoding"] == "base64"
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        assert hashlib.sha256(payload).hexdigest() == hashlib.sha256(data).hexdigest()
    assert files[1].get_content_charset() == "utf-8"


def test_without_attachments_the_message_is_unchanged() -> None:
    plain = render([], html="<p>Report</p>")
    assert b"multipart/mixed" not in plain
    assert parse(plain).get_content_type() == "multipart/alternative"


def test_a_non_ascii_name_is_an_rfc_2231_parameter() -> None:
    name = "Rapport de conformité — Société Générale, 2026-Q4, portefeuille complet.pdf"
    raw = render([Attachment(name, "application/pdf", PDF)])
    assert b"filename*0*=utf-8''Rapport%20de%20conformit%C3%A9" in raw
    assert max(len(line) for line in raw.split(b"\r\n") if b"filename" in line) <= 76
    (part,) = parse(raw).iter_attachments()
    assert part.get_filename() == name
    assert raw.isascii()


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("report.html\r\nBcc: evil@example.com", "report.html Bcc: evil@example.com"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ('say "hi".csv', 'say "hi".csv'),
        ("\r\n", "attachment"),
    ],
)
def test_names_cannot_inject_headers_or_paths(given_name: str, expected: str) -> None:
    assert safe_filename(given_name) == expected
    raw = render([Attachment(given_name, "text/html", b"<p>x</p>", charset="utf-8")])
    msg = parse(raw)
    assert msg.get_all("Bcc") is None
    (part,) = msg.iter_attachments()
    assert part.get_filename() == expected
    assert part.get_all("Bcc") is None


@pytest.mark.parametrize(
    ("content_type", "charset", "error"),
    [
        ("application/pdf\r\nBcc: x@example.com", None, "not a MIME type"),
        ("pdf", None, "not a MIME type"),
        ("text/csv", 'utf-8"; x="y', "not a charset"),
    ],
)
def test_bad_content_types_are_refused(content_type: str, charset: str | None, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Attachment("a.pdf", content_type, b"", charset)


@settings(max_examples=150, deadline=None)
@given(name=st.text(min_size=1, max_size=120), data=st.binary(max_size=3000))
def test_any_name_and_bytes_round_trip(name: str, data: bytes) -> None:
    raw = render([Attachment(name, "application/octet-stream", data)])
    assert raw.isascii()
    msg = parse(raw)
    (part,) = msg.iter_attachments()
    assert part.get_filename() == safe_filename(name)
    assert part.get_payload(decode=True) == data
