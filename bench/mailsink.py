"""A counting SMTP sink (aiosmtpd, in a thread of this process) and realistic messages.

The sink parses nothing and keeps nothing: it answers 250 to every DATA and counts, so
what is measured is the client side. In a thread it shares this process's GIL; it can
also run in a child process, for comparison.
"""

from __future__ import annotations

import multiprocessing
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from typing import Any

from aiosmtpd.controller import Controller

from tracker.mail.message import as_bytes, build_message, new_message_id
from tracker.portal.language import translator
from tracker.rendering import render

NOW = datetime(2027, 3, 15, 8, 0, tzinfo=UTC)
SENDER = "clause-tracker@example.org"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CountingHandler:
    """Answers 250 to every DATA and counts, in a shared counter so that a sink running
    in a child process can be read from this one."""

    def __init__(self) -> None:
        self.counter: Synchronized[int] = multiprocessing.Value("q", 0)

    @property
    def count(self) -> int:
        return int(self.counter.value)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 2.0.0 Queued"


@dataclass(frozen=True)
class Sink:
    host: str
    port: int
    handler: CountingHandler
    where: str  # "thread" (of this process) or "process"


def _serve(handler: CountingHandler, port: int, ready: Event, stop: Event) -> None:
    controller = Controller(handler, hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


@contextmanager
def running_sink(where: str = "thread") -> Iterator[Sink]:
    """The sink in a thread of this process (it shares the GIL with the code measured),
    or in a child process (it does not)."""
    handler = CountingHandler()
    port = free_port()
    if where == "thread":
        controller = Controller(handler, hostname="127.0.0.1", port=port, decode_data=False)
        controller.start()
        try:
            yield Sink("127.0.0.1", port, handler, where)
        finally:
            controller.stop()
        return
    context = multiprocessing.get_context("fork")
    ready, stop = context.Event(), context.Event()
    child = context.Process(target=_serve, args=(handler, port, ready, stop), daemon=True)
    child.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the SMTP sink process did not start")
        yield Sink("127.0.0.1", port, handler, where)
    finally:
        stop.set()
        child.join(10)


@dataclass(frozen=True)
class Prebuilt:
    group_key: str
    message_id: str
    recipient: str
    subject: str
    raw: bytes


def _items(n: int, today: date) -> list[dict[str, Any]]:
    return [
        {
            "obligation_id": 1000 + k,
            "title": f"Annual supply-chain report {k + 1}",
            "clause_id": "supply-chain-disclosure",
            "clause_title": "Supply chain transparency and disclosure",
            "contract_reference": "BENCH-000123",
            "contract_title": "Notebooks and docking stations, framework agreement",
            "supplier": "Nordvik Data AB",
            "due_on": (today - timedelta(days=3 + k)).isoformat(),
            "due_text": (today - timedelta(days=3 + k)).isoformat(),
            "due_words": f"{3 + k} days overdue",
            "kind": "overdue",
            "section": "overdue",
            "level": 1,
            "stage": "",
            "note": "",
            "evidence": ["Supplier list with factory addresses (PDF, XLSX)"],
            "link": f"http://localhost:8000/obligations/{1000 + k}",
        }
        for k in range(n)
    ]


def build_messages(count: int, today: date) -> list[Prebuilt]:
    """`count` overdue notices as the composer renders them (two items each, about 5 kB,
    the size of a typical supplier message), each with its own Message-ID."""
    subject = "[BENCH-000123] Overdue: 2 obligations"
    items = _items(2, today)
    context = {
        "sections": [
            {"key": "overdue", "heading": "Overdue", "intro": "These are overdue.", "items": items}
        ],
        "items": items,
        "buyer": "Stockholm Region",
        "manager": "manager@example.org",
        "local_date": today.isoformat(),
        "subject": subject,
        "show_supplier": False,
        "_": translator("en"),
        "lang": "en",
        "rest": None,
    }
    text, html = render("email/reminder.txt", **context), render("email/reminder.html", **context)
    built = []
    for i in range(count):
        recipient = f"compliance{i}@example.com"
        key = f"contract:{recipient}:{i}:{today}:{i}"
        message_id = new_message_id(key, "example.org")
        msg = build_message(
            message_id=message_id,
            sender=f"Clause Tracker <{SENDER}>",
            to=[recipient],
            subject=subject,
            text=text,
            html=html,
            reply_to="manager@example.org",
            now=NOW,
        )
        built.append(Prebuilt(key, message_id, recipient, subject, as_bytes(msg)))
    return built
