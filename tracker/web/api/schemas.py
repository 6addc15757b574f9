"""What API requests send: JSON bodies named in the use cases' own words, so a use case's
field (`end_on`, `params.x`) is also the JSON pointer into the body."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# No NUL characters: PostgreSQL cannot store them in text, and no person types them.
Text = Annotated[str, Field(max_length=10_000, pattern=r"^[^\x00]*$")]
Short = Annotated[str, Field(max_length=500, pattern=r"^[^\x00]*$")]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SupplierCreate(Body):
    name: Short
    email: Short = Field(description="the supplier's compliance contact")
    country: Short | None = None
    identifiers: list[Short] = Field(default_factory=list, max_length=50)
    contact_name: Short | None = None


class SupplierEdit(Body):
    name: Short | None = None
    country: Short | None = None
    identifiers: list[Short] | None = Field(default=None, max_length=50)


class ContactCreate(Body):
    email: Short
    role: Short = Field(description="compliance, account or escalation")
    name: Short | None = None


class ContactEdit(Body):
    email: Short | None = None
    role: Short | None = None
    name: Short | None = None


class ContractCreate(Body):
    reference: Short
    supplier_id: Id
    title: Short
    start_on: date
    end_on: date
    signed_on: date | None = None
    manager_email: Short | None = None
    timezone: Short | None = None
    country: Short | None = None
    buyer: Short | None = None
    value: Decimal | None = Field(default=None, max_digits=18, decimal_places=2)
    currency: Short | None = None
    cpv_codes: list[Short] = Field(default_factory=list, max_length=100)
    status: Short = "active"
    reminder_time: Short | None = Field(
        default=None, description="HH:MM in the contract's timezone; null: the site's hour"
    )


class ContractEdit(Body):
    title: Short | None = None
    manager_email: Short | None = None
    value: Decimal | None = Field(default=None, max_digits=18, decimal_places=2)
    currency: Short | None = None
    start_on: date | None = None
    end_on: date | None = None
    signed_on: date | None = None
    reminder_time: Short | None = Field(
        default=None, description="HH:MM in the contract's timezone; \"\" for the site's hour"
    )


class ClauseAttach(Body):
    clause_id: Short
    params: dict[Short, Short] = Field(default_factory=dict, max_length=100)
    plan_from: date | None = None


class ContractEnd(Body):
    status: Short = Field(description="terminated or cancelled")
    ended_on: date
    reason: Text


class EventClose(Body):
    closed_on: date | None = Field(
        default=None, description="the day it was closed; default today in the contract's timezone"
    )
    note: Text | None = Field(default=None, description="how it was closed (audited)")


class ModelCreate(Body):
    manufacturer: Short = Field(description="the brand owner, as on the certificate")
    name: Short = Field(description="model name or number, as on the certificate")
    product_type: Short = Field(description="e.g. notebook, monitor, smartphone")
    first_delivery_on: date = Field(
        description="within the contract; the first certificate is due by then"
    )
    last_delivery_on: date | None = None


class ModelRetire(Body):
    reason: Text = Field(description="why the model is no longer delivered (audited)")
    retired_on: date | None = Field(default=None, description="default: today")


class Extension(Body):
    to: date
    reason: Text


class Waiver(Body):
    reason: Text
    not_applicable: bool = False


class ReviewDecision(Body):
    decision: Literal["accept", "reject"]
    reason: Text | None = None
    checked: list[Short] = Field(default_factory=list, max_length=100)
    resubmit_by: date | None = None
    allow_earlier: bool = False


class FindingCreate(Body):
    severity: Short = Field(description="minor, major or priority")
    text: Text
    obligation_id: Id | None = None
    contract: Short | None = None
    due: date | None = None
    cap: bool = True


class FindingEdit(Body):
    text: Text | None = None
    severity: Short | None = None


class ReportOrder(Body):
    scope: Short = Field(description="portfolio, supplier:ID or contract:REFERENCE")
    period: Short = Field(description="2026-Q4, 2026-11, 2026 or FROM..TO")
    format: Literal["html", "pdf", "csv", "xlsx"]


class ClauseSummary(BaseModel):
    id: str
    version: str
    category: str
    title: str
    obligations: int


class ReportRunRow(BaseModel):
    id: int
    when: str
    scope: str
    period: str
    as_of: str
    generator: str
    formats: list[str]
    hashes: dict[str, str]
    recipients: list[str]
    status: str
    schedule_id: int | None
    created_by: str | None


# The multipart body of an evidence upload, read by the API itself within the size limit.
UPLOAD_SCHEMA: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["evidence_type"],
                "properties": {
                    "evidence_type": {"type": "string"},
                    "file": {"type": "string", "format": "binary"},
                    "url": {"type": "string"},
                    "valid_from": {"type": "string", "format": "date"},
                    "valid_until": {"type": "string", "format": "date"},
                    "note": {"type": "string"},
                },
                "additionalProperties": {
                    "type": "string",
                    "description": "`fields.NAME`: the evidence type's required fields",
                },
            }
        }
    },
}

Decision = Literal["accept", "reject"]
