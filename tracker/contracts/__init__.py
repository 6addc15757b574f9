"""Contracts: suppliers and their contacts, contracts, attached clauses, events, upgrades.

The use cases every door (CLI, web, API) calls; each returns a typed record from
`tracker.contracts.results` and raises `BadInput` naming the field in its own words.
"""

from tracker.contracts.attach_preview import AttachPreview, preview_attachment
from tracker.contracts.detail import get_contract
from tracker.contracts.editing import edit_contract
from tracker.contracts.event_closing import close_event
from tracker.contracts.lifecycle import detach_clause, end_contract
from tracker.contracts.model_standing import ContractModels, contract_models, model_rows
from tracker.contracts.models_delivered import add_model, list_models, retire_model
from tracker.contracts.money import parse_amount
from tracker.contracts.register import (
    NewContract,
    add_contract,
    add_contracts,
    attach_clause,
    list_contracts,
    raise_event,
)
from tracker.contracts.suppliers import (
    NewSupplier,
    add_contact,
    add_supplier,
    add_suppliers,
    edit_contact,
    edit_supplier,
    get_supplier,
    list_suppliers,
    remove_contact,
)
from tracker.contracts.upgrades import known_versions, upgrade_clause

__all__ = [
    "AttachPreview",
    "ContractModels",
    "NewContract",
    "NewSupplier",
    "add_contact",
    "add_contract",
    "add_contracts",
    "add_model",
    "add_supplier",
    "add_suppliers",
    "attach_clause",
    "close_event",
    "contract_models",
    "detach_clause",
    "edit_contact",
    "edit_contract",
    "edit_supplier",
    "end_contract",
    "get_contract",
    "get_supplier",
    "known_versions",
    "list_contracts",
    "list_models",
    "list_suppliers",
    "model_rows",
    "parse_amount",
    "preview_attachment",
    "raise_event",
    "remove_contact",
    "retire_model",
    "upgrade_clause",
]
