"""Synthetic files for the import benchmarks (OCDS JSON Lines or release package, contracts
spreadsheet) and the resource use of one import: CPU, wall time, peak memory.

The files are written a line or a row at a time, so making a 50,000-contract file costs
little memory and does not inflate the importer's peak. Every name, identifier and address
is invented (`@example.com`)."""

from __future__ import annotations

import csv
import json
import random
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# Product lines with real CPV codes, so clause suggestions have something to match.
LINES = (
    ("Notebooks", "30213100"),
    ("Monitors", "30231000"),
    ("Smartphones", "32250000"),
    ("Servers", "48820000"),
    ("Printers", "30232110"),
    ("Workwear", "18100000"),
)
COUNTRIES = ("SE", "DE", "GB", "NL", "FR", "DK", "NO", "FI")


@dataclass(frozen=True, slots=True)
class Deal:
    """One generated contract, whichever file it goes into."""

    number: int
    supplier: int
    title: str
    cpv: str
    start: date
    end: date
    signed: date
    value: str


def deals(count: int, *, seed: int, today: date) -> Iterator[Deal]:
    """`count` contracts over `count // 5` suppliers (at least one), deterministic."""
    rng = random.Random(seed)
    suppliers = max(1, count // 5)
    for n in range(1, count + 1):
        line, cpv = LINES[rng.randrange(len(LINES))]
        start = today + timedelta(days=rng.randrange(-700, 300))
        yield Deal(
            number=n,
            supplier=rng.randrange(1, suppliers + 1),
            title=f"{line} for the region, lot {n}",
            cpv=cpv,
            start=start,
            end=start + timedelta(days=365 * rng.choice((2, 3, 4)) - 1),
            signed=start - timedelta(days=rng.randrange(14, 60)),
            value=f"{rng.randrange(10_000, 5_000_000)}.00",
        )


def supplier_name(n: int) -> str:
    return f"Bench Supplier {n:06d} AB"


def _party(n: int) -> dict[str, Any]:
    return {
        "id": f"SUP-{n}",
        "name": supplier_name(n),
        "identifier": {"scheme": "SE-BLV", "id": f"55{n:08d}"},
        "address": {"countryName": COUNTRIES[n % len(COUNTRIES)]},
        "contactPoint": {"name": "Compliance desk", "email": f"compliance.{n}@example.com"},
        "roles": ["supplier"],
    }


def release(deal: Deal) -> dict[str, Any]:
    ocid = f"ocds-bench1-{deal.number:06d}"
    return {
        "ocid": ocid,
        "id": f"{ocid}-contract-1",
        "date": f"{deal.signed.isoformat()}T10:00:00Z",
        "tag": ["award", "contract"],
        "initiationType": "tender",
        "parties": [
            {"id": "BUYER", "name": "Example Purchasing Body", "roles": ["buyer"]},
            _party(deal.supplier),
        ],
        "buyer": {"id": "BUYER"},
        "tender": {
            "id": "T-1",
            "sustainability": [{"goal": "social.humanRightsInSupplyChains"}],
        },
        "awards": [{"id": "A-1", "suppliers": [{"id": f"SUP-{deal.supplier}"}]}],
        "contracts": [
            {
                "id": "CON-1",
                "awardID": "A-1",
                "title": deal.title,
                "status": "active",
                "period": {
                    "startDate": f"{deal.start.isoformat()}T00:00:00Z",
                    "endDate": f"{deal.end.isoformat()}T23:59:59Z",
                },
                "dateSigned": f"{deal.signed.isoformat()}T12:00:00Z",
                "value": {"amount": float(deal.value), "currency": "EUR"},
                "items": [{"id": "1", "classification": {"scheme": "CPV", "id": deal.cpv}}],
            }
        ],
    }


def write_ocds(path: Path, count: int, *, seed: int, today: date, package: bool) -> None:
    """JSON Lines (one release a line) or one release package, written as a stream."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        if package:
            out.write(
                '{"uri": "https://example.com/bench.json", "version": "1.1", '
                '"publishedDate": "2026-05-01T00:00:00Z", '
                '"publisher": {"name": "Example Purchasing Body"}, "releases": [\n'
            )
        for i, deal in enumerate(deals(count, seed=seed, today=today)):
            if package and i:
                out.write(",\n")
            out.write(json.dumps(release(deal), separators=(",", ":")))
            if not package:
                out.write("\n")
        if package:
            out.write("\n]}\n")


HEADER = (
    "reference", "title", "supplier_name", "supplier_email", "supplier_identifier",
    "supplier_country", "buyer", "start_on", "end_on", "signed_on", "value", "currency",
    "cpv_codes", "manager_email",
)  # fmt: skip


def sheet_rows(count: int, *, seed: int, today: date) -> Iterator[tuple[str, ...]]:
    for deal in deals(count, seed=seed, today=today):
        yield (
            f"BENCH-XLS-{deal.number:06d}",
            deal.title,
            supplier_name(deal.supplier),
            f"compliance.{deal.supplier}@example.com",
            f"SE-BLV-55{deal.supplier:08d}",
            COUNTRIES[deal.supplier % len(COUNTRIES)],
            "Example Purchasing Body",
            deal.start.isoformat(),
            deal.end.isoformat(),
            deal.signed.isoformat(),
            deal.value,
            "EUR",
            deal.cpv,
            f"manager.{deal.number % 20}@example.com",
        )


def write_sheet(path: Path, count: int, *, seed: int, today: date) -> None:
    """A CSV file, or an XLSX workbook written in openpyxl's streaming (write-only) mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sheet_rows(count, seed=seed, today=today)
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            writer.writerows(rows)
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Contracts")
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append(list(row))
    book.save(path)


@dataclass
class Usage:
    """CPU (user + system) and wall seconds of a block, and this process's peak RSS."""

    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    peak_mb: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


@contextmanager
def measured() -> Iterator[Usage]:
    usage = Usage()
    cpu, wall = _cpu(), time.perf_counter()
    try:
        yield usage
    finally:
        usage.cpu_seconds = round(_cpu() - cpu, 3)
        usage.wall_seconds = round(time.perf_counter() - wall, 3)
        # Linux reports KiB; the peak of the whole process, so keep the generation out of it.
        usage.peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
