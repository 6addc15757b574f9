"""Product models and their certificates through the CLI, on both engines: each delivered
model has its own certificate duties, renewals and generation re-checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli import Cli

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ATTACHED = "2026-05-20T10:00:00+02:00"
MODELS = ("ProBook 440", "ProBook 450", "EliteBook 840")


@pytest.fixture
def cli(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    runner.ok("supplier", "add", "Example Devices AB", "--email", "compliance@example.com")
    runner.ok(
        "contract", "add", "C-1", "--supplier", "1", "--title", "Notebooks",
        "--start", "2026-06-01", "--end", "2029-05-31", "--timezone", "Europe/Berlin",
    )  # fmt: skip
    # Generation 9 is expected to be archived about December 2026 (TCO's two-year rule).
    runner.ok(
        "contract", "attach", "C-1", "tco-certified-valid", "--now", ATTACHED,
        "--param", "min_generation=9", "--param", "generation_archive_date=2026-12-04",
    )  # fmt: skip
    return runner


def add_models(cli: Cli) -> list[int]:
    ids = []
    for name in MODELS:
        added = cli.ok(
            "contract", "model", "add", "C-1", "--manufacturer", "Example", "--name", name,
            "--product-type", "notebook", "--first-delivery-on", "2026-07-01",
            "--now", "2026-06-01T10:00:00+02:00", "--format", "json",
        ).json()  # fmt: skip
        assert added["obligations_planned"] == 1
        ids.append(added["id"])
    return ids


def obligations(cli: Cli) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = cli.ok("obligations", "--format", "json").json()
    return rows


def certify(cli: Cli, tmp_path: Path, obligation: int, number: str, gen: str, until: str) -> Any:
    path = tmp_path / f"{number}.pdf"
    path.write_bytes(PDF + number.encode())
    # The clause accepts a certificate that is valid on its own (acceptance auto_validity).
    return cli.ok(
        "evidence", "add", str(obligation), str(path), "--type", "tco-certificate",
        "--field", f"certificate_number={number}", "--field", "product_model=x",
        "--field", f"generation={gen}", "--field", "issue_date=2026-01-10",
        "--field", f"expiry_date={until}", "--valid-until", until,
        "--now", "2026-06-15T10:00:00+02:00", "--format", "json",
    ).json()[0]  # fmt: skip


def test_three_models_each_hold_their_own_certificate(cli: Cli, tmp_path: Path) -> None:
    add_models(cli)
    first = {
        r["obligation"]: r for r in obligations(cli) if r["obligation"].startswith("Certificate")
    }
    assert sorted(first) == sorted(
        f"Certificate before first delivery of a model: Example {name}" for name in MODELS
    )
    assert {r["due_on"] for r in first.values()} == {"2026-07-01"}
    # Nothing is certified yet, so no model owes a generation re-check.
    assert not [r for r in obligations(cli) if r["obligation"].startswith("Re-certify")]

    ids = {name: first[f"Certificate before first delivery of a model: Example {name}"]["id"]
           for name in MODELS}  # fmt: skip
    a = certify(cli, tmp_path, ids["ProBook 440"], "TCO-A", "9", "2027-03-31")
    certify(cli, tmp_path, ids["ProBook 450"], "TCO-B", "9", "2028-06-30")
    certify(cli, tmp_path, ids["EliteBook 840"], "TCO-C", "10", "2028-06-30")

    # One model's certificate expiring plans only that model's renewal.
    assert [r["due_on"] for r in a["renewals"]] == ["2027-03-31"]
    renewals = sorted(
        (r["obligation"], r["due_on"])
        for r in obligations(cli)
        if r["obligation"].startswith("Renew")
    )
    assert renewals == [
        ("Renew or replace an expiring certificate: Example EliteBook 840", "2028-06-30"),
        ("Renew or replace an expiring certificate: Example ProBook 440", "2027-03-31"),
        ("Renew or replace an expiring certificate: Example ProBook 450", "2028-06-30"),
    ]
    # The archive date of generation 9 plans re-checks for the two models on it, not the third.
    rechecks = sorted(
        (r["obligation"], r["due_on"])
        for r in obligations(cli)
        if r["obligation"].startswith("Re-certify")
    )
    assert rechecks == [
        ("Re-certify a model before its generation is archived: Example ProBook 440", "2026-12-04"),
        ("Re-certify a model before its generation is archived: Example ProBook 450", "2026-12-04"),
    ]

    # The same status words as the contract page: valid while the certificate holds and
    # no duty is due; expiring once a duty to renew or re-check it is due.
    def listed(now: str) -> list[tuple[str, str, str, str]]:
        rows = cli.ok("contract", "model", "list", "C-1", "--now", now, "--format", "json")
        return [
            (m["name"], m["certificate_number"], m["generation"], m["status"]) for m in rows.json()
        ]

    assert listed("2026-06-15T10:00:00+02:00") == [
        ("ProBook 440", "TCO-A", "9", "valid"),
        ("ProBook 450", "TCO-B", "9", "valid"),
        ("EliteBook 840", "TCO-C", "10", "valid"),
    ]
    assert listed("2026-12-05T10:00:00+01:00") == [
        ("ProBook 440", "TCO-A", "9", "expiring"),
        ("ProBook 450", "TCO-B", "9", "expiring"),
        ("EliteBook 840", "TCO-C", "10", "valid"),
    ]


def test_retiring_a_model_stops_its_duties_from_that_day(cli: Cli, tmp_path: Path) -> None:
    ids = add_models(cli)
    retired = cli.ok(
        "contract", "model", "retire", "C-1", str(ids[1]), "--reason", "replaced by model 3",
        "--retired-on", "2026-06-20", "--now", "2026-06-10T10:00:00+02:00", "--format", "json",
    ).json()  # fmt: skip
    assert retired["retired_on"] == "2026-06-20"
    assert retired["obligations_closed"] == 1
    by_title = {r["obligation"]: r["status"] for r in obligations(cli)}
    assert by_title["Certificate before first delivery of a model: Example ProBook 450"] == (
        "not_applicable"
    )
    assert by_title["Certificate before first delivery of a model: Example ProBook 440"] == (
        "upcoming"
    )
    again = cli("contract", "model", "retire", "C-1", str(ids[1]), "--reason", "twice")
    assert again.code == 2
    assert again.err == "error: MODEL_ID: model 2 was retired on 2026-06-20\n"


def test_model_input_is_checked_before_anything_is_written(cli: Cli) -> None:
    outside = cli(
        "contract", "model", "add", "C-1", "--manufacturer", "Example", "--name", "X1",
        "--product-type", "notebook", "--first-delivery-on", "2031-01-01",
    )  # fmt: skip
    assert outside.code == 2
    assert outside.err == (
        "error: --first-delivery-on: 2031-01-01 is outside the contract "
        "(2026-06-01 to 2029-05-31)\n"
    )
    add_models(cli)
    twice = cli(
        "contract", "model", "add", "C-1", "--manufacturer", "Example", "--name", "ProBook 440",
        "--product-type", "notebook", "--first-delivery-on", "2026-07-01",
    )  # fmt: skip
    assert twice.code == 2
    assert twice.err == "error: --name: Example ProBook 440 is already model 1 of C-1\n"
    assert len(cli.ok("contract", "model", "list", "C-1", "--format", "json").json()) == 3


def test_the_report_lists_models_without_a_valid_certificate(cli: Cli, tmp_path: Path) -> None:
    add_models(cli)
    first = {
        r["obligation"].rsplit(": Example ", 1)[1]: r["id"]
        for r in obligations(cli)
        if r["obligation"].startswith("Certificate")
    }
    certify(cli, tmp_path, first["ProBook 440"], "TCO-A", "10", "2027-03-31")
    certify(cli, tmp_path, first["ProBook 450"], "TCO-B", "10", "2028-06-30")
    # EliteBook 840 is delivered but never certified; ProBook 440's certificate has ended.
    cli.ok(
        "report", "--scope", "portfolio", "--period", "2027-Q2", "--now",
        "2027-04-15T10:00:00+02:00", "--format", "csv", "-o", "q2.csv",
    )  # fmt: skip
    lines = (tmp_path / "q2.csv").read_text(encoding="utf-8").splitlines()
    assert "summary,2027-Q2,models_without_valid_certificate,2" in lines
    listed = [line for line in lines if line.startswith("models_without_valid_certificate,")]
    prefix = "models_without_valid_certificate,C-1,"
    assert listed == [
        f"{prefix}scheme,tco-certified-valid",
        f"{prefix}model_id,1",
        f"{prefix}manufacturer,Example",
        f"{prefix}model,ProBook 440",
        f"{prefix}expired_on,2027-03-31",
        f"{prefix}scheme,tco-certified-valid",
        f"{prefix}model_id,3",
        f"{prefix}manufacturer,Example",
        f"{prefix}model,EliteBook 840",
        f"{prefix}expired_on,",  # never certified
    ]
