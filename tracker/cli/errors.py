"""How the CLI names a use case's field: the option or argument a user typed."""

from __future__ import annotations

from tracker.errors import BadInput

# Fields whose option is not simply the field with dashes (`end_on` -> `--end`). Fields with a
# dot name a member of a repeated option (`params.period` -> `--param period`).
OPTIONS: dict[str, str] = {
    "start_on": "--start",
    "end_on": "--end",
    "signed_on": "--signed",
    "timezone": "--timezone",
    "country": "--country",
    "manager_email": "--manager",
    "supplier_id": "--supplier",
    "contract": "--contract",
    "reference": "REFERENCE",
    "supplier": "SUPPLIER_ID",
    "obligation_id": "OBLIGATION_ID",
    "evidence_id": "EVIDENCE_ID",
    "link_id": "ID",
    "language": "LANGUAGE",
    "finding_id": "FINDING_ID",
    "outbox_id": "ID",
    "cpv_codes": "--cpv",
    "params": "--param",
    "fields": "--field",
    "evidence_type": "--type",
    "valid_from": "--valid-from",
    "valid_until": "--valid-until",
    "value": "--value",
    "now": "--now",
    "identifiers": "--identifier",
    "supplier_name": "NAME",
    "clause_id": "CLAUSE_ID",
    "event": "EVENT",
    "occurred_on": "--on",
    "ended_on": "--on",
    "closed_on": "--on",
    "event_id": "EVENT_ID",
    "plan_from": "--from",
    "contact_id": "CONTACT_ID",
    "model_id": "MODEL_ID",
    "files": "FILE",
    "cap": "--no-cap",
    "run_id": "RUN_ID",
    "schedule_id": "ID",
    "dest": "DEST",
    "file": "FILE",
    "formats": "--format",
    "source": "DIR",
    "first_on": "DATE",
    "last_on": "--to",
}


def option_for(field: str) -> str:
    """The CLI's name for `field`: `end_on` -> `--end`, `params.period` -> `--param period`."""
    head, _, member = field.partition(".")
    name = OPTIONS.get(head)
    if name is None:
        name = head if head.isupper() else "--" + head.replace("_", "-")
    return f"{name} {member}" if member else name


def cli_message(exc: BadInput) -> str:
    if exc.field is None:
        return exc.message
    return f"{option_for(exc.field)}: {exc.message}"
