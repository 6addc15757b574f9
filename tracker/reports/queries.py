"""The report's figures, counted by the database: GROUP BY queries over the period's
obligations, never a row per obligation into Python (only the cut lists are fetched).

All queries run in one read transaction (REPEATABLE READ on PostgreSQL, a WAL snapshot on
SQLite), so the totals of one report add up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, and_, case, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from tracker.audit.chain import GENESIS
from tracker.domain.localtime import local_instant, zone
from tracker.domain.status import ObligationStatus as S
from tracker.errors import NotFound
from tracker.models import (
    AuditEvent,
    ClauseVersion,
    Contract,
    ContractClause,
    Evidence,
    EvidenceStatus,
    Finding,
    FindingStatus,
    Obligation,
    ProductModel,
    Supplier,
    table_of,
)
from tracker.reports.figures import (
    CERTIFICATE_WINDOW_DAYS,
    SEVERITIES,
    TREND_PERIODS,
    BreakdownLine,
    CertificateItem,
    EvidenceCounts,
    FindingItem,
    Outcomes,
    OverdueItem,
    ReportFigures,
    Tally,
    UncertifiedModel,
    assemble_trend,
    category_label,
    days_between,
    severity_counts,
    worst_first,
)
from tracker.reports.periods import Period
from tracker.reports.scope import Scope

# The longest list (overdue obligations, open findings, certificates) a report carries.
LIST_LIMIT = 5000
UNCATEGORISED = "uncategorised"

OB = table_of(Obligation).c
C = table_of(Contract).c
CC = table_of(ContractClause).c
SUP = table_of(Supplier).c
E = table_of(Evidence).c
F = table_of(Finding).c
PM = table_of(ProductModel).c


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction whose queries all see the same data."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        yield conn


class _Query:
    """The parts every query shares: the scope's filter and 'today' per contract."""

    def __init__(self, conn: Connection, scope: Scope, as_of: datetime) -> None:
        self.conn = conn
        self.as_of = as_of
        self.title, self.where = _resolve_scope(conn, scope)
        self.today = _local_dates(conn, self.where, as_of)
        self.planned = func.coalesce(OB.rescheduled_from, OB.due_on)

    def planned_between(self, start: date, end: date) -> ColumnElement[bool]:
        # Two branches, each served by an index, rather than a COALESCE no index can use.
        return or_(
            and_(OB.rescheduled_from.is_(None), OB.due_on.between(start, end)),
            OB.rescheduled_from.between(start, end),
        )

    def passed(self, ob: Any = OB) -> ColumnElement[bool]:
        """Whether an obligation's deadline had passed at `as_of`: its due date is before
        the date it then was in its contract's timezone (deadlines pass at local midnight).

        The timezones in scope are few and their dates at one instant differ by a day at
        most, so only due dates between the earliest and the latest of those dates need
        the per-timezone CASE."""
        fallback = sa.literal(self.as_of.date(), sa.Date)
        if not self.today:
            return ob.due_on < fallback  # type: ignore[no-any-return]
        earliest, latest = min(self.today.values()), max(self.today.values())
        if earliest == latest:
            return ob.due_on < sa.literal(earliest, sa.Date)  # type: ignore[no-any-return]
        local = case(
            *[(C.timezone == name, sa.literal(day, sa.Date)) for name, day in self.today.items()],
            else_=fallback,
        )
        return or_(
            ob.due_on < sa.literal(earliest, sa.Date),
            and_(ob.due_on < sa.literal(latest, sa.Date), ob.due_on < local),
        )

    def outcome(self, ob: Any = OB) -> ColumnElement[str]:
        """The outcome of an obligation as of the report date (see figures.DEFINITIONS);
        `ob` is the obligation table's columns, or an alias's."""
        status = ob.status
        return case(
            (status == S.WAIVED.value, sa.literal_column("'waived'")),
            (status == S.NOT_APPLICABLE.value, sa.literal_column("'not_applicable'")),
            (
                and_(status == S.ACCEPTED.value, or_(ob.met_on.is_(None), ob.met_on <= ob.due_on)),
                sa.literal_column("'on_time'"),
            ),
            (status == S.ACCEPTED.value, sa.literal_column("'late'")),
            (status == S.SUBMITTED.value, sa.literal_column("'under_review'")),
            (or_(status == S.OVERDUE.value, self.passed(ob)), sa.literal_column("'overdue'")),
            else_=sa.literal_column("'open'"),
        )

    def obligations(self, *columns: Any, start: date, end: date) -> sa.Select[Any]:
        """The period's obligations in scope (superseded ones left out), with `columns`."""
        stmt = (
            select(*columns)
            .select_from(table_of(Obligation))
            .join(table_of(Contract), C.id == OB.contract_id)
            .where(OB.status != S.SUPERSEDED.value, self.planned_between(start, end))
        )
        return stmt if self.where is None else stmt.where(self.where)

    def scoped(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        return stmt if self.where is None else stmt.where(self.where)


def _resolve_scope(conn: Connection, scope: Scope) -> tuple[str, ColumnElement[bool] | None]:
    if scope.kind == "portfolio":
        return "Portfolio", None
    if scope.kind == "supplier":
        row = conn.execute(
            select(SUP.id, SUP.name).where(SUP.id == scope.supplier_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no supplier with id {scope.key}", field="scope")
        return f"Supplier {row.name} (id {row.id})", C.supplier_id == row.id
    found = conn.execute(
        select(C.id, C.reference, C.title, SUP.name)
        .join(table_of(Supplier), SUP.id == C.supplier_id)
        .where(C.reference == scope.key)
    ).one_or_none()
    if found is None:
        raise NotFound(f"no contract {scope.key!r}", field="scope")
    return f"Contract {found.reference}: {found.title} ({found.name})", C.id == found.id


def _local_dates(
    conn: Connection, where: ColumnElement[bool] | None, as_of: datetime
) -> dict[str, date]:
    """The date it is at `as_of` in each timezone of the contracts in scope."""
    stmt = select(C.timezone).distinct()
    if where is not None:
        stmt = stmt.where(where)
    return {name: _date_in(as_of, name) for name in sorted(conn.scalars(stmt))}


def _date_in(moment: datetime, timezone: str) -> date:
    return moment.astimezone(zone(timezone)).date()


def _counted(inner: sa.Subquery, *keys: str) -> sa.Select[Any]:
    """Obligations counted per `keys` and outcome, with the highest escalation level.

    Grouping by the outcome (not one SUM(CASE) per outcome) evaluates the outcome once per
    row: SQLite flattens the subquery and would otherwise repeat its CASE in every SUM."""
    columns = [inner.c[k] for k in keys]
    return select(
        *columns, inner.c.outcome, func.count().label("n"), func.max(inner.c.level).label("level")
    ).group_by(*columns, inner.c.outcome)


def _trend_and_categories(
    q: _Query, periods: list[Period]
) -> tuple[dict[int, Tally], dict[str, Tally]]:
    """Counts per period (index 0 the reported one) and, for the reported period, per
    clause category: one pass over the whole span."""
    index = case(
        *[
            (q.planned.between(p.start, p.end), sa.literal_column(str(i)))
            for i, p in enumerate(periods)
        ]
    )
    inner = (
        q.obligations(
            index.label("period"),
            CC.clause_version_id.label("version_id"),
            q.outcome().label("outcome"),
            OB.escalation_level.label("level"),
            start=periods[-1].start,
            end=periods[0].end,
        )
        .join(table_of(ContractClause), CC.id == OB.contract_clause_id)
        .subquery()
    )
    rows = q.conn.execute(_counted(inner, "period", "version_id")).all()
    names = _categories(q.conn, {int(r.version_id) for r in rows})
    by_period: dict[int, Tally] = defaultdict(Tally)
    by_category: dict[str, Tally] = defaultdict(Tally)
    for r in rows:
        if r.period is None:
            continue
        by_period[int(r.period)].add(r.outcome, r.n, r.level)
        if int(r.period) == 0:
            by_category[names.get(int(r.version_id), UNCATEGORISED)].add(r.outcome, r.n, r.level)
    return by_period, by_category


def _by_contract_and_supplier(
    q: _Query, period: Period
) -> tuple[list[BreakdownLine], list[BreakdownLine]]:
    """Per contract, counted by the database; per supplier, the sum of its contracts."""
    inner = q.obligations(
        OB.contract_id.label("contract_id"),
        q.outcome().label("outcome"),
        OB.escalation_level.label("level"),
        start=period.start,
        end=period.end,
    ).subquery()
    counted = _counted(inner, "contract_id").subquery()
    stmt = (
        select(counted, C.reference, C.title, C.supplier_id, SUP.name, SUP.country)
        .join(table_of(Contract), C.id == counted.c.contract_id)
        .join(table_of(Supplier), SUP.id == C.supplier_id)
    )
    contracts: dict[str, Tally] = defaultdict(Tally)
    suppliers: dict[str, Tally] = defaultdict(Tally)
    contract_names: dict[str, tuple[str, str]] = {}
    supplier_names: dict[str, tuple[str, str]] = {}
    # Plain tuples: a 50,000-contract portfolio returns that many rows.
    for _, outcome, n, level, reference, title, supplier_id, name, country in q.conn.execute(stmt):
        supplier = str(supplier_id)
        contracts[reference].add(outcome, n, level)
        suppliers[supplier].add(outcome, n, level)
        contract_names[reference] = (title, name)
        supplier_names[supplier] = (name, country or "")
    return (
        worst_first(t.line(k, *contract_names[k]) for k, t in contracts.items()),
        worst_first(t.line(k, *supplier_names[k]) for k, t in suppliers.items()),
    )


def _categories(conn: Connection, version_ids: set[int]) -> dict[int, str]:
    """Clause version id -> its category (from the pinned definition; a handful of rows)."""
    if not version_ids:
        return {}
    cv = table_of(ClauseVersion).c
    rows = conn.execute(select(cv.id, cv.body).where(cv.id.in_(sorted(version_ids))))
    return {int(vid): _category_of(body) for vid, body in rows}


def _category_of(body: Any) -> str:
    category = body.get("category") if isinstance(body, dict) else None
    return str(category) if category else UNCATEGORISED


def _overdue(q: _Query, period: Period, limit: int) -> list[OverdueItem]:
    inner = (
        q.obligations(
            OB.id.label("id"),
            OB.title.label("title"),
            OB.due_on.label("due_on"),
            q.planned.label("planned_on"),
            OB.escalation_level.label("level"),
            OB.status.label("status"),
            C.reference.label("reference"),
            C.timezone.label("timezone"),
            SUP.name.label("supplier"),
            CC.clause_version_id.label("version_id"),
            q.outcome().label("outcome"),
            start=period.start,
            end=period.end,
        )
        .join(table_of(Supplier), SUP.id == C.supplier_id)
        .join(table_of(ContractClause), CC.id == OB.contract_clause_id)
        # Implied by the period (a rejection only ever moves a deadline later, see
        # obligation_state.reschedule_after_rejection), but it lets the walk along the
        # due-date index for ORDER BY start at the period instead of the first deadline.
        .where(OB.due_on >= period.start)
        .subquery()
    )
    rows = q.conn.execute(
        select(inner)
        .where(inner.c.outcome == "overdue")
        .order_by(inner.c.due_on, inner.c.reference, inner.c.id)
        .limit(limit)
    ).all()
    names = _categories(q.conn, {int(r.version_id) for r in rows})
    return [
        OverdueItem(
            obligation_id=int(r.id),
            contract=r.reference,
            supplier=r.supplier,
            category=names.get(int(r.version_id), UNCATEGORISED),
            obligation=r.title,
            due_on=r.due_on,
            planned_on=r.planned_on,
            days_overdue=max(0, days_between(r.due_on, _date_in(q.as_of, r.timezone))),
            escalation_level=int(r.level),
            status=r.status,
        )
        for r in rows
    ]


def _evidence(q: _Query, period: Period, timezone: str) -> EvidenceCounts:
    """Three small counts, each a range on its own indexed column: submitted in the
    period (local dates), reviewed in it (instants in the buyer's timezone), and awaiting
    review at the report date."""
    start = local_instant(period.start, 0, timezone)
    end = local_instant(period.end + timedelta(days=1), 0, timezone)
    restricted = func.coalesce(func.sum(case((E.confidentiality == "restricted", 1), else_=0)), 0)

    def evidence(*columns: Any) -> sa.Select[Any]:
        stmt = select(*columns).select_from(table_of(Evidence))
        if q.where is None:
            return stmt
        return stmt.join(table_of(Contract), C.id == E.contract_id).where(q.where)

    submitted, submitted_restricted = q.conn.execute(
        evidence(func.count(), restricted).where(
            E.submitted_on.between(period.start, period.end), E.submitted_at <= q.as_of
        )
    ).one()
    reviewed = {
        str(status): (int(n), int(hidden))
        for status, n, hidden in q.conn.execute(
            evidence(E.status, func.count(), restricted)
            .where(
                E.reviewed_at >= start,
                E.reviewed_at < end,
                E.reviewed_at <= q.as_of,
                E.status.in_([EvidenceStatus.ACCEPTED.value, EvidenceStatus.REJECTED.value]),
            )
            .group_by(E.status)
        )
    }
    awaiting = q.conn.execute(
        evidence(func.count()).where(
            E.status == EvidenceStatus.SUBMITTED.value, E.submitted_at <= q.as_of
        )
    ).scalar_one()
    accepted = reviewed.get(EvidenceStatus.ACCEPTED.value, (0, 0))
    rejected = reviewed.get(EvidenceStatus.REJECTED.value, (0, 0))
    return EvidenceCounts(
        submitted=int(submitted),
        accepted=accepted[0],
        rejected=rejected[0],
        awaiting_review=int(awaiting),
        restricted_submitted=int(submitted_restricted),
        restricted_accepted=accepted[1],
        restricted_rejected=rejected[1],
    )


def _certificates(
    q: _Query, as_of_date: date, limit: int
) -> tuple[int, int, list[CertificateItem]]:
    later = aliased(table_of(Evidence))
    replaced = (
        select(later.c.id)
        .where(
            later.c.contract_id == E.contract_id,
            later.c.evidence_type == E.evidence_type,
            later.c.status == EvidenceStatus.ACCEPTED.value,
            later.c.valid_until > E.valid_until,
            later.c.reviewed_at <= q.as_of,
        )
        .exists()
    )
    restricted = E.confidentiality == "restricted"
    base = q.scoped(
        select()
        .select_from(table_of(Evidence))
        .join(table_of(Contract), C.id == E.contract_id)
        .where(
            E.status == EvidenceStatus.ACCEPTED.value,
            E.reviewed_at <= q.as_of,
            E.valid_until.between(as_of_date, as_of_date + timedelta(days=CERTIFICATE_WINDOW_DAYS)),
            ~replaced,
        )
    )
    total, hidden = q.conn.execute(
        base.add_columns(func.count(), func.coalesce(func.sum(case((restricted, 1), else_=0)), 0))
    ).one()
    rows = q.conn.execute(
        base.add_columns(E.id, E.evidence_type, E.valid_until, E.filename, C.reference, SUP.name)
        .join(table_of(Supplier), SUP.id == C.supplier_id)
        .where(~restricted)  # restricted evidence is counted above, never listed
        .order_by(E.valid_until, C.reference, E.id)
        .limit(limit)
    )
    items = [
        CertificateItem(
            evidence_id=int(r.id),
            contract=r.reference,
            supplier=r.name,
            evidence_type=r.evidence_type,
            valid_until=r.valid_until,
            days_left=days_between(as_of_date, r.valid_until),
            document=r.filename,
        )
        for r in rows
    ]
    return int(total), int(hidden), items


def _models_uncertified(q: _Query, as_of_date: date, limit: int) -> list[UncertifiedModel]:
    """Delivered models still in use whose per-model clause has no certificate valid on
    the report date (accepted by then; no end date counts as valid)."""
    mine = aliased(table_of(Obligation))
    valid = (
        select(E.id)
        .select_from(table_of(Evidence).join(mine, mine.c.id == E.obligation_id))
        .where(
            mine.c.product_model_id == PM.id,
            mine.c.contract_clause_id == CC.id,
            E.status == EvidenceStatus.ACCEPTED.value,
            E.reviewed_at <= q.as_of,
            or_(E.valid_until.is_(None), E.valid_until >= as_of_date),
        )
        .exists()
    )
    latest = (
        select(func.max(E.valid_until))
        .select_from(table_of(Evidence).join(mine, mine.c.id == E.obligation_id))
        .where(
            mine.c.product_model_id == PM.id,
            mine.c.contract_clause_id == CC.id,
            E.status == EvidenceStatus.ACCEPTED.value,
            E.reviewed_at <= q.as_of,
        )
        .scalar_subquery()
    )
    stmt = q.scoped(
        select(C.reference, CC.clause_id, PM.id, PM.manufacturer, PM.name, latest.label("until"))
        .distinct()
        .select_from(table_of(ProductModel))
        .join(table_of(Obligation), OB.product_model_id == PM.id)
        .join(table_of(ContractClause), CC.id == OB.contract_clause_id)
        .join(table_of(Contract), C.id == PM.contract_id)
        .where(
            PM.first_delivery_on <= as_of_date,
            or_(PM.retired_on.is_(None), PM.retired_on > as_of_date),
            CC.detached_at.is_(None),
            ~valid,
        )
    )
    rows = q.conn.execute(stmt.order_by(C.reference, CC.clause_id, PM.id).limit(limit))
    return [UncertifiedModel(r[0], r[1], int(r[2]), r[3], r[4], r[5]) for r in rows]


def _findings(q: _Query, timezone: str, limit: int) -> tuple[dict[str, int], list[FindingItem]]:
    open_then = and_(
        F.raised_at <= q.as_of,
        or_(F.status == FindingStatus.OPEN.value, F.closed_at > q.as_of),
    )
    base = q.scoped(
        select()
        .select_from(table_of(Finding))
        .join(table_of(Contract), C.id == F.contract_id)
        .where(open_then)
    )
    counts = {
        str(severity): int(n)
        for severity, n in q.conn.execute(
            base.add_columns(F.severity, func.count()).group_by(F.severity)
        )
    }
    action = aliased(table_of(Obligation))
    rank = case(*[(F.severity == s, i) for i, s in enumerate(SEVERITIES)], else_=len(SEVERITIES))
    rows = q.conn.execute(
        base.add_columns(
            F.id,
            F.severity,
            F.raised_at,
            F.text,
            C.reference,
            SUP.name,
            action.c.id.label("action_id"),
            action.c.due_on.label("action_due_on"),
            q.outcome(action.c).label("action_outcome"),
        )
        .join(table_of(Supplier), SUP.id == C.supplier_id)
        .outerjoin(action, action.c.id == F.cap_obligation_id)
        .order_by(rank, F.raised_at, F.id)
        .limit(limit)
    )
    items = [
        FindingItem(
            finding_id=int(r.id),
            contract=r.reference,
            supplier=r.name,
            severity=r.severity,
            raised_on=_date_in(r.raised_at, timezone),
            text=r.text,
            action_due_on=r.action_due_on,
            action_outcome=None if r.action_id is None else r.action_outcome,
        )
        for r in rows
    ]
    return counts, items


def _corrective_actions_overdue(q: _Query) -> int:
    """Corrective action plans (the obligations findings point to) overdue at the report
    date, whatever period they fall in: an index probe per finding, not a scan."""
    outcome = q.outcome()
    stmt = q.scoped(
        select(func.count(sa.distinct(OB.id)))
        .select_from(table_of(Finding))
        .join(table_of(Obligation), OB.id == F.cap_obligation_id)
        .join(table_of(Contract), C.id == OB.contract_id)
        .where(OB.status != S.SUPERSEDED.value, outcome == "overdue")
    )
    return int(q.conn.execute(stmt).scalar_one())


def compute(
    conn: Connection,
    scope: Scope,
    period: Period,
    *,
    as_of: datetime,
    timezone: str,
    generator: str,
    list_limit: int = LIST_LIMIT,
) -> ReportFigures:
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    q = _Query(conn, scope, as_of)
    periods = [period] + [period.previous(i) for i in range(1, TREND_PERIODS + 1)]
    by_period, by_category = _trend_and_categories(q, periods)
    counts = {i: tally.outcomes() for i, tally in by_period.items()}
    level = by_period[0].level if 0 in by_period else 0
    by_contract, by_supplier = _by_contract_and_supplier(q, period)
    as_of_date = _date_in(as_of, timezone)
    certificates, hidden, certificate_items = _certificates(q, as_of_date, list_limit)
    findings, finding_items = _findings(q, timezone, list_limit)
    return ReportFigures(
        scope=scope,
        scope_title=q.title,
        period=period,
        as_of=as_of,
        as_of_date=as_of_date,
        timezone=timezone,
        generator=generator,
        outcomes=counts.get(0, Outcomes()),
        max_escalation=level,
        trend=tuple(assemble_trend(periods, counts)),
        evidence=_evidence(q, period, timezone),
        certificates_expiring=certificates,
        certificates_restricted=hidden,
        certificates=tuple(certificate_items),
        findings_by_severity=severity_counts(findings),
        findings=tuple(finding_items),
        corrective_actions_overdue=_corrective_actions_overdue(q),
        by_supplier=tuple(by_supplier),
        by_category=tuple(
            worst_first(t.line(k, category_label(k), "") for k, t in by_category.items())
        ),
        by_contract=tuple(by_contract),
        overdue=tuple(_overdue(q, period, list_limit)),
        models_uncertified=tuple(_models_uncertified(q, as_of_date, list_limit)),
        list_limit=list_limit,
        audit_head=_audit_head(conn, as_of),
    )


def period_outcomes(conn: Connection, scope: Scope, period: Period, *, as_of: datetime) -> Outcomes:
    """The outcomes of `scope`'s obligations planned in `period`, judged at `as_of`: the
    report's headline counts by the same rule, without the rest of the report (a page
    showing an on-time rate needs one grouped query, not the whole report's)."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    q = _Query(conn, scope, as_of)
    inner = q.obligations(
        q.outcome().label("outcome"),
        OB.escalation_level.label("level"),
        start=period.start,
        end=period.end,
    ).subquery()
    tally = Tally()
    for r in conn.execute(_counted(inner)).all():
        tally.add(r.outcome, r.n, r.level)
    return tally.outcomes()


def _audit_head(conn: Connection, as_of: datetime) -> str:
    """The hash of the last audit event recorded by `as_of` (the genesis hash if none)."""
    table = table_of(AuditEvent)
    found = conn.execute(
        select(table.c.hash)
        .where(table.c.occurred_at <= as_of)
        .order_by(table.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return str(found) if found else GENESIS
