"""The portal's pure parts: catalogues complete in both languages, access-log redaction,
and the link put into a stored message at send time without disturbing its headers."""

from __future__ import annotations

import email
import logging
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import default

import pytest

from tests.portal.catalogue import msgids
from tracker.mail.message import new_message_id, render_bytes
from tracker.portal.language import LANGUAGES, messages, translator
from tracker.portal.mailing import _replace, mark, placeholder_url
from tracker.web.portal.logs import RedactPortalTokens, redact

NOW = datetime(2027, 3, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_portal_text_is_translated(language: str) -> None:
    table = messages(language)
    missing = sorted(m for m in msgids() if not table.get(m))
    assert missing == []


def test_swedish_keeps_every_placeholder() -> None:
    table = messages("sv")
    for msgid, text in table.items():
        assert sorted(_names(msgid)) == sorted(_names(text)), msgid


def _names(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)s", text)


def test_unknown_language_falls_back_to_english() -> None:
    assert translator("xx")("Receipt") == "Receipt"
    assert translator("sv")("Receipt") == "Kvitto"
    assert translator(None)("Contract %(reference)s", reference="C-1") == "Contract C-1"


def test_access_log_never_shows_a_token() -> None:
    assert redact("/s/abcDEF_123-xyz/receipts/4") == "/s/[link]/receipts/4"
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.1:5", "GET", "/s/secret-token-value?x=1", "1.1", 200), None,
    )  # fmt: skip
    assert RedactPortalTokens().filter(record)
    assert "secret-token-value" not in record.getMessage()
    assert "/s/[link]" in record.getMessage()


def test_the_link_replaces_the_placeholder_and_the_headers_stay() -> None:
    link = placeholder_url("https://tracker.example.com", date(2027, 4, 1))
    message_id = new_message_id("k", "example.com")
    raw = render_bytes(
        message_id=message_id,
        sender="Tracker <t@example.com>",
        to=["compliance@example.com"],
        subject="[C-1] Société Générale: overdue",
        text=f"Hello,\n{link}\n",
        html=f'<p><a href="{link}">page</a></p>',
        now=NOW,
    )
    stored = mark(raw, date(2027, 4, 1))
    assert b"PORTAL-LINK-UNTIL-2027-04-01" not in stored  # bodies are base64
    sent = _replace(raw, "TOKEN123")
    msg = email.message_from_bytes(sent, policy=default)
    assert isinstance(msg, EmailMessage)
    assert msg["Message-ID"] == message_id
    assert msg["Subject"] == "[C-1] Société Générale: overdue"
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert "https://tracker.example.com/s/TOKEN123" in plain.get_content()
    assert 'href="https://tracker.example.com/s/TOKEN123"' in html.get_content()
