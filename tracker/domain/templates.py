"""What the schedule engine reads from a clause: triggers, recurrences and parameters.

The clause library's pydantic models (`tracker.library.schema`) have these shapes; the
domain names only the shapes, so it depends on no library module and the library depends
on the domain, never the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol

from tracker.domain.durations import CalendarKind

# A parameter value as a clause file or a buyer gives it.
JsonValue = str | int | float | bool | None

# `{disclosure_period}`: a value that names a clause parameter instead of giving a literal.
PARAM_REF = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")


class TriggerType(StrEnum):
    CONTRACT_SIGNED = "contract_signed"
    CONTRACT_START = "contract_start"
    CONTRACT_END = "contract_end"
    FIXED_DATE = "fixed_date"
    RECURRING = "recurring"
    EVIDENCE_EXPIRY = "evidence_expiry"
    EVENT = "event"
    # Planned when a finding is recorded (corrective action plans).
    FINDING = "finding"


# The plan a trigger's own offset stands for.
NORMAL_PLAN = "normal"


def plan_offset(trigger: TriggerRules, plan: str | None) -> str:
    """The offset of the named plan (`normal` or None: the trigger's own offset); a plan
    the trigger does not offer raises KeyError."""
    if plan is None or plan == NORMAL_PLAN:
        return trigger.offset
    return trigger.plans[plan]


def offered_plans(trigger: TriggerRules) -> list[str]:
    """The plans a trigger offers, `normal` first."""
    return [NORMAL_PLAN, *sorted(trigger.plans)]


@lru_cache(maxsize=4096)
def param_name(text: str | None) -> str | None:
    """The parameter named by a `{name}` reference, or None for a literal."""
    match = PARAM_REF.match(text) if text else None
    return match.group(1) if match else None


class ParameterRules(Protocol):
    @property
    def default(self) -> Any: ...
    @property
    def calendar(self) -> CalendarKind | None: ...


class EarlierRules(Protocol):
    """The second trigger of "whichever is earlier"."""

    @property
    def type(self) -> TriggerType: ...
    @property
    def date(self) -> str | None: ...
    @property
    def offset(self) -> str: ...
    @property
    def calendar(self) -> CalendarKind | None: ...


class TriggerRules(EarlierRules, Protocol):
    """A duty's trigger: what "whichever is earlier" has, and how the date is adjusted."""

    @property
    def adjust(self) -> str: ...
    @property
    def before_start(self) -> bool: ...
    @property
    def plans(self) -> Mapping[str, str]: ...
    @property
    def or_earlier(self) -> EarlierRules | None: ...


class RecurrenceRules(Protocol):
    @property
    def interval(self) -> str: ...
    @property
    def anchor(self) -> str: ...
    @property
    def anchor_date(self) -> str | None: ...
    @property
    def first(self) -> str | None: ...
    @property
    def until(self) -> str: ...
    @property
    def ends_on(self) -> str | None: ...
    @property
    def count(self) -> int | str | None: ...


class ConditionRules(Protocol):
    """Where a duty applies: contracts by CPV code, models by product type."""

    @property
    def cpv_prefixes(self) -> Sequence[str]: ...
    @property
    def product_types(self) -> Sequence[str]: ...


class TemplateRules(Protocol):
    """One obligation template of a clause."""

    @property
    def id(self) -> str: ...
    @property
    def per_model(self) -> bool: ...
    @property
    def applies_if(self) -> ConditionRules | None: ...
    @property
    def trigger(self) -> TriggerRules: ...
    @property
    def recurrence(self) -> RecurrenceRules | None: ...
    @property
    def applies_from(self) -> str | None: ...


class ClauseRules(Protocol):
    """A clause, as far as scheduling its obligations goes: its parameters."""

    @property
    def parameters(self) -> Mapping[str, ParameterRules]: ...


def _cpv_matches(condition: ConditionRules, cpv_codes: Sequence[str]) -> bool:
    return any(code.startswith(p) for code in cpv_codes for p in condition.cpv_prefixes)


def applies_to_contract(template: TemplateRules, cpv_codes: Sequence[str]) -> bool:
    """Whether a contract with these CPV codes plans the duty at all. A per-model duty
    with product types is decided model by model (`applies_to_model`)."""
    condition = template.applies_if
    if condition is None:
        return True
    if template.per_model and condition.product_types:
        return True
    return _cpv_matches(condition, cpv_codes)


def applies_to_model(template: TemplateRules, cpv_codes: Sequence[str], product_type: str) -> bool:
    """Whether a model of this product type owes a per-model duty under such a contract:
    the contract's CPV code or the model's type is one the duty names."""
    condition = template.applies_if
    if condition is None:
        return True
    wanted = {t.strip().lower() for t in condition.product_types}
    return _cpv_matches(condition, cpv_codes) or product_type.strip().lower() in wanted
