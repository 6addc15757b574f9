"""Pure row builders for a synthetic but realistic portfolio (no database here).

Buyers are mostly European public bodies (a few US ones, so America/New_York with its
different DST dates is exercised too); suppliers come from a similar mix. Every address
is @example.com; every name is invented.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from tracker.library.parameters import JsonValue
from tracker.library.schema import ClauseFile


@dataclass(frozen=True)
class Country:
    code: str
    timezone: str
    currency: str
    legal_form: str
    weight: int


COUNTRIES = (
    Country("SE", "Europe/Stockholm", "SEK", "AB", 16),
    Country("DE", "Europe/Berlin", "EUR", "GmbH", 16),
    Country("GB", "Europe/London", "GBP", "Ltd", 12),
    Country("NL", "Europe/Amsterdam", "EUR", "BV", 9),
    Country("FR", "Europe/Paris", "EUR", "SAS", 9),
    Country("DK", "Europe/Copenhagen", "DKK", "A/S", 6),
    Country("NO", "Europe/Oslo", "NOK", "AS", 6),
    Country("FI", "Europe/Helsinki", "EUR", "Oy", 5),
    Country("ES", "Europe/Madrid", "EUR", "S.L.", 5),
    Country("IT", "Europe/Rome", "EUR", "S.r.l.", 4),
    Country("PL", "Europe/Warsaw", "PLN", "sp. z o.o.", 4),
    Country("BE", "Europe/Brussels", "EUR", "NV", 3),
    Country("IE", "Europe/Dublin", "EUR", "Ltd", 2),
    Country("US", "America/New_York", "USD", "Inc.", 3),
)
_COUNTRY_WEIGHTS = [c.weight for c in COUNTRIES]


@dataclass(frozen=True)
class ProductLine:
    product: str  # matches clause `applies_to.product_types`
    title: str
    cpv: tuple[str, ...]
    value_range: tuple[int, int]  # in EUR-ish units; scaled per currency
    weight: int


PRODUCT_LINES = (
    ProductLine("notebook", "Notebooks and docks", ("30213100", "30237000"), (2, 40), 20),
    ProductLine("desktop", "Desktop computers", ("30213300",), (1, 20), 10),
    ProductLine("monitor", "Monitors", ("30231300",), (1, 10), 10),
    ProductLine("smartphone", "Smartphones", ("32250000",), (1, 15), 12),
    ProductLine("tablet", "Tablets", ("30213200",), (1, 8), 6),
    ProductLine("server", "Servers and storage", ("48820000", "30233000"), (5, 80), 8),
    ProductLine("printer", "Printers and multifunction devices", ("30232110",), (1, 12), 6),
    ProductLine("headset", "Headsets and conference equipment", ("32342100",), (1, 4), 4),
    ProductLine("network", "Network equipment", ("32420000",), (2, 30), 6),
    ProductLine("recycling", "IT asset disposal and recycling", ("90514000",), (1, 3), 5),
    ProductLine("services", "Workplace IT services", ("72000000", "50312000"), (5, 60), 6),
)
_LINE_WEIGHTS = [p.weight for p in PRODUCT_LINES]
_CURRENCY_FACTOR = {"SEK": 11, "NOK": 11, "DKK": 7, "PLN": 4, "GBP": 1, "USD": 1, "EUR": 1}

# fmt: off
_NAME_A = (
    "Nordic", "Alpine", "Harbour", "Meridian", "Northwind", "Bluefield", "Greystone",
    "Lakeside", "Silverline", "Oakridge", "Riverside", "Summit", "Coastal", "Brightwater",
    "Evergreen", "Fjord", "Granite", "Highland", "Ironbridge", "Juniper", "Kestrel",
    "Lindqvist", "Maple", "Norrland", "Orion", "Pinecrest", "Quayside", "Redwood",
    "Stonebridge", "Tidewater", "Upland", "Valley", "Westbrook", "Yellowpine", "Zephyr",
    "Aurora", "Baltic", "Cedar", "Delta", "Elm",
)
_NAME_B = (
    "Devices", "Computing", "Systems", "Electronics", "Technologies", "IT Solutions",
    "Hardware", "Digital", "Networks", "Data", "Mobile", "Office Supply", "Recycling",
    "Components", "Infrastructure", "Workplace", "Peripherals", "Micro", "Circuits",
    "Terminals", "Displays", "Servers", "Connect", "Logistics", "Trading", "Labs", "Works",
    "Partners", "Group", "Distribution",
)
_BUYER_KIND = (
    "Municipality of", "Region", "County Council of", "Digital Agency of", "University of",
    "Hospital Trust of", "Central Purchasing Body of", "City of",
)
_PLACES = (
    "Exampleby", "Sampleton", "Placeholder Vale", "Testhaven", "Demoberg", "Mockford",
    "Fictiva", "Illustria", "Specimen Bay", "Modelstad",
)
# fmt: on


def pick_country(rng: random.Random) -> Country:
    return rng.choices(COUNTRIES, weights=_COUNTRY_WEIGHTS)[0]


def supplier_name(index: int, country: Country) -> str:
    """Unique per index: a pair of invented words, then a number once the pairs run out."""
    a, rest = index % len(_NAME_A), index // len(_NAME_A)
    b, round_ = rest % len(_NAME_B), rest // len(_NAME_B)
    number = f" {round_ + 1}" if round_ else ""
    return f"{_NAME_A[a]} {_NAME_B[b]}{number} {country.legal_form}"


def supplier_rows(
    rng: random.Random, *, first_id: int, count: int, now: datetime
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(supplier row, its contact rows) with explicit ids, so contracts can point at them."""
    for sid in range(first_id, first_id + count):
        country = pick_country(rng)
        slug = f"s{sid:06d}"
        supplier = {
            "id": sid,
            "name": supplier_name(sid - 1, country),
            "country": country.code,
            "identifiers": [f"BENCH-ORG-{country.code}-{sid:06d}"],
            "created_at": now,
        }
        roles = ["compliance"] + [r for r in ("account", "escalation") if rng.random() < 0.5]
        contacts = [
            {
                "supplier_id": sid,
                "name": f"{role.title()} Contact {sid}",
                "email": f"{role}.{slug}@example.com",
                "role": role,
            }
            for role in roles
        ]
        yield supplier, contacts


@dataclass(frozen=True)
class ContractDraft:
    row: dict[str, Any]
    line: ProductLine


def contract_row(
    rng: random.Random,
    *,
    cid: int,
    supplier_count: int,
    first_supplier: int,
    today: date,
    now: datetime,
) -> ContractDraft:
    """One contract: starts within the last 4 years or the next one, runs 2-4 years."""
    country = pick_country(rng)
    line = rng.choices(PRODUCT_LINES, weights=_LINE_WEIGHTS)[0]
    start = today + timedelta(days=rng.randint(-4 * 365, 365))
    end = start + relativedelta(years=rng.choice((2, 2, 3, 3, 4))) - timedelta(days=1)
    signed = start - timedelta(weeks=rng.randint(2, 8))
    status = "pending" if start > today else ("active" if end >= today else "terminated")
    low, high = line.value_range
    amount = rng.randint(low * 100, high * 100) * 1000 * _CURRENCY_FACTOR[country.currency]
    buyer = f"{rng.choice(_BUYER_KIND)} {rng.choice(_PLACES)}"
    row = {
        "id": cid,
        "reference": f"BENCH-{cid:06d}",
        "title": f"{line.title} {start.year}, lot {rng.randint(1, 6)}",
        "buyer": buyer,
        "supplier_id": first_supplier + rng.randrange(supplier_count),
        "signed_on": signed,
        "start_on": start,
        "end_on": end,
        "value_amount": Decimal(amount),
        "currency": country.currency,
        "cpv_codes": list(line.cpv),
        "manager_email": f"manager.{country.code.lower()}{rng.randint(1, 400):03d}@example.com",
        "timezone": country.timezone,
        "country": country.code,
        "status": status,
        "created_at": now,
    }
    return ContractDraft(row, line)


@dataclass(frozen=True)
class LibraryClause:
    clause: ClauseFile
    version_id: int
    parameters: dict[str, JsonValue]


def clause_weight(clause: ClauseFile, line: ProductLine) -> float:
    """Clauses written for this product (or its CPV codes) dominate; generic ones follow."""
    applies = clause.applies_to
    if line.product in applies.product_types or any(
        code.startswith(prefix) for code in line.cpv for prefix in applies.cpv_prefixes
    ):
        return 8.0
    if not applies.product_types and not applies.cpv_prefixes:
        return 3.0
    return 0.5


def pick_clauses(
    rng: random.Random,
    library: Sequence[LibraryClause],
    line: ProductLine,
    count: int,
    weights: dict[str, list[float]],
) -> list[LibraryClause]:
    """`count` distinct clauses, weighted (Efraimidis-Spirakis sampling without replacement)."""
    per_line = weights.get(line.product)
    if per_line is None:
        per_line = [clause_weight(c.clause, line) for c in library]
        weights[line.product] = per_line
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(per_line)), reverse=True)
    return [library[i] for _key, i in keyed[: min(count, len(library))]]
