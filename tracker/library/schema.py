"""Typed models of a clause file (`clauses/<id>.yaml`), schema_version 1.

Field reference: ../shared/DOMAIN.md §3.2. Differences from that proposal, and why:
* `recurrence.first` says where the first occurrence falls from the anchor (default: one
  interval), so "first audit after 12 months, then yearly" needs no extra trigger.
* `trigger.adjust` (none | following | preceding) moves a calendar-day deadline that lands on
  a weekend or public holiday, as many contracts require.
* `reminders.on_trigger` sends a notice when the trigger fires (short deadlines).
* `obligations[].per_model` gives each delivered product model its own obligation, and
  `only_generation` narrows it to models certified under one generation;
  `evidence_types[].lookup_url` is the scheme's public lookup with `{certificate_number}`.
* `obligations[].applies_from` (a date) and `recurrence.ends_on` / `recurrence.count` bound a
  duty; with `until: contract_end` the earlier bound wins.
* `parameters.<name>.references` names the references a default rests on.
* `trigger.before_start` (default false): without it no duty falls before the contract
  start; a one-off duty that would is due on the start date, a recurring one is skipped.
* `escalation_profiles[].steps[].calendar` (calendar | business, default calendar): a rung
  whose `after_due` the clause counts in working days of the contract's country.
* `recurrence.anchor: trigger` repeats an event's duty from its first due date, bounded by
  the contract end; `until: event_closed` also ends it when the event is closed.
* `obligations[].applies_if` (`cpv_prefixes`, `product_types`): a duty planned only for
  contracts with such a CPV code or, per model, models of such a product type.
* `trigger.or_earlier`: a second (contract-driven) trigger; the duty is due at whichever
  is earlier, not counting a second date before the contract start.
* `trigger.plans` (event and finding triggers): named alternative offsets; `offset` is the
  plan `normal`. Whoever records the event picks one (`priority`: a shorter deadline).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tracker.domain.durations import CalendarKind, Duration

# The trigger kinds and `{name}` references belong to the schedule engine; named here too.
from tracker.domain.templates import PARAM_REF as PARAM_REF
from tracker.domain.templates import TriggerType as TriggerType

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# A deadline plan's name, e.g. `priority`; `normal` is the trigger's own offset.
PlanName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
SEMVER = r"^\d+\.\d+\.\d+$"

Slug = Annotated[str, StringConstraints(pattern=SLUG, max_length=80)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(StrEnum):
    HUMAN_RIGHTS_DD = "human-rights-dd"
    LABOUR = "labour"
    CHEMICALS = "chemicals"
    BATTERIES = "batteries"
    MINERALS = "minerals"
    END_OF_LIFE = "end-of-life"
    CERTIFICATION = "certification"
    ENVIRONMENT = "environment"
    # Corrective actions on findings (the built-in clause that carries them).
    REMEDIATION = "remediation"


class Verification(StrEnum):
    VERIFIED = "verified"
    SECONDARY = "secondary"
    INFERENCE = "inference"


class EventName(StrEnum):
    NEW_PRODUCT_MODEL = "new_product_model"
    SUPPLIER_SITE_CHANGE = "supplier_site_change"
    BREACH_REPORTED = "breach_reported"
    MONITORING_REPORT_RECEIVED = "monitoring_report_received"
    ALLEGATION = "allegation"
    CANDIDATE_LIST_UPDATED = "candidate_list_updated"
    CERTIFICATE_CANCELLED = "certificate_cancelled"
    DELIVERY = "delivery"
    COLLECTION_BATCH = "collection_batch"
    EXPORT_SHIPMENT = "export_shipment"
    CONTRACT_AMENDED = "contract_amended"
    EVIDENCE_REQUESTED = "evidence_requested"
    # A competent authority's decision (e.g. under the Forced Labour Regulation).
    AUTHORITY_DECISION = "authority_decision"


class Confidentiality(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    RESTRICTED = "restricted"


class Recipient(StrEnum):
    SUPPLIER_COMPLIANCE_CONTACT = "supplier_compliance_contact"
    SUPPLIER_ACCOUNT_CONTACT = "supplier_account_contact"
    SUPPLIER_ESCALATION_CONTACT = "supplier_escalation_contact"
    CONTRACT_MANAGER = "contract_manager"


class ParamType(StrEnum):
    DURATION = "duration"
    INTEGER = "integer"
    DATE = "date"
    ENUM = "enum"
    STRING = "string"
    MONEY = "money"
    BOOLEAN = "boolean"


def _check_duration(value: str) -> str:
    """A literal ISO duration or a `{parameter}` reference (resolved later)."""
    if PARAM_REF.match(value):
        return value
    Duration.parse(value)
    return value


DurationText = Annotated[str, AfterValidator(_check_duration)]


class Reference(Strict):
    id: Slug
    title: str = Field(min_length=3)
    section: str | None = None
    publisher: str | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    verification: Verification
    accessed: date | None = None
    notes: str = ""


class AppliesTo(Strict):
    product_types: list[str] = []
    cpv_prefixes: list[Annotated[str, StringConstraints(pattern=r"^\d{1,8}$")]] = []
    ocds_sustainability_goals: list[str] = []
    conditions: list[str] = []


class Parameter(Strict):
    type: ParamType
    default: Any = None
    calendar: CalendarKind | None = None
    min: int | float | None = None
    max: int | float | None = None
    choices: list[str] | None = None
    label: str = ""
    description: str = ""
    source: Verification
    # The references (ids in `references`) the default rests on; `check --strict` wants
    # one with a URL and a section for every default that claims `verified`.
    references: list[Slug] = []


class EvidenceType(Strict):
    id: Slug
    label: str
    description: str = ""
    accepted_formats: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{2,5}$")]] = []
    template: str | None = None
    required_fields: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]] = []
    has_validity: bool = False
    confidentiality: Confidentiality = Confidentiality.INTERNAL
    ocds_document_type: str | None = None
    # The scheme's public lookup, `{certificate_number}` filled from the evidence's field.
    lookup_url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None


class EarlierTrigger(Strict):
    """The second trigger of "whichever is earlier": a date the contract gives or a fixed
    one, with its own offset."""

    type: TriggerType
    date: str | None = None
    offset: DurationText = "P0D"
    calendar: CalendarKind | None = None


class Trigger(Strict):
    type: TriggerType
    event: EventName | None = None
    date: str | None = None
    evidence_type: str | None = None
    offset: DurationText = "P0D"
    calendar: CalendarKind | None = None
    adjust: Literal["none", "following", "preceding"] = "none"
    # No duty falls before the contract start unless the clause says so here: a one-off
    # duty that would is due on the start date, a recurring one is skipped.
    before_start: bool = False
    # Event and finding triggers: other deadlines to choose from when the event is
    # recorded, by name (`offset` is the plan `normal`).
    plans: dict[PlanName, DurationText] = {}
    # Due at the earlier of this trigger and `or_earlier` (a one-off or event duty).
    or_earlier: EarlierTrigger | None = None


class Recurrence(Strict):
    interval: DurationText
    # `trigger`: an event-triggered duty repeats from its first due date (the event plus
    # the offset), bounded by the contract end.
    anchor: Literal["contract_start", "contract_signed", "fixed_date", "first_due", "trigger"] = (
        "contract_start"
    )
    anchor_date: str | None = None
    first: DurationText | None = None
    # `event_closed`: until the event is closed (`tracker contract event-close`).
    until: Literal["contract_end", "none", "event_closed"] = "contract_end"
    # Further bounds; whichever comes first ends the recurrence: no occurrence after
    # `ends_on` (a date or `{parameter}`), at most `count` occurrences (int or `{parameter}`).
    ends_on: str | None = None
    count: Annotated[int, Field(ge=1, le=10_000)] | str | None = None


class Acceptance(Strict):
    mode: Literal["manual", "auto_validity", "checklist"] = "manual"
    checklist: list[str] = []
    # After a rejection, the supplier resubmits within this (default: 14 calendar days).
    resubmit_within: DurationText | None = None


class Reminders(Strict):
    before_due: list[DurationText] | None = None
    after_due: list[DurationText] | None = None
    on_trigger: bool = False
    recipients: list[Recipient] | None = None


class EscalationStep(Strict):
    level: int = Field(ge=1, le=9)
    name: Slug
    after_due: DurationText | None = None
    calendar: CalendarKind = CalendarKind.CALENDAR
    action: str | None = None
    manual: bool = False
    requires_cap: bool = False
    options: list[str] = []


class EscalationProfile(Strict):
    id: Slug
    steps: list[EscalationStep] = Field(min_length=1)


class Ocds(Strict):
    milestone_type: str | None = None
    milestone_code: str | None = None


class AppliesIf(Strict):
    """A duty that applies only to some contracts or models: the contract has a CPV code
    starting with one of `cpv_prefixes`, or (per-model duties) the model's product type is
    one of `product_types`."""

    cpv_prefixes: list[Annotated[str, StringConstraints(pattern=r"^\d{1,8}$")]] = []
    product_types: list[Annotated[str, StringConstraints(min_length=1, max_length=60)]] = []


class ObligationTemplate(Strict):
    id: Slug
    title: str = Field(min_length=3)
    description: str = ""
    trigger: Trigger
    recurrence: Recurrence | None = None
    evidence: list[str] = []
    acceptance: Acceptance = Acceptance()
    reminders: Reminders | None = None
    escalation: Slug | list[EscalationStep] = "default"
    severity: Literal["normal", "priority"] = "normal"
    ocds: Ocds | None = None
    # One obligation per delivered product model (its own certificate) instead of one per
    # contract; none falls before the model's first delivery or after it is retired.
    per_model: bool = False
    # The duty applies only from this date (a date or `{parameter}`): no occurrence of a
    # contract-driven trigger falls before it ("batteries placed on the market from ...").
    applies_from: str | None = None
    # Only for models whose accepted certificate is of this generation (a literal or a
    # `{parameter}`): the re-check when that generation is archived.
    only_generation: str | None = None
    # Planned only where the condition holds; the clause's other duties as usual.
    applies_if: AppliesIf | None = None


class ClauseFile(Strict):
    schema_version: Literal[1]
    id: Slug
    version: Annotated[str, StringConstraints(pattern=SEMVER)]
    status: Literal["draft", "active", "deprecated"] = "active"
    overrides: bool = False
    title: str = Field(min_length=3)
    category: Category
    summary: str = ""
    applies_to: AppliesTo = AppliesTo()
    references: list[Reference] = Field(min_length=1)
    clause_text: str = Field(min_length=10)
    parameters: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")], Parameter
    ] = {}
    evidence_types: list[EvidenceType] = []
    obligations: list[ObligationTemplate] = Field(min_length=1)
    escalation_profiles: list[EscalationProfile] = []
    related_clauses: list[Slug] = []
    provenance_notes: str = ""

    def obligation(self, template_id: str) -> ObligationTemplate:
        for template in self.obligations:
            if template.id == template_id:
                return template
        raise KeyError(template_id)

    def evidence_type(self, type_id: str) -> EvidenceType | None:
        return next((e for e in self.evidence_types if e.id == type_id), None)
