"""`tracker report`, `report runs`, `report show` through the real entry point."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import col, select

from tests import report_portfolio as world
from tests.cli import Cli
from tracker.db import get_engine, read_session
from tracker.models import ReportFile, ReportRun
from tracker.reports.runs import list_runs
from tracker.reports.scope import parse_scope

NOW = "2026-11-20T03:00:00+00:00"
REPORT = ("report", "--scope", "portfolio", "--period", "2026-Q4", "--now", NOW)


@pytest.fixture
def cli(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    world.build(tracker_env)
    return Cli(capsys, monkeypatch)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def runs(url: str) -> list[ReportRun]:
    with read_session(get_engine(url)) as session:
        return list(session.exec(select(ReportRun).order_by(col(ReportRun.id))))


def test_report_writes_the_file_and_records_the_run(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    result = cli.ok(*REPORT, "--format", "html", "-o", "q4.html")
    target = tmp_path / "q4.html"
    assert target.read_bytes().startswith(b"<!DOCTYPE html>")
    assert f"sha256 {sha256(target)}" in result.out
    assert "report run 1" in result.out
    assert "12 obligations, on-time rate 33.3%" in result.out

    [run] = runs(tracker_env)
    assert (run.scope, run.period_label, run.status) == ("portfolio", "2026-Q4", "produced")
    assert run.as_of.isoformat() == NOW
    assert run.formats == ["html"]
    assert run.hashes == {"html": sha256(target)}
    assert run.recipients == []
    assert run.schedule_id is None
    assert run.created_by == "tester@example.com"
    assert run.generator_version.startswith("clause-tracker ")

    listed = cli.ok("report", "runs", "--format", "json").json()
    assert [(r["id"], r["scope"], r["period"], r["hashes"]) for r in listed] == [
        (1, "portfolio", "2026-Q4", {"html": sha256(target)})
    ]
    assert listed[0]["as_of"] == NOW
    table = cli.ok("report", "runs").out
    assert "ID" in table.splitlines()[0]
    assert f"html:{sha256(target)}" in table


def test_show_writes_the_stored_bytes_unchanged(cli: Cli, tmp_path: Path) -> None:
    for fmt in ("pdf", "xlsx", "csv"):
        cli.ok(*REPORT, "--format", fmt, "-o", f"q4.{fmt}")
    for run_id, fmt in ((1, "pdf"), (2, "xlsx"), (3, "csv")):
        cli.ok("report", "show", str(run_id), "--format", fmt, "-o", f"again.{fmt}")
        assert sha256(tmp_path / f"again.{fmt}") == sha256(tmp_path / f"q4.{fmt}")


def test_show_names_what_is_missing(cli: Cli) -> None:
    cli.ok(*REPORT, "--format", "csv", "-o", "q4.csv")
    missing = cli("report", "show", "9", "--format", "csv", "-o", "x.csv")
    assert (missing.code, missing.err) == (
        2,
        "error: RUN_ID: no report run 9; `tracker report runs` lists them\n",
    )
    other = cli("report", "show", "1", "--format", "pdf", "-o", "x.pdf")
    assert other.code == 2
    assert other.err == "error: --format: report run 1 has no pdf (it has csv)\n"


@pytest.mark.parametrize("name", ["q4.pdf", "Q4.XLSX", "q4.csv", "q4.html"])
def test_the_format_follows_the_file_name(cli: Cli, tmp_path: Path, name: str) -> None:
    result = cli.ok("report", "--scope", "portfolio", "--period", "2026-Q4", "-o", name)
    fmt = name.rsplit(".", 1)[1].lower()
    assert f"({fmt}, " in result.out
    magic = {"pdf": b"%PDF", "xlsx": b"PK", "csv": "\ufefftable".encode(), "html": b"<!DOCTYPE"}
    assert (tmp_path / name).read_bytes().startswith(magic[fmt])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--scope", "everything", "--period", "2026-Q4", "--format", "html", "-o", "x.html"),
            "error: --scope: 'everything' is not a scope",
        ),
        (
            ("--scope", "supplier:99", "--period", "2026-Q4", "--format", "html", "-o", "x.html"),
            "error: --scope: no supplier with id 99",
        ),
        (
            ("--scope", "portfolio", "--period", "2026-Q5", "--format", "html", "-o", "x.html"),
            "error: --period: '2026-Q5' is not a period",
        ),
        (
            ("--scope", "portfolio", "--period", "2026-Q4", "--format", "docx", "-o", "x.docx"),
            "error: --format: 'docx' is not one of html, pdf, csv, xlsx",
        ),
        (
            ("--scope", "portfolio", "--period", "2026-Q4", "--format", "html", "-o", "."),
            "error: -o: . is a directory",
        ),
        (
            (
                "--scope",
                "portfolio",
                "--period",
                "2026-Q4",
                "--format",
                "html",
                "-o",
                "no/such.html",
            ),
            "error: -o: the directory no does not exist",
        ),
        (("--period", "2026-Q4", "--format", "html", "-o", "x.html"), "error: --scope is required"),
        (
            ("--scope", "portfolio", "--format", "html", "-o", "x.html"),
            "error: --period is required",
        ),
        (
            ("--scope", "portfolio", "--period", "2026-Q4", "-o", "x.docx"),
            "error: --format is required: x.docx does not end in .html, .pdf, .csv or .xlsx",
        ),
        (
            ("--scope", "portfolio", "--period", "2026-Q4", "-o", "report"),
            "error: --format is required: report does not end in",
        ),
        (
            ("--scope", "portfolio", "--period", "2026-Q4", "--format", "pdf"),
            "error: -o/--output is required",
        ),
        (
            (
                "--scope",
                "portfolio",
                "--period",
                "2026-Q4",
                "--format",
                "pdf",
                "-o",
                "x.pdf",
                "--now",
                "yesterday",
            ),
            "error: --now: 'yesterday' is not an ISO 8601 time",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_recorded(
    cli: Cli, tracker_env: str, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = cli("report", *args)
    assert result.code == 2
    assert result.err.startswith(message), result.err
    assert result.err.count("\n") == 1
    assert runs(tracker_env) == []
    assert not (tmp_path / "x.html").exists()
    assert not (tmp_path / "x.pdf").exists()


def test_bare_report_shows_its_help(cli: Cli) -> None:
    result = cli("report")
    assert result.code == 2
    assert "--scope" in result.out
    assert "runs" in result.out
    assert "show" in result.out


def test_list_runs_filters(cli: Cli, tracker_env: str) -> None:
    cli.ok(*REPORT, "--format", "csv", "-o", "a.csv")
    cli.ok(
        "report",
        "--scope",
        "contract:RA-3",
        "--period",
        "2026-11",
        "--now",
        NOW,
        "--format",
        "csv",
        "-o",
        "b.csv",
    )
    ctx = world.context(tracker_env)
    assert [r["scope"] for r in list_runs(ctx)] == ["contract:RA-3", "portfolio"]
    assert [r["period"] for r in list_runs(ctx, limit=1)] == ["2026-11"]
    assert [r["id"] for r in list_runs(ctx, scope=parse_scope("portfolio"))] == [1]
    with read_session(get_engine(tracker_env)) as session:
        files = list(session.exec(select(ReportFile).order_by(col(ReportFile.id))))
    assert [(f.run_id, f.format, f.size_bytes == len(f.content)) for f in files] == [
        (1, "csv", True),
        (2, "csv", True),
    ]


def test_the_report_names_the_audit_trail_head_at_its_as_of_time(cli: Cli, tmp_path: Path) -> None:
    from tracker.audit.chain import GENESIS

    cli.ok(
        "report", "schedule", "add", "--every", "month", "--scope", "portfolio",
        "--to", "council@example.com", "--format", "pdf", "--now", "2026-11-10T09:00:00+00:00",
    )  # fmt: skip
    head = cli.ok("audit", "verify", "--format", "json").json()["head_hash"]
    assert head != GENESIS
    cli.ok(*REPORT, "--format", "csv", "-o", "q4.csv")
    cli.ok(*REPORT, "--format", "html", "-o", "q4.html")
    assert head in (tmp_path / "q4.csv").read_text(encoding="utf-8-sig")
    assert head in (tmp_path / "q4.html").read_text(encoding="utf-8")
    # As of a time before that change, the head was the empty chain's.
    earlier = ("report", "--scope", "portfolio", "--period", "2026-Q4")
    cli.ok(*earlier, "--now", "2026-11-01T00:00:00+00:00", "--format", "csv", "-o", "old.csv")
    old = (tmp_path / "old.csv").read_text(encoding="utf-8-sig")
    assert head not in old
    assert GENESIS in old
