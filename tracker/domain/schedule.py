"""The schedule engine: from an obligation template and a contract, the dated duties.

Pure functions. Deadlines are calendar dates in the contract's timezone; nothing here knows
about instants except `local_today`, which turns `now` into the contract's date.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from tracker.domain.business_days import NO_CLOSURES, add_business_days, roll
from tracker.domain.durations import CalendarKind, DateOutOfRange, Duration, shift
from tracker.domain.localtime import zone
from tracker.domain.templates import (
    ClauseRules,
    JsonValue,
    TemplateRules,
    TriggerType,
    applies_to_contract,
    param_name,
    plan_offset,
)

# Guard against a runaway recurrence (e.g. P1D over an open-ended contract).
MAX_OCCURRENCES = 10_000


class ScheduleError(ValueError):
    """A template cannot be scheduled for this contract (e.g. it needs a signature date)."""


@dataclass(frozen=True, slots=True)
class ContractDates:
    """What the schedule of a contract depends on."""

    start_on: date
    end_on: date
    signed_on: date | None = None
    country: str | None = None
    timezone: str = "UTC"
    # The buyer's closure days: business-day counts skip them as they skip public holidays.
    closed: frozenset[date] = NO_CLOSURES
    # Duties with `applies_if` apply only to contracts with matching CPV codes.
    cpv_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One dated duty: `key` is unique per template within a contract clause."""

    template_id: str
    key: str
    due_on: date


@dataclass(frozen=True, slots=True)
class Span:
    """A resolved duration with the calendar it is counted in."""

    duration: Duration
    calendar: CalendarKind

    def apply(self, base: date, country: str | None, closed: frozenset[date] = NO_CLOSURES) -> date:
        if self.calendar is CalendarKind.BUSINESS:
            d = self.duration
            count = d.sign * (d.weeks * 5 + d.days)
            return add_business_days(base, count, country, closed)
        return self.duration.add_to(base)


def local_today(now: datetime, timezone: str) -> date:
    """The calendar date it is in `timezone` at the instant `now` (which must be aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zone(timezone)).date()


def resolve_span(
    text: str,
    *,
    clause: ClauseRules,
    values: Mapping[str, JsonValue],
    calendar: CalendarKind | None,
) -> Span:
    """A literal duration or `{parameter}`, with the calendar it is counted in."""
    name = param_name(text)
    if name is None:
        return _span(text, calendar or CalendarKind.CALENDAR)
    value = values.get(name, clause.parameters[name].default)
    param_calendar = clause.parameters[name].calendar
    return _span(str(value), calendar or param_calendar or CalendarKind.CALENDAR)


@lru_cache(maxsize=4096)
def _span(text: str, calendar: CalendarKind) -> Span:
    # A portfolio asks for the same few dozen spans hundreds of thousands of times.
    return Span(Duration.parse(text), calendar)


def _resolve_date(text: str | None, values: Mapping[str, JsonValue], clause: ClauseRules) -> date:
    if text is None:
        raise ScheduleError("a date is needed")
    name = param_name(text)
    raw = values.get(name, clause.parameters[name].default) if name else text
    return date.fromisoformat(str(raw))


def _resolve_count(
    value: int | str | None, values: Mapping[str, JsonValue], clause: ClauseRules
) -> int | None:
    if value is None or isinstance(value, int):
        return value
    name = param_name(value)
    raw = values.get(name, clause.parameters[name].default) if name else value
    return int(str(raw))


def _due(base: date, offset: Span, template: TemplateRules, contract: ContractDates) -> date:
    """`base` plus the offset, moved to a business day if the template says so."""
    try:
        return _finish(offset.apply(base, contract.country, contract.closed), template, contract)
    except DateOutOfRange:
        raise ScheduleError(
            f"obligation {template.id!r} would fall after 9999-12-31, the last date there is"
        ) from None


def _finish(due: date, template: TemplateRules, contract: ContractDates) -> date:
    adjust = template.trigger.adjust
    if adjust == "following":
        return roll(due, contract.country, direction=1, closed=contract.closed)
    if adjust == "preceding":
        return roll(due, contract.country, direction=-1, closed=contract.closed)
    return due


def contract_occurrences(
    template: TemplateRules,
    *,
    clause: ClauseRules,
    values: Mapping[str, JsonValue],
    contract: ContractDates,
    through: date | None = None,
) -> Iterator[Occurrence]:
    """Occurrences driven by the contract itself, in due-date order, up to `through`.

    Event and evidence-expiry templates yield nothing here: they are planned when the event
    is raised or the evidence accepted (`event_occurrence`, `expiry_occurrence`).
    """
    trigger = template.trigger
    kind = trigger.type
    if kind in (TriggerType.EVENT, TriggerType.EVIDENCE_EXPIRY, TriggerType.FINDING):
        return
    if not applies_to_contract(template, contract.cpv_codes):
        return  # the duty does not apply to this contract (`applies_if`)
    applies_from = (
        _resolve_date(template.applies_from, values, clause)
        if template.applies_from is not None
        else None
    )
    for occurrence in _contract_driven(template, clause, values, contract, through):
        if applies_from is not None and occurrence.due_on < applies_from:
            continue  # the duty does not apply yet
        yield occurrence


def _contract_driven(
    template: TemplateRules,
    clause: ClauseRules,
    values: Mapping[str, JsonValue],
    contract: ContractDates,
    through: date | None,
) -> Iterator[Occurrence]:
    trigger = template.trigger
    offset = resolve_span(trigger.offset, clause=clause, values=values, calendar=trigger.calendar)
    kind = trigger.type
    if kind is TriggerType.RECURRING:
        yield from _recurring(
            template,
            clause=clause,
            values=values,
            contract=contract,
            offset=offset,
            through=through,
        )
        return
    base = _contract_base(kind, trigger.date, template, values, clause, contract)
    due = _due(base, offset, template, contract)
    not_before = None if trigger.before_start else contract.start_on
    due = _earlier(due, template, clause, values, contract, not_before=not_before)
    if due < contract.start_on and not trigger.before_start:
        # Owed before the contract existed: the contract can ask for it on its first day,
        # not earlier (a duty born overdue would set off the whole ladder at once).
        due = contract.start_on
    if through is None or due <= through:
        yield Occurrence(template.id, "once", due)


def _contract_base(
    kind: TriggerType,
    fixed: str | None,
    template: TemplateRules,
    values: Mapping[str, JsonValue],
    clause: ClauseRules,
    contract: ContractDates,
) -> date:
    """The date a one-off contract-driven trigger counts from."""
    if kind is TriggerType.CONTRACT_SIGNED:
        if contract.signed_on is None:
            raise ScheduleError(
                f"obligation {template.id!r} counts from the signature date, "
                "which the contract does not have (give the contract its signature date)"
            )
        return contract.signed_on
    if kind is TriggerType.CONTRACT_START:
        return contract.start_on
    if kind is TriggerType.CONTRACT_END:
        return contract.end_on
    return _resolve_date(fixed, values, clause)


def _earlier(
    due: date,
    template: TemplateRules,
    clause: ClauseRules,
    values: Mapping[str, JsonValue],
    contract: ContractDates,
    *,
    not_before: date | None,
) -> date:
    """`due`, or the trigger's `or_earlier` date if that is earlier. A second date before
    `not_before` (the contract start, unless the trigger allows duties before it; for an
    event, the event) does not count: nothing could have been owed then, so the first
    trigger's date stands."""
    second = template.trigger.or_earlier
    if second is None:
        return due
    span = resolve_span(second.offset, clause=clause, values=values, calendar=second.calendar)
    base = _contract_base(second.type, second.date, template, values, clause, contract)
    other = _due(base, span, template, contract)
    if not_before is not None and other < not_before:
        return due
    return min(due, other)


def _recurring(
    template: TemplateRules,
    *,
    clause: ClauseRules,
    values: Mapping[str, JsonValue],
    contract: ContractDates,
    offset: Span,
    through: date | None,
) -> Iterator[Occurrence]:
    recurrence = template.recurrence
    if recurrence is None:  # the loader refuses this; kept for callers building templates
        raise ScheduleError(f"obligation {template.id!r} is recurring but has no recurrence")
    interval = resolve_span(
        recurrence.interval, clause=clause, values=values, calendar=CalendarKind.CALENDAR
    ).duration
    first = (
        resolve_span(
            recurrence.first, clause=clause, values=values, calendar=CalendarKind.CALENDAR
        ).duration
        if recurrence.first is not None
        else interval
    )
    if recurrence.anchor == "contract_signed":
        if contract.signed_on is None:
            raise ScheduleError(
                f"obligation {template.id!r} recurs from the signature date, "
                "which the contract does not have (give the contract its signature date)"
            )
        anchor = contract.signed_on
    elif recurrence.anchor == "fixed_date":
        anchor = _resolve_date(recurrence.anchor_date, values, clause)
    else:
        anchor = contract.start_on
    until = contract.end_on if recurrence.until == "contract_end" else None
    if recurrence.ends_on is not None:
        # Whichever is earlier: the contract's end or the recurrence's own end.
        ends_on = _resolve_date(recurrence.ends_on, values, clause)
        until = ends_on if until is None else min(until, ends_on)
    count = _resolve_count(recurrence.count, values, clause)
    yielded = 0
    first_months, first_days = first.total_months, first.day_part
    if recurrence.anchor == "first_due":
        # Every occurrence counts from the first one: 31 Jan, 28 Feb, 31 Mar, ...
        anchor, first_months, first_days = first.add_to(anchor), 0, 0
    previous: date | None = None
    for index in range(MAX_OCCURRENCES):
        try:
            # One step from the anchor each time, so month ends never drift.
            nominal = shift(
                anchor,
                months=first_months + interval.total_months * index,
                days=first_days + interval.day_part * index,
            )
            if until is not None and nominal > until:
                return
            due = _finish(
                offset.apply(nominal, contract.country, contract.closed), template, contract
            )
        except DateOutOfRange:
            return  # the calendar ends at 9999-12-31; so does an open-ended recurrence
        if through is not None and due > through:
            return
        if due < contract.start_on and not template.trigger.before_start:
            continue  # before the contract existed; the first period's duty comes later
        if previous is not None and due <= previous:
            continue  # a business-day roll collapsed two occurrences; keep the first
        previous = due
        if count is not None and yielded >= count:
            return
        yielded += 1
        yield Occurrence(template.id, f"r{index + 1}", due)


def event_occurrence(
    template: TemplateRules,
    *,
    clause: ClauseRules,
    values: Mapping[str, JsonValue],
    contract: ContractDates,
    occurred_on: date,
    event_key: str,
    plan: str | None = None,
) -> Occurrence:
    """The duty a named event (e.g. a new product model) creates. `plan` is the deadline
    chosen when the event was recorded; a template that does not offer it keeps its own
    offset (the event's other duties run as usual)."""
    trigger = template.trigger
    text = plan_offset(trigger, plan if plan in trigger.plans else None)
    offset = resolve_span(text, clause=clause, values=values, calendar=trigger.calendar)
    due = _due(occurred_on, offset, template, contract)
    due = _earlier(due, template, clause, values, contract, not_before=occurred_on)
    due = _not_before_start(due, template, contract)
    return Occurrence(template.id, f"event:{event_key}", due)


def event_occurrences(
    template: TemplateRules,
    *,
    clause: ClauseRules,
    values: Mapping[str, JsonValue],
    contract: ContractDates,
    occurred_on: date,
    event_key: str,
    plan: str | None = None,
    closed_on: date | None = None,
) -> Iterator[Occurrence]:
    """The duties a named event creates: one, or with a recurrence anchored on the trigger,
    one every interval from the first, until the contract ends (and, for `until:
    event_closed`, no later than the day the event was closed). None where the duty does
    not apply to the contract (`applies_if`)."""
    if not applies_to_contract(template, contract.cpv_codes):
        return
    first = event_occurrence(
        template,
        clause=clause,
        values=values,
        contract=contract,
        occurred_on=occurred_on,
        event_key=event_key,
        plan=plan,
    )
    recurrence = template.recurrence
    if recurrence is None or recurrence.anchor != "trigger":
        yield first
        return
    interval = resolve_span(
        recurrence.interval, clause=clause, values=values, calendar=CalendarKind.CALENDAR
    ).duration
    until = contract.end_on
    if recurrence.ends_on is not None:
        until = min(until, _resolve_date(recurrence.ends_on, values, clause))
    if recurrence.until == "event_closed" and closed_on is not None:
        until = min(until, closed_on)
    count = _resolve_count(recurrence.count, values, clause)
    if first.due_on > until:
        return
    yield first
    trigger = template.trigger
    offset = resolve_span(
        plan_offset(trigger, plan if plan in trigger.plans else None),
        clause=clause,
        values=values,
        calendar=trigger.calendar,
    )
    # One step from the event each time (31 Jan + 1, 2, 3 months: 28 Feb, 31 Mar, 30 Apr),
    # so month ends never drift; a business-day offset is counted once, then months on.
    if offset.calendar is CalendarKind.CALENDAR:
        base, months, days = occurred_on, offset.duration.total_months, offset.duration.day_part
    else:
        base, months, days = first.due_on, 0, 0
    previous = first.due_on
    for index in range(1, MAX_OCCURRENCES):
        if count is not None and index >= count:
            return
        try:
            nominal = shift(
                base,
                months=months + interval.total_months * index,
                days=days + interval.day_part * index,
            )
            if nominal > until:
                return
            due = _finish(nominal, template, contract)
        except DateOutOfRange:
            return
        if due <= previous:
            continue  # before the first (moved to the contract start), or a roll collapsed two
        previous = due
        yield Occurrence(template.id, f"{first.key}:r{index + 1}", due)


def expiry_occurrence(
    template: TemplateRules,
    *,
    clause: ClauseRules,
    values: Mapping[str, JsonValue],
    contract: ContractDates,
    valid_until: date,
    evidence_key: str,
) -> Occurrence:
    """The renewal duty that the expiry of a certificate or audit report creates."""
    offset = resolve_span(
        template.trigger.offset, clause=clause, values=values, calendar=template.trigger.calendar
    )
    due = _not_before_start(_due(valid_until, offset, template, contract), template, contract)
    return Occurrence(template.id, f"expiry:{evidence_key}", due)


def _not_before_start(due: date, template: TemplateRules, contract: ContractDates) -> date:
    """An event or expiry before the contract start makes a duty owed on the start date."""
    if due < contract.start_on and not template.trigger.before_start:
        return contract.start_on
    return due
