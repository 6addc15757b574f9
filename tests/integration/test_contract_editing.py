"""Editing suppliers, contacts and contracts, detaching clauses and ending contracts, through
the CLI on a real SQLite file and real PostgreSQL, with a real SMTP server for reminders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from tests.cli import Cli, mail_cli
from tests.factories import FOUR_YEAR_BODY, HEADER
from tests.smtp_server import SmtpSink
from tracker.db import get_engine, read_session, write_session
from tracker.models import (
    AuditEvent,
    Contract,
    ContractClause,
    Obligation,
    Supplier,
    SupplierContact,
)

AUDIT_CLAUSE = HEADER.format(id="four-year-audit") + FOUR_YEAR_BODY
ONE_DUTY = (
    HEADER.format(id="one-duty")
    + """\
obligations:
  - id: report
    title: Send the social audit report
    trigger: {type: contract_start, offset: P40D}
"""
)
SUPPLIER = "compliance@example.com"
ESCALATION = "ceo@example.com"
MANAGER = "manager@example.com"
ATTACHED_AT = "2027-03-01T09:00:00+01:00"
LATER = "2028-06-01T09:00:00+02:00"


@pytest.fixture
def cli(
    tracker_env: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Cli:
    library = tmp_path / "buyer-clauses"
    library.mkdir()
    (library / "four-year-audit.yaml").write_text(AUDIT_CLAUSE, encoding="utf-8")
    monkeypatch.setenv("TRACKER_CLAUSE_PATH", str(library))
    # The whole four-year schedule is planned at once, so moves beyond a year are visible.
    monkeypatch.setenv("TRACKER_HORIZON_DAYS", "2000")
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    return runner


def supplier(cli: Cli) -> int:
    made = cli.ok(
        "supplier", "add", "Example Devices AB", "--email", SUPPLIER, "--format", "json"
    ).json()
    return int(made["id"])


def four_year_contract(cli: Cli, *, attach: bool = True) -> None:
    supplier(cli)
    cli.ok(
        "contract",
        "add",
        "RA-2027-017",
        "--supplier",
        "Example Devices AB",  # by name: the README's `--supplier 1` is a demo supplier
        "--title",
        "Notebooks",
        "--start",
        "2027-03-15",
        "--end",
        "2031-03-14",
        "--timezone",
        "Europe/Berlin",
        "--manager",
        MANAGER,
        "--value",
        "250000",
        "--currency",
        "EUR",
    )
    if attach:
        cli.ok("contract", "attach", "RA-2027-017", "four-year-audit", "--now", ATTACHED_AT)


def schedule(cli: Cli) -> list[tuple[str, str, str]]:
    rows = cli.ok("obligations", "--contract", "RA-2027-017", "--format", "json").json()
    return [(r["obligation"], r["due_on"], r["status"]) for r in rows]


def all_obligations(url: str) -> list[tuple[str, str, str, str]]:
    with read_session(get_engine(url)) as session:
        rows = session.execute(
            select(
                col(Obligation.template_id),
                col(Obligation.occurrence),
                col(Obligation.due_on),
                col(Obligation.status),
            ).order_by(col(Obligation.template_id), col(Obligation.occurrence))
        )
        return [(t, o, d.isoformat(), s) for t, o, d, s in rows]


def audit_events(url: str, action: str) -> list[AuditEvent]:
    with read_session(get_engine(url)) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(col(AuditEvent.action) == action)
                .order_by(col(AuditEvent.id))
            )
        )


def counts(url: str) -> dict[str, Any]:
    """Every row that an edit could touch, so a refused one provably changed nothing."""
    with read_session(get_engine(url)) as session:
        return {
            "audit": session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
            "suppliers": [
                (s.name, s.country, s.identifiers) for s in session.scalars(select(Supplier))
            ],
            "contacts": [
                (c.email, c.role, c.name, c.removed_at)
                for c in session.scalars(select(SupplierContact))
            ],
            "contracts": [
                (c.title, c.start_on, c.end_on, c.value_amount, c.status, c.ended_on)
                for c in session.scalars(select(Contract))
            ],
            "clauses": [c.detached_at for c in session.scalars(select(ContractClause))],
            "obligations": all_obligations(url),
        }


# --- suppliers and contacts ---------------------------------------------------------------


def test_editing_a_supplier_changes_each_field_and_is_audited(cli: Cli, tracker_env: str) -> None:
    sid = supplier(cli)
    edited = cli.ok(
        "supplier",
        "edit",
        str(sid),
        "--name",
        "Example Devices Nordic AB",
        "--country",
        "se",
        "--identifier",
        "556000-0000",
        "--identifier",
        "SE-PARTY-1",
        "--format",
        "json",
    ).json()
    assert (edited["name"], edited["country"], edited["identifiers"]) == (
        "Example Devices Nordic AB",
        "SE",
        ["556000-0000", "SE-PARTY-1"],
    )
    shown = cli.ok("supplier", "show", str(sid), "--format", "json").json()
    assert shown["name"] == "Example Devices Nordic AB"
    [event] = audit_events(tracker_env, "edited")
    assert event.entity == "supplier"
    assert event.before is not None
    assert event.after is not None
    assert (event.before["name"], event.after["name"]) == (
        "Example Devices AB",
        "Example Devices Nordic AB",
    )
    assert (event.before["country"], event.after["country"]) == (None, "SE")
    assert event.after["identifiers"] == ["556000-0000", "SE-PARTY-1"]


def test_contacts_are_changed_and_removed_with_their_history(cli: Cli, tracker_env: str) -> None:
    sid = supplier(cli)
    # The older form, `supplier contact ID ...`, still adds a contact.
    added = cli.ok(
        "supplier", "contact", str(sid), "--email", ESCALATION, "--role", "escalation",
        "--format", "json",
    ).json()  # fmt: skip
    cid = str(added["id"])
    changed = cli.ok(
        "supplier", "contact", "edit", cid, "--email", "board@example.com", "--name", "The Board",
        "--role", "account", "--format", "json",
    ).json()  # fmt: skip
    assert (changed["email"], changed["name"], changed["role"]) == (
        "board@example.com",
        "The Board",
        "account",
    )
    [edit] = audit_events(tracker_env, "contact_edited")
    assert edit.before is not None
    assert edit.after is not None
    assert (edit.before["email"], edit.after["email"]) == (ESCALATION, "board@example.com")
    assert (edit.before["role"], edit.after["role"]) == ("escalation", "account")

    removed = cli.ok("supplier", "contact", "remove", cid, "--format", "json").json()
    assert removed["removed_at"]
    shown = cli.ok("supplier", "show", str(sid), "--format", "json").json()
    assert [c["email"] for c in shown["contacts"]] == [SUPPLIER]
    [removal] = audit_events(tracker_env, "contact_removed")
    assert removal.before is not None
    assert removal.before["email"] == "board@example.com"
    with read_session(get_engine(tracker_env)) as session:
        row = session.get(SupplierContact, int(cid))
        assert row is not None
        assert row.removed_at is not None
    # A removed contact cannot be edited; the new form of `add` works too.
    assert cli("supplier", "contact", "edit", cid, "--name", "X").code == 2
    cli.ok("supplier", "contact", "add", str(sid), "--email", ESCALATION, "--role", "escalation")


# --- contracts: fields and re-planning ----------------------------------------------------


def test_editing_contract_fields_is_one_audited_change(cli: Cli, tracker_env: str) -> None:
    four_year_contract(cli, attach=False)
    result = cli.ok(
        "contract",
        "edit",
        "RA-2027-017",
        "--title",
        "Notebooks and docking stations",
        "--manager",
        "new.manager@example.com",
        "--value",
        "2 400 000,50",
        "--currency",
        "sek",
        "--format",
        "json",
    ).json()
    assert {c["field"]: (c["before"], c["after"]) for c in result["changes"]} == {
        "title": ("Notebooks", "Notebooks and docking stations"),
        "manager_email": (MANAGER, "new.manager@example.com"),
        "value_amount": ("250000.00", "2400000.50"),
        "currency": ("EUR", "SEK"),
    }
    assert result["rescheduled"] == []
    shown = cli.ok("contract", "show", "RA-2027-017", "--format", "json").json()
    assert (shown["title"], shown["manager_email"], shown["value_amount"], shown["currency"]) == (
        "Notebooks and docking stations",
        "new.manager@example.com",
        "2400000.50",
        "SEK",
    )
    [event] = audit_events(tracker_env, "edited")
    assert (event.entity, event.actor) == ("contract", "tester@example.com")
    assert event.before is not None
    assert event.after is not None
    assert (event.before["value_amount"], event.after["value_amount"]) == (
        "250000.00",
        "2400000.50",
    )
    assert (event.before["title"], event.after["title"]) == (
        "Notebooks",
        "Notebooks and docking stations",
    )


def test_new_dates_move_only_undecided_future_obligations(cli: Cli, tracker_env: str) -> None:
    four_year_contract(cli)
    assert schedule(cli) == [
        ("Disclose production sites", "2027-04-12", "upcoming"),
        ("Annual social audit", "2028-03-15", "upcoming"),
        ("Annual social audit", "2029-03-15", "upcoming"),
        ("Annual social audit", "2030-03-15", "upcoming"),
        ("Exit and take-back plan", "2030-12-14", "upcoming"),
    ]
    cli.ok("plan", "--now", LATER)  # June 2028: the first two are past
    rows = cli.ok("obligations", "--contract", "RA-2027-017", "--format", "json").json()
    audit_2029 = next(r["id"] for r in rows if r["due_on"] == "2029-03-15")
    cli.ok("obligations", "waive", str(audit_2029), "--reason", "audited jointly", "--now", LATER)

    moved = cli.ok(
        "contract",
        "edit",
        "RA-2027-017",
        "--start",
        "2027-04-15",
        "--end",
        "2031-04-14",
        "--now",
        LATER,
        "--format",
        "json",
    ).json()
    assert [
        (r["obligation"], r["old_due_on"], r["new_due_on"], r["status"])
        for r in moved["rescheduled"]
    ] == [
        ("Annual social audit", "2030-03-15", "2030-04-15", "upcoming"),
        ("Exit and take-back plan", "2030-12-14", "2031-01-14", "upcoming"),
    ]
    # Past (overdue) and decided (waived) obligations kept their dates.
    assert schedule(cli) == [
        ("Disclose production sites", "2027-04-12", "overdue"),
        ("Annual social audit", "2028-03-15", "overdue"),
        ("Annual social audit", "2029-03-15", "waived"),
        ("Annual social audit", "2030-04-15", "upcoming"),
        ("Exit and take-back plan", "2031-01-14", "upcoming"),
    ]
    [event] = audit_events(tracker_env, "edited")
    assert event.before is not None
    assert event.after is not None
    assert (event.before["start_on"], event.after["start_on"]) == ("2027-03-15", "2027-04-15")
    assert [(r["old_due_on"], r["new_due_on"]) for r in event.after["rescheduled"]] == [
        ("2030-03-15", "2030-04-15"),
        ("2030-12-14", "2031-01-14"),
    ]

    # A shorter contract no longer has the 2030 audit: superseded, not deleted ...
    shorter = cli.ok(
        "contract", "edit", "RA-2027-017", "--end", "2030-03-31", "--now", LATER, "--format",
        "json",
    ).json()  # fmt: skip
    assert [
        (r["obligation"], r["old_due_on"], r["new_due_on"], r["status"])
        for r in shorter["rescheduled"]
    ] == [
        ("Exit and take-back plan", "2031-01-14", "2029-12-31", "upcoming"),
        ("Annual social audit", "2030-04-15", None, "superseded"),
    ]
    # ... and comes back when the end date is put back.
    back = cli.ok(
        "contract", "edit", "RA-2027-017", "--end", "2031-04-14", "--now", LATER, "--format",
        "json",
    ).json()  # fmt: skip
    assert [(r["old_due_on"], r["new_due_on"], r["status"]) for r in back["rescheduled"]] == [
        ("2030-04-15", "2030-04-15", "upcoming"),
        ("2029-12-31", "2031-01-14", "upcoming"),
    ]
    table = cli.ok("contract", "edit", "RA-2027-017", "--start", "2027-05-15", "--now", LATER)
    assert "2030-04-15" in table.out
    assert "2030-05-15" in table.out
    shown = cli.ok("contract", "show", "RA-2027-017", "--format", "json").json()
    assert ("2030-05-15", "upcoming") in [(s["due_on"], s["status"]) for s in shown["schedule"]]


# --- detaching and ending ------------------------------------------------------------------


def test_detaching_a_clause_supersedes_its_future_and_plans_nothing_new(
    cli: Cli, tracker_env: str
) -> None:
    four_year_contract(cli)
    result = cli.ok(
        "contract",
        "detach",
        "RA-2027-017",
        "four-year-audit",
        "--reason",
        "amendment 2 removed the audit clause",
        "--now",
        LATER,
        "--format",
        "json",
    ).json()
    assert [s["due_on"] for s in result["superseded"]] == [
        "2029-03-15",
        "2030-03-15",
        "2030-12-14",
    ]
    before = all_obligations(tracker_env)
    assert [(d, s) for _, _, d, s in before] == [
        ("2028-03-15", "upcoming"),  # past, undecided: history, left as it was
        ("2029-03-15", "superseded"),
        ("2030-03-15", "superseded"),
        ("2027-04-12", "upcoming"),
        ("2030-12-14", "superseded"),
    ]
    cli.ok("plan", "--now", "2031-01-01T09:00:00+01:00")
    assert cli("contract", "event", "RA-2027-017", "supplier_site_change").code == 0
    after = all_obligations(tracker_env)
    assert [(d, s) for _, _, d, s in after if s != "superseded"] == [
        ("2028-03-15", "overdue"),
        ("2027-04-12", "overdue"),
    ]  # nothing new planned, not even for the event
    shown = cli.ok("contract", "show", "RA-2027-017", "--format", "json").json()
    assert shown["clauses"][0]["detached_at"]
    assert "not yet planned" not in {s["status"] for s in shown["schedule"]}
    [event] = audit_events(tracker_env, "detached")
    assert event.after is not None
    assert event.after["reason"] == "amendment 2 removed the audit clause"
    again = cli("contract", "detach", "RA-2027-017", "four-year-audit", "--reason", "again")
    assert (again.code, again.err.split(":")[0]) == (2, "error")
    assert "CLAUSE_ID: four-year-audit was already detached" in again.err


def test_an_ended_contract_plans_nothing_and_stays_in_lists(cli: Cli, tracker_env: str) -> None:
    four_year_contract(cli)
    ended = cli.ok(
        "contract",
        "end",
        "RA-2027-017",
        "--status",
        "terminated",
        "--on",
        "2028-05-31",
        "--reason",
        "supplier insolvent",
        "--now",
        LATER,
        "--format",
        "json",
    ).json()
    assert (ended["status"], ended["ended_on"]) == ("terminated", "2028-05-31")
    assert [s["due_on"] for s in ended["superseded"]] == ["2029-03-15", "2030-03-15", "2030-12-14"]
    cli.ok("plan", "--now", "2031-01-01T09:00:00+01:00")
    statuses = [s for _, _, _, s in all_obligations(tracker_env)]
    assert sorted(statuses) == ["overdue", "overdue", "superseded", "superseded", "superseded"]
    listed = cli.ok("contract", "list", "--status", "terminated", "--format", "json").json()
    assert [c["reference"] for c in listed] == ["RA-2027-017"]
    shown = cli.ok("contract", "show", "RA-2027-017", "--format", "json").json()
    assert (shown["status"], shown["ended_on"], shown["end_reason"]) == (
        "terminated",
        "2028-05-31",
        "supplier insolvent",
    )
    assert "not yet planned" not in {s["status"] for s in shown["schedule"]}
    refused = cli("contract", "event", "RA-2027-017", "supplier_site_change")
    assert refused.code == 2
    assert "nothing new is planned" in refused.err
    [event] = audit_events(tracker_env, "ended")
    assert event.before is not None
    assert event.after is not None
    assert (event.before["status"], event.after["status"]) == ("active", "terminated")


# --- bad input ----------------------------------------------------------------------------

EDIT = ("contract", "edit", "RA-2027-017")
END = ("contract", "end", "RA-2027-017")
ADD = ("contract", "add", "R-2", "--supplier", "1", "--title", "T", "--start", "2027-01-01")
BAD_EDITS = [
    ((*EDIT, "--end", "2026-01-01"), "--end: 2026-01-01 is before the start date 2027-03-15"),
    ((*EDIT, "--value", "1,234"), "--value: '1,234' is ambiguous"),
    ((*EDIT, "--value", "1.2.3,45"), "--value: '1.2.3,45' is not an amount"),
    ((*EDIT, "--end", "9999-12-31"), "--end: 9999-12-31 is outside"),
    ((*EDIT, "--end", "2080-01-01"), "--end: 2080-01-01 is more than 50 years after"),
    ((*EDIT, "--manager", "nobody"), "--manager:"),
    ((*EDIT, "--title", " "), "--title: must not be empty"),
    (EDIT, "nothing to change"),
    (("contract", "edit", "NOPE", "--title", "T"), "REFERENCE: no contract 'NOPE'"),
    (
        (*END, "--status", "done", "--on", "2028-01-01", "--reason", "x"),
        "--status: 'done' is not one of terminated, cancelled",
    ),
    (
        (*END, "--status", "terminated", "--on", "2099-01-01", "--reason", "x"),
        "--on: 2099-01-01 is in the future",
    ),
    (
        (*END, "--status", "cancelled", "--on", "2028-01-01", "--reason", ""),
        "--reason: must not be empty",
    ),
    (
        ("contract", "detach", "RA-2027-017", "no-such-clause", "--reason", "x"),
        "CLAUSE_ID: no-such-clause is not attached to RA-2027-017",
    ),
    (("supplier", "edit", "99", "--name", "X"), "SUPPLIER_ID: no supplier with id 99"),
    (("supplier", "edit", "1", "--country", "XX"), "--country:"),
    (("supplier", "contact", "edit", "99", "--name", "X"), "CONTACT_ID: no current contact"),
    (("supplier", "contact", "edit", "1", "--role", "boss"), "--role: 'boss' is not one of"),
    (("supplier", "contact", "remove", "1"), "CONTACT_ID: compliance@example.com is the supplier"),
    (
        ("supplier", "contact", "edit", "1", "--role", "account"),
        "--role: compliance@example.com is the supplier's only compliance contact",
    ),
    (
        ("contract", "list", "--supplier", "Nobody Ltd"),
        "--supplier: no supplier with id or name 'Nobody Ltd'",
    ),
    (
        (*ADD[:4], "Nobody Ltd", *ADD[5:], "--end", "2028-01-01"),
        "--supplier: no supplier with id or name 'Nobody Ltd'",
    ),
    (
        (*ADD, "--end", "9999-12-31"),
        "--end: 9999-12-31 is outside the dates the tracker accepts (1990-01-01 to 2200-12-31)",
    ),
    ((*ADD, "--end", "2028-01-01", "--value", "2,5,0"), "--value: '2,5,0' is not an amount"),
    (
        (*ADD, "--end", "2028-01-01", "--value", "1.234"),
        "--value: '1.234' is ambiguous: write 1234 if '.' separates thousands",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD_EDITS)
def test_bad_edits_exit_2_name_the_option_and_change_nothing(
    cli: Cli, tracker_env: str, args: tuple[str, ...], message: str
) -> None:
    four_year_contract(cli)
    cli.ok("plan", "--now", LATER)
    before = counts(tracker_env)
    result = cli(*args, "--now", LATER) if args[:2] in _TIMED else cli(*args)
    assert result.code == 2, result.err
    assert result.err.startswith(f"error: {message}"), result.err
    assert len(result.err.strip().splitlines()) == 1
    assert counts(tracker_env) == before


_TIMED = {("contract", "edit"), ("contract", "end"), ("contract", "detach")}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2400000,50", "2400000.50"),
        ("2400000.50", "2400000.50"),
        ("2 400 000,50", "2400000.50"),
        ("2,400,000.50", "2400000.50"),
        ("2.400.000,50", "2400000.50"),
        ("2400000", "2400000.00"),
    ],
)
def test_contract_values_read_as_people_write_them(
    cli: Cli, tracker_env: str, typed: str, stored: str
) -> None:
    supplier(cli)
    cli.ok(
        "contract", "add", "R-1", "--supplier", "1", "--title", "T", "--start", "2027-01-01",
        "--end", "2028-01-01", "--value", typed, "--currency", "SEK",
    )  # fmt: skip
    shown = cli.ok("contract", "show", "R-1", "--format", "json").json()
    assert shown["value_amount"] == stored


@pytest.mark.parametrize(
    ("start", "end"), [("1990-01-01", "2039-12-31"), ("2150-12-31", "2200-12-31")]
)
def test_contract_show_works_on_the_date_bounds(
    cli: Cli, tracker_env: str, start: str, end: str
) -> None:
    supplier(cli)
    cli.ok(
        "contract", "add", "R-1", "--supplier", "1", "--title", "T", "--start", start, "--end", end,
    )  # fmt: skip
    cli.ok("contract", "attach", "R-1", "four-year-audit", "--now", ATTACHED_AT)
    shown = cli.ok("contract", "show", "R-1", "--format", "json").json()
    audits = [s for s in shown["schedule"] if s["obligation"] == "Annual social audit"]
    assert len(audits) >= 49
    assert shown["schedule"][-1]["due_on"] <= end
    assert cli.ok("contract", "show", "R-1").out.startswith("id")


def test_suppliers_are_found_by_exact_name_and_ambiguity_is_refused(
    cli: Cli, tracker_env: str
) -> None:
    four_year_contract(cli, attach=False)  # found its supplier by name
    listed = cli.ok("contract", "list", "--supplier", "example devices ab", "--format", "json")
    assert [c["reference"] for c in listed.json()] == ["RA-2027-017"]
    cli.ok(
        "supplier", "contact", "Example Devices AB", "--email", ESCALATION, "--role", "escalation"
    )
    shown = cli.ok("supplier", "show", "Example Devices AB", "--format", "json").json()
    assert (shown["id"], shown["contracts"]) == (1, ["RA-2027-017"])
    assert [c["email"] for c in shown["contacts"]] == [SUPPLIER, ESCALATION]
    cli.ok("supplier", "add", "Example Devices AB", "--email", "other@example.com")
    result = cli("contract", "list", "--supplier", "Example Devices AB")
    assert result.code == 2
    assert result.err.strip() == (
        "error: --supplier: 2 suppliers are named 'Example Devices AB'; give the id (1, 2)"
    )


# --- reminders: removed contacts and ended contracts ----------------------------------------


@pytest.fixture
def mail(
    tracker_env: str,
    tmp_path: Path,
    sink: SmtpSink,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    runner = mail_cli(
        capsys, monkeypatch, clauses={"one-duty": ONE_DUTY}, folder=tmp_path, smtp_url=sink.url
    )
    runner.ok("supplier", "add", "Example Devices AB", "--email", SUPPLIER)
    runner.ok(
        "contract", "add", "C-1", "--supplier", "1", "--title", "Notebooks", "--start",
        "2027-03-01", "--end", "2029-02-28", "--timezone", "Europe/Berlin", "--manager", MANAGER,
    )  # fmt: skip
    runner.ok("contract", "attach", "C-1", "one-duty", "--now", "2027-02-01T10:00:00+01:00")
    return runner  # one duty, due 2027-04-10 (start + 40 days)


def tick(cli: Cli, when: str) -> None:
    cli.ok("sweep", "--now", when)
    cli.ok("relay", "--now", when)


def recipients(sink: SmtpSink, since: int = 0) -> list[str]:
    return sorted(r.recipients[0] for r in sink.received[since:])


def test_a_removed_contact_gets_no_more_reminders(mail: Cli, sink: SmtpSink) -> None:
    second = "second.compliance@example.com"
    added = mail.ok(
        "supplier", "contact", "add", "1", "--email", second, "--role", "compliance",
        "--format", "json",
    ).json()  # fmt: skip
    tick(mail, "2027-03-11T08:05:00+01:00")  # 30 days before: both compliance contacts
    assert recipients(sink) == sorted([SUPPLIER, second])
    mail.ok("supplier", "contact", "remove", str(added["id"]))
    tick(mail, "2027-03-27T08:05:00+01:00")  # 14 days before
    assert recipients(sink, 2) == [SUPPLIER]
    # What was sent to the removed contact stays in the obligation's history.
    history = mail.ok("obligations", "show", "1", "--format", "json").json()
    assert second in {r["to"] for r in history["reminders"]}


def test_an_ended_contract_reminds_nobody(mail: Cli, sink: SmtpSink, tracker_env: str) -> None:
    tick(mail, "2027-04-11T08:05:00+02:00")  # a day late: overdue, the supplier is told
    assert recipients(sink) == [SUPPLIER]
    mail.ok(
        "contract", "end", "C-1", "--status", "cancelled", "--on", "2027-04-15", "--reason",
        "framework cancelled", "--now", "2027-04-15T12:00:00+02:00",
    )  # fmt: skip
    # The duty fell due before the end: it stays (overdue, in reports), but nobody is chased.
    shown = mail.ok("obligations", "show", "1", "--format", "json").json()
    assert shown["status"] == "overdue"
    tick(mail, "2027-04-17T08:05:00+02:00")  # 7 days late: supplier and manager, normally
    tick(mail, "2027-04-24T08:05:00+02:00")  # formal notice, normally
    assert len(sink.received) == 1
    # Even if something else set the reminder cursor again, the sweep skips the contract.
    with write_session(get_engine(tracker_env)) as session:
        session.execute(
            update(Obligation).values(next_reminder_at=datetime(2027, 5, 1, tzinfo=UTC))
        )
    tick(mail, "2027-05-10T08:05:00+02:00")
    assert len(sink.received) == 1
