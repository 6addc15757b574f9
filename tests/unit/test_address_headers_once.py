"""Address headers are built once per sender and recipient, and a cached one is the same
header; an address the writer refuses is refused every time, not remembered as good."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tracker.mail import message
from tracker.mail.message import render_bytes

NOW = datetime(2027, 4, 17, 6, 5, tzinfo=UTC)


def _render(to: str, n: int) -> bytes:
    return render_bytes(
        message_id=f"<m{n}@example.com>",
        sender="Clause Tracker <tracker@example.com>",
        to=[to],
        subject="Overdue",
        text="text",
        html=None,
        reply_to="Manager Name <manager@example.com>",
        now=NOW,
    )


def test_the_second_message_to_a_recipient_has_the_same_headers_without_parsing_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message._address_header.cache_clear()
    first = _render("Société Générale <compliance@example.com>", 1)
    parsed: list[str] = []
    original = message.mailbox

    def counted(value: str) -> tuple[str, str]:
        parsed.append(value)
        return original(value)

    monkeypatch.setattr(message, "mailbox", counted)
    second = _render("Société Générale <compliance@example.com>", 2)
    assert parsed == []
    assert first.split(b"Message-ID")[0] == second.split(b"Message-ID")[0]
    assert b"From: Clause Tracker <tracker@example.com>" in second


def test_a_refused_address_is_refused_every_time() -> None:
    for n in range(2):
        with pytest.raises(ValueError, match="not an email address"):
            _render("no address at all", n)
