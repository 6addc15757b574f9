"""Product models for page, API and browser tests: a clause asking for a certificate per
model (with the scheme's lookup address), and models in each standing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import col

from tests.factories import HEADER
from tests.web.world import CLI_NOW, PDF, World
from tracker.db import get_engine, read_session
from tracker.models import Obligation

SCHEME = "model-certificate"
TODAY = date(2027, 3, 5)
LOOKUP = "https://certificates.example.org/find?number="
MODEL_CLAUSE = (
    HEADER.format(id=SCHEME)
    + f"""\
evidence_types:
  - id: energy-certificate
    label: Energy certificate (one per model)
    accepted_formats: [pdf]
    required_fields: [certificate_number, generation]
    has_validity: true
    lookup_url: "{LOOKUP}{{certificate_number}}"
    confidentiality: public
obligations:
  - id: first-certificate
    title: Certificate before the first delivery
    trigger: {{type: event, event: new_product_model}}
    per_model: true
    evidence: [energy-certificate]
    acceptance: {{mode: auto_validity}}
    reminders: {{on_trigger: true, before_due: [], after_due: [P1D]}}
  - id: renewal
    title: Renew the certificate before it expires
    trigger: {{type: evidence_expiry, evidence_type: energy-certificate}}
    per_model: true
    evidence: [energy-certificate]
    acceptance: {{mode: auto_validity}}
    reminders: {{before_due: [P60D, P7D], after_due: [P1D]}}
"""
)


def attach_model_clause(world: World, reference: str = "C-1", *, now: str = CLI_NOW) -> None:
    path = world.tmp / "clauses" / f"{SCHEME}.yaml"
    if not path.exists():
        path.write_text(MODEL_CLAUSE, encoding="utf-8")
    world.cli.ok("contract", "attach", reference, SCHEME, "--now", now)


def add_model(
    world: World, name: str, first: str, reference: str = "C-1", *, now: str = CLI_NOW
) -> int:
    added = world.cli.ok(
        "contract", "model", "add", reference, "--manufacturer", "Example", "--name", name,
        "--product-type", "notebook", "--first-delivery-on", first, "--now", now,
        "--format", "json",
    ).json()  # fmt: skip
    model_id: int = added["id"]
    return model_id


def first_certificate(world: World, model_id: int) -> int:
    with read_session(get_engine(world.url)) as s:
        found = s.scalars(
            select(col(Obligation.id)).where(
                col(Obligation.product_model_id) == model_id,
                col(Obligation.template_id) == "first-certificate",
            )
        ).first()
    assert found is not None
    return found


def certify(world: World, model_id: int, number: str, until: str, *, now: str = CLI_NOW) -> None:
    path = world.tmp / f"{number.replace('/', '-')}.pdf"
    path.write_bytes(PDF + number.encode())
    world.cli.ok(
        "evidence", "add", str(first_certificate(world, model_id)), str(path),
        "--type", "energy-certificate", "--field", f"certificate_number={number}",
        "--field", "generation=10", "--valid-until", until, "--now", now,
    )  # fmt: skip


def three_models(
    world: World, reference: str = "C-1", *, today: date = TODAY, now: str = CLI_NOW
) -> dict[str, int]:
    """On `reference` (whose today is `today`, by default the world's 2027-03-05): one valid
    certificate (to 2029-12-31), one expiring (2027-04-15, its renewal's reminder window
    open), one missing (due 2027-03-20): dates relative to `today`."""
    attach_model_clause(world, reference, now=now)

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    ids = {
        "valid": add_model(world, "ProBook 440", day(5), reference, now=now),
        "expiring": add_model(world, "ProBook 450", day(5), reference, now=now),
        "missing": add_model(world, "EliteBook 840", day(15), reference, now=now),
    }
    certify(world, ids["valid"], "TCO A&B 1", day(1032), now=now)
    certify(world, ids["expiring"], "TCO-2", day(41), now=now)
    return ids
