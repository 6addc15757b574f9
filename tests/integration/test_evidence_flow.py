"""Evidence, review, renewals, findings, waivers and the audit trail, through the CLI, on a
real SQLite file and a real PostgreSQL, with a real SMTP server for what the supplier reads."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlmodel import col

from tests.cli import Cli, mail_cli
from tests.factories import HEADER
from tests.smtp_server import SmtpSink
from tracker.db import get_engine, read_session, write_session
from tracker.models import AuditEvent, Evidence, Finding, Obligation, Reminder

CLAUSE = (
    HEADER.format(id="cert-clause")
    + """\
evidence_types:
  - id: certificate
    label: Facility certificate
    accepted_formats: [pdf]
    required_fields: [certificate_number, expiry_date]
    has_validity: true
    confidentiality: public
  - id: factory-list
    label: Factory list
    accepted_formats: [csv, xlsx]
    required_fields: [site_count]
    confidentiality: restricted
  - id: audit-report
    label: Social audit report
    accepted_formats: [pdf]
obligations:
  - id: certificate-at-start
    title: Certificate at contract start
    trigger: {type: contract_start, offset: P10D}
    evidence: [certificate]
  - id: renewal
    title: Renew the facility certificate
    trigger: {type: evidence_expiry, evidence_type: certificate}
    evidence: [certificate]
    reminders: {before_due: [P90D, P60D, P30D, P7D]}
  - id: factory-list
    title: Disclose the factory list
    trigger: {type: contract_start, offset: P20D}
    evidence: [factory-list]
  - id: audit
    title: Send the social audit report
    trigger: {type: contract_start, offset: P30D}
    evidence: [audit-report]
    acceptance:
      mode: checklist
      checklist: ["All supplied models covered", "Signed by the auditor"]
      resubmit_within: P10D
"""
)
SUPPLIER = "compliance@example.com"
MANAGER = "manager@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SECRET = "SECRET-SITE-Shenzhen-Line-7"


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
        clauses={"cert-clause": CLAUSE},
        folder=tmp_path,
        smtp_url=sink.url,
        smtp_timeout="2",
    )
    runner.ok("supplier", "add", "Example Devices AB", "--email", SUPPLIER)
    runner.ok(
        "contract", "add", "C-1", "--supplier", "1", "--title", "Notebooks",
        "--start", "2027-03-01", "--end", "2030-02-28", "--timezone", "Europe/Berlin",
        "--manager", MANAGER,
    )  # fmt: skip
    runner.ok("contract", "attach", "C-1", "cert-clause", "--now", "2027-02-01T10:00:00+01:00")
    return runner


def obligation_id(url: str, template: str) -> int:
    with read_session(get_engine(url)) as s:
        found = s.scalars(
            select(col(Obligation.id))
            .where(col(Obligation.template_id) == template)
            .order_by(col(Obligation.id))
        ).first()
    assert found is not None
    return found


def pdf(tmp_path: Path, name: str = "certificate.pdf", extra: bytes = b"") -> Path:
    path = tmp_path / name
    path.write_bytes(PDF + extra)
    return path


def stored_files(tmp_path: Path) -> list[Path]:
    root = tmp_path / "evidence"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def count(url: str, model: type) -> int:
    with read_session(get_engine(url)) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_certificate_expiry_plans_the_renewal_and_its_reminders(
    cli: Cli, tracker_env: str, tmp_path: Path, sink: SmtpSink
) -> None:
    start = obligation_id(tracker_env, "certificate-at-start")
    added = cli.ok(
        "evidence", "add", str(start), str(pdf(tmp_path)), "--type", "certificate",
        "--field", "certificate_number=C-123", "--field", "expiry_date=2028-06-30",
        "--now", "2027-03-05T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    assert added[0]["valid_until"] == "2028-06-30"  # taken from the expiry_date field
    with read_session(get_engine(tracker_env)) as s:
        assert s.get(Obligation, start).status == "submitted"  # type: ignore[union-attr]
    reviewed = cli.ok(
        "evidence", "review", str(added[0]["id"]), "--accept",
        "--now", "2027-03-06T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    assert reviewed["obligation_status"] == "accepted"
    [renewal] = reviewed["renewals"]
    assert renewal["due_on"] == "2028-06-30"
    with read_session(get_engine(tracker_env)) as s:
        met = s.get(Obligation, start)
        planned = s.get(Obligation, renewal["obligation_id"])
    assert met is not None
    assert met.met_on == date(2027, 3, 5)
    assert planned is not None
    assert (planned.title, planned.due_on, planned.status) == (
        "Renew the facility certificate",
        date(2028, 6, 30),
        "upcoming",
    )
    # Reminders 90/60/30/7 days before expiry, at 08:00 Berlin, with nobody touching it.
    expected = {"2028-04-01", "2028-05-01", "2028-05-31", "2028-06-23"}
    for day in ("2028-03-31", "2028-04-01", "2028-05-01", "2028-05-31", "2028-06-23"):
        cli.ok("sweep", "--now", f"{day}T08:05:00+02:00")
    with read_session(get_engine(tracker_env)) as s:
        sent = s.execute(
            select(col(Reminder.local_date), col(Reminder.step)).where(
                col(Reminder.obligation_id) == renewal["obligation_id"]
            )
        ).all()
    assert {d.isoformat() for d, _ in sent} == expected
    # Expired with no replacement: overdue the day after.
    cli.ok("sweep", "--now", "2028-07-01T00:30:00+02:00")
    with read_session(get_engine(tracker_env)) as s:
        assert s.get(Obligation, renewal["obligation_id"]).status == "overdue"  # type: ignore[union-attr]


def test_a_renewed_certificate_meets_the_renewal_and_plans_the_next(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    start = obligation_id(tracker_env, "certificate-at-start")
    first = cli.ok(
        "evidence", "add", str(start), str(pdf(tmp_path)), "--type", "certificate",
        "--field", "certificate_number=C-1", "--valid-until", "2028-06-30",
        "--field", "expiry_date=2028-06-30", "--now", "2027-03-05T10:00:00+01:00",
        "--format", "json",
    ).json()[0]  # fmt: skip
    renewal = cli.ok(
        "evidence", "review", str(first["id"]), "--accept", "--now", "2027-03-06T10:00:00+01:00",
        "--format", "json",
    ).json()["renewals"][0]["obligation_id"]  # fmt: skip
    second = cli.ok(
        "evidence", "add", str(renewal), str(pdf(tmp_path, "renewed.pdf", b"% v2\n")),
        "--type", "certificate", "--field", "certificate_number=C-2",
        "--field", "expiry_date=2029-12-31", "--now", "2028-05-02T10:00:00+02:00",
        "--format", "json",
    ).json()[0]  # fmt: skip
    result = cli.ok(
        "evidence", "review", str(second["id"]), "--accept", "--now", "2028-05-03T10:00:00+02:00",
        "--format", "json",
    ).json()  # fmt: skip
    assert result["obligation_status"] == "accepted"
    assert [r["due_on"] for r in result["renewals"]] == ["2029-12-31"]
    # A certificate outliving the contract plans nothing.
    third_ob = result["renewals"][0]["obligation_id"]
    third = cli.ok(
        "evidence", "add", str(third_ob), str(pdf(tmp_path, "third.pdf", b"% v3\n")),
        "--type", "certificate", "--field", "certificate_number=C-3",
        "--field", "expiry_date=2031-12-31", "--now", "2029-11-02T10:00:00+01:00",
        "--format", "json",
    ).json()[0]  # fmt: skip
    last = cli.ok(
        "evidence", "review", str(third["id"]), "--accept", "--now", "2029-11-03T10:00:00+01:00",
        "--format", "json",
    ).json()  # fmt: skip
    assert last["renewals"][0]["obligation_id"] is None
    assert "after the contract ends" in last["renewals"][0]["note"]


def test_a_rejection_reaches_the_supplier_with_the_reason_and_a_new_deadline(
    cli: Cli, tracker_env: str, tmp_path: Path, sink: SmtpSink
) -> None:
    audit = obligation_id(tracker_env, "audit")  # due 2027-03-31
    for other in ("certificate-at-start", "factory-list"):  # only this one is in play
        cli.ok("obligations", "waive", str(obligation_id(tracker_env, other)), "--reason", "n/a")
    added = cli.ok(
        "evidence", "add", str(audit), str(pdf(tmp_path, "audit.pdf")), "--type", "audit-report",
        "--now", "2027-03-28T10:00:00+02:00", "--format", "json",
    ).json()[0]  # fmt: skip
    # A checklist must be fully confirmed to accept.
    refused = cli(
        "evidence", "review", str(added["id"]), "--accept", "--check", "1",
        "--now", "2027-03-29T10:00:00+02:00",
    )  # fmt: skip
    assert refused.code == 2
    assert "Signed by the auditor" in refused.err
    rejected = cli.ok(
        "evidence", "review", str(added["id"]), "--reject", "--check", "1",
        "--reason", "The report covers only two of the five models supplied",
        "--by", "reviewer@example.com", "--now", "2027-03-29T10:00:00+02:00", "--format", "json",
    ).json()  # fmt: skip
    # Resubmit within 10 days (the clause), later than the planned 2027-03-31.
    assert rejected["resubmit_by"] == "2027-04-08"
    assert rejected["due_on"] == "2027-04-08"
    assert rejected["checklist"] == {
        "All supplied models covered": True,
        "Signed by the auditor": False,
    }
    assert rejected["notified"] == [SUPPLIER]
    cli.ok("sweep", "--now", "2027-03-29T10:01:00+02:00")
    cli.ok("relay", "--now", "2027-03-29T10:01:00+02:00")
    [message] = [m for m in sink.received if m.recipients == [SUPPLIER]]
    assert str(message.message["Subject"]).startswith("[C-1] Action required")
    body = message.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "only two of the five models supplied" in body
    assert "April 8, 2027" in body  # the new deadline, as the supplier reads dates
    with read_session(get_engine(tracker_env)) as s:
        ob = s.get(Obligation, audit)
    assert ob is not None
    assert (ob.status, ob.due_on, ob.rescheduled_from) == (
        "rejected",
        date(2027, 4, 8),
        date(2027, 3, 31),
    )
    shown = cli.ok("obligations", "show", str(audit), "--format", "json").json()
    assert (shown["due_on"], shown["planned_due_on"], shown["status"]) == (
        "2027-04-08",
        "2027-03-31",
        "rejected",
    )
    assert [(e["id"], e["status"], e["resubmit_by"]) for e in shown["evidence"]] == [
        (added["id"], "rejected", "2027-04-08")
    ]
    assert "only two of the five" in shown["evidence"][0]["review_reason"]
    # Nothing resubmitted: overdue after the new deadline, and the ladder runs again.
    cli.ok("sweep", "--now", "2027-04-09T08:05:00+02:00")
    with read_session(get_engine(tracker_env)) as s:
        ob = s.get(Obligation, audit)
        steps = s.scalars(
            select(col(Reminder.step)).where(col(Reminder.obligation_id) == audit)
        ).all()
    assert ob is not None
    assert ob.status == "overdue"
    assert "after:P1D" in steps


def test_evidence_for_several_types_meets_the_obligation_when_all_are_accepted(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    # A template asking for one type is met by it; the rule is "every listed type".
    factory = obligation_id(tracker_env, "factory-list")
    csv = tmp_path / "sites.csv"
    csv.write_text("site,country\nA,SE\n", encoding="utf-8")
    added = cli.ok(
        "evidence", "add", str(factory), str(csv), "--type", "factory-list",
        "--field", "site_count=1", "--format", "json",
    ).json()[0]  # fmt: skip
    done = cli.ok("evidence", "review", str(added["id"]), "--accept", "--format", "json").json()
    assert done["obligation_status"] == "accepted"
    again = cli("evidence", "review", str(added["id"]), "--reject", "--reason", "x")
    assert again.code == 2
    assert "already accepted" in again.err


def test_restricted_evidence_appears_in_no_other_command(
    cli: Cli, tracker_env: str, tmp_path: Path, sink: SmtpSink
) -> None:
    factory = obligation_id(tracker_env, "factory-list")
    secret_file = tmp_path / f"{SECRET}.csv"
    secret_file.write_text(f"site,country\n{SECRET},CN\n", encoding="utf-8")
    added = cli.ok(
        "evidence", "add", str(factory), str(secret_file), "--type", "factory-list",
        "--field", f"site_count=1 ({SECRET})", "--note", f"see {SECRET}", "--format", "json",
    )  # fmt: skip
    evidence_id = str(added.json()[0]["id"])
    outputs = [added.out]
    cli.ok("evidence", "review", evidence_id, "--reject", "--reason", "Addresses missing")
    cli.ok("sweep", "--now", "2027-03-29T10:01:00+02:00")
    cli.ok("relay", "--now", "2027-03-29T10:01:00+02:00")
    for fmt in ("table", "json", "csv"):
        for command in (
            ("evidence", "list"),
            ("evidence", "show", evidence_id),
            ("audit", "log", "--limit", "1000"),
            ("obligations", "show", str(factory)),
            ("obligations",),
            ("contract", "show", "C-1"),
            ("outbox", "list"),
        ):
            outputs.append(cli.ok(*command, "--format", fmt).out)
    outputs += [m.message.as_string() for m in sink.received]
    assert outputs
    for out in outputs:
        assert SECRET not in out
    with read_session(get_engine(tracker_env)) as s:
        events = s.execute(select(col(AuditEvent.before), col(AuditEvent.after))).all()
    assert SECRET not in repr(events)
    # The one way out: an explicit, audited export.
    target = tmp_path / "out.csv"
    cli.ok("evidence", "get", evidence_id, "-o", str(target))
    assert SECRET in target.read_text(encoding="utf-8")
    exported = cli.ok("audit", "log", "--entity", "evidence", "--format", "json").json()
    assert exported[0]["action"] == "exported"
    assert exported[0]["after"]["to"] == str(target)


def test_refused_uploads_store_nothing(
    cli: Cli, tracker_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = obligation_id(tracker_env, "certificate-at-start")
    fields = ("--field", "certificate_number=C-1", "--field", "expiry_date=2028-06-30")
    good = str(pdf(tmp_path))
    csv = tmp_path / "list.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    zip_as_pdf = tmp_path / "fake.pdf"
    zip_as_pdf.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    cases = [
        ((good, "--type", "certificate", "--name", "../../etc/passwd", *fields), "--name"),
        ((good, "--type", "certificate", "--name", "/etc/passwd", *fields), "passwd"),
        ((str(csv), "--type", "certificate", *fields), "certificate"),
        ((str(zip_as_pdf), "--type", "certificate", *fields), "fake.pdf"),
        ((good, "--type", "certificate", "--field", "certificate_number=C-1"), "expiry_date"),
        ((good, "--type", "certificate", *fields, "--valid-from", "2029-01-01"), "--valid-from"),
        ((good, "--type", "certificate", *fields, "--valid-until", "2028-07-01"), "--valid-until"),
        ((good, "--type", "certificate", "--field", "expiry_date=2028-13-01"), "expiry_date"),
        ((good, "--type", "audit-report"), "--type"),
        ((good, "--type", "certificate", *fields, "--field", "colour=red"), "colour"),
        ((good, "--type", "certificate", *fields, "--url", "https://example.com/c"), "--url"),
    ]
    for args, named in cases:
        result = cli("evidence", "add", str(start), *args)
        assert result.code == 2, (args, result.err)
        assert named in result.err, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1
    monkeypatch.setenv("TRACKER_EVIDENCE_MAX_BYTES", "20")
    oversize = cli("evidence", "add", str(start), good, "--type", "certificate", *fields)
    assert oversize.code == 2
    assert "TRACKER_EVIDENCE_MAX_BYTES" in oversize.err
    assert count(tracker_env, Evidence) == 0
    assert stored_files(tmp_path) == []
    with read_session(get_engine(tracker_env)) as s:
        assert s.get(Obligation, start).status == "upcoming"  # type: ignore[union-attr]


def test_the_same_file_uploaded_twice_at_once_is_stored_once(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    factory = obligation_id(tracker_env, "factory-list")
    csv = tmp_path / "sites.csv"
    csv.write_text("site,country\n" + "X,SE\n" * 5000, encoding="utf-8")
    env = {**os.environ, "TRACKER_CLAUSE_PATH": str(tmp_path / "clauses")}
    command = [
        sys.executable, "-m", "tracker", "evidence", "add", str(factory), str(csv),
        "--type", "factory-list", "--field", "site_count=5000",
    ]  # fmt: skip
    runs = [
        subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    for run in runs:
        _, err = run.communicate(timeout=60)
        assert run.returncode == 0, err.decode()
    assert count(tracker_env, Evidence) == 2
    assert len(stored_files(tmp_path)) == 1


def test_evidence_verify_names_changed_and_vanished_files(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    start = obligation_id(tracker_env, "certificate-at-start")
    audit = obligation_id(tracker_env, "audit")
    fields = ("--field", "certificate_number=C-1", "--field", "expiry_date=2028-06-30")
    cli.ok("evidence", "add", str(start), str(pdf(tmp_path)), "--type", "certificate", *fields)
    cli.ok(
        "evidence", "add", str(audit), str(pdf(tmp_path, "a.pdf", b"%x")), "--type", "audit-report"
    )
    assert cli("evidence", "verify").code == 0
    files = sorted(stored_files(tmp_path))
    with read_session(get_engine(tracker_env)) as s:
        by_hash: dict[str, int] = {
            sha: eid for sha, eid in s.execute(select(col(Evidence.sha256), col(Evidence.id)))
        }
    changed, vanished = files
    changed.chmod(0o644)
    changed.write_bytes(PDF + b"% tampered\n")
    result = cli("evidence", "verify", "--format", "json")
    assert result.code == 1
    assert [(r["evidence_id"], r["problem"]) for r in result.json()] == [
        (by_hash[changed.name], "changed")
    ]
    vanished.unlink()
    result = cli("evidence", "verify", "--format", "json")
    assert result.code == 1
    assert sorted((r["evidence_id"], r["problem"]) for r in result.json()) == sorted(
        [(by_hash[changed.name], "changed"), (by_hash[vanished.name], "missing")]
    )


def _history(cli: Cli, tracker_env: str) -> list[int]:
    """A few audited changes to tamper with."""
    start = obligation_id(tracker_env, "certificate-at-start")
    cli.ok("obligations", "waive", str(start), "--reason", "Certificate not required for lot 2")
    cli.ok("finding", "add", "--contract", "C-1", "--severity", "minor", "--text", "Late report")
    with read_session(get_engine(tracker_env)) as s:
        return [i for i in s.scalars(select(col(AuditEvent.id)).order_by(col(AuditEvent.id))) if i]


@pytest.mark.parametrize("tampering", ["altered", "rehashed", "deleted", "inserted", "truncated"])
def test_audit_verify_names_the_first_tampered_event(
    cli: Cli, tracker_env: str, tampering: str
) -> None:
    ids = _history(cli, tracker_env)
    assert len(ids) >= 5
    good = cli.ok("audit", "verify", "--format", "json").json()
    assert good["ok"] is True
    assert good["events_checked"] == len(ids)
    head = good["head_hash"]
    victim = ids[2]
    engine = get_engine(tracker_env)
    with write_session(engine) as s:
        if tampering == "altered":
            s.execute(
                update(AuditEvent)
                .where(col(AuditEvent.id) == victim)
                .values(actor="someone@example.com")
            )
        elif tampering == "rehashed":
            from tracker.audit.chain import event_hash

            event = s.get(AuditEvent, victim)
            assert event is not None
            event.actor = "someone@example.com"
            event.hash = event_hash(event.prev_hash, event)
            s.add(event)
        elif tampering == "deleted":
            s.execute(delete(AuditEvent).where(col(AuditEvent.id) == victim))
        elif tampering == "inserted":
            from tracker.audit.chain import event_hash

            prev = s.get(AuditEvent, victim)
            assert prev is not None
            s.execute(
                update(AuditEvent)
                .where(col(AuditEvent.id) > victim)
                .values(id=col(AuditEvent.id) + 1000)
            )
            forged = AuditEvent(
                id=victim + 1, occurred_at=prev.occurred_at, actor="forger@example.com",
                entity="obligation", entity_id="1", action="accepted", prev_hash=prev.hash, hash="",
            )  # fmt: skip
            forged.hash = event_hash(forged.prev_hash, forged)
            s.add(forged)
        else:
            s.execute(delete(AuditEvent).where(col(AuditEvent.id) == ids[-1]))
    if tampering == "truncated":
        # A shorter chain is still a chain: only the head noted earlier tells.
        assert cli("audit", "verify").code == 0
        result = cli("audit", "verify", "--expect-head", head, "--format", "json")
    else:
        result = cli("audit", "verify", "--format", "json")
    assert result.code == 1
    report = result.json()
    expected = {
        "altered": ("altered", victim),
        "rehashed": ("altered", victim),
        "deleted": ("deleted", ids[3]),
        "inserted": ("inserted", victim + 1),
        "truncated": ("deleted", None),
    }[tampering]
    assert (report["problem"], report["event_id"]) == expected
    assert result.err.startswith("error: ")


def test_findings_get_a_corrective_action_plan_with_reminders_and_close_on_review(
    cli: Cli, tracker_env: str, tmp_path: Path, sink: SmtpSink
) -> None:
    audit = obligation_id(tracker_env, "audit")
    for other in ("certificate-at-start", "factory-list"):  # only the findings are in play
        cli.ok("obligations", "waive", str(obligation_id(tracker_env, other)), "--reason", "n/a")
    now = "2027-04-02T11:00:00+02:00"
    priority = cli.ok(
        "finding", "add", "--obligation", str(audit), "--severity", "priority",
        "--text", "Excessive overtime at the final assembly line", "--now", now, "--format", "json",
    ).json()  # fmt: skip
    assert priority["cap_due_on"] == "2027-04-09"  # 7 days for a priority finding
    assert priority["notified"] == [SUPPLIER]
    major = cli.ok(
        "finding", "add", "--contract", "C-1", "--severity", "major",
        "--text", "No grievance mechanism", "--now", now, "--format", "json",
    ).json()  # fmt: skip
    assert major["cap_due_on"] == "2027-04-16"  # 14 days
    listed = cli.ok("finding", "list", "--status", "open", "--format", "json").json()
    assert [(f["id"], f["severity"], f["cap_status"]) for f in listed] == [
        (priority["id"], "priority", "due"),  # its 7-day reminder window is open
        (major["id"], "major", "upcoming"),
    ]
    assert (
        cli.ok("finding", "list", "--severity", "major", "--format", "json").json()[0]["id"]
        == major["id"]
    )
    cli.ok("sweep", "--now", "2027-04-02T11:01:00+02:00")
    cli.ok("relay", "--now", "2027-04-02T11:01:00+02:00")
    [notice] = [m for m in sink.received if m.recipients == [SUPPLIER]]
    body = notice.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Excessive overtime" in body
    assert "No grievance mechanism" in body
    # The plan is an obligation with the reminder ladder: overdue the day after its deadline.
    cli.ok("sweep", "--now", "2027-04-10T08:05:00+02:00")
    with read_session(get_engine(tracker_env)) as s:
        cap = s.get(Obligation, priority["cap_obligation_id"])
        steps = s.scalars(
            select(col(Reminder.step)).where(
                col(Reminder.obligation_id) == priority["cap_obligation_id"]
            )
        ).all()
    assert cap is not None
    assert cap.status == "overdue"
    assert "after:P1D" in steps
    # Closing it takes evidence and a review with the checklist.
    plan = cli.ok(
        "evidence", "add", str(priority["cap_obligation_id"]), str(pdf(tmp_path, "cap.pdf")),
        "--type", "corrective-action-plan", "--field", "root_cause=Understaffing",
        "--field", "corrective_actions=Hire", "--field", "owners=HR",
        "--field", "due_dates=2027-06-01", "--now", "2027-04-11T10:00:00+02:00", "--format", "json",
    ).json()[0]  # fmt: skip
    assert cli("evidence", "review", str(plan["id"]), "--accept").code == 2
    closed = cli.ok(
        "evidence", "review", str(plan["id"]), "--accept", "--check", "1", "--check", "2",
        "--check", "Owners and due dates", "--now", "2027-04-12T10:00:00+02:00", "--format", "json",
    ).json()  # fmt: skip
    assert closed["findings_closed"] == [priority["id"]]
    shown = cli.ok("finding", "show", str(priority["id"]), "--format", "json").json()
    assert (shown["status"], shown["cap_status"]) == ("closed", "accepted")
    with read_session(get_engine(tracker_env)) as s:
        assert (
            s.scalar(select(func.count()).select_from(Finding).where(col(Finding.status) == "open"))
            == 1
        )


def test_waiving_needs_a_reason_stops_reminders_and_is_audited(cli: Cli, tracker_env: str) -> None:
    audit = obligation_id(tracker_env, "audit")
    assert cli("obligations", "waive", str(audit)).code == 2
    blank = cli("obligations", "waive", str(audit), "--reason", "  ")
    assert blank.code == 2
    assert "--reason" in blank.err
    done = cli.ok(
        "obligations", "waive", str(audit), "--reason", "Audit done under the framework agreement",
        "--not-applicable", "--now", "2027-03-02T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    assert done["status"] == "not_applicable"
    again = cli("obligations", "waive", str(audit), "--reason", "twice")
    assert again.code == 2
    assert "not_applicable" in again.err
    for day in ("2027-03-01", "2027-03-31", "2027-04-15"):
        cli.ok("sweep", "--now", f"{day}T08:05:00+02:00")
    with read_session(get_engine(tracker_env)) as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(Reminder)
                .where(col(Reminder.obligation_id) == audit)
            )
            == 0
        )
    [event] = cli.ok("audit", "log", "--entity", "obligation", "--format", "json").json()[:1]
    assert event["action"] == "not_applicable"
    assert event["after"]["reason"] == "Audit done under the framework agreement"
    assert event["before"]["status"] == "upcoming"


def _read_until(fd: int, wanted: bytes, timeout: float = 30.0) -> bytes:
    import select as io_select
    import time

    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        ready, _, _ = io_select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"no {wanted!r} within {timeout}s; saw {seen!r}")
        seen += os.read(fd, 1024)
    return seen


def test_missing_fields_are_asked_for_at_a_terminal(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    start = obligation_id(tracker_env, "certificate-at-start")
    env = {**os.environ, "TRACKER_CLAUSE_PATH": str(tmp_path / "clauses")}
    command = [
        sys.executable, "-m", "tracker", "evidence", "add", str(start), str(pdf(tmp_path)),
        "--type", "certificate", "--format", "json",
    ]  # fmt: skip
    main, terminal = os.openpty()
    run = subprocess.Popen(command, env=env, cwd=tmp_path, stdin=terminal, stdout=terminal)
    os.close(terminal)
    try:
        _read_until(main, b"certificate_number:")
        os.write(main, b"TCO-9\n")
        _read_until(main, b"expiry_date:")
        os.write(main, b"2028-01-31\n")
        assert run.wait(timeout=60) == 0
    finally:
        os.close(main)
    with read_session(get_engine(tracker_env)) as s:
        stored = s.scalars(select(Evidence)).one()
    assert stored.fields == {"certificate_number": "TCO-9", "expiry_date": "2028-01-31"}
    assert stored.valid_until == date(2028, 1, 31)
