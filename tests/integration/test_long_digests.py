"""Digests people can read: a contract manager with 300 items due gets one email listing
the most urgent ones (at most TRACKER_EMAIL_MAX_ITEMS), the rest counted per heading and
per contract with a link to the dashboard, under 100 KB; a supplier with many items gets
the same, with a link to their portal page. Through the CLI and a real SMTP server."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.cli import Cli, mail_cli
from tests.factories import HEADER
from tests.smtp_server import SmtpSink

CONTRACTS = 6
PER_CONTRACT = 50  # 300 items in all
MANAGER = "manager@example.com"
SUPPLIER = "compliance@example.com"
# Due 10 to 59 days after the start (2027-03-11 to 2027-04-29); the worker comes back on
# 2027-06-01, when every one is more than 30 days late and the manager is told of each.
MANY_DUTIES = (
    HEADER.format(id="many-duties")
    + """\
evidence_types:
  - id: report
    label: Monthly report
    accepted_formats: [pdf]
obligations:
"""
    + "".join(
        f"""\
  - id: duty-{k}
    title: Send report number {k}
    trigger: {{type: contract_start, offset: P{10 + k}D}}
    evidence: [report]
"""
        for k in range(PER_CONTRACT)
    )
)
BACK_AT = "2027-06-01T08:05:00+02:00"
ITEM = re.compile(r"^\d+\. Send report number", re.MULTILINE)


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    sink: SmtpSink,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    runner = mail_cli(
        capsys,
        monkeypatch,
        clauses={"many-duties": MANY_DUTIES},
        folder=tmp_path,
        smtp_url=sink.url,
    )
    runner.ok("supplier", "add", "Example Devices AB", "--email", SUPPLIER)
    for n in range(CONTRACTS):
        runner.ok(
            "contract", "add", f"C-{n}", "--supplier", "1", "--title", f"Notebooks {n}",
            "--start", f"2027-03-0{1 + n}", "--end", "2029-02-28",
            "--timezone", "Europe/Berlin", "--manager", MANAGER,
        )  # fmt: skip
        runner.ok(
            "contract", "attach", f"C-{n}", "many-duties", "--now", "2027-02-01T10:00:00+01:00"
        )
    return runner


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content()).replace("\r\n", "\n")


def rest_of(text: str) -> str:
    start = text.index("== Not listed here (")
    return text[
        start : text.index("How to respond", start) if "How to respond" in text[start:] else None
    ]


def test_a_digest_of_300_items_lists_the_50_most_urgent_and_counts_the_rest(
    cli: Cli, sink: SmtpSink
) -> None:
    cli.ok("sweep", "--now", BACK_AT)
    cli.ok("relay", "--now", BACK_AT)
    [digest] = [r for r in sink.received if r.recipients == [MANAGER]]
    size = len(digest.message.as_bytes())
    assert size <= 100 * 1024, size
    text = text_of(digest.message)
    assert "digest for 2027-06-01: 300 items" in text
    assert len(ITEM.findall(text)) == 50
    # The most urgent: C-0 started first, so its report 0 (due 2027-03-11) is the most late.
    assert "Send report number 0\n   Contract:  C-0" in text
    rest = rest_of(text)
    assert "== Not listed here (250) ==" in rest
    by_heading = re.findall(r"^   - (?!C-)([^:\n]+): (\d+)$", rest, re.MULTILINE)
    assert sum(int(n) for _, n in by_heading) == 250
    by_contract = dict(re.findall(r"^   - (C-\d): (\d+)$", rest, re.MULTILINE))
    assert sum(int(n) for n in by_contract.values()) == 250
    assert set(by_contract) == {f"C-{n}" for n in range(CONTRACTS)}
    assert "Your dashboard lists them all:\nhttp://localhost:8000/\n" in rest
    html = digest.message.get_body(("html",))
    assert isinstance(html, EmailMessage)
    assert html.get_content().count("Send report number") == 50


def test_a_supplier_email_with_many_items_links_to_their_page(
    cli: Cli, sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_EMAIL_MAX_ITEMS", "10")
    cli.ok("sweep", "--now", BACK_AT)
    cli.ok("relay", "--now", BACK_AT)
    to_supplier = [r.message for r in sink.received if r.recipients == [SUPPLIER]]
    assert len(to_supplier) == CONTRACTS  # one per contract
    for message in to_supplier:
        found = re.search(r": (\d+) obligations$", str(message["Subject"]))
        assert found, message["Subject"]
        total = int(found.group(1))
        assert total > 10
        text = text_of(message)
        assert len(ITEM.findall(text)) == 10
        rest = rest_of(text)
        assert f"== Not listed here ({total - 10}) ==" in rest
        assert re.search(
            r"Your page for this contract lists them all:\nhttp://localhost:8000/s/[\w-]{20,}\n",
            rest,
        ), rest
    [digest] = [r.message for r in sink.received if r.recipients == [MANAGER]]
    assert len(ITEM.findall(text_of(digest))) == 10
