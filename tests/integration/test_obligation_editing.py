"""Decisions that change an obligation after it was planned: a rejection's resubmission
deadline, an extension, undoing a waiver, the escalation ladder's decisions, editing a
finding, and clauses that require a corrective action plan. Through the CLI, on a real
SQLite file and a real PostgreSQL, with a real SMTP server for what the supplier reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from tests.cli import Cli, mail_cli
from tests.factories import HEADER
from tests.smtp_server import SmtpSink
from tracker.db import get_engine, read_session
from tracker.models import AuditEvent, Evidence, Finding, Obligation, ObligationDecision, Reminder

CLAUSE = (
    HEADER.format(id="monitoring")
    + """\
evidence_types:
  - id: report
    label: Monitoring report
    accepted_formats: [pdf]
  - id: certificate
    label: Facility certificate
    accepted_formats: [pdf]
    required_fields: [certificate_number]
    has_validity: true
    confidentiality: public
obligations:
  - id: report
    title: Send the monitoring report
    trigger: {type: contract_start, offset: P10D}
    evidence: [report]
    acceptance: {resubmit_within: P8D}
  - id: remedy
    title: Remedy the labour rights breach found at the assembly site
    trigger: {type: contract_start, offset: P10D}
    evidence: [report]
    reminders: {before_due: [], after_due: [P1D]}
    escalation:
      - {level: 2, name: formal-notice, after_due: P2D, requires_cap: true}
      - {level: 4, name: sanctions, manual: true}
      - {level: 5, name: termination, manual: true}
  - id: certificate
    title: Valid certificate at start
    trigger: {type: contract_start, offset: P10D}
    evidence: [certificate]
    acceptance: {mode: auto_validity}
"""
)
SUPPLIER = "compliance@example.com"
MANAGER = "manager@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DUE = date(2026, 12, 24)  # every obligation above: contract start 2026-12-14 + 10 days


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
        clauses={"monitoring": CLAUSE},
        folder=tmp_path,
        smtp_url=sink.url,
    )
    runner.ok("supplier", "add", "Example Devices AB", "--email", SUPPLIER)
    runner.ok(
        "contract", "add", "C-1", "--supplier", "1", "--title", "Notebooks",
        "--start", "2026-12-14", "--end", "2028-12-13", "--timezone", "Europe/Berlin",
        "--manager", MANAGER,
    )  # fmt: skip
    runner.ok("contract", "attach", "C-1", "monitoring", "--now", "2026-11-01T10:00:00+01:00")
    return runner


def ob(url: str, template: str) -> Obligation:
    with read_session(get_engine(url)) as s:
        found = s.scalars(select(Obligation).where(col(Obligation.template_id) == template)).one()
    return found


def steps(url: str, obligation_id: int) -> list[tuple[str, date]]:
    with read_session(get_engine(url)) as s:
        rows = s.execute(
            select(col(Reminder.step), col(Reminder.due_on))
            .where(col(Reminder.obligation_id) == obligation_id)
            .order_by(col(Reminder.id))
        ).all()
    return [(step, due) for step, due in rows]


def audit_count(url: str) -> int:
    with read_session(get_engine(url)) as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def submit(cli: Cli, tmp_path: Path, obligation_id: int, now: str) -> int:
    path = tmp_path / "report.pdf"
    path.write_bytes(PDF)
    added = cli.ok(
        "evidence", "add", str(obligation_id), str(path), "--type", "report",
        "--now", now, "--format", "json",
    ).json()  # fmt: skip
    return int(added[0]["id"])


def test_a_rejection_before_the_due_date_keeps_the_deadline_in_force(
    cli: Cli, tracker_env: str, tmp_path: Path, sink: SmtpSink
) -> None:
    report = ob(tracker_env, "report").id
    assert report is not None
    evidence = submit(cli, tmp_path, report, "2026-12-09T10:00:00+01:00")
    rejected = cli.ok(
        "evidence", "review", str(evidence), "--reject", "--reason", "Unsigned",
        "--now", "2026-12-10T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    # The clause's 8 days would end on 2026-12-18, before the deadline in force.
    assert (rejected["resubmit_by"], rejected["due_on"]) == ("2026-12-24", "2026-12-24")
    found = ob(tracker_env, "report")
    assert (found.status, found.due_on, found.rescheduled_from) == ("rejected", DUE, None)
    cli.ok("sweep", "--now", "2026-12-10T10:01:00+01:00")
    cli.ok("relay", "--now", "2026-12-10T10:01:00+01:00")
    [notice] = [m for m in sink.received if m.recipients == [SUPPLIER]]
    body = notice.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "December 24, 2026" in body  # as the supplier reads dates
    assert "December 18, 2026" not in body
    # The day after the clause's period nothing is overdue; the ladder follows 2026-12-24.
    cli.ok("sweep", "--now", "2026-12-19T08:05:00+01:00")
    assert ob(tracker_env, "report").status == "rejected"
    cli.ok("sweep", "--now", "2026-12-21T08:05:00+01:00")
    cli.ok("sweep", "--now", "2026-12-24T08:05:00+01:00")
    assert steps(tracker_env, report)[-2:] == [("before:P3D", DUE), ("due", DUE)]
    cli.ok("sweep", "--now", "2026-12-25T00:30:00+01:00")
    assert ob(tracker_env, "report").status == "overdue"


def test_an_earlier_resubmission_date_needs_the_reviewer_to_allow_it(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    report = ob(tracker_env, "report").id
    assert report is not None
    evidence = submit(cli, tmp_path, report, "2026-12-09T10:00:00+01:00")
    events = audit_count(tracker_env)
    refused = cli(
        "evidence", "review", str(evidence), "--reject", "--reason", "Unsigned",
        "--resubmit-by", "2026-12-18", "--now", "2026-12-10T10:00:00+01:00",
    )  # fmt: skip
    assert refused.code == 2
    assert refused.err.startswith("error: --resubmit-by: 2026-12-18 is earlier than")
    assert "2026-12-24" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert audit_count(tracker_env) == events
    with read_session(get_engine(tracker_env)) as s:
        assert s.get(Evidence, evidence).status == "submitted"  # type: ignore[union-attr]
    assert ob(tracker_env, "report").status == "submitted"
    alone = cli("evidence", "review", str(evidence), "--reject", "--reason", "x", "--allow-earlier")
    assert alone.code == 2
    assert "--allow-earlier" in alone.err
    allowed = cli.ok(
        "evidence", "review", str(evidence), "--reject", "--reason", "Unsigned",
        "--resubmit-by", "2026-12-18", "--allow-earlier",
        "--now", "2026-12-10T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    assert (allowed["resubmit_by"], allowed["due_on"]) == ("2026-12-18", "2026-12-18")
    found = ob(tracker_env, "report")
    assert (found.due_on, found.rescheduled_from) == (date(2026, 12, 18), DUE)
    # Reminders and the status follow the shorter deadline now in force.
    cli.ok("sweep", "--now", "2026-12-18T08:05:00+01:00")
    assert steps(tracker_env, report)[-1] == ("due", date(2026, 12, 18))
    cli.ok("sweep", "--now", "2026-12-19T08:05:00+01:00")
    assert ob(tracker_env, "report").status == "overdue"
    assert steps(tracker_env, report)[-1] == ("after:P1D", date(2026, 12, 18))
    shown = cli.ok("obligations", "show", str(report), "--format", "json").json()
    assert (shown["due_on"], shown["planned_due_on"]) == ("2026-12-18", "2026-12-24")


def test_an_extension_moves_the_deadline_and_the_ladder_but_not_the_planned_date(
    cli: Cli, tracker_env: str
) -> None:
    report = ob(tracker_env, "report").id
    assert report is not None
    events = audit_count(tracker_env)
    for args, option in [
        (("--to", "2026-12-20", "--reason", "More time"), "--to"),
        (("--to", "2026-12-24", "--reason", "More time"), "--to"),
        (("--to", "2029-01-31", "--reason", "More time"), "--to"),
        (("--to", "2027-01-31", "--reason", "  "), "--reason"),
        (("--to", "31/01/2027", "--reason", "More time"), "--to"),
    ]:
        bad = cli("obligations", "extend", str(report), *args, "--now", "2026-12-20T10:00:00+01:00")
        assert bad.code == 2, (args, bad.err)
        assert bad.err.startswith(f"error: {option}"), (args, bad.err)
    assert audit_count(tracker_env) == events
    assert ob(tracker_env, "report").due_on == DUE
    extended = cli.ok(
        "obligations", "extend", str(report), "--to", "2027-01-31",
        "--reason", "Site closed over the holidays", "--by", "buyer@example.com",
        "--now", "2026-12-20T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    assert (extended["due_on"], extended["planned_due_on"], extended["status"]) == (
        "2027-01-31",
        "2026-12-24",
        "upcoming",  # the 30-day window opens again on 2027-01-01
    )
    # The ladder restarts: its first step, 30 days before the new date, at 08:00 Berlin.
    assert extended["next_reminder_at"] == "2027-01-01T07:00:00+00:00"
    found = ob(tracker_env, "report")
    assert (found.due_on, found.rescheduled_from, found.escalation_level) == (
        date(2027, 1, 31),
        DUE,
        0,
    )
    assert found.next_reminder_at == datetime(2027, 1, 1, 7, tzinfo=UTC)
    [event] = cli.ok("audit", "log", "--entity", "obligation", "--format", "json").json()[:1]
    assert event["action"] == "extended"
    assert event["actor"] == "buyer@example.com"
    assert (event["before"]["due_on"], event["after"]["due_on"]) == ("2026-12-24", "2027-01-31")
    assert event["after"]["reason"] == "Site closed over the holidays"
    # The old date passes quietly; the new one is reminded and then overdue.
    cli.ok("sweep", "--now", "2026-12-25T08:05:00+01:00")
    assert ob(tracker_env, "report").status == "upcoming"
    cli.ok("sweep", "--now", "2027-01-28T08:05:00+01:00")
    cli.ok("sweep", "--now", "2027-02-01T08:05:00+01:00")
    assert ob(tracker_env, "report").status == "overdue"
    assert ("before:P3D", date(2027, 1, 31)) in steps(tracker_env, report)
    assert ("before:P3D", DUE) not in steps(tracker_env, report)
    closed = cli("obligations", "extend", "999", "--to", "2027-03-01", "--reason", "x")
    assert closed.code == 2
    assert closed.err.startswith("error: OBLIGATION_ID: no obligation 999")


def test_undoing_a_waiver_reopens_the_obligation_and_its_reminders(
    cli: Cli, tracker_env: str
) -> None:
    report = ob(tracker_env, "report").id
    assert report is not None
    not_waived = cli("obligations", "unwaive", str(report), "--reason", "x")
    assert not_waived.code == 2
    assert "not waived" in not_waived.err
    cli.ok(
        "obligations", "waive", str(report), "--reason", "Covered by the framework",
        "--now", "2026-12-01T10:00:00+01:00",
    )  # fmt: skip
    cli.ok("sweep", "--now", "2026-12-21T08:05:00+01:00")
    assert steps(tracker_env, report) == []
    assert cli("obligations", "unwaive", str(report), "--reason", " ").code == 2
    undone = cli.ok(
        "obligations", "unwaive", str(report), "--reason", "The framework does not cover it",
        "--now", "2026-12-22T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    assert undone["status"] == "due"
    found = ob(tracker_env, "report")
    assert (found.status, found.decision_reason, found.closed_at) == ("due", None, None)
    [event] = cli.ok("audit", "log", "--entity", "obligation", "--format", "json").json()[:1]
    assert (event["action"], event["before"]["status"], event["after"]["status"]) == (
        "unwaived",
        "waived",
        "due",
    )
    # Steps missed while waived are not sent late; the next one is.
    cli.ok("sweep", "--now", "2026-12-22T10:01:00+01:00")
    assert steps(tracker_env, report) == []
    cli.ok("sweep", "--now", "2026-12-24T08:05:00+01:00")
    assert steps(tracker_env, report) == [("due", DUE)]


def test_unwaiving_a_corrective_action_plan_reopens_its_finding(cli: Cli, tracker_env: str) -> None:
    finding = cli.ok(
        "finding", "add", "--contract", "C-1", "--severity", "minor", "--text", "Late report",
        "--now", "2026-12-01T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    cap = str(finding["cap_obligation_id"])
    waived = cli.ok("obligations", "waive", cap, "--reason", "Resolved", "--format", "json")
    assert waived.json()["findings_closed"] == [finding["id"]]
    undone = cli.ok("obligations", "unwaive", cap, "--reason", "Not resolved", "--format", "json")
    assert undone.json()["findings_reopened"] == [finding["id"]]
    shown = cli.ok("finding", "show", str(finding["id"]), "--format", "json").json()
    assert (shown["status"], shown["closed_at"]) == ("open", None)


def _escalate_to_level_4(cli: Cli, tracker_env: str) -> int:
    remedy = ob(tracker_env, "remedy").id
    assert remedy is not None
    # Due 2026-12-24; formal notice on 12-26 (level 2); sanctions asked for 15 days later.
    for day in ("2026-12-25", "2026-12-26", "2027-01-10"):
        cli.ok("sweep", "--now", f"{day}T08:05:00+01:00")
    assert ob(tracker_env, "remedy").escalation_level == 4
    return remedy


def test_the_ladder_s_decisions_are_recorded_audited_and_shown(cli: Cli, tracker_env: str) -> None:
    remedy = ob(tracker_env, "remedy").id
    early = cli(
        "obligations", "decide", str(remedy), "--outcome", "sanction", "--reason", "x",
        "--now", "2026-12-26T10:00:00+01:00",
    )  # fmt: skip
    assert early.code == 2
    assert "escalation level" in early.err
    remedy = _escalate_to_level_4(cli, tracker_env)
    events = audit_count(tracker_env)
    for args, option in [
        (("--outcome", "fine", "--reason", "x"), "--outcome"),
        (("--outcome", "continue", "--reason", ""), "--reason"),
    ]:
        bad = cli("obligations", "decide", str(remedy), *args)
        assert bad.code == 2
        assert bad.err.startswith(f"error: {option}: "), bad.err
    assert audit_count(tracker_env) == events
    decided = cli.ok(
        "obligations", "decide", str(remedy), "--outcome", "continue",
        "--reason", "Remedy plan under way; the site was re-audited", "--by", "buyer@example.com",
        "--now", "2027-01-11T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    assert (decided["outcome"], decided["level"]) == ("continue", 4)
    shown = cli.ok("obligations", "show", str(remedy), "--format", "json").json()
    assert [(d["outcome"], d["level"], d["decided_by"]) for d in shown["decisions"]] == [
        ("continue", 4, "buyer@example.com")
    ]
    table = cli.ok("obligations", "show", str(remedy)).out
    assert "Remedy plan under way" in table
    assert "2027-01-11 10:00" in table  # decided at, in Berlin time
    [event] = cli.ok("audit", "log", "--entity", "obligation", "--format", "json").json()[:1]
    assert event["action"] == "decision:continue"
    assert event["after"]["reason"] == "Remedy plan under way; the site was re-audited"
    # Monitoring goes on: nothing is repeated, the next step (termination) still comes.
    cli.ok("sweep", "--now", "2027-01-11T10:01:00+01:00")
    before = len(steps(tracker_env, remedy))
    cli.ok("sweep", "--now", "2027-01-20T08:05:00+01:00")
    assert len(steps(tracker_env, remedy)) == before
    cli.ok("sweep", "--now", "2027-01-25T08:05:00+01:00")
    assert steps(tracker_env, remedy)[-1][0] == "level:5"
    assert ob(tracker_env, "remedy").escalation_level == 5


def test_starting_termination_stops_the_ladder(cli: Cli, tracker_env: str) -> None:
    remedy = _escalate_to_level_4(cli, tracker_env)
    cli.ok(
        "obligations", "decide", str(remedy), "--outcome", "termination",
        "--reason", "No remedy after the formal notice", "--now", "2027-01-11T10:00:00+01:00",
    )  # fmt: skip
    assert ob(tracker_env, "remedy").next_reminder_at is None
    before = steps(tracker_env, remedy)
    cli.ok("sweep", "--now", "2027-01-25T08:05:00+01:00")
    assert steps(tracker_env, remedy) == before
    with read_session(get_engine(tracker_env)) as s:
        [row] = s.scalars(select(ObligationDecision)).all()
    assert (row.outcome, row.level, row.reason) == (
        "termination",
        4,
        "No remedy after the formal notice",
    )


def test_a_finding_s_text_and_severity_can_be_corrected(cli: Cli, tracker_env: str) -> None:
    raised = cli.ok(
        "finding", "add", "--contract", "C-1", "--severity", "minor", "--text", "Late reprot",
        "--now", "2026-12-01T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    fid = str(raised["id"])
    events = audit_count(tracker_env)
    for args, option in [
        (("--severity", "huge"), "--severity"),
        (("--text", "  "), "--text"),
        ((), "--text"),
        (("--text", "Late reprot", "--severity", "minor"), "--text"),
    ]:
        bad = cli("finding", "edit", fid, *args)
        assert bad.code == 2, (args, bad.err)
        assert bad.err.startswith(f"error: {option}: "), (args, bad.err)
    assert cli("finding", "edit", "999", "--text", "x").err.startswith("error: FINDING_ID: ")
    assert audit_count(tracker_env) == events
    edited = cli.ok(
        "finding", "edit", fid, "--description", "Late report on overtime", "--severity", "major",
        "--by", "auditor@example.com", "--format", "json",
    ).json()  # fmt: skip
    assert (edited["text"], edited["severity"]) == ("Late report on overtime", "major")
    assert edited["cap_due_on"] == raised["cap_due_on"]  # the plan's deadline stays
    shown = cli.ok("finding", "show", fid, "--format", "json").json()
    assert (shown["text"], shown["severity"]) == ("Late report on overtime", "major")
    with read_session(get_engine(tracker_env)) as s:
        cap = s.get(Obligation, raised["cap_obligation_id"])
    assert cap is not None
    assert cap.title.endswith("(major)")
    [event] = cli.ok("audit", "log", "--entity", "finding", "--format", "json").json()[:1]
    assert event["action"] == "edited"
    assert event["before"] == {"text": "Late reprot", "severity": "minor"}
    assert event["after"] == {"text": "Late report on overtime", "severity": "major"}


def test_a_clause_that_requires_a_plan_refuses_a_finding_without_one(
    cli: Cli, tracker_env: str
) -> None:
    remedy = str(ob(tracker_env, "remedy").id)
    report = str(ob(tracker_env, "report").id)
    refused = cli(
        "finding", "add", "--obligation", remedy, "--severity", "minor",
        "--text", "Overtime records incomplete", "--no-cap",
    )  # fmt: skip
    assert refused.code == 2
    assert refused.err.startswith("error: --no-cap: clause 'monitoring' requires")
    with read_session(get_engine(tracker_env)) as s:
        assert s.scalar(select(func.count()).select_from(Finding)) == 0
    # Where the clause does not require one, an observation may go without a plan ...
    observed = cli.ok(
        "finding", "add", "--obligation", report, "--severity", "minor",
        "--text", "Report template outdated", "--no-cap", "--format", "json",
    ).json()  # fmt: skip
    assert (observed["cap_obligation_id"], observed["notified"]) == (None, [])
    # ... and by default every finding gets its plan, on such a clause too.
    planned = cli.ok(
        "finding", "add", "--obligation", remedy, "--severity", "major",
        "--text", "Overtime records incomplete", "--format", "json",
    ).json()  # fmt: skip
    assert planned["cap_obligation_id"] is not None


def test_auto_accepted_evidence_is_printed_once_in_its_final_state(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    certificate = str(ob(tracker_env, "certificate").id)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(PDF)
    out = cli.ok(
        "evidence", "add", certificate, str(path), "--type", "certificate",
        "--field", "certificate_number=C-9", "--valid-until", "2028-01-31",
        "--now", "2026-12-09T10:00:00+01:00",
    ).out  # fmt: skip
    header, row = out.strip().splitlines()
    assert "accepted" in row
    assert "submitted" not in row.replace("submitted_", "")
    assert "OBLIGATION_STATUS" in header
    assert len(header) <= 120


def test_listings_are_narrow_local_and_wide_on_request(cli: Cli, tracker_env: str) -> None:
    cli.ok(
        "finding", "add", "--contract", "C-1", "--severity", "minor",
        "--text", "A long description of what the monitor found at the final assembly line",
        "--now", "2026-12-01T10:00:00+01:00",
    )  # fmt: skip
    narrow = cli.ok("obligations").out.splitlines()
    assert max(len(line) for line in narrow) <= 120
    assert "NEXT_REMINDER_AT" in narrow[0]
    assert "SUPPLIER" not in narrow[0]
    report = next(line for line in narrow if "monitoring report" in line)
    assert "2026-11-24 08:00" in report  # 30 days before the due date, 08:00 in Berlin
    assert "+00:00" not in "\n".join(narrow)
    assert "…" in "\n".join(narrow)  # the long obligation title is cut
    wide = cli.ok("obligations", "--wide").out.splitlines()
    assert "SUPPLIER" in wide[0]
    assert "CLAUSE_ID" in wide[0]
    assert "labour rights breach found at the assembly site" in "\n".join(wide)
    [row] = [
        r
        for r in cli.ok("obligations", "--format", "json").json()
        if r["obligation"].startswith("Send")
    ]
    assert row["next_reminder_at"] == "2026-11-24T07:00:00+00:00"
    assert row["due_on"] == "2026-12-24"
    csv = cli.ok("obligations", "--format", "csv").out.splitlines()
    assert csv[0].startswith("id,due_on,status,contract,supplier,clause_id,obligation")
    findings = cli.ok("finding", "list").out.splitlines()
    assert max(len(line) for line in findings) <= 120
    assert "RAISED_AT" not in findings[0]
    wide_findings = cli.ok("finding", "list", "--wide").out
    assert "2026-12-01 10:00" in wide_findings  # raised at, Berlin time to the minute
    raised = cli.ok("finding", "list", "--format", "json").json()[0]["raised_at"]
    assert raised == "2026-12-01T09:00:00+00:00"
    evidence = cli.ok("evidence", "list", "--wide").out
    assert evidence.strip() == "" or "SUBMITTED_BY" in evidence
