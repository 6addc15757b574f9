"""A small hand-built portfolio for report tests, written row by row so every expected
figure can be worked out by hand (the arithmetic is in tests/integration/
test_report_figures.py).

Two suppliers, three contracts in three timezones, sixteen obligations, ten pieces of
evidence (three restricted), five findings. The report is for 2026-Q4, as of
2026-11-20 03:00 UTC: 04:00 on the 20th in Berlin and London, but still 22:00 on the
19th in New York.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from tracker import migrate
from tracker.config import Settings
from tracker.context import Context
from tracker.db import get_engine
from tracker.models import (
    ClauseVersion,
    Contract,
    ContractClause,
    Evidence,
    Finding,
    Obligation,
    Supplier,
    table_of,
)
from tracker.reports.periods import parse_period

AS_OF = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
PERIOD = parse_period("2026-Q4")
BUYER_TIMEZONE = "Europe/Berlin"
CREATED = datetime(2025, 1, 1, tzinfo=UTC)

SECRET_FILES = ("factory-list-SECRET.xlsx", "supplier-sites-SECRET.csv", "smelters-SECRET.pdf")
PUBLIC_CERTIFICATE = "epeat-2026.pdf"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def d(text: str) -> date:
    return date.fromisoformat(text)


def context(url: str, *, now: datetime = AS_OF) -> Context:
    return Context(
        settings=Settings(database_url=url, timezone=BUYER_TIMEZONE),
        engine=get_engine(url),
        now=now,
        actor="tester@example.com",
    )


def _insert(conn: sa.Connection, model: Any, rows: list[dict[str, Any]]) -> None:
    conn.execute(sa.insert(table_of(model)), rows)


def _supplier(sid: int, name: str, country: str) -> dict[str, Any]:
    return {"id": sid, "name": name, "country": country, "identifiers": [], "created_at": CREATED}


def _contract(cid: int, ref: str, title: str, supplier: int, tz: str) -> dict[str, Any]:
    return {
        "id": cid,
        "reference": ref,
        "title": title,
        "supplier_id": supplier,
        "start_on": d("2025-01-01"),
        "end_on": d("2028-12-31"),
        "cpv_codes": [],
        "timezone": tz,
        "status": "active",
        "created_at": CREATED,
    }


def _version(vid: int, clause: str, category: str) -> dict[str, Any]:
    return {
        "id": vid,
        "clause_id": clause,
        "version": "1.0.0",
        "sha256": f"{vid:064d}",
        "body": {"id": clause, "category": category, "title": clause.replace("-", " ")},
        "first_seen_at": CREATED,
    }


def _attached(ccid: int, contract: int, version: int, clause: str) -> dict[str, Any]:
    return {
        "id": ccid,
        "contract_id": contract,
        "clause_id": clause,
        "clause_version": "1.0.0",
        "clause_version_id": version,
        "parameters": {},
        "attached_at": CREATED,
        "attached_by": "tester",
    }


CC_CONTRACT = {1: 1, 2: 1, 3: 2, 4: 3, 5: 3}


def _obligation(
    oid: int,
    cc: int,
    due: str,
    status: str,
    *,
    met_on: str | None = None,
    level: int = 0,
    rescheduled_from: str | None = None,
    template: str = "duty",
) -> dict[str, Any]:
    return {
        "id": oid,
        "contract_id": CC_CONTRACT[cc],
        "contract_clause_id": cc,
        "template_id": template,
        "occurrence": f"o{oid}",
        "title": f"Obligation o{oid}",
        "due_on": d(due),
        "window_opens_on": d(due),
        "status": status,
        "escalation_level": level,
        "rescheduled_from": d(rescheduled_from) if rescheduled_from else None,
        "met_on": d(met_on) if met_on else None,
        "created_at": CREATED,
        "updated_at": CREATED,
    }


def _evidence(
    eid: int,
    obligation: int,
    contract: int,
    status: str,
    *,
    submitted_at: str,
    submitted_on: str,
    reviewed_at: str | None = None,
    kind: str = "document",
    valid_until: str | None = None,
    confidentiality: str = "public",
    filename: str | None = None,
) -> dict[str, Any]:
    return {
        "id": eid,
        "obligation_id": obligation,
        "contract_id": contract,
        "evidence_type": kind,
        "filename": filename or f"evidence-{eid}.pdf",
        "fields": {"note": f"fields of e{eid}"},
        "valid_until": d(valid_until) if valid_until else None,
        "confidentiality": confidentiality,
        "submitted_by": "supplier@example.com",
        "submitted_at": utc(submitted_at),
        "submitted_on": d(submitted_on),
        "status": status,
        "reviewed_by": "buyer@example.com" if reviewed_at else None,
        "reviewed_at": utc(reviewed_at) if reviewed_at else None,
    }


def _finding(
    fid: int,
    contract: int,
    severity: str,
    status: str,
    raised_at: str,
    *,
    closed_at: str | None = None,
    cap: int | None = None,
) -> dict[str, Any]:
    return {
        "id": fid,
        "contract_id": contract,
        "severity": severity,
        "text": f"Finding f{fid}: excessive overtime at the assembly site",
        "status": status,
        "raised_by": "auditor@example.com",
        "raised_at": utc(raised_at),
        "closed_at": utc(closed_at) if closed_at else None,
        "cap_obligation_id": cap,
    }


def build(url: str) -> Context:
    """Create the schema and the portfolio in the empty database at `url`."""
    migrate.upgrade(url)
    engine = get_engine(url)
    with engine.begin() as conn:
        _insert(
            conn,
            Supplier,
            [_supplier(1, "Nordic Devices AB", "SE"), _supplier(2, "Ümlaut Électronique SA", "FR")],
        )
        _insert(
            conn,
            Contract,
            [
                _contract(1, "RA-1", "Notebooks", 1, "Europe/Berlin"),
                _contract(2, "RA-2", "Smartphones", 1, "America/New_York"),
                _contract(3, "RA-3", "Monitors", 2, "Europe/London"),
            ],
        )
        _insert(
            conn,
            ClauseVersion,
            [
                _version(1, "code-of-conduct", "labour"),
                _version(2, "tco-certified", "certification"),
                _version(3, "corrective-actions", "remediation"),
            ],
        )
        _insert(
            conn,
            ContractClause,
            [
                _attached(1, 1, 1, "code-of-conduct"),
                _attached(2, 1, 2, "tco-certified"),
                _attached(3, 2, 1, "code-of-conduct"),
                _attached(4, 3, 2, "tco-certified"),
                _attached(5, 3, 3, "corrective-actions"),
            ],
        )
        ob = _obligation
        _insert(
            conn,
            Obligation,
            [
                # RA-1, Berlin (local date at AS_OF: 2026-11-20)
                ob(1, 1, "2026-10-05", "accepted", met_on="2026-10-03"),
                ob(2, 1, "2026-10-20", "accepted", met_on="2026-10-25", level=1),
                ob(3, 2, "2026-11-19", "due"),  # not swept yet: overdue since midnight
                ob(4, 2, "2026-11-10", "overdue", level=3),
                ob(5, 1, "2026-12-15", "upcoming"),
                # RA-2, New York (local date at AS_OF: 2026-11-19)
                ob(6, 3, "2026-11-19", "due"),  # due today in New York: still open
                ob(7, 3, "2026-11-25", "rejected", rescheduled_from="2026-11-02"),
                ob(8, 3, "2026-11-15", "rejected", rescheduled_from="2026-09-20"),  # Q3
                ob(9, 3, "2026-10-12", "waived"),
                ob(10, 3, "2026-12-01", "superseded"),
                # RA-3, London (local date at AS_OF: 2026-11-20)
                ob(11, 4, "2026-10-30", "submitted"),
                ob(12, 4, "2026-10-01", "not_applicable"),
                ob(13, 4, "2026-12-31", "accepted", met_on="2026-11-02"),
                ob(14, 5, "2026-11-01", "overdue", level=2, template="corrective-action"),
                ob(15, 4, "2027-01-01", "upcoming"),  # 2027-Q1
                ob(16, 4, "2026-09-30", "accepted", met_on="2026-09-30"),  # Q3
            ],
        )
        ev = _evidence
        _insert(
            conn,
            Evidence,
            [
                ev(
                    1,
                    1,
                    1,
                    "accepted",
                    submitted_at="2026-10-03T10:00:00+00:00",
                    submitted_on="2026-10-03",
                    reviewed_at="2026-10-04T10:00:00+00:00",
                    filename="audit-report-1.pdf",
                ),
                ev(
                    2,
                    2,
                    1,
                    "accepted",
                    submitted_at="2026-10-25T10:00:00+00:00",
                    submitted_on="2026-10-25",
                    reviewed_at="2026-10-26T10:00:00+00:00",
                ),
                ev(
                    3,
                    7,
                    2,
                    "rejected",
                    submitted_at="2026-10-28T15:00:00+00:00",
                    submitted_on="2026-10-28",
                    reviewed_at="2026-11-02T15:00:00+00:00",
                    confidentiality="restricted",
                    filename=SECRET_FILES[0],
                ),
                ev(
                    4,
                    11,
                    3,
                    "submitted",
                    submitted_at="2026-10-29T09:00:00+00:00",
                    submitted_on="2026-10-29",
                    confidentiality="restricted",
                    filename=SECRET_FILES[1],
                ),
                # Submitted on 30 September in London, reviewed at 00:30 on 1 October in
                # Berlin: accepted in Q4, submitted in Q3.
                ev(
                    5,
                    16,
                    3,
                    "accepted",
                    submitted_at="2026-09-30T21:30:00+00:00",
                    submitted_on="2026-09-30",
                    reviewed_at="2026-09-30T22:30:00+00:00",
                    kind="tco-certificate",
                    valid_until="2026-12-31",
                ),
                ev(
                    6,
                    13,
                    3,
                    "accepted",
                    submitted_at="2026-11-02T10:00:00+00:00",
                    submitted_on="2026-11-02",
                    reviewed_at="2026-11-03T10:00:00+00:00",
                    kind="tco-certificate",
                    valid_until="2028-12-31",
                ),
                ev(
                    7,
                    1,
                    1,
                    "accepted",
                    submitted_at="2026-01-10T10:00:00+00:00",
                    submitted_on="2026-01-10",
                    reviewed_at="2026-01-12T10:00:00+00:00",
                    kind="epeat-registration",
                    valid_until="2027-01-15",
                    filename=PUBLIC_CERTIFICATE,
                ),
                ev(
                    8,
                    6,
                    2,
                    "accepted",
                    submitted_at="2025-12-01T10:00:00+00:00",
                    submitted_on="2025-12-01",
                    reviewed_at="2025-12-02T10:00:00+00:00",
                    kind="smelter-list",
                    valid_until="2026-12-01",
                    confidentiality="restricted",
                    filename=SECRET_FILES[2],
                ),
                ev(
                    9,
                    1,
                    1,
                    "accepted",
                    submitted_at="2025-10-01T10:00:00+00:00",
                    submitted_on="2025-10-01",
                    reviewed_at="2025-10-02T10:00:00+00:00",
                    kind="old-registration",
                    valid_until="2026-11-01",
                ),
                ev(
                    10,
                    5,
                    1,
                    "submitted",
                    submitted_at="2026-11-25T10:00:00+00:00",
                    submitted_on="2026-11-25",
                ),  # after the report date
            ],
        )
        fi = _finding
        _insert(
            conn,
            Finding,
            [
                fi(1, 3, "major", "open", "2026-10-15T09:00:00+00:00", cap=14),
                fi(2, 1, "priority", "open", "2026-11-01T09:00:00+00:00"),
                fi(
                    3,
                    1,
                    "minor",
                    "closed",
                    "2026-10-01T09:00:00+00:00",
                    closed_at="2026-11-10T09:00:00+00:00",
                ),
                fi(
                    4,
                    2,
                    "minor",
                    "closed",
                    "2026-10-05T09:00:00+00:00",
                    closed_at="2026-11-25T09:00:00+00:00",
                ),  # closed after the report date
                fi(5, 2, "major", "open", "2026-11-25T09:00:00+00:00"),  # raised after it
            ],
        )
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for model in (
                Supplier,
                Contract,
                ClauseVersion,
                ContractClause,
                Obligation,
                Evidence,
                Finding,
            ):
                table = table_of(model).name
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return context(url)
