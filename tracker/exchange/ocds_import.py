"""Import awarded contracts from OCDS publications (DOMAIN.md §4.1).

Every file is read and checked, and every contract mapped, before anything is written: a
file that is not OCDS we can read is refused whole, with the JSON pointer of the problem.
Then the new contracts are created through the contracts use case, a batch at a time
(`add_contracts`: a few hundred per transaction, an audit event for each; one it refuses is
reported with its JSON pointer and stops none of the others). Importing the same data again
changes nothing: contracts are known by `<ocid>/<contract id>`, suppliers by their
identifier, else by their exact name. A newer release of a known contract updates it
through the contract-editing use case, so changed dates re-plan future obligations nobody
has acted on (never decided or past ones), and the report lists each one moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from sqlalchemy import select
from sqlmodel import col

from tracker import validate
from tracker.context import Context
from tracker.contracts import (
    NewContract,
    NewSupplier,
    add_contracts,
    add_suppliers,
    attach_clause,
    edit_contract,
)
from tracker.contracts.results import SupplierPublic
from tracker.db import read_session
from tracker.errors import BadInput
from tracker.exchange.matching import KnownSuppliers
from tracker.exchange.ocds_read import BadPublication, Publication, read
from tracker.library.loader import Library
from tracker.models import Contract, ContractClause, ContractStatus

REFERENCE_MAX = 100
# Contracts looked up and registered together (see `add_contracts`).
BATCH = 500
# What the contract-editing use case changes; the other facts a release may change are
# reported, not applied.
EDITABLE = ("title", "start_on", "end_on", "signed_on", "value", "currency")


@dataclass(frozen=True, slots=True)
class SupplierFacts:
    name: str
    identifier: str | None  # "<scheme>-<id>", e.g. GB-COH-01234567
    country: str | None
    email: str | None
    contact_name: str | None


@dataclass(frozen=True, slots=True)
class ContractFacts:
    """What the tracker keeps of one awarded contract, read from its compiled release."""

    reference: str
    title: str
    buyer: str | None
    start_on: date
    end_on: date
    signed_on: date | None
    value: Decimal | None
    currency: str | None
    cpv_codes: tuple[str, ...]
    status: str
    supplier: SupplierFacts
    goals: tuple[str, ...]
    # Where the contract was last described: the file and the JSON pointer of the contract.
    source: str = ""
    pointer: str = ""


@dataclass(frozen=True, slots=True)
class ContractOutcome:
    reference: str
    # created | would create | unchanged | updated | would update | not applied | refused
    # | skipped
    action: str
    supplier: str
    supplier_action: str  # matched by identifier | matched by name | created | would create
    changes: list[str]
    suggested: list[str]
    attached: list[str]
    note: str
    # Obligations the update moved: "<id> <title>: <old due> -> <new due or superseded>".
    rescheduled: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportReport:
    dry_run: bool
    releases_read: int
    processes: int
    contracts: list[ContractOutcome]


@dataclass(frozen=True, slots=True)
class _Skip:
    reference: str
    supplier: str
    note: str


def import_ocds(
    ctx: Context,
    sources: Sequence[tuple[str, IO[bytes]]],
    *,
    dry_run: bool = False,
    manager_email: str | None = None,
    attach_suggested: bool = False,
) -> ImportReport:
    """Create the awarded contracts of `sources` (name, seekable binary stream) and their
    suppliers; with `dry_run`, only say what would be created or changed."""
    manager = validate.email(manager_email, field="manager_email") if manager_email else None
    publication = Publication()
    for name, stream in sources:
        read(stream, source=name, into=publication)
    releases_read, processes = publication.count, publication.processes
    found: list[ContractFacts | _Skip] = []
    for ocid, release in publication.compiled_releases():
        found += _contracts_of(ocid, release, publication)
    del publication  # what is left of it (where each contract came from) is in `found`
    suppliers = KnownSuppliers(ctx)
    outcomes: list[ContractOutcome] = []
    suggest = _Suggestions(ctx.library)
    for start in range(0, len(found), BATCH):
        outcomes += _apply_batch(
            ctx,
            found[start : start + BATCH],
            suggest=suggest,
            suppliers=suppliers,
            dry_run=dry_run,
            manager=manager,
            attach_suggested=attach_suggested,
        )
    return ImportReport(
        dry_run=dry_run,
        releases_read=releases_read,
        processes=processes,
        contracts=outcomes,
    )


# --- Reading one compiled release ------------------------------------------------------


def _contracts_of(
    ocid: str, release: dict[str, Any], publication: Publication
) -> list[ContractFacts | _Skip]:
    """The awarded contracts of one contracting process, mapped; invalid values refused."""
    contracts = release.get("contracts") or []
    if not contracts:
        return [_Skip(ocid, "", "no awarded contract in this process yet")]
    parties = {str(p.get("id")): p for p in release.get("parties") or []}
    awards = {str(a.get("id")): a for a in release.get("awards") or []}
    goals = _goals(release.get("tender") or {})
    buyer = _buyer(release, parties)
    result: list[ContractFacts | _Skip] = []
    for index, contract in enumerate(contracts):
        source, pointer = publication.origin[ocid]
        source, here = publication.where(ocid, str(contract["id"])) or (
            source,
            f"{pointer}/contracts/{index}",
        )
        reference = _clean(f"{ocid}/{contract['id']}", 1000)
        award = awards.get(str(contract.get("awardID")))
        refs = contract.get("suppliers") or (award or {}).get("suppliers") or []
        if not refs:  # some publishers name the supplier only among the parties
            refs = [p for p in parties.values() if "supplier" in (p.get("roles") or [])][:1]
        supplier = next((parties.get(str(r.get("id"))) for r in refs if r.get("id")), None)
        if supplier is None and refs:
            supplier = {"name": refs[0].get("name")}
        supplier_name = _clean((supplier or {}).get("name"), 300)
        period = contract.get("period") or {}
        start_on = _date(period.get("startDate"), source, f"{here}/period/startDate")
        end_on = _date(period.get("endDate"), source, f"{here}/period/endDate")
        if len(reference) > REFERENCE_MAX:
            result.append(_Skip(reference[:REFERENCE_MAX], supplier_name, "reference too long"))
            continue
        if supplier is None or not supplier_name:
            result.append(_Skip(reference, "", "no supplier named in the contract or its award"))
            continue
        if start_on is None or end_on is None:
            result.append(_Skip(reference, supplier_name, "no contract period (start and end)"))
            continue
        if end_on < start_on:
            raise BadPublication(
                f"{end_on} is before the start date {start_on}",
                source=source,
                pointer=f"{here}/period/endDate",
            )
        signed_on = _date(contract.get("dateSigned"), source, f"{here}/dateSigned")
        if signed_on is not None and signed_on > end_on:
            raise BadPublication(
                f"{signed_on} is after the end date {end_on}",
                source=source,
                pointer=f"{here}/dateSigned",
            )
        amount, currency = _value(contract.get("value") or {}, source, f"{here}/value")
        items = contract.get("items") or (award or {}).get("items") or []
        result.append(
            ContractFacts(
                reference=reference,
                title=_title(contract, award, release, reference),
                buyer=buyer,
                start_on=start_on,
                end_on=end_on,
                signed_on=signed_on,
                value=amount,
                currency=currency,
                cpv_codes=_cpv_codes(items),
                status=str(contract.get("status") or ContractStatus.ACTIVE.value),
                supplier=_supplier(supplier),
                goals=goals,
                source=source,
                pointer=here,
            )
        )
    return result


def _date(value: Any, source: str, pointer: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        # The calendar date as the publisher wrote it (its own offset): what the contract says.
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise BadPublication(
            f"{value!r} is not a date-time such as 2027-03-01T00:00:00Z",
            source=source,
            pointer=pointer,
        ) from None


def _value(value: dict[str, Any], source: str, pointer: str) -> tuple[Decimal | None, str | None]:
    amount, currency = value.get("amount"), value.get("currency")
    if amount is None:
        return None, None
    try:
        money = Decimal(str(amount))
    except InvalidOperation:
        raise BadPublication(
            f"{amount!r} is not an amount", source=source, pointer=f"{pointer}/amount"
        ) from None
    if money < 0:
        raise BadPublication("must not be negative", source=source, pointer=f"{pointer}/amount")
    if not currency:
        raise BadPublication(
            "an amount needs its currency", source=source, pointer=f"{pointer}/currency"
        )
    return money, str(currency)


def _clean(value: Any, max_length: int) -> str:
    """Text from a publication as the use cases accept it: one line, no control characters
    (which they refuse: checked here so that nothing half-imports)."""
    if value is None:
        return ""
    text = "".join(ch for ch in " ".join(str(value).split()) if ch.isprintable())
    return text[:max_length]


def _title(
    contract: dict[str, Any], award: dict[str, Any] | None, release: dict[str, Any], ref: str
) -> str:
    for candidate in (
        contract.get("title"),
        (award or {}).get("title"),
        (release.get("tender") or {}).get("title"),
    ):
        if candidate and str(candidate).strip():
            return _clean(candidate, 500) or ref
    return ref


def _cpv_codes(items: list[dict[str, Any]]) -> tuple[str, ...]:
    codes: set[str] = set()
    for item in items:
        for c in [item.get("classification") or {}, *(item.get("additionalClassifications") or [])]:
            if str(c.get("scheme") or "").upper() != "CPV":
                continue
            try:
                codes.add(validate.cpv(str(c.get("id")), field="cpv_codes"))
            except BadInput:
                continue  # a malformed code suggests nothing; the contract is still imported
    return tuple(sorted(codes))


def _goals(tender: dict[str, Any]) -> tuple[str, ...]:
    found = {s.get("goal") for s in tender.get("sustainability") or []}
    for lot in tender.get("lots") or []:
        found |= {s.get("goal") for s in lot.get("sustainability") or []}
    return tuple(sorted(str(g) for g in found if g))


def _buyer(release: dict[str, Any], parties: dict[str, dict[str, Any]]) -> str | None:
    ref = release.get("buyer") or {}
    party = parties.get(str(ref.get("id"))) if ref.get("id") is not None else None
    if party is None:
        party = next((p for p in parties.values() if "buyer" in (p.get("roles") or [])), None)
    name = (party or {}).get("name") or ref.get("name")
    return _clean(name, 300) or None


def _supplier(party: dict[str, Any]) -> SupplierFacts:
    identifier = party.get("identifier") or {}
    scheme, number = identifier.get("scheme"), identifier.get("id")
    contact = party.get("contactPoint") or {}
    email = contact.get("email")
    try:
        email = validate.email(str(email), field="email") if email else None
    except BadInput:
        email = None  # unusable for reminders: treated as missing
    country = (party.get("address") or {}).get("countryName")
    try:
        code = validate.country(str(country), field="country") if country else None
    except BadInput:
        code = None  # OCDS 1.1 has a country *name*; only a two-letter code is kept
    return SupplierFacts(
        name=_clean(party.get("name"), 300),
        identifier=_clean(f"{scheme}-{number}", 100) if scheme and number is not None else None,
        country=code,
        email=email,
        contact_name=_clean(contact.get("name"), 200) or None,
    )


# --- Matching and writing ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Known:
    """What the tracker already has of a batch's contracts."""

    contracts: dict[str, Contract]
    attached: dict[int, set[str]]  # contract id -> clause ids


@dataclass(frozen=True, slots=True)
class _Create:
    """A new contract to register, once its batch is complete."""

    item: ContractFacts
    supplier_id: int
    how: str
    suggested: list[str]
    to_attach: list[str]


def _known(ctx: Context, references: list[str]) -> _Known:
    with read_session(ctx.engine) as session:
        contracts = {
            c.reference: c
            for c in session.scalars(
                select(Contract).where(col(Contract.reference).in_(references))
            )
        }
        attached: dict[int, set[str]] = {}
        ids = [c.id for c in contracts.values()]
        if ids:
            for contract_id, clause_id in session.execute(
                select(col(ContractClause.contract_id), col(ContractClause.clause_id)).where(
                    col(ContractClause.contract_id).in_(ids)
                )
            ):
                attached.setdefault(contract_id, set()).add(clause_id)
    return _Known(contracts, attached)


def _apply_batch(
    ctx: Context,
    items: Sequence[ContractFacts | _Skip],
    *,
    suggest: _Suggestions,
    suppliers: KnownSuppliers,
    dry_run: bool,
    manager: str | None,
    attach_suggested: bool,
) -> list[ContractOutcome]:
    """The outcome of each item, in order. The batch's new contracts are registered
    together through `add_contracts`: a contract it refuses is reported with the JSON
    pointer of the fact refused, and stops none of the others."""
    known = _known(ctx, [i.reference for i in items if isinstance(i, ContractFacts)])
    new_suppliers: list[SupplierFacts] = []
    decided = [
        _apply(
            ctx,
            item,
            known=known,
            suggest=suggest,
            suppliers=suppliers,
            new_suppliers=new_suppliers,
            dry_run=dry_run,
            attach_suggested=attach_suggested,
        )
        for item in items
    ]
    # Placeholder id -> the registered supplier's id, or why it was refused.
    settled = suppliers.settle_added(
        _create_suppliers(ctx, new_suppliers),
        [(facts.name, _identifiers(facts)) for facts in new_suppliers],
    )
    creates = []
    for d in decided:
        if isinstance(d, _Create):
            supplier_id = settled.get(d.supplier_id, d.supplier_id)
            if isinstance(supplier_id, int):
                creates.append(_new_contract(d.item, supplier_id=supplier_id, manager=manager))
    registered = iter(add_contracts(ctx, creates))
    outcomes = []
    for d in decided:
        if isinstance(d, ContractOutcome):
            outcomes.append(d)
            continue
        refused = settled.get(d.supplier_id)
        result = refused if isinstance(refused, BadInput) else next(registered)
        if isinstance(result, BadInput):
            outcomes.append(
                ContractOutcome(
                    d.item.reference,
                    "refused",
                    d.item.supplier.name,
                    d.how,
                    [],
                    d.suggested,
                    [],
                    f"not created: {_refusal(d.item, result)}",
                )
            )
            continue
        outcomes.append(
            ContractOutcome(
                d.item.reference,
                "created",
                d.item.supplier.name,
                d.how,
                [],
                d.suggested,
                _attach_all(ctx, d.item.reference, d.to_attach),
                "",
            )
        )
    return outcomes


# Where in a release's contract each fact of `add_contract` comes from.
_POINTERS = {
    "title": "/title",
    "start_on": "/period/startDate",
    "end_on": "/period/endDate",
    "signed_on": "/dateSigned",
    "value": "/value/amount",
    "currency": "/value/currency",
    "cpv_codes": "/items",
    "status": "/status",
}


def _refusal(item: ContractFacts, exc: BadInput) -> str:
    sub = _POINTERS.get(exc.field or "")
    if sub is None:
        return f"{exc.field}: {exc.message}" if exc.field else exc.message
    return f"{item.source} at {item.pointer}{sub}: {exc.message}"


def _apply(
    ctx: Context,
    item: ContractFacts | _Skip,
    *,
    known: _Known,
    suggest: _Suggestions,
    suppliers: KnownSuppliers,
    new_suppliers: list[SupplierFacts],
    dry_run: bool,
    attach_suggested: bool,
) -> ContractOutcome | _Create:
    if isinstance(item, _Skip):
        return ContractOutcome(item.reference, "skipped", item.supplier, "", [], [], [], item.note)
    suggested = suggest(item.cpv_codes, item.goals)
    existing = known.contracts.get(item.reference)
    attached_already = known.attached.get(existing.id or 0, set()) if existing else set()
    supplier_id, how = suppliers.match(item.supplier.identifier, item.supplier.name)
    to_attach = [c for c in suggested if c not in attached_already] if attach_suggested else []
    if existing is not None:
        return _update(
            ctx,
            existing,
            item,
            how=how or "as registered",
            dry_run=dry_run,
            suggested=suggested,
            to_attach=to_attach,
        )
    if supplier_id is None and item.supplier.email is None:
        return ContractOutcome(
            item.reference,
            "skipped",
            item.supplier.name,
            "",
            [],
            suggested,
            [],
            "the supplier is not registered and the publication gives no contact email for "
            "reminders: register it first (with its identifier), then import again",
        )
    if dry_run:
        if supplier_id is None:  # later contracts of the same supplier would find it
            known_ids = [item.supplier.identifier] if item.supplier.identifier else []
            suppliers.remember(0, item.supplier.name, known_ids)
        return ContractOutcome(
            item.reference,
            "would create",
            item.supplier.name,
            how or "would create",
            [],
            suggested,
            to_attach,
            "",
        )
    if supplier_id is None:
        # Registered with the batch's other new suppliers; until then later contracts of
        # the batch find it under a placeholder id.
        supplier_id = -len(new_suppliers) - 1
        new_suppliers.append(item.supplier)
        suppliers.remember(supplier_id, item.supplier.name, _identifiers(item.supplier))
        how = "created"
    return _Create(item, supplier_id, how, suggested, to_attach)


def _identifiers(facts: SupplierFacts) -> list[str]:
    return [facts.identifier] if facts.identifier else []


def _update(
    ctx: Context,
    existing: Contract,
    item: ContractFacts,
    *,
    how: str,
    dry_run: bool,
    suggested: list[str],
    to_attach: list[str],
) -> ContractOutcome:
    """Apply a newer release to a known contract through the contract-editing use case."""
    differing = _differing(existing, item)
    changes = [f"{name}: {old} -> {new}" for name, old, new in differing]
    # A release that leaves a fact out (or empties it) does not erase what the tracker has.
    edits: dict[str, Any] = {
        n: new for n, _, new in differing if n in EDITABLE and new not in (None, "")
    }
    kept = [n for n, _, new in differing if n not in edits]
    note = f"not applied (change by hand if needed): {', '.join(kept)}" if kept else ""
    if dry_run or not changes:
        return ContractOutcome(
            item.reference,
            "would update" if changes else "unchanged",
            item.supplier.name,
            how,
            changes,
            suggested,
            to_attach if dry_run else _attach_all(ctx, item.reference, to_attach),
            note,
        )
    moved: list[str] = []
    if edits:
        try:
            edited = edit_contract(ctx, item.reference, **edits)
        except BadInput as exc:
            return ContractOutcome(
                item.reference,
                "refused",
                item.supplier.name,
                how,
                changes,
                suggested,
                [],
                f"not updated: {exc.message}",
            )
        moved = [
            f"{r.obligation_id} {r.obligation}: {r.old_due_on or 'new'} -> "
            f"{r.new_due_on or 'superseded'}"
            for r in edited.rescheduled
        ]
    return ContractOutcome(
        item.reference,
        "updated" if edits else "not applied",
        item.supplier.name,
        how,
        changes,
        suggested,
        _attach_all(ctx, item.reference, to_attach),
        note,
        moved,
    )


def _differing(existing: Contract, item: ContractFacts) -> list[tuple[str, object, object]]:
    pairs: list[tuple[str, object, object]] = [
        ("title", existing.title, item.title),
        ("buyer", existing.buyer, item.buyer),
        ("start_on", existing.start_on, item.start_on),
        ("end_on", existing.end_on, item.end_on),
        ("signed_on", existing.signed_on, item.signed_on),
        ("value", existing.value_amount, item.value),
        ("currency", existing.currency, item.currency and item.currency.upper()),
        ("cpv_codes", sorted(existing.cpv_codes), sorted(item.cpv_codes)),
        ("status", existing.status, item.status),
    ]
    return [(name, old, new) for name, old, new in pairs if not _same(old, new)]


def _same(old: object, new: object) -> bool:
    if isinstance(old, Decimal) and isinstance(new, Decimal):
        return old.compare(new) == 0
    return old == new


def suggest_clauses(library: Library, cpv_codes: Sequence[str], goals: Sequence[str]) -> list[str]:
    """Active clauses whose CPV prefixes match an item, or whose sustainability goals match
    one of the tender's."""
    found = []
    for clause in library:
        if clause.status != "active":
            continue
        applies = clause.applies_to
        by_cpv = any(code.startswith(p) for code in cpv_codes for p in applies.cpv_prefixes)
        by_goal = bool(set(goals) & set(applies.ocds_sustainability_goals))
        if by_cpv or by_goal:
            found.append(clause.id)
    return sorted(found)


class _Suggestions:
    """`suggest_clauses` remembered per (CPV codes, goals): a publication repeats a few
    combinations thousands of times. The lists are shared: nobody changes them."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.known: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}

    def __call__(self, cpv_codes: tuple[str, ...], goals: tuple[str, ...]) -> list[str]:
        key = (cpv_codes, goals)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = suggest_clauses(self.library, cpv_codes, goals)
        return found


# --- Calls into the contracts package.


def _create_suppliers(
    ctx: Context, suppliers: list[SupplierFacts]
) -> list[SupplierPublic | BadInput]:
    new = []
    for facts in suppliers:
        assert facts.email is not None
        new.append(
            NewSupplier(
                name=facts.name,
                email=facts.email,
                country=facts.country,
                identifiers=_identifiers(facts),
                contact_name=facts.contact_name,
            )
        )
    return add_suppliers(ctx, new) if new else []


def _new_contract(item: ContractFacts, *, supplier_id: int, manager: str | None) -> NewContract:
    return NewContract(
        reference=item.reference,
        supplier_id=supplier_id,
        title=item.title,
        start_on=item.start_on,
        end_on=item.end_on,
        signed_on=item.signed_on,
        manager_email=manager,
        buyer=item.buyer,
        value=item.value,
        currency=item.currency,
        cpv_codes=list(item.cpv_codes),
        status=item.status,
    )


def _attach_all(ctx: Context, reference: str, clause_ids: list[str]) -> list[str]:
    """Attach each clause with its default parameters; one that needs values of its own
    is left for the contract manager (the rest are still attached)."""
    attached = []
    for clause_id in clause_ids:
        try:
            attach_clause(ctx, reference, clause_id)
        except BadInput:
            continue
        attached.append(clause_id)
    return attached
