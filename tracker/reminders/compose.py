"""Compose reminder rows into outbox messages: rendered once, sent by the relay.

Suppliers get one email per contact, contract and day listing everything due; contract
managers get one daily digest across their contracts. Reminder rows are the durable
record (written with the obligation's state change); composing is restartable: rows not
yet in a message are picked up by the next pass.

Each email groups its items by what they are now (formal notice, overdue, due today,
coming up ...), each under its own heading, counted from the day the email is written in
the contract's timezone. Rows are claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the
write lock on SQLite), so concurrent workers never compose the same rows; the message of
one (recipient, contract or digest, day) has one key, and rows that arrive for it later
join it while it is still unsent. A row that cannot be written (an address the writer
refuses) becomes a failed message with the reason; the others are sent.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.utils import parseaddr
from functools import lru_cache
from typing import Any

from sqlalchemy import func, literal, select, text, tuple_
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from tracker.bulk import insert_new_returning, update_by_id, update_rows
from tracker.domain.policy import Kind, Role, reminders_paused
from tracker.domain.schedule import local_today
from tracker.library.schema import ClauseFile
from tracker.mail.message import domain_of, new_message_id, render_bytes
from tracker.models import (
    Contract,
    ContractClause,
    Evidence,
    EvidenceStatus,
    Obligation,
    OutboxMessage,
    OutboxStatus,
    Reminder,
    Supplier,
    table_of,
)
from tracker.portal.contacts import recipient_language
from tracker.portal.mailing import mark, placeholder_url
from tracker.reminders.shortlist import DEFAULT_LIMIT, shortlist
from tracker.reminders.wording import Words, words_for
from tracker.rendering import Fields, render

log = logging.getLogger(__name__)

BATCH_ROWS = 2000


@dataclass(frozen=True)
class Section:
    """One heading of an email: what its items are, loudest first."""

    key: str
    kind: Kind  # the message kind when this is the loudest section
    label: str  # in the subject
    heading: str
    intro: str


SECTIONS = (
    Section(
        "decision_needed",
        Kind.DECISION_NEEDED,
        "Decision needed",
        "Decision needed",
        "These obligations have gone through every automatic step of the escalation "
        "ladder without being fulfilled. The next steps in the contract (such as suspending "
        "call-offs, replacement purchases, price deductions or termination) need the "
        "contract manager's decision; Clause Tracker will not take them.",
    ),
    Section(
        "escalated",
        Kind.ESCALATION,
        "Escalated to senior management",
        "Escalated to senior management",
        "These obligations remain unfulfilled long after the due date. The matter has been "
        "raised with the supplier's senior management (its escalation contact) and the "
        "contract manager. Please send the evidence, or a corrective action plan with "
        "dates, without delay.",
    ),
    Section(
        "formal_notice",
        Kind.ESCALATION,
        "Formal notice",
        "Formal notice of non-compliance",
        "These obligations remain unfulfilled well after the due date. This is a notice of "
        "non-compliance under the contract. Please send the evidence, or a corrective "
        "action plan with dates, without delay.",
    ),
    Section(
        "action_required",
        Kind.ACTION_REQUIRED,
        "Action required",
        "Action required",
        'We need you to act on these items. The reason is given under "Why", and the date '
        'under "Due" is the deadline.',
    ),
    Section(
        "overdue",
        Kind.OVERDUE,
        "Overdue",
        "Overdue",
        "We have not yet received what these obligations ask for, and they are now "
        "overdue. Please send it as soon as possible, or tell us when you will.",
    ),
    Section("due_today", Kind.DUE_TODAY, "Due today", "Due today", "These are due today."),
    Section("upcoming", Kind.UPCOMING, "Coming due", "Coming up", "These are coming due."),
)
_BY_KEY = {s.key: s for s in SECTIONS}
_ORDER = {s.key: i for i, s in enumerate(SECTIONS)}


@dataclass(frozen=True)
class MailSettings:
    sender: str
    base_url: str
    manager_digest: bool = True
    max_items: int = DEFAULT_LIMIT  # listed per email; the rest are counted
    # Per contract manager: submissions waiting for review (filled in for each batch).
    waiting_reviews: dict[str, int] = field(default_factory=dict)


def due_words(due_on: date, today: date) -> str:
    days = (due_on - today).days
    if days == 0:
        return "due today"
    if days > 0:
        return f"due in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} overdue"


def section_of(kind: str, level: int, due_on: date, today: date) -> str:
    """Which heading an item goes under, by what it is on `today` (the day the email is
    written): a step planned long ago but written late is described as it stands now."""
    days = (due_on - today).days
    if kind == Kind.DECISION_NEEDED and days < 0:
        return "decision_needed"
    if kind == Kind.ESCALATION and days < 0:
        return "escalated" if level >= 3 else "formal_notice"
    if kind == Kind.ACTION_REQUIRED:
        return "action_required"
    if days < 0:
        return "overdue"
    return "due_today" if days == 0 else "upcoming"


GroupKey = tuple[str, str, int | None, date]


def _group_key(row: Any, digest: bool) -> GroupKey:
    if digest and row.recipient_role == Role.CONTRACT_MANAGER.value:
        return ("digest", row.recipient, None, row.local_date)
    return ("contract", row.recipient, row.contract_id, row.local_date)


def key_text(key: GroupKey) -> str:
    group, recipient, contract_id, local_date = key
    return f"{group}:{recipient}:{contract_id or '*'}:{local_date}"


def reminder_items() -> Any:
    """Reminder rows with what an email says about them: obligation, contract, supplier."""
    return (
        select(
            col(Reminder.id),
            col(Reminder.recipient),
            col(Reminder.recipient_role),
            col(Reminder.contract_id),
            col(Reminder.local_date),
            col(Reminder.kind),
            col(Reminder.level),
            col(Reminder.note),
            col(Obligation.id).label("obligation_id"),
            col(Obligation.title),
            col(Obligation.template_id),
            # The obligation's due date now (a rescheduled one is told as it stands).
            col(Obligation.due_on),
            col(Obligation.status).label("obligation_status"),
            col(ContractClause.clause_version_id),
            col(Contract.reference),
            col(Contract.title).label("contract_title"),
            col(Contract.buyer),
            col(Contract.manager_email),
            col(Contract.timezone),
            col(Supplier.name).label("supplier"),
            recipient_language(),
        )
        .join(Obligation, col(Obligation.id) == col(Reminder.obligation_id))
        .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
        .join(Contract, col(Contract.id) == col(Reminder.contract_id))
        .join(Supplier, col(Supplier.id) == col(Contract.supplier_id))
    )


@dataclass
class _Existing:
    id: int
    mergeable: bool


# Where compose reads the backlog: (recipient, local_date, contract_id, id), the order of
# `ix_reminder_unassigned`.
BacklogKey = tuple[str, date, int, int]


def _backlog_key(row: Any) -> BacklogKey:
    return (row.recipient, row.local_date, row.contract_id, row.id)


@dataclass
class Backlog:
    """How far one compose pass has read the backlog: each batch continues from there
    (keyset), so a catch-up reads every unassigned row about once instead of re-reading
    and sorting all that is left for every batch. Rows added behind it, or skipped while
    another worker held them, are read by the next pass."""

    start: BacklogKey | None = None
    inclusive: bool = True


_WALK_IN_ORDER = ("enable_sort", "enable_bitmapscan")


def _backlog_batch(session: Session, backlog: Backlog, batch_rows: int) -> list[Any]:
    order = (
        col(Reminder.recipient),
        col(Reminder.local_date),
        col(Reminder.contract_id),
        col(Reminder.id),
    )
    stmt: Any = reminder_items().where(col(Reminder.outbox_id).is_(None))
    if backlog.start is not None:
        position = tuple_(*order)
        start = tuple_(*(literal(v) for v in backlog.start))
        stmt = stmt.where(position >= start if backlog.inclusive else position > start)
    stmt = stmt.order_by(*order).limit(batch_rows)
    if session.get_bind().dialect.name != "postgresql":
        return list(session.execute(stmt))
    # Claim the rows: another worker composing now skips them instead of racing.
    stmt = stmt.with_for_update(skip_locked=True, of=Reminder)
    # Statistics from before the backlog existed (autovacuum late or off) make PostgreSQL
    # fetch every row after the start key through a bitmap and sort them all, each batch;
    # walking the index in order and stopping after `batch_rows` is right at any size.
    for setting in _WALK_IN_ORDER:
        session.execute(text(f"SET LOCAL {setting} = off"))
    try:
        return list(session.execute(stmt))
    finally:
        for setting in _WALK_IN_ORDER:
            session.execute(text(f"SET LOCAL {setting} TO DEFAULT"))


def compose_batch(
    session: Session,
    *,
    now: datetime,
    mail: MailSettings,
    clauses: Callable[[int], ClauseFile],
    batch_rows: int = BATCH_ROWS,
    backlog: Backlog | None = None,
) -> int:
    """Turn unassigned reminder rows into messages; returns how many messages were made
    or extended (0: nothing left that this worker may take). With `backlog`, the batch
    starts where the previous one of the same pass stopped, and moves it on."""
    backlog = backlog if backlog is not None else Backlog()
    rows = _backlog_batch(session, backlog, batch_rows)
    if not rows:
        return 0
    postgres = session.get_bind().dialect.name == "postgresql"
    groups: dict[GroupKey, list[Any]] = defaultdict(list)
    for row in rows:
        groups[_group_key(row, mail.manager_digest)].append(row)
    if len(rows) == batch_rows and len(groups) > 1:
        # The last group may continue beyond this batch: leave it whole for the next one,
        # which starts at its first row.
        left = groups.pop(_group_key(rows[-1], mail.manager_digest))
        backlog.start, backlog.inclusive = _backlog_key(left[0]), True
    else:
        backlog.start, backlog.inclusive = _backlog_key(rows[-1]), False
    managers = {key[1] for key in groups if key[0] == "digest"}
    if managers:
        mail = replace(mail, waiting_reviews=waiting_reviews(session, managers))
    assigned: list[tuple[int, int]] = []
    waiting = dict(groups)
    # A key another worker inserted meanwhile is seen (committed) by the next round, which
    # adds the rows to that message; three rounds settle any race between two workers.
    for _ in range(3):
        if not waiting:
            break
        waiting = _place(
            session, waiting, assigned, now=now, mail=mail, clauses=clauses, postgres=postgres
        )
    update_by_id(session, table_of(Reminder), "outbox_id", assigned)
    return len({oid for _, oid in assigned})


def waiting_reviews(session: Session, managers: set[str]) -> dict[str, int]:
    """How many submissions wait for review on each manager's contracts."""
    rows = session.execute(
        select(col(Contract.manager_email), func.count(col(Evidence.id)))
        .join(Contract, col(Contract.id) == col(Evidence.contract_id))
        .where(
            col(Evidence.status) == EvidenceStatus.SUBMITTED.value,
            col(Contract.manager_email).in_(managers),
        )
        .group_by(col(Contract.manager_email))
    )
    return {manager: int(n) for manager, n in rows}


def _place(
    session: Session,
    groups: dict[GroupKey, list[Any]],
    assigned: list[tuple[int, int]],
    *,
    now: datetime,
    mail: MailSettings,
    clauses: Callable[[int], ClauseFile],
    postgres: bool,
) -> dict[GroupKey, list[Any]]:
    """Put each group in its message: a new one, the unsent one of its key, or (that one
    is being sent) a message of its own. Returns the groups that lost an insert race."""
    existing = _existing(session, [key_text(k) for k in groups], lock=postgres)
    earlier = _rows_of(session, [found.id for found in existing.values() if found.mergeable])
    new: list[tuple[GroupKey, list[Any], dict[str, Any]]] = []
    extended: list[dict[str, Any]] = []
    for key, members in groups.items():
        text_key = key_text(key)
        found = existing.get(text_key)
        if found is not None and found.mergeable:
            # Rows that arrived after the message was written join it while it is unsent.
            values = _compose(
                key, text_key, earlier[found.id] + members, now=now, mail=mail, clauses=clauses
            )
            extended.append({k: v for k, v in values.items() if k not in _KEEP} | {"id": found.id})
            assigned += [(m.id, found.id) for m in members]
            continue
        if found is not None:
            # Already (being) sent: these rows go out as a message of their own.
            text_key = f"{text_key}:{min(m.id for m in members)}"
        new.append(
            (key, members, _compose(key, text_key, members, now=now, mail=mail, clauses=clauses))
        )
    if extended:
        # One executemany for every message extended in this batch, not a round trip each.
        update_rows(session, table_of(OutboxMessage), extended)
    if not new:
        return {}
    table = table_of(OutboxMessage)
    rows = [values for _, _, values in new]
    if postgres:
        # No conflict target: the Message-ID follows from the group key, so two workers
        # racing to insert one key collide on both unique keys. With only `group_key` as
        # the arbiter, PostgreSQL checks the other (message_id) the plain way and raises
        # instead of skipping; with every unique key an arbiter, the loser skips and its
        # next round extends the winner's message.
        inserted = insert_new_returning(
            session, table, rows, conflict=None, returning=["group_key", "id"]
        )
    else:
        stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=["group_key"])
        inserted = list(session.execute(stmt.returning(table.c.group_key, table.c.id), rows))
    made = {group_key: oid for group_key, oid in inserted}
    lost: dict[GroupKey, list[Any]] = {}
    for key, members, values in new:
        if values["group_key"] in made:
            assigned += [(m.id, made[values["group_key"]]) for m in members]
        else:
            lost[key] = members
    return lost


# What extending a message leaves as it was: its identity, age and delivery state.
_KEEP = frozenset({"message_id", "group_key", "created_at", "next_attempt_at", "attempts"})


def _rows_of(session: Session, outbox_ids: list[int]) -> dict[int, list[Any]]:
    """The reminder rows already in each of these messages, in the order they were
    written (one SELECT for the batch)."""
    found: dict[int, list[Any]] = defaultdict(list)
    if not outbox_ids:
        return found
    stmt = (
        reminder_items()
        .add_columns(col(Reminder.outbox_id))
        .where(col(Reminder.outbox_id).in_(outbox_ids))
        .order_by(col(Reminder.outbox_id), col(Reminder.id))
    )
    for row in session.execute(stmt):
        found[row.outbox_id].append(row)
    return found


def _existing(session: Session, keys: list[str], *, lock: bool) -> dict[str, _Existing]:
    stmt: Any = select(
        col(OutboxMessage.group_key),
        col(OutboxMessage.id),
        col(OutboxMessage.status),
        col(OutboxMessage.attempts),
        col(OutboxMessage.lease_owner),
    ).where(col(OutboxMessage.group_key).in_(keys))
    if lock:
        # Locked in one order by every worker, so two never wait on each other.
        stmt = stmt.order_by(col(OutboxMessage.group_key))
        stmt = stmt.with_for_update()
    return {
        key: _Existing(oid, status == OutboxStatus.PENDING.value and not attempts and not owner)
        for key, oid, status, attempts, owner in session.execute(stmt)
    }


# (clause object, template id) -> (the clause, its words): the clause is kept, so its id
# cannot be taken by another object while the entry lives. Clause versions are few.
_CLAUSE_WORDS: dict[tuple[int, str], tuple[ClauseFile, str, str, list[str]]] = {}
_CLAUSE_WORDS_MAX = 4096


def _clause_words(clause: ClauseFile, template_id: str) -> tuple[str, str, list[str]]:
    """What every item of one clause version's duty says about the clause: its id, title
    and the evidence it accepts (read-only views shared by those items)."""
    key = (id(clause), template_id)
    found = _CLAUSE_WORDS.get(key)
    if found is None or found[0] is not clause:
        template = clause.obligation(template_id)
        kinds = [clause.evidence_type(e) for e in template.evidence]
        # One line per kind of evidence: its label and the formats it comes in.
        evidence = [
            f"{e.label} ({', '.join(e.accepted_formats)})" if e.accepted_formats else e.label
            for e in kinds
            if e is not None
        ]
        if len(_CLAUSE_WORDS) >= _CLAUSE_WORDS_MAX:
            _CLAUSE_WORDS.clear()
        found = _CLAUSE_WORDS[key] = (clause, clause.id, clause.title, evidence)
    return found[1], found[2], found[3]


def item_view(
    row: Any,
    clauses: Callable[[int], ClauseFile],
    base_url: str,
    *,
    today: date,
    words: Words,
    notes: list[str],
) -> dict[str, Any]:
    """What an email says about one obligation, as it stands on `today`, in the reader's
    words (`notes`: every note about it). Built once, in one view: a sweep makes one per
    item of every email it writes."""
    clause_id, clause_title, evidence = _clause_words(
        clauses(row.clause_version_id), row.template_id
    )
    due_on = row.due_on
    level = row.level
    section = section_of(row.kind, level, due_on, today)
    return Fields(
        obligation_id=row.obligation_id,
        title=row.title,
        clause_id=clause_id,
        clause_title=clause_title,
        contract_reference=row.reference,
        contract_title=row.contract_title,
        supplier=row.supplier,
        due_on=due_on.isoformat(),
        due_words=words.due(due_on, today),
        kind=row.kind,
        section=section,
        level=level,
        stage=words.stage(level) if section in ("escalated", "formal_notice") else "",
        note=words.note(notes),
        evidence=evidence,
        link=f"{base_url.rstrip('/')}/obligations/{row.obligation_id}",
        days_left=(due_on - today).days,
        due_text=words.day(due_on),
    )


def sections_of(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items under their headings, loudest heading first, each sorted by due date."""
    by_section: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_section[item["section"]].append(item)
    return [
        {
            "key": key,
            "heading": _BY_KEY[key].heading,
            "intro": _BY_KEY[key].intro,
            "items": sorted(found, key=lambda i: (i["due_on"], i["title"])),
        }
        for key, found in sorted(by_section.items(), key=lambda kv: _ORDER[kv[0]])
    ]


def _item_rank(row: Any, today: date) -> int:
    """Lower is louder: the reminder row that describes an obligation best."""
    return _ORDER[section_of(row.kind, row.level, row.due_on, today)]


@lru_cache(maxsize=16)
def _sender(sender: str) -> tuple[str, str]:
    """The sender's address and its domain (for Message-IDs), parsed once, not twice per
    message."""
    address = parseaddr(sender)[1]
    return address, domain_of(address)


def _compose(
    key: GroupKey,
    group_key: str,
    members: list[Any],
    *,
    now: datetime,
    mail: MailSettings,
    clauses: Callable[[int], ClauseFile],
) -> dict[str, Any]:
    group, recipient, contract_id, _ = key
    sender, domain = _sender(mail.sender)
    message_id = new_message_id(group_key, domain)
    values: dict[str, Any] = {
        "group_key": group_key,
        "message_id": message_id,
        "contract_id": contract_id,
        "sender": sender,
        "recipients": [recipient],
        "pending_recipients": [recipient],
        "attempts": 0,
        "next_attempt_at": now,
        "notify_on_failure": True,
        "created_at": now,
    }
    try:
        return values | _render(key, members, message_id, now=now, mail=mail, clauses=clauses)
    except Exception as exc:  # one bad record must not stop the rest of the batch
        # The reason, never the message text: logs must not carry bodies.
        log.warning("message %s could not be written: %s", group_key, type(exc).__name__)
        return values | {
            "kind": "reminder" if group != "digest" else "digest",
            "subject": f"(not written) reminder to {recipient}"[:500],
            "raw": b"",
            "status": OutboxStatus.FAILED.value,
            "last_error": f"could not be written: {exc}"[:2000],
        }


def _render(
    key: GroupKey,
    members: list[Any],
    message_id: str,
    *,
    now: datetime,
    mail: MailSettings,
    clauses: Callable[[int], ClauseFile],
) -> dict[str, Any]:
    group, recipient, _, local_date = key
    # Told as things stand now: an obligation met, waived or under review since its
    # reminder was planned is no longer chased (a notice about a decision still is).
    members = [
        m
        for m in members
        if m.kind == Kind.ACTION_REQUIRED or not reminders_paused(m.obligation_status)
    ]
    if not members:
        return {
            "kind": "reminder" if group != "digest" else "digest",
            "subject": f"(not sent) nothing left to remind {recipient} of"[:500],
            "raw": b"",
            "status": OutboxStatus.CANCELLED.value,
            "last_error": None,
        }
    first = members[0]
    today = local_today(now, first.timezone)
    # One item per obligation, told by its loudest row: a person holding two roles
    # still reads it once...
    best: dict[int, Any] = {}
    for m in sorted(members, key=lambda m: (-_item_rank(m, today), m.level)):
        best[m.obligation_id] = m
    # ... but every note about it (why evidence was rejected, what a finding says) is kept.
    notes: dict[int, list[str]] = defaultdict(list)
    for m in members:
        if m.note and m.note not in notes[m.obligation_id]:
            notes[m.obligation_id].append(m.note)
    supplier = group != "digest" and all(m.recipient_role.startswith("supplier_") for m in members)
    words = words_for(first.language, supplier=supplier)
    items = []
    days = {first.timezone: today}  # a digest's contracts are in a few zones
    for m in best.values():
        local = days.get(m.timezone)
        if local is None:
            local = days[m.timezone] = local_today(now, m.timezone)
        items.append(
            item_view(
                m, clauses, mail.base_url, today=local, words=words, notes=notes[m.obligation_id]
            )
        )
    listed = shortlist(items, limit=mail.max_items, order=list(_ORDER))
    sections = words.sections(sections_of(listed.items))
    loudest = _BY_KEY[min((i["section"] for i in items), key=_ORDER.__getitem__)]
    buyer = first.buyer or words._("the contracting authority")
    portal_until: date | None = None
    if group == "digest":
        kind = "digest"
        overdue = sum(1 for i in items if i["due_words"].endswith("overdue"))
        # The loudest heading is named when it is louder than plain "overdue".
        loudest_words = f" - {loudest.label}" if _ORDER[loudest.key] < _ORDER["overdue"] else ""
        subject = (
            f"Clause Tracker digest for {local_date}: {len(items)} "
            f"item{'s' if len(items) != 1 else ''}, {overdue} overdue{loudest_words}"
        )
        context: dict[str, Any] = {
            "overdue_count": overdue,
            "show_supplier": True,
            "waiting_reviews": mail.waiting_reviews.get(recipient, 0),
        }
        reply_to = None
    else:
        kind = loudest.kind.value
        subject = words.subject(loudest.label, first.reference, items)
        context = {"show_supplier": False}
        reply_to = first.manager_email
        if supplier:
            # The supplier's portal link goes in at send time; the stored copy has a
            # placeholder only (see tracker.portal.mailing).
            portal_until = max(m.due_on for m in members)
            context["portal_link"] = placeholder_url(mail.base_url, portal_until)
    rest_link = context.get("portal_link") or f"{mail.base_url.rstrip('/')}/"
    headings = {s.key: s.heading for s in SECTIONS}
    context.update(
        _=words._,
        lang=words.language,
        rest=words.rest(listed, headings=headings, link=rest_link, digest=group == "digest"),
        sections=sections,
        items=items,
        buyer=buyer,
        manager=first.manager_email if group != "digest" else None,
        local_date=local_date.isoformat(),
        subject=subject,
    )
    template = "digest" if group == "digest" else "reminder"
    raw = render_bytes(
        message_id=message_id,
        sender=mail.sender,
        to=[recipient],
        subject=subject,
        text=render(f"email/{template}.txt", **context),
        html=render(f"email/{template}.html", **context),
        reply_to=reply_to,
        now=now,
    )
    if portal_until is not None:
        raw = mark(raw, portal_until)
    return {
        "kind": kind,
        "subject": subject,
        "raw": raw,
        "status": OutboxStatus.PENDING.value,
        "last_error": None,
    }
