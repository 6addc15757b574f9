"""The contract manager's path through the CLI, on a real SQLite file and real PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from tests.cli import Cli
from tests.factories import FOUR_YEAR_BODY, HEADER
from tracker.audit.chain import GENESIS, event_hash
from tracker.db import get_engine, read_session
from tracker.models import (
    AuditEvent,
    Contract,
    ContractClause,
    ContractEvent,
    Obligation,
    Supplier,
    SupplierContact,
)

AUDIT_CLAUSE = HEADER.format(id="four-year-audit") + FOUR_YEAR_BODY

TABLES = (
    Supplier,
    SupplierContact,
    Contract,
    ContractClause,
    ContractEvent,
    Obligation,
    AuditEvent,
)


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
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    return runner


def counts(url: str) -> dict[str, int]:
    with read_session(get_engine(url)) as session:
        return {
            t.__name__: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in TABLES
        }


def register(cli: Cli) -> None:
    supplier = cli.ok(
        "supplier",
        "add",
        "Example Devices AB",
        "--email",
        "compliance@example.com",
        "--country",
        "SE",
        "--format",
        "json",
    ).json()
    assert supplier["id"] == 1
    assert supplier["contacts"][0]["role"] == "compliance"
    cli.ok(
        "contract",
        "add",
        "RA-2027-017",
        "--supplier",
        "1",
        "--title",
        "Notebooks",
        "--start",
        "2027-03-15",
        "--end",
        "2031-03-14",
        "--signed",
        "2027-02-10",
        "--timezone",
        "Europe/Berlin",
        "--country",
        "DE",
        "--manager",
        "manager@example.com",
        "--value",
        "250000",
        "--currency",
        "eur",
        "--cpv",
        "30213100-6",
    )


def test_four_year_contract_lists_the_right_dates(cli: Cli, tracker_env: str) -> None:
    register(cli)
    attached = cli.ok(
        "contract",
        "attach",
        "RA-2027-017",
        "four-year-audit",
        "--now",
        "2027-03-01T09:00:00+01:00",
        "--format",
        "json",
    ).json()
    assert attached["clause_version"] == "1.0.0"
    assert attached["parameters"] == {"disclosure_period": "P20D"}
    rows = cli.ok("obligations", "--contract", "RA-2027-017", "--format", "json").json()
    # The horizon (400 days) holds the disclosure and the first audit; later ones come as
    # time passes. `contract show` lists the whole schedule.
    assert [(r["due_on"], r["obligation"]) for r in rows] == [
        ("2027-04-14", "Disclose production sites"),
        ("2028-03-15", "Annual social audit"),
    ]
    shown = cli.ok("contract", "show", "RA-2027-017", "--format", "json").json()
    assert [(s["due_on"], s["obligation"]) for s in shown["schedule"]] == [
        ("2027-04-14", "Disclose production sites"),
        ("2028-03-15", "Annual social audit"),
        ("2029-03-15", "Annual social audit"),
        ("2030-03-15", "Annual social audit"),
        ("2030-12-14", "Exit and take-back plan"),
    ]
    assert shown["value_amount"] == "250000.00"
    assert shown["currency"] == "EUR"
    assert shown["cpv_codes"] == ["30213100"]


def test_time_rolls_the_horizon_forward_without_duplicates(cli: Cli, tracker_env: str) -> None:
    register(cli)
    cli.ok(
        "contract", "attach", "RA-2027-017", "four-year-audit", "--now", "2027-03-01T09:00:00+01:00"
    )
    again = cli.ok("plan", "--now", "2027-03-01T09:00:00+01:00", "--format", "json").json()
    assert again["obligations_planned"] == 0
    later = cli.ok("plan", "--now", "2030-01-10T09:00:00+01:00", "--format", "json").json()
    assert later["obligations_planned"] == 3  # 2029 and 2030 audits, exit plan
    cli.ok("plan", "--now", "2030-01-10T09:00:00+01:00")
    rows = cli.ok("obligations", "--format", "json").json()
    assert [r["due_on"] for r in rows] == [
        "2027-04-14",
        "2028-03-15",
        "2029-03-15",
        "2030-03-15",
        "2030-12-14",
    ]
    # Time moved on: the past ones are overdue, the one 64 days ahead is not yet due.
    assert [r["status"] for r in rows] == ["overdue", "overdue", "overdue", "upcoming", "upcoming"]
    due = cli.ok("plan", "--now", "2030-02-20T09:00:00+01:00", "--format", "json").json()
    assert due["now_due"] == 1  # the reminder window (30 days) of the 2030 audit opened


def test_status_follows_the_contracts_timezone(cli: Cli, tracker_env: str) -> None:
    register(cli)
    cli.ok(
        "contract", "attach", "RA-2027-017", "four-year-audit", "--now", "2027-03-01T09:00:00+01:00"
    )
    # 23:30 UTC on the due date is already the next day in Berlin: overdue there.
    cli.ok("plan", "--now", "2027-04-14T21:30:00+00:00")
    first = cli.ok("obligations", "--format", "json").json()[0]
    assert (first["due_on"], first["status"]) == ("2027-04-14", "due")
    cli.ok("plan", "--now", "2027-04-14T22:30:00+00:00")
    first = cli.ok("obligations", "--format", "json").json()[0]
    assert first["status"] == "overdue"


def test_an_event_starts_its_obligations(cli: Cli, tracker_env: str) -> None:
    register(cli)
    cli.ok(
        "contract", "attach", "RA-2027-017", "four-year-audit", "--now", "2027-03-01T09:00:00+01:00"
    )
    raised = cli.ok(
        "contract",
        "event",
        "RA-2027-017",
        "supplier_site_change",
        "--on",
        "2027-06-10",
        "--note",
        "assembly moved",
        "--format",
        "json",
    ).json()
    assert raised["obligations_planned"] == 1
    rows = cli.ok("obligations", "--format", "json").json()
    assert ("2027-07-10", "Report a change of production site") in [
        (r["due_on"], r["obligation"]) for r in rows
    ]


def test_lists_as_csv_and_table(cli: Cli, tracker_env: str) -> None:
    register(cli)
    cli.ok(
        "contract", "attach", "RA-2027-017", "four-year-audit", "--now", "2027-03-01T09:00:00+01:00"
    )
    out = cli.ok("obligations", "--format", "csv").out
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert [row["due_on"] for row in parsed] == ["2027-04-14", "2028-03-15"]
    table = cli.ok("contract", "list").out.splitlines()
    assert table[0].split()[:3] == ["REFERENCE", "TITLE", "SUPPLIER"]
    assert "RA-2027-017" in table[1]


BAD_INPUT = [
    (("supplier", "add", "X", "--email", "not-an-address"), "--email:"),
    (("supplier", "add", "X", "--email", "a@example.com", "--country", "XX"), "--country:"),
    (
        (
            "contract",
            "add",
            "R-2",
            "--supplier",
            "9",
            "--title",
            "T",
            "--start",
            "2027-01-01",
            "--end",
            "2028-01-01",
        ),
        "--supplier: no supplier with id 9",
    ),
    (
        (
            "contract",
            "add",
            "R-2",
            "--supplier",
            "1",
            "--title",
            "T",
            "--start",
            "2027-01-01",
            "--end",
            "2026-01-01",
        ),
        "--end: 2026-01-01 is before the start date 2027-01-01",
    ),
    (
        (
            "contract",
            "add",
            "R-2",
            "--supplier",
            "1",
            "--title",
            "T",
            "--start",
            "2027-02-30",
            "--end",
            "2028-01-01",
        ),
        "--start: '2027-02-30' is not a date",
    ),
    (
        (
            "contract",
            "add",
            "R-2",
            "--supplier",
            "1",
            "--title",
            "T",
            "--start",
            "2027-01-01",
            "--end",
            "2028-01-01",
            "--timezone",
            "Europe/Atlantis",
        ),
        "--timezone:",
    ),
    (
        (
            "contract",
            "add",
            "RA-2027-017",
            "--supplier",
            "1",
            "--title",
            "T",
            "--start",
            "2027-01-01",
            "--end",
            "2028-01-01",
        ),
        "REFERENCE: a contract 'RA-2027-017' already",
    ),
    (
        (
            "contract",
            "add",
            "R-2",
            "--supplier",
            "1",
            "--title",
            "T",
            "--start",
            "2027-01-01",
            "--end",
            "2028-01-01",
            "--cpv",
            "3021",
        ),
        "--cpv: '3021' is not a CPV code",
    ),
    (
        ("contract", "attach", "RA-2027-017", "four-year-audit", "--param", "colour=red"),
        "--param colour: clause four-year-audit has no parameter 'colour'",
    ),
    (
        (
            "contract",
            "attach",
            "RA-2027-017",
            "four-year-audit",
            "--param",
            "disclosure_period=P1M",
        ),
        "--param disclosure_period: 'P1M': business-day durations",
    ),
    (
        ("contract", "attach", "RA-2027-017", "no-such-clause"),
        "CLAUSE_ID: no clause 'no-such-clause'",
    ),
    (("contract", "attach", "NOPE", "four-year-audit"), "REFERENCE: no contract 'NOPE'"),
    (("contract", "event", "RA-2027-017", "party"), "EVENT: 'party' is not one of"),
    (("obligations", "--status", "late"), "--status: 'late' is not one of"),
    (("plan", "--now", "yesterday"), "--now: 'yesterday' is not an ISO 8601 time"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    cli: Cli, tracker_env: str, args: tuple[str, ...], message: str
) -> None:
    register(cli)
    before = counts(tracker_env)
    result = cli(*args)
    assert result.code == 2
    assert result.err.startswith(f"error: {message}"), result.err
    assert len(result.err.strip().splitlines()) == 1
    assert counts(tracker_env) == before


def test_attaching_twice_is_refused_and_changes_nothing(cli: Cli, tracker_env: str) -> None:
    register(cli)
    cli.ok("contract", "attach", "RA-2027-017", "four-year-audit")
    before = counts(tracker_env)
    result = cli("contract", "attach", "RA-2027-017", "four-year-audit")
    assert (result.code, result.err.strip()) == (
        2,
        "error: CLAUSE_ID: four-year-audit is already attached to RA-2027-017",
    )
    assert counts(tracker_env) == before


@pytest.mark.empty_database
def test_an_uninitialised_database_says_what_to_do(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = Cli(capsys, monkeypatch)("supplier", "list")
    assert result.code == 2
    assert "run `tracker init`" in result.err


def test_every_change_is_in_the_audit_chain(cli: Cli, tracker_env: str) -> None:
    register(cli)
    cli.ok("contract", "attach", "RA-2027-017", "four-year-audit")
    cli.ok("contract", "event", "RA-2027-017", "supplier_site_change")
    with read_session(get_engine(tracker_env)) as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))  # type: ignore[arg-type]
    assert [(e.entity, e.action) for e in events] == [
        ("supplier", "created"),
        ("contract", "created"),
        ("contract_clause", "attached"),
        ("contract_event", "raised"),
    ]
    assert {e.actor for e in events} == {"tester@example.com"}
    previous = GENESIS
    for event in events:
        assert event.prev_hash == previous
        assert event.hash == event_hash(previous, event)
        previous = event.hash


def test_the_whole_trail_streams_newest_first_and_verifies_to_its_head(
    cli: Cli, tracker_env: str
) -> None:
    register(cli)
    cli.ok("contract", "attach", "RA-2027-017", "four-year-audit")
    cli.ok("contract", "event", "RA-2027-017", "supplier_site_change")
    everything = cli.ok("audit", "log", "--limit", "0", "--format", "json").json()
    assert [(e["entity"], e["action"]) for e in everything] == [
        ("contract_event", "raised"),
        ("contract_clause", "attached"),
        ("contract", "created"),
        ("supplier", "created"),
    ]
    newest = cli.ok("audit", "log", "--limit", "2", "--format", "json").json()
    assert newest == everything[:2]
    report = cli.ok("audit", "verify", "--format", "json").json()
    with read_session(get_engine(tracker_env)) as session:
        last = session.scalars(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    head = last.hash if last is not None else None
    assert head is not None
    assert report["ok"] is True
    assert report["events_checked"] == 4
    assert report["head_hash"] == head
    assert everything[0]["hash"] == head[:12]
