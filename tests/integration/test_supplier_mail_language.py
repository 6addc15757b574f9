"""A supplier contact reads their emails in their own language, through a real SMTP server:
a reminder and a rejection notice in Swedish for a Swedish contact, in English otherwise,
dates written as that language writes them; the clause's words stay as written; the
contract manager's digest stays English."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.cli import Cli, mail_cli
from tests.integration.test_reminders_e2e import MANAGER, ONE_DUTY, SUPPLIER, contract, tick
from tests.smtp_server import SmtpSink
from tests.web.world import PDF
from tracker.db import get_engine, read_session
from tracker.models import Obligation

REMIND_AT = "2027-03-11T08:05:00+01:00"  # 30 days before the due date, 2027-04-10 (Berlin)


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    sink: SmtpSink,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    return mail_cli(
        capsys,
        monkeypatch,
        clauses={"one-duty": ONE_DUTY},
        folder=tmp_path,
        smtp_url=sink.url,
        smtp_timeout="2",
    )


def to(sink: SmtpSink, address: str) -> list[EmailMessage]:
    return [r.message for r in sink.received if r.recipients == [address]]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content()).replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def reject_the_report(cli: Cli, tracker_env: str, tmp_path: Path) -> None:
    """The supplier sends the report; the reviewer rejects it. The new deadline is the
    later of 14 days on and the one in force: 2027-04-10."""
    with read_session(get_engine(tracker_env)) as session:
        [obligation] = session.scalars(select(col(Obligation.id))).all()
    report = tmp_path / "audit.pdf"
    report.write_bytes(PDF)
    added = cli.ok(
        "evidence", "add", str(obligation), str(report), "--type", "audit-report",
        "--now", "2027-03-20T10:00:00+01:00", "--format", "json",
    ).json()[0]  # fmt: skip
    cli.ok(
        "evidence", "review", str(added["id"]), "--reject",
        "--reason", "Only two of the five models are covered",
        "--now", "2027-03-21T10:00:00+01:00",
    )  # fmt: skip
    tick(cli, "2027-03-21T10:01:00+01:00")


def test_a_swedish_contact_gets_swedish_reminders_and_notices(
    cli: Cli, sink: SmtpSink, tracker_env: str, tmp_path: Path
) -> None:
    contract(cli)
    cli.ok("portal", "language", "1", "sv")  # the compliance contact
    tick(cli, REMIND_AT)
    [reminder] = to(sink, SUPPLIER)
    assert str(reminder["Subject"]) == (
        "[C-1] Förfaller snart: Send the social audit report (10 april 2027)"
    )
    text = text_of(reminder)
    assert text.startswith("Hej,\n")
    assert "== Kommande (1) ==" in text
    assert "Förfaller: 10 april 2027 - förfaller om 30 dagar" in text
    assert "- Social audit report (pdf)" in text  # the clause's words, as written
    assert "Så svarar du:" in text
    assert "due in" not in text
    assert "Coming up" not in text
    html = html_of(reminder)
    assert '<html lang="sv">' in html
    assert "10 april 2027" in html
    assert "Underlag som godtas" in html

    reject_the_report(cli, tracker_env, tmp_path)
    [notice] = to(sink, SUPPLIER)[1:]
    assert str(notice["Subject"]).startswith("[C-1] Åtgärd krävs: Send the social audit report")
    text = text_of(notice)
    assert "== Åtgärd krävs (1) ==" in text
    assert 'Ditt underlag "Social audit report"' in text
    assert "godtogs inte: Only two of the five models are covered." in text
    assert "Skicka en rättad version senast 10 april 2027." in text
    assert "inskickat 20 mars 2027" in text


def test_an_english_contact_gets_english_with_long_dates_and_the_manager_iso(
    cli: Cli, sink: SmtpSink, tracker_env: str, tmp_path: Path
) -> None:
    contract(cli)
    tick(cli, REMIND_AT)
    [reminder] = to(sink, SUPPLIER)
    assert str(reminder["Subject"]) == (
        "[C-1] Coming due: Send the social audit report (April 10, 2027)"
    )
    text = text_of(reminder)
    assert "Due:       April 10, 2027 - due in 30 days" in text
    assert '<html lang="en">' in html_of(reminder)

    reject_the_report(cli, tracker_env, tmp_path)
    [notice] = to(sink, SUPPLIER)[1:]
    assert str(notice["Subject"]).startswith("[C-1] Action required: Send the social audit")
    assert (
        "Your Social audit report (evidence 1, submitted March 20, 2027) was not accepted: "
        "Only two of the five models are covered. Please send a corrected version by "
        "April 10, 2027." in " ".join(text_of(notice).split())
    )
    tick(cli, "2027-04-17T08:05:00+02:00")  # 7 days late: the manager is told too
    [digest] = to(sink, MANAGER)
    assert str(digest["Subject"]).startswith("Clause Tracker digest for 2027-04-17")
    assert "2027-04-10 - 7 days overdue" in text_of(digest)
