"""Product models for page, API and browser tests: a clause asking for a certificate per
model (with the scheme's lookup address), and models in each standing."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from tests.factories import HEADER
from tests.web.world import CLI_NOW, PDF, World
from tracker.db import get_engine, read_session
from tracker.models import Obligation

SCHEME = "model-certificate"
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


def attach_model_clause(world: World, reference: str = "C-1") -> None:
    path = world.tmp / "clauses" / f"{SCHEME}.yaml"
    if not path.exists():
        path.write_text(MODEL_CLAUSE, encoding="utf-8")
    world.cli.ok("contract", "attach", reference, SCHEME, "--now", CLI_NOW)


def add_model(world: World, name: str, first: str, reference: str = "C-1") -> int:
    added = world.cli.ok(
        "contract", "model", "add", reference, "--manufacturer", "Example", "--name", name,
        "--product-type", "notebook", "--first-delivery-on", first, "--now", CLI_NOW,
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


def certify(world: World, model_id: int, number: str, until: str) -> None:
    path = world.tmp / f"{number.replace('/', '-')}.pdf"
    path.write_bytes(PDF + number.encode())
    world.cli.ok(
        "evidence", "add", str(first_certificate(world, model_id)), str(path),
        "--type", "energy-certificate", "--field", f"certificate_number={number}",
        "--field", "generation=10", "--valid-until", until, "--now", CLI_NOW,
    )  # fmt: skip


def three_models(world: World) -> dict[str, int]:
    """On C-1 (today 2027-03-05): one valid certificate, one expiring, one missing."""
    attach_model_clause(world)
    ids = {
        "valid": add_model(world, "ProBook 440", "2027-03-10"),
        "expiring": add_model(world, "ProBook 450", "2027-03-10"),
        "missing": add_model(world, "EliteBook 840", "2027-03-20"),
    }
    certify(world, ids["valid"], "TCO A&B 1", "2029-12-31")
    certify(world, ids["expiring"], "TCO-2", "2027-04-15")
    return ids
