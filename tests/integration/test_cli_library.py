"""The clause library from the CLI: versions pinned, diffed, upgraded; rendering; checks."""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

import pytest
from docx import Document

from tests.cli import Cli
from tests.factories import HEADER

AUDIT_V1 = (
    HEADER.format(id="buyer-audit")
    + """\
parameters:
  report_days: {type: duration, default: P20D, calendar: business, source: inference,
                label: Days to send the audit report}
obligations:
  - id: first-report
    title: First audit report
    trigger: {type: contract_start, offset: "{report_days}"}
  - id: audit
    title: Social audit
    trigger: {type: recurring}
    recurrence: {interval: P12M, anchor: contract_start}
"""
)
AUDIT_V2 = AUDIT_V1.replace('version: "1.0.0"', 'version: "1.1.0"').replace(
    "interval: P12M", "interval: P6M"
)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    directory = tmp_path / "buyer-clauses"
    directory.mkdir()
    (directory / "buyer-audit.yaml").write_text(AUDIT_V1, encoding="utf-8")
    return directory


@pytest.fixture
def cli(
    tracker_env: str,
    library: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    monkeypatch.setenv("TRACKER_CLAUSE_PATH", str(library))
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    runner.ok("supplier", "add", "Example Devices AB", "--email", "compliance@example.com")
    runner.ok(
        "contract",
        "add",
        "C-1",
        "--supplier",
        "1",
        "--title",
        "Notebooks",
        "--start",
        "2027-01-04",
        "--end",
        "2030-01-03",
        "--timezone",
        "Europe/Berlin",
    )
    return runner


def audits(cli: Cli) -> list[tuple[str, str]]:
    rows = cli.ok("obligations", "--format", "json").json()
    return [(r["due_on"], r["status"]) for r in rows if r["obligation"] == "Social audit"]


def test_library_edits_never_rewrite_a_running_contract(cli: Cli, library: Path) -> None:
    cli.ok("contract", "attach", "C-1", "buyer-audit", "--now", "2027-01-02T10:00:00+01:00")
    (library / "buyer-audit.yaml").write_text(AUDIT_V2, encoding="utf-8")
    cli.ok("plan", "--now", "2028-06-01T10:00:00+02:00")
    assert audits(cli) == [("2028-01-04", "overdue"), ("2029-01-04", "upcoming")]
    shown = cli.ok("contract", "show", "C-1", "--format", "json").json()
    assert shown["clauses"][0]["version"] == "1.0.0"


def test_diff_and_explicit_upgrade(cli: Cli, library: Path) -> None:
    cli.ok(
        "contract",
        "attach",
        "C-1",
        "buyer-audit",
        "--now",
        "2027-01-02T10:00:00+01:00",
        "--param",
        "report_days=P10D",
    )
    (library / "buyer-audit.yaml").write_text(AUDIT_V2, encoding="utf-8")
    diff = cli.ok("clauses", "diff", "buyer-audit").out
    assert diff.startswith("buyer-audit: 1.0.0 -> 1.1.0")
    assert "* obligation audit: recurrence changed" in diff
    assert "-    interval: P12M" in diff
    assert "+    interval: P6M" in diff

    cli.ok("plan", "--now", "2028-02-01T09:00:00+01:00")  # the daily run before the upgrade
    result = cli.ok(
        "contract",
        "upgrade-clause",
        "C-1",
        "buyer-audit",
        "--now",
        "2028-02-01T10:00:00+01:00",
        "--format",
        "json",
    ).json()
    assert (result["from_version"], result["to_version"]) == ("1.0.0", "1.1.0")
    assert result["changes"] == ["obligation audit: recurrence changed"]
    # The buyer's own value survives the upgrade.
    assert result["parameters"] == {"report_days": "P10D"}
    # The January 2028 audit is past (kept, overdue); the January 2029 one was future and
    # unfulfilled, so it is superseded; the six-monthly plan takes over from today.
    assert [s["due_on"] for s in result["superseded"]] == ["2029-01-04"]
    assert [p["due_on"] for p in result["planned"]] == ["2028-07-04", "2029-01-04"]
    assert audits(cli) == [
        ("2028-01-04", "overdue"),
        ("2028-07-04", "upcoming"),
        ("2029-01-04", "superseded"),
        ("2029-01-04", "upcoming"),
    ]
    again = cli.ok("contract", "upgrade-clause", "C-1", "buyer-audit", "--format", "json")
    assert again.json()["message"] == "C-1 already uses buyer-audit 1.1.0"


def test_same_version_number_with_other_content_is_refused(cli: Cli, library: Path) -> None:
    cli.ok("contract", "attach", "C-1", "buyer-audit")
    (library / "buyer-audit.yaml").write_text(AUDIT_V1.replace("P12M", "P3M"), encoding="utf-8")
    result = cli("contract", "upgrade-clause", "C-1", "buyer-audit")
    assert result.code == 2
    assert "give the changed clause a new version number" in result.err


def test_render_markdown_html_docx(cli: Cli, tmp_path: Path) -> None:
    md = tmp_path / "clause.md"
    cli.ok(
        "clauses",
        "render",
        "supply-chain-transparency",
        "-p",
        "disclosure_period=P15D",
        "-o",
        str(md),
    )
    text = md.read_text(encoding="utf-8")
    assert "Within 15 business days of the Contract start date" in text
    assert "| 15 business days | set by the buyer |" in text
    assert "{disclosure_period}" not in text
    assert "https://electronicswatch.org/" in text

    page = tmp_path / "clause.html"
    cli.ok("clauses", "render", "supply-chain-transparency", "-f", "html", "-o", str(page))
    parser = html.parser.HTMLParser()
    parser.feed(page.read_text(encoding="utf-8"))
    assert "<h2>Monitoring schedule</h2>" in page.read_text(encoding="utf-8")

    docx = tmp_path / "clause.docx"
    cli.ok(
        "clauses",
        "render",
        "supply-chain-transparency",
        "-f",
        "docx",
        "-o",
        str(docx),
        "-p",
        "disclosure_period=P12D",
    )
    document = Document(str(docx))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "Within 12 business days of the Contract start date" in paragraphs
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "12 business days" in cells


def test_html_escapes_what_a_clause_author_wrote(cli: Cli, library: Path, tmp_path: Path) -> None:
    hostile = AUDIT_V1.replace(
        "title: First audit report", "title: First <script>alert(1)</script> report"
    )
    (library / "buyer-audit.yaml").write_text(hostile, encoding="utf-8")
    page = tmp_path / "x.html"
    cli.ok("clauses", "render", "buyer-audit", "-f", "html", "-o", str(page))
    content = page.read_text(encoding="utf-8")
    assert "<script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_render_refuses_bad_output_and_params(cli: Cli, tmp_path: Path) -> None:
    missing = cli(
        "clauses",
        "render",
        "supply-chain-transparency",
        "-o",
        str(tmp_path / "no-such-dir" / "x.md"),
    )
    assert missing.code == 2
    assert "-o: the directory" in missing.err
    bad = cli(
        "clauses",
        "render",
        "supply-chain-transparency",
        "-p",
        "disclosure_period=soon",
        "-o",
        str(tmp_path / "x.md"),
    )
    assert bad.code == 2
    assert not (tmp_path / "x.md").exists()


def test_suggest_by_cpv(cli: Cli) -> None:
    rows = cli.ok("clauses", "suggest", "--cpv", "30213100", "--format", "json").json()
    ids = {r["id"] for r in rows}
    assert {"tco-certified-valid", "supply-chain-transparency"} <= ids
    none = cli("clauses", "suggest", "--cpv", "03111000")  # seeds: nothing applies
    assert none.code == 2
    assert "no clause in the library applies to 03111000" in none.err


def test_check_exits_1_on_a_broken_file_and_0_on_the_library(
    cli: Cli, library: Path, tmp_path: Path
) -> None:
    assert cli.ok("clauses", "check").out.startswith("ok: ")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.yaml").write_text(
        AUDIT_V1.replace("id: buyer-audit", "id: bad").replace("P12M", "P12Q"), encoding="utf-8"
    )
    result = cli("clauses", "check", str(broken))
    assert result.code == 1
    assert result.err.strip() == (
        f"{broken / 'bad.yaml'}:22: obligations[1].recurrence.interval: 'P12Q' is not a date "
        "duration; use ISO 8601 such as P20D, P6W, P12M, P2Y or -P90D for 'before'"
    )


def test_an_absurd_duration_is_refused_naming_the_parameter(cli: Cli) -> None:
    result = cli("contract", "attach", "C-1", "buyer-audit", "--param", "report_days=P99999999D")
    assert result.code == 2
    assert result.err == "error: --param report_days: 'P99999999D' is longer than 100 years\n"
    assert cli.ok("obligations", "--format", "json").json() == []


def test_diff_with_one_known_version_says_so_plainly(cli: Cli) -> None:
    result = cli.ok("clauses", "diff", "factory-social-audit")
    assert result.out == (
        "factory-social-audit: only version 1.2.0 is known (the library has no earlier version "
        "and no contract pins one), so there is nothing to compare\n"
    )
    assert "--from" not in result.err


def test_strict_check_wants_a_section_behind_every_verified_default(
    cli: Cli, tmp_path: Path
) -> None:
    library = cli.ok("clauses", "check", "--strict").out
    assert re.fullmatch(r"ok: \d+ clauses; \d+/\d+ defaults verified \(\d+%\)\n", library)
    claims = tmp_path / "claims"
    claims.mkdir()
    verified = AUDIT_V1.replace("id: buyer-audit", "id: claims").replace(
        "source: inference", "source: verified"
    )
    (claims / "claims.yaml").write_text(verified, encoding="utf-8")
    # Without --strict the file is well formed; with it the unbacked claim fails.
    assert cli.ok("clauses", "check", str(claims)).out == "ok: 1 clause files\n"
    result = cli("clauses", "check", "--strict", str(claims))
    assert result.code == 1
    assert result.err == (
        f"{claims / 'claims.yaml'}: parameters.report_days.references: the default claims "
        "verified: name a reference that has a URL and a section, or mark the default "
        "secondary or inference\n"
    )
    # A reference with a URL but no section is not enough; with a section it passes.
    cited = verified.replace("label: Days", "references: [ref], label: Days")
    (claims / "claims.yaml").write_text(cited, encoding="utf-8")
    assert cli("clauses", "check", "--strict", str(claims)).code == 1
    sectioned = cited.replace("title: A source\n", "title: A source\n    section: Part 4.2\n")
    (claims / "claims.yaml").write_text(sectioned, encoding="utf-8")
    assert cli.ok("clauses", "check", "--strict", str(claims)).out == "ok: 1 clause files\n"


def test_citing_a_reference_the_clause_does_not_define_is_refused(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.yaml").write_text(
        AUDIT_V1.replace("id: buyer-audit", "id: bad").replace(
            "label: Days", "references: [rba-manual], label: Days"
        ),
        encoding="utf-8",
    )
    result = cli("clauses", "check", str(broken))
    assert result.code == 1
    assert "parameters.report_days.references[0]: 'rba-manual' is not one of references" in (
        result.err
    )


def test_list_shows_the_verified_share(cli: Cli) -> None:
    out = cli.ok("clauses", "list").out
    assert "VERIFIED" in out.splitlines()[0]
    # Shipped and the buyer's own clauses together; the buyer's one default is inference.
    assert re.fullmatch(
        r"library: \d+/\d+ defaults verified \(\d+%\)", out.rstrip().splitlines()[-1]
    )
    rows = {r["id"]: r for r in cli.ok("clauses", "list", "--format", "json").json()}
    assert rows["datacentre-energy-reporting"]["verified"] == "2/3"
    assert rows["buyer-audit"]["verified"] == "0/1"


def test_a_contract_on_the_old_tco_clause_upgrades_to_the_corrected_archive_date(
    cli: Cli, library: Path
) -> None:
    shipped = (Path(__file__).parents[2] / "clauses" / "tco-certified-valid.yaml").read_text(
        encoding="utf-8"
    )
    # The 1.1.0 the library shipped before the correction (one archive duty per contract),
    # as a buyer's pinned version.
    old = (
        shipped.replace('version: "1.2.0"', 'version: "1.1.0"\noverrides: true')
        .replace('default: "2029-12-01"', 'default: "2028-12-01"')
        .replace("    per_model: true\n", "")
        .replace('    only_generation: "{min_generation}"\n', "")
        .replace("Re-certify a model before", "Upgrade models before")
    )
    (library / "tco-certified-valid.yaml").write_text(old, encoding="utf-8")
    cli.ok("contract", "attach", "C-1", "tco-certified-valid", "--now", "2027-01-02T10:00:00+01:00")
    cli.ok("plan", "--now", "2028-06-01T09:00:00+02:00")  # the archive date comes into view
    before = cli.ok("obligations", "--format", "json").json()
    archive = [r["due_on"] for r in before if r["obligation"].startswith("Upgrade models")]
    assert archive == ["2028-12-01"]

    (library / "tco-certified-valid.yaml").unlink()
    result = cli.ok(
        "contract",
        "upgrade-clause",
        "C-1",
        "tco-certified-valid",
        "--now",
        "2028-06-01T10:00:00+02:00",
        "--format",
        "json",
    ).json()
    assert (result["from_version"], result["to_version"]) == ("1.1.0", "1.2.0")
    assert any(c.startswith("parameter generation_archive_date:") for c in result["changes"])
    after = cli.ok("obligations", "--format", "json").json()
    archive = sorted(
        (r["due_on"], r["status"]) for r in after if r["obligation"].startswith("Upgrade models")
    )
    # The old date's duty is superseded and the new default reaches the contract (the
    # buyer never chose 2028-12-01 themselves). The new version re-checks per product
    # model instead: tests/integration/test_cli_models.py.
    assert archive == [("2028-12-01", "superseded")]
    assert result["parameters"]["generation_archive_date"] == "2029-12-01"


def test_a_regional_holiday_calendar_moves_business_day_deadlines(cli: Cli) -> None:
    # 6 January (Epiphany) is a holiday in Bavaria, not in all of Germany.
    for reference, country in (("C-DE", "DE"), ("C-BY", "de-by")):
        cli.ok(
            "contract", "add", reference, "--supplier", "1", "--title", "Notebooks",
            "--start", "2027-01-04", "--end", "2030-01-03", "--timezone", "Europe/Berlin",
            "--country", country,
        )  # fmt: skip
        cli.ok(
            "contract", "attach", reference, "buyer-audit", "--param", "report_days=P5D",
            "--now", "2027-01-02T10:00:00+01:00",
        )  # fmt: skip
    shown = cli.ok("contract", "show", "C-BY", "--format", "json").json()
    assert shown["country"] == "DE-BY"
    rows = cli.ok("obligations", "--format", "json").json()
    first = {r["contract"]: r["due_on"] for r in rows if r["obligation"] == "First audit report"}
    assert first == {"C-DE": "2027-01-11", "C-BY": "2027-01-12"}
    wrong = cli(
        "contract", "add", "C-X", "--supplier", "1", "--title", "Notebooks", "--start",
        "2027-01-04", "--end", "2030-01-03", "--country", "DE-XX",
    )  # fmt: skip
    assert wrong.code == 2
    assert wrong.err.startswith(
        "error: --country: 'DE-XX' is not a region of DE with holidays (DE-"
    )
