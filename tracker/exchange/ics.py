"""Calendar feeds (iCalendar, RFC 5545): each obligation as an all-day event on its due date.

A feed is rebuilt from the data on every request and changes nothing, so a calendar app (or
a mail scanner) fetching it is harmless. What a calendar needs to update events in place is
derived, not stored:

* UID `obligation-<id>@<host of TRACKER_BASE_URL>`: stable for the life of the obligation.
* SEQUENCE counts the changes a calendar must apply: each recorded change of the due date
  (the audit trail keeps the dates before and after, both for the obligation's own changes
  and for those a change of contract dates moved), plus one when the obligation is
  closed (fulfilled or cancelled). The title of an obligation never changes once planned.
  Deriving it from the audit trail, rather than storing "what was last published", keeps a
  GET free of writes and gives every subscriber the same numbers.
* DTSTAMP and LAST-MODIFIED are the obligation's own `updated_at`, so the same data gives
  the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Alarm, Calendar, Event, vDuration
from icalendar.enums import STATUS, TRANSP
from sqlalchemy import select
from sqlmodel import Session, col

from tracker.context import Context
from tracker.db import read_session
from tracker.domain.durations import Duration
from tracker.domain.policy import DEFAULT_BEFORE
from tracker.domain.status import ObligationStatus
from tracker.exchange.scope import Scope, contracts_in
from tracker.library.parameters import JsonValue
from tracker.library.schema import ClauseFile, ObligationTemplate
from tracker.models import AuditEvent, Contract, ContractClause, Obligation, Supplier
from tracker.obligations.planning import ClauseCache, cached_policy

PRODID = "-//Clause Tracker//Obligations//EN"
# How often calendar apps should fetch the feed again (Google ignores it and takes hours).
REFRESH = timedelta(hours=6)
# Closed obligations stay in the feed this long, so subscribers see them marked or cancelled
# instead of silently vanishing.
KEEP_CLOSED = timedelta(days=90)
FALLBACK_HOST = "clause-tracker.invalid"

FULFILLED = frozenset({ObligationStatus.ACCEPTED.value})
CANCELLED = frozenset(
    {
        ObligationStatus.WAIVED.value,
        ObligationStatus.NOT_APPLICABLE.value,
        ObligationStatus.SUPERSEDED.value,
    }
)


@dataclass(frozen=True, slots=True)
class CalendarFeed:
    """The bytes of one feed, ready to be written to a file or served."""

    name: str
    content: bytes
    events: int
    media_type: str = "text/calendar; charset=utf-8"


@dataclass(frozen=True, slots=True)
class _Item:
    obligation: Obligation
    contract: Contract
    supplier: str
    clause: ClauseFile
    template: ObligationTemplate
    parameters: dict[str, JsonValue]


def calendar_feed(
    ctx: Context, scope: Scope, *, title: str | None = None, for_supplier: bool = False
) -> CalendarFeed:
    """The feed of every obligation in `scope`: open ones, and closed ones for a while.

    `for_supplier`: the feed of a supplier contact, who has no account: events point to the
    reminder email's portal link instead of the managers' obligation pages."""
    host = urlsplit(ctx.settings.base_url).hostname or FALLBACK_HOST
    base = ctx.settings.base_url.rstrip("/")
    with read_session(ctx.engine) as session:
        contracts = contracts_in(session, scope)
        items = list(_items(session, contracts, since=ctx.now - KEEP_CLOSED))
        changes = _date_changes(session, [c.id for c in contracts if c.id is not None])
    name = f"Clause Tracker: {title or scope.label()}"
    calendar = Calendar.new(
        name=name,
        description="Deadlines of the ethical clauses of public contracts",
        method="PUBLISH",
        prodid=PRODID,
        uid=f"calendar-{_scope_key(scope)}@{host}",
    )
    # RFC 7986 wants VALUE=DURATION on REFRESH-INTERVAL; X-PUBLISHED-TTL is the older name.
    calendar.add("REFRESH-INTERVAL", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    for item in items:
        calendar.add_component(
            _event(
                item,
                host=host,
                base_url=base,
                changes=changes[str(item.obligation.id)],
                reminder_hour=ctx.settings.reminder_hour,
                for_supplier=for_supplier,
            )
        )
    return CalendarFeed(name=name, content=calendar.to_ical(), events=len(items))


def _scope_key(scope: Scope) -> str:
    if scope.contract is not None:
        return f"contract-{scope.contract}"
    if scope.manager_email is not None:
        return f"manager-{scope.manager_email.lower()}"
    if scope.supplier_id is not None:
        return f"supplier-{scope.supplier_id}"
    return "all"


def _items(session: Session, contracts: list[Contract], *, since: datetime) -> Iterable[_Item]:
    by_id = {c.id: c for c in contracts}
    if not by_id:
        return
    suppliers = {
        s.id: s.name
        for s in session.scalars(
            select(Supplier).where(col(Supplier.id).in_({c.supplier_id for c in contracts}))
        )
    }
    closed = CANCELLED | FULFILLED
    cache = ClauseCache(session)
    rows = session.execute(
        select(Obligation, ContractClause)
        .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
        .where(col(Obligation.contract_id).in_(list(by_id)))
        .where(col(Obligation.status).not_in(closed) | (col(Obligation.updated_at) >= since))
        .order_by(col(Obligation.due_on), col(Obligation.id))
    )
    for obligation, attachment in rows:
        contract = by_id[obligation.contract_id]
        clause = cache(attachment.clause_version_id)
        yield _Item(
            obligation=obligation,
            contract=contract,
            supplier=suppliers.get(contract.supplier_id, ""),
            clause=clause,
            template=clause.obligation(obligation.template_id),
            parameters=dict(attachment.parameters),
        )


def _date_changes(session: Session, contract_ids: list[int]) -> Counter[str]:
    """How often each obligation's due date was changed, from the audit trail: the
    obligation's own events (a rejection, an extension) and the obligations a change of
    contract dates moved (listed under `rescheduled` in the contract's event)."""
    changed: Counter[str] = Counter()
    if not contract_ids:
        return changed
    rows = session.execute(
        select(col(AuditEvent.entity_id), col(AuditEvent.before), col(AuditEvent.after)).where(
            col(AuditEvent.entity) == "obligation",
            col(AuditEvent.contract_id).in_(contract_ids),
        )
    )
    for entity_id, before, after in rows:
        if before and after and before.get("due_on") != after.get("due_on"):
            changed[entity_id] += 1
    edits = session.execute(
        select(col(AuditEvent.after)).where(
            col(AuditEvent.entity) == "contract",
            col(AuditEvent.contract_id).in_(contract_ids),
        )
    )
    for (after,) in edits:
        for moved in (after or {}).get("rescheduled") or ():
            old, new = moved.get("old_due_on"), moved.get("new_due_on")
            if old is not None and new is not None and old != new:
                changed[str(moved.get("obligation_id"))] += 1
    return changed


def _event(
    item: _Item,
    *,
    host: str,
    base_url: str,
    changes: int,
    reminder_hour: int,
    for_supplier: bool,
) -> Event:
    o = item.obligation
    status = o.status
    link = None if for_supplier else f"{base_url}/obligations/{o.id}"
    summary = f"{item.contract.reference}: {o.title}"
    if status in FULFILLED:
        summary = f"Done: {summary}"
    event = Event.new(
        uid=f"obligation-{o.id}@{host}",
        # A plain DATE in the contract's timezone; the end is exclusive (the next day).
        start=o.due_on,
        end=o.due_on + timedelta(days=1),
        summary=summary,
        description=_description(item, link),
        url=link,
        sequence=changes + (1 if status in FULFILLED | CANCELLED else 0),
        stamp=o.updated_at,
        last_modified=o.updated_at,
        status=STATUS.CANCELLED if status in CANCELLED else STATUS.CONFIRMED,
        transparency=TRANSP.TRANSPARENT,
        categories=["Clause Tracker", item.clause.category.value],
    )
    if status not in FULFILLED | CANCELLED:
        at = item.contract.reminder_minute
        minutes = at if at is not None else reminder_hour * 60
        for days in _reminder_days(item):
            event.add_component(_alarm(summary, days=days, due_on=o.due_on, minutes=minutes))
    return event


def _description(item: _Item, link: str | None) -> str:
    o = item.obligation
    evidence = [
        kind.label if (kind := item.clause.evidence_type(type_id)) else type_id
        for type_id in item.template.evidence
    ]
    lines = [
        f"Evidence due: {', '.join(evidence) if evidence else 'see the obligation'}.",
        f"Contract {item.contract.reference} ({item.contract.title}), supplier {item.supplier}.",
        f"Clause: {item.clause.title}.",
        f"Status: {o.status.replace('_', ' ')}.",
    ]
    if o.rescheduled_from is not None:
        lines.append(f"Originally due on {o.rescheduled_from.isoformat()}.")
    lines.append(link or "Send it through the portal link in your reminder email.")
    return "\n".join(lines)


def _reminder_days(item: _Item) -> list[int]:
    policy = cached_policy(item.clause, item.template, item.parameters)
    steps = policy.inputs.before_due
    texts = steps if steps is not None else DEFAULT_BEFORE
    return sorted({d for t in texts if (d := Duration.parse(t).total_days) > 0}, reverse=True)


def _alarm(summary: str, *, days: int, due_on: date, minutes: int) -> Alarm:
    # Relative to the start of the all-day event (local midnight), at the time reminder
    # emails go out (the contract's own or the site's), so the alarm and the email arrive
    # together.
    alarm = Alarm.new(description=f"In {days} days: {summary}")
    alarm.add("ACTION", "DISPLAY")
    alarm.add("TRIGGER", -timedelta(days=days) + timedelta(minutes=minutes))
    return alarm
