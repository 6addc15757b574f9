"""Turn a clause's reminder profile and escalation ladder into the domain policy's inputs."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.domain.policy import DEFAULT_LADDER, LadderStep, Role
from tracker.library.parameters import JsonValue, param_name
from tracker.library.schema import ClauseFile, EscalationStep, ObligationTemplate


@dataclass(frozen=True, slots=True)
class PolicyInputs:
    before_due: tuple[str, ...] | None
    after_due: tuple[str, ...] | None
    recipients: tuple[Role, ...] | None
    ladder: tuple[LadderStep, ...]
    # `reminders.on_trigger`: a notice on the day the duty is planned (event recorded).
    on_trigger: bool = False


def _literal(text: str, clause: ClauseFile, values: dict[str, JsonValue]) -> str:
    name = param_name(text)
    if name is None:
        return text
    return str(values.get(name, clause.parameters[name].default))


def _ladder(
    steps: list[EscalationStep], clause: ClauseFile, values: dict[str, JsonValue]
) -> tuple[LadderStep, ...]:
    # Level 1 is the informal reminders, which the reminder profile times.
    return tuple(
        LadderStep(
            s.level,
            s.name,
            # A manual step with its own date falls on it, as the clause says.
            _literal(s.after_due, clause, values) if s.after_due else None,
            manual=s.manual,
            calendar=s.calendar,
        )
        for s in sorted(steps, key=lambda s: s.level)
        if s.level >= 2
    )


def policy_inputs(
    clause: ClauseFile, template: ObligationTemplate, values: dict[str, JsonValue]
) -> PolicyInputs:
    reminders = template.reminders
    escalation = template.escalation
    if isinstance(escalation, list):
        ladder = _ladder(escalation, clause, values)
    else:
        profile = next((p for p in clause.escalation_profiles if p.id == escalation), None)
        ladder = _ladder(profile.steps, clause, values) if profile else DEFAULT_LADDER
    return PolicyInputs(
        before_due=tuple(_literal(t, clause, values) for t in reminders.before_due)
        if reminders and reminders.before_due is not None
        else None,
        after_due=tuple(_literal(t, clause, values) for t in reminders.after_due)
        if reminders and reminders.after_due is not None
        else None,
        recipients=tuple(Role(r.value) for r in reminders.recipients)
        if reminders and reminders.recipients
        else None,
        ladder=ladder,
        on_trigger=bool(reminders and reminders.on_trigger),
    )
