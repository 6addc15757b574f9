"""Rules that span fields of a clause file (references between its parts, parameter use)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from tracker.domain.durations import CalendarKind, Duration
from tracker.domain.policy import DEFAULT_OVERDUE
from tracker.domain.templates import NORMAL_PLAN
from tracker.library.parameters import coerce, param_name, placeholders
from tracker.library.schema import ClauseFile, EventName, ParamType, TriggerType

Path = tuple[str | int, ...]
Add = Callable[[Path, str], None]


@dataclass(frozen=True)
class Issue:
    path: Path
    message: str


def check_clause(clause: ClauseFile) -> list[Issue]:
    issues: list[Issue] = []

    def add(path: Path, message: str) -> None:
        issues.append(Issue(path, message))

    for name, definition in clause.parameters.items():
        path: Path = ("parameters", name)
        if definition.calendar is not None and definition.type is not ParamType.DURATION:
            add((*path, "calendar"), "only duration parameters have a calendar")
        if definition.type is ParamType.ENUM and not definition.choices:
            add((*path, "choices"), "an enum parameter needs its choices")
        if definition.default is None:
            add((*path, "default"), "every parameter needs a default the buyer can change")
            continue
        reference_ids = {r.id for r in clause.references}
        for position, cited in enumerate(definition.references):
            if cited not in reference_ids:
                add((*path, "references", position), f"{cited!r} is not one of references")
        try:
            coerce(definition, definition.default)
        except ValueError as exc:
            add((*path, "default"), str(exc))

    try:
        for name in placeholders(clause.clause_text):
            if name not in clause.parameters:
                add(("clause_text",), f"{{{name}}} is not a declared parameter")
    except ValueError as exc:
        add(("clause_text",), str(exc))

    _unique(clause.references, "references", add)
    _unique(clause.evidence_types, "evidence_types", add)
    _unique(clause.obligations, "obligations", add)
    _unique(clause.escalation_profiles, "escalation_profiles", add)

    evidence_ids = {e.id for e in clause.evidence_types}
    profile_ids = {p.id for p in clause.escalation_profiles} | {"default"}
    for index, template in enumerate(clause.obligations):
        base: Path = ("obligations", index)
        for position, evidence in enumerate(template.evidence):
            if evidence not in evidence_ids:
                add((*base, "evidence", position), f"{evidence!r} is not one of evidence_types")
        if isinstance(template.escalation, str) and template.escalation not in profile_ids:
            add((*base, "escalation"), f"{template.escalation!r} is not an escalation profile")
        _check_trigger(clause, index, add)
        _check_ladder(clause, index, add)
        _check_per_model(clause, index, add)
        if template.applies_if is not None:
            condition = template.applies_if
            if not condition.cpv_prefixes and not condition.product_types:
                add((*base, "applies_if"), "give cpv_prefixes or product_types (or drop it)")
            if condition.product_types and not template.per_model:
                add(
                    (*base, "applies_if", "product_types"),
                    "only a per_model obligation knows its model's product type",
                )
        resubmit = template.acceptance.resubmit_within
        _check_param_ref(clause, resubmit, (*base, "acceptance", "resubmit_within"), add)
        if template.reminders:
            for key in ("before_due", "after_due"):
                for position, text in enumerate(getattr(template.reminders, key) or []):
                    if param_name(text) is None and Duration.parse(text).negative:
                        add((*base, "reminders", key, position), "must not be negative")
                    _check_param_ref(clause, text, (*base, "reminders", key, position), add)
    return issues


def _check_trigger(clause: ClauseFile, index: int, add: Add) -> None:
    template = clause.obligations[index]
    base: Path = ("obligations", index)
    trigger = template.trigger
    where: Path = (*base, "trigger")
    kind = trigger.type
    if kind is TriggerType.EVENT and trigger.event is None:
        add((*where, "event"), "an event trigger names its event")
    if kind is not TriggerType.EVENT and trigger.event is not None:
        add((*where, "event"), f"only event triggers name an event (type is {kind.value})")
    if kind is TriggerType.FIXED_DATE:
        _check_date(clause, trigger.date, (*where, "date"), add)
    if kind is TriggerType.EVIDENCE_EXPIRY:
        evidence = clause.evidence_type(trigger.evidence_type or "")
        if evidence is None:
            add((*where, "evidence_type"), "an evidence_expiry trigger names one of evidence_types")
        elif not evidence.has_validity:
            add((*where, "evidence_type"), f"{evidence.id!r} has no validity period to expire")
    if kind is TriggerType.RECURRING:
        if template.recurrence is None:
            add((*base, "recurrence"), "a recurring trigger needs a recurrence")
        else:
            rec = template.recurrence
            _check_param_ref(clause, rec.interval, (*base, "recurrence", "interval"), add)
            interval = _duration_value(clause, rec.interval)
            if interval is not None and (interval.is_zero or interval.negative):
                add((*base, "recurrence", "interval"), "the interval must be positive")
            if rec.first is not None:
                _check_param_ref(clause, rec.first, (*base, "recurrence", "first"), add)
            if rec.anchor == "trigger" or rec.until == "event_closed":
                add(
                    (*base, "recurrence", "anchor"),
                    "a recurring trigger repeats from the contract; only an event's duty "
                    "repeats from its trigger or until the event is closed",
                )
            if rec.anchor == "fixed_date":
                _check_date(clause, rec.anchor_date, (*base, "recurrence", "anchor_date"), add)
            if rec.ends_on is not None:
                _check_date(clause, rec.ends_on, (*base, "recurrence", "ends_on"), add)
            if isinstance(rec.count, str):
                name = param_name(rec.count)
                definition = clause.parameters.get(name or "")
                if definition is None:
                    add((*base, "recurrence", "count"), "a whole number or {parameter} is needed")
                elif definition.type is not ParamType.INTEGER:
                    add(
                        (*base, "recurrence", "count"),
                        f"parameter {name!r} is a {definition.type.value}, not an integer",
                    )
    elif template.recurrence is not None:
        _check_event_recurrence(clause, index, add)

    if template.applies_from is not None:
        if kind in (TriggerType.EVENT, TriggerType.EVIDENCE_EXPIRY, TriggerType.FINDING):
            add(
                (*base, "applies_from"),
                f"only duties planned from the contract have a start date (type is {kind.value})",
            )
        _check_date(clause, template.applies_from, (*base, "applies_from"), add)
    _check_offset(clause, trigger.offset, trigger.calendar, (*where, "offset"), add)
    if trigger.plans and kind not in (TriggerType.EVENT, TriggerType.FINDING):
        add(
            (*where, "plans"),
            f"only event and finding triggers offer plans to choose from (type is {kind.value})",
        )
    if trigger.plans and template.per_model:
        # A model's duty is planned when the model is added, where no plan is chosen.
        add((*where, "plans"), "a per_model obligation has no plans to choose from")
    if trigger.or_earlier is not None:
        _check_or_earlier(clause, index, add)
    for plan, text in trigger.plans.items():
        if plan == NORMAL_PLAN:
            add((*where, "plans", plan), "the plan 'normal' is the trigger's own offset")
        _check_offset(clause, text, trigger.calendar, (*where, "plans", plan), add)


# The dates a contract gives without any event: what "whichever is earlier" compares with.
_CONTRACT_DATES = (
    TriggerType.CONTRACT_SIGNED,
    TriggerType.CONTRACT_START,
    TriggerType.CONTRACT_END,
    TriggerType.FIXED_DATE,
)


def _check_or_earlier(clause: ClauseFile, index: int, add: Add) -> None:
    template = clause.obligations[index]
    trigger = template.trigger
    second = trigger.or_earlier
    assert second is not None
    where: Path = ("obligations", index, "trigger", "or_earlier")
    if trigger.type not in (*_CONTRACT_DATES, TriggerType.EVENT) or template.recurrence:
        add(
            where,
            "only a one-off duty (from the contract, a date or an event) is due at the "
            "earlier of two dates",
        )
    if second.type not in _CONTRACT_DATES:
        add((*where, "type"), "the earlier date comes from the contract or a fixed date")
    if second.type is TriggerType.FIXED_DATE:
        _check_date(clause, second.date, (*where, "date"), add)
    elif second.date is not None:
        add((*where, "date"), f"only a fixed_date trigger has a date (type is {second.type.value})")
    _check_offset(clause, second.offset, second.calendar, (*where, "offset"), add)


def _check_event_recurrence(clause: ClauseFile, index: int, add: Add) -> None:
    """An event's duty may repeat from its first due date (`anchor: trigger`)."""
    template = clause.obligations[index]
    rec = template.recurrence
    assert rec is not None
    where: Path = ("obligations", index, "recurrence")
    if template.trigger.type is not TriggerType.EVENT or rec.anchor != "trigger":
        add(where, "only a recurring trigger, or an event's with anchor: trigger, repeats")
        return
    if template.per_model:
        add(where, "a per_model duty does not repeat after its event")
    if rec.first is not None:
        add((*where, "first"), "an event's duty first falls due at the trigger's offset")
    if rec.until == "none":
        add((*where, "until"), "an event's repetition ends with the contract at the latest")
    _check_param_ref(clause, rec.interval, (*where, "interval"), add)
    interval = _duration_value(clause, rec.interval)
    if interval is not None and (interval.is_zero or interval.negative):
        add((*where, "interval"), "the interval must be positive")
    if rec.ends_on is not None:
        _check_date(clause, rec.ends_on, (*where, "ends_on"), add)
    if isinstance(rec.count, str):
        definition = clause.parameters.get(param_name(rec.count) or "")
        if definition is None or definition.type is not ParamType.INTEGER:
            add((*where, "count"), "a whole number or {parameter} of type integer is needed")


def _check_offset(
    clause: ClauseFile, text: str, calendar: CalendarKind | None, path: Path, add: Add
) -> None:
    """An offset (or a plan's): its parameter exists and counts days as the trigger does."""
    _check_param_ref(clause, text, path, add)
    name = param_name(text)
    if name and name in clause.parameters:
        param_calendar = clause.parameters[name].calendar or CalendarKind.CALENDAR
        if calendar is not None and calendar is not param_calendar:
            add(
                (*path[:-1], "calendar") if path[-1] == "offset" else path,
                f"is {calendar.value} but parameter {name!r} counts {param_calendar.value} days",
            )
    offset = _duration_value(clause, text)
    if calendar is CalendarKind.BUSINESS and offset is not None and not offset.is_day_based:
        add(path, "business-day offsets are counted in days, e.g. P20D")


def _check_per_model(clause: ClauseFile, index: int, add: Add) -> None:
    template = clause.obligations[index]
    base: Path = ("obligations", index)
    trigger = template.trigger
    if template.only_generation is not None:
        if not template.per_model:
            add((*base, "only_generation"), "only a per_model obligation picks models")
        name = param_name(template.only_generation)
        if name is not None and name not in clause.parameters:
            add((*base, "only_generation"), f"{{{name}}} is not a declared parameter")
    if not template.per_model:
        return
    if trigger.type is TriggerType.EVENT and trigger.event is not EventName.NEW_PRODUCT_MODEL:
        # Other events do not say which model they are about, so the field could not act.
        add(
            (*base, "per_model"),
            "a per_model obligation starts from the contract, a new_product_model event or "
            "an evidence expiry",
        )
    if trigger.type is TriggerType.FINDING:
        add((*base, "per_model"), "findings are not about one product model")


def _check_ladder(clause: ClauseFile, index: int, add: Add) -> None:
    """Every step of a ladder takes effect. Level 1 is the informal reminders, timed by the
    template's `reminders.after_due`: a level-1 step on another day would be ignored, so
    it is refused rather than silently dropped."""
    template = clause.obligations[index]
    escalation = template.escalation
    if isinstance(escalation, list):
        steps, where = escalation, ("obligations", index, "escalation")
    else:
        found = next(
            (i for i, p in enumerate(clause.escalation_profiles) if p.id == escalation), None
        )
        if found is None:
            return
        steps = clause.escalation_profiles[found].steps
        where = ("escalation_profiles", found, "steps")
    reminders = template.reminders
    informal = (
        list(reminders.after_due)
        if reminders and reminders.after_due is not None
        else list(DEFAULT_OVERDUE)
    )
    for position, step in enumerate(steps):
        if step.calendar is CalendarKind.BUSINESS:
            span = _duration_value(clause, step.after_due) if step.after_due else None
            if span is None or not span.is_day_based:
                add(
                    (*where, position, "calendar"),
                    "a step counted in business days needs an after_due in days or weeks",
                )
        if step.level == 1 and step.after_due is not None and step.after_due not in informal:
            add(
                (*where, position, "after_due"),
                f"level 1 is the informal reminders, which obligation {template.id!r} sends "
                f"after {', '.join(informal) or 'no delay'}; give {step.after_due} in its "
                "reminders.after_due or drop this step",
            )


def _duration_value(clause: ClauseFile, text: str) -> Duration | None:
    name = param_name(text)
    if name is None:
        return Duration.parse(text)
    definition = clause.parameters.get(name)
    if definition is None or definition.default is None:
        return None
    try:
        return Duration.parse(str(definition.default))
    except ValueError:
        return None


def _check_param_ref(clause: ClauseFile, text: str | None, path: Path, add: Add) -> None:
    name = param_name(text)
    if name is None:
        return
    definition = clause.parameters.get(name)
    if definition is None:
        add(path, f"{{{name}}} is not a declared parameter")
    elif definition.type is not ParamType.DURATION:
        add(path, f"parameter {name!r} is a {definition.type.value}, not a duration")


def _check_date(clause: ClauseFile, text: str | None, path: Path, add: Add) -> None:
    if text is None:
        add(path, "a date (YYYY-MM-DD) or {parameter} is needed")
        return
    name = param_name(text)
    if name is not None:
        definition = clause.parameters.get(name)
        if definition is None:
            add(path, f"{{{name}}} is not a declared parameter")
        elif definition.type is not ParamType.DATE:
            add(path, f"parameter {name!r} is a {definition.type.value}, not a date")
        return
    try:
        date.fromisoformat(text)
    except ValueError:
        add(path, f"{text!r} is not a date (YYYY-MM-DD)")


def _unique(items: Sequence[object], field: str, add: Add) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        ident = str(getattr(item, "id", ""))
        if ident in seen:
            add((field, index, "id"), f"{ident!r} is used twice")
        seen.add(ident)
