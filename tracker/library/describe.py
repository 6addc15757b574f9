"""Say an obligation's schedule in plain words, for tender documents and `clauses show`."""

from __future__ import annotations

from collections.abc import Mapping

from tracker.domain.durations import CalendarKind, Duration
from tracker.library.parameters import JsonValue, param_name
from tracker.library.schema import ClauseFile, EventName, ObligationTemplate, TriggerType

_UNITS = (("years", "year"), ("months", "month"), ("weeks", "week"), ("days", "day"))

_ANCHORS = {
    "contract_start": "the contract start date",
    "contract_signed": "the date the contract was signed",
    "fixed_date": "{date}",
    "first_due": "the first due date",
}

_TRIGGERS = {
    TriggerType.CONTRACT_SIGNED: "the contract signature",
    TriggerType.CONTRACT_START: "the contract start date",
    TriggerType.CONTRACT_END: "the contract end date",
}


EVENT_WORDS = {
    EventName.NEW_PRODUCT_MODEL: "a new product model is added",
    EventName.SUPPLIER_SITE_CHANGE: "a production site changes",
    EventName.BREACH_REPORTED: "a breach is reported",
    EventName.MONITORING_REPORT_RECEIVED: "a monitoring report is received",
    EventName.ALLEGATION: "an allegation is received",
    EventName.CANDIDATE_LIST_UPDATED: "the REACH Candidate List is updated",
    EventName.CERTIFICATE_CANCELLED: "a certificate is cancelled",
    EventName.DELIVERY: "a delivery is made",
    EventName.COLLECTION_BATCH: "a batch of equipment is collected",
    EventName.EXPORT_SHIPMENT: "used equipment is shipped for export",
    EventName.CONTRACT_AMENDED: "the contract is amended",
    EventName.EVIDENCE_REQUESTED: "the buyer requests information",
    EventName.AUTHORITY_DECISION: "a competent authority decides about the supplier's products",
}


def _inline(label: str | None) -> str:
    """A label used mid-sentence: 'Social audit report' -> 'social audit report', but
    'TCO Certified certificate' keeps its capitals."""
    text = label or ""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def span_words(duration: Duration, calendar: CalendarKind) -> str:
    """'20 business days', '1 year and 6 months', '6 weeks'."""
    parts = []
    for attr, unit in _UNITS:
        value = getattr(duration, attr)
        if value:
            noun = unit if value == 1 else f"{unit}s"
            if unit == "day" and calendar is CalendarKind.BUSINESS:
                noun = "business day" if value == 1 else "business days"
            parts.append(f"{value} {noun}")
    return " and ".join(parts) if parts else "0 days"


def _resolved(
    text: str, clause: ClauseFile, values: Mapping[str, JsonValue], calendar: CalendarKind | None
) -> tuple[Duration, CalendarKind]:
    name = param_name(text)
    if name is None:
        return Duration.parse(text), calendar or CalendarKind.CALENDAR
    definition = clause.parameters[name]
    raw = values.get(name, definition.default)
    return Duration.parse(str(raw)), calendar or definition.calendar or CalendarKind.CALENDAR


def _date_words(text: str | None, clause: ClauseFile, values: Mapping[str, JsonValue]) -> str:
    name = param_name(text)
    if name is None:
        return str(text)
    return str(values.get(name, clause.parameters[name].default))


def _relative(offset: Duration, calendar: CalendarKind, what: str) -> str:
    if offset.is_zero:
        return f"on {what}"
    words = span_words(offset, calendar)
    return f"{words} before {what}" if offset.negative else f"within {words} of {what}"


def _or_earlier(
    template: ObligationTemplate, clause: ClauseFile, values: Mapping[str, JsonValue]
) -> str:
    """', or on 2029-07-26, whichever is earlier' for a trigger with a second date."""
    second = template.trigger.or_earlier
    if second is None:
        return ""
    offset, calendar = _resolved(second.offset, clause, values, second.calendar)
    what = (
        _date_words(second.date, clause, values)
        if second.type is TriggerType.FIXED_DATE
        else _TRIGGERS.get(second.type, second.type.value)
    )
    if offset.is_zero:
        when = f"on {what}" if second.type is TriggerType.FIXED_DATE else f"at {what}"
    else:
        words = span_words(offset, calendar)
        when = f"{words} before {what}" if offset.negative else f"{words} after {what}"
    return f", or {when}, whichever is earlier"


def describe(
    template: ObligationTemplate, clause: ClauseFile, values: Mapping[str, JsonValue]
) -> str:
    """When this duty falls due, and where it applies if not everywhere."""
    when = _when(template, clause, values)
    condition = template.applies_if
    if condition is None:
        return when
    where = []
    if condition.cpv_prefixes:
        where.append(f"contracts with a CPV code starting {', '.join(condition.cpv_prefixes)}")
    if condition.product_types:
        where.append(f"models of type {', '.join(condition.product_types)}")
    return f"{when} Only for {' or '.join(where)}."


def _when(template: ObligationTemplate, clause: ClauseFile, values: Mapping[str, JsonValue]) -> str:
    """One sentence: when this duty falls due."""
    trigger = template.trigger
    offset, calendar = _resolved(trigger.offset, clause, values, trigger.calendar)
    kind = trigger.type
    if kind is TriggerType.RECURRING and template.recurrence is not None:
        rec = template.recurrence
        interval, _ = _resolved(rec.interval, clause, values, CalendarKind.CALENDAR)
        anchor = _ANCHORS[rec.anchor].format(date=_date_words(rec.anchor_date, clause, values))
        first = (
            _resolved(rec.first, clause, values, CalendarKind.CALENDAR)[0]
            if rec.first is not None
            else interval
        )
        sentence = f"Every {span_words(interval, CalendarKind.CALENDAR)}"
        if rec.anchor == "first_due":
            sentence += (
                f", the first {span_words(first, CalendarKind.CALENDAR)} after the contract "
                "start date"
            )
        elif first != interval:
            start = "on" if first.is_zero else f"{span_words(first, CalendarKind.CALENDAR)} after"
            sentence += f", the first {start} {anchor}"
        else:
            sentence += f", counted from {anchor}"
        if not offset.is_zero:
            direction = "before" if offset.negative else "after"
            sentence += f", due {span_words(offset, calendar)} {direction} each date"
        if rec.until == "contract_end":
            sentence += ", until the contract ends"
        return sentence + "."
    if kind in _TRIGGERS:
        return _sentence(
            _relative(offset, calendar, _TRIGGERS[kind]) + _or_earlier(template, clause, values)
        )
    if kind is TriggerType.FIXED_DATE:
        when = _relative(offset, calendar, _date_words(trigger.date, clause, values))
        return _sentence(when + _or_earlier(template, clause, values))
    if kind is TriggerType.EVIDENCE_EXPIRY:
        evidence = clause.evidence_type(trigger.evidence_type or "")
        label = evidence.label if evidence else trigger.evidence_type
        return _sentence(_relative(offset, calendar, f"the expiry of the {_inline(label)}"))
    event = EVENT_WORDS[trigger.event] if trigger.event else "the event occurs"
    timing = "at once" if offset.is_zero else f"within {span_words(offset, calendar)}"
    for plan, text in sorted(trigger.plans.items()):
        other, other_calendar = _resolved(text, clause, values, trigger.calendar)
        when = "at once" if other.is_zero else f"within {span_words(other, other_calendar)}"
        timing += f" (with the plan {plan}: {when})"
    timing += _or_earlier(template, clause, values)
    repeat = template.recurrence
    if repeat is not None and repeat.anchor == "trigger":
        interval, _ = _resolved(repeat.interval, clause, values, CalendarKind.CALENDAR)
        timing += f", then every {span_words(interval, CalendarKind.CALENDAR)}"
        timing += (
            " until the event is closed or the contract ends"
            if repeat.until == "event_closed"
            else " until the contract ends"
        )
    return f"Each time {event}: {timing}."
