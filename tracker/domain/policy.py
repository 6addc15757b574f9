"""The reminder policy: which steps an obligation's reminders take, to whom, and when.

Before the due date (default 30, 14 and 3 days), on the day, then up the escalation
ladder: informal reminders, a formal notice, an escalation to the supplier's senior
contact, and manual steps (sanctions, termination) where the contract manager is told a
decision is needed. Timings not given by a clause are the defaults of DOMAIN.md §2.1.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from tracker.domain.business_days import NO_CLOSURES, add_business_days
from tracker.domain.durations import CalendarKind, Duration
from tracker.domain.localtime import local_instant, zone
from tracker.domain.status import CLOSED, ObligationStatus


class Kind(StrEnum):
    UPCOMING = "upcoming"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    DECISION_NEEDED = "decision_needed"
    # A person's decision the supplier must act on: evidence rejected, a finding recorded.
    ACTION_REQUIRED = "action_required"


# How loud each kind is: a message listing several items takes the loudest one's kind.
SEVERITY = {
    Kind.UPCOMING: 0,
    Kind.DUE_TODAY: 1,
    Kind.ACTION_REQUIRED: 2,
    Kind.OVERDUE: 3,
    Kind.ESCALATION: 4,
    Kind.DECISION_NEEDED: 5,
}


class Role(StrEnum):
    SUPPLIER_COMPLIANCE = "supplier_compliance_contact"
    SUPPLIER_ACCOUNT = "supplier_account_contact"
    SUPPLIER_ESCALATION = "supplier_escalation_contact"
    CONTRACT_MANAGER = "contract_manager"


@dataclass(frozen=True, slots=True)
class LadderStep:
    """One rung of an escalation ladder (from a clause's profile or the default)."""

    level: int
    name: str
    # ISO duration after the due date; None: a manual step comes MANUAL_GAP after the
    # previous rung (a step with no date of its own must be manual).
    after_due: str | None
    manual: bool = False
    # Business: `after_due` counts business days of the contract's country (weekends,
    # public holidays and the buyer's closure days are skipped).
    calendar: CalendarKind = CalendarKind.CALENDAR

    def on(self, due_on: date, *, country: str | None, closed: frozenset[date]) -> date:
        """The rung's own date (it must have `after_due`): at least the day after due."""
        assert self.after_due is not None
        days = max(Duration.parse(self.after_due).total_days, 1)
        if self.calendar is CalendarKind.BUSINESS:
            return add_business_days(due_on, days, country, closed)
        return due_on + timedelta(days=days)


DEFAULT_BEFORE = ("P30D", "P14D", "P3D")
DEFAULT_OVERDUE = ("P1D", "P7D")  # informal reminders (level 1)
DEFAULT_LADDER = (
    LadderStep(2, "formal-notice", "P14D"),
    LadderStep(3, "escalation-meeting", "P30D"),
    LadderStep(4, "sanctions", None, manual=True),
    LadderStep(5, "termination", None, manual=True),
)
# A manual step with no date of its own comes this long after the previous rung.
MANUAL_GAP = timedelta(days=15)
SUPPLIER = (Role.SUPPLIER_COMPLIANCE,)


@dataclass(frozen=True, slots=True)
class Step:
    key: str  # unique within one obligation and due date, e.g. "before:P14D", "level:2"
    on: date  # in the contract's timezone
    kind: Kind
    level: int  # the escalation level this step brings the obligation to
    roles: tuple[Role, ...]
    name: str = ""


def lead_days(before_due: Sequence[str] | None) -> int:
    """How many days before the due date the first reminder falls (the "due" window)."""
    steps = before_due if before_due is not None else DEFAULT_BEFORE
    return max((Duration.parse(s).total_days for s in steps), default=0)


def steps_for(
    due_on: date,
    *,
    before_due: Sequence[str] | None = None,
    after_due: Sequence[str] | None = None,
    recipients: Sequence[Role] | None = None,
    ladder: Sequence[LadderStep] | None = None,
    notice_on: date | None = None,
    country: str | None = None,
    closed: frozenset[date] = NO_CLOSURES,
) -> list[Step]:
    """Every step of one obligation, in date order; one step per date at most.

    `notice_on` (a clause's `reminders.on_trigger`): the day the duty came to be, when the
    supplier is told of it at once, if that is before the due date. `country` and `closed`
    (the buyer's closure days) count the ladder's business-day rungs."""
    supplier = tuple(recipients) if recipients else SUPPLIER
    steps: list[Step] = []
    if notice_on is not None and notice_on < due_on:
        steps.append(Step("notice", notice_on, Kind.UPCOMING, 0, supplier, "notice"))
    for text in before_due if before_due is not None else DEFAULT_BEFORE:
        days = Duration.parse(text).total_days
        if days > 0:
            steps.append(
                Step(f"before:{text}", due_on - timedelta(days=days), Kind.UPCOMING, 0, supplier)
            )
    steps.append(Step("due", due_on, Kind.DUE_TODAY, 0, supplier))
    overdue = after_due if after_due is not None else DEFAULT_OVERDUE
    for index, text in enumerate(overdue):
        days = Duration.parse(text).total_days
        # The second informal reminder also tells the contract manager.
        roles = supplier if index == 0 else (*supplier, Role.CONTRACT_MANAGER)
        steps.append(
            Step(
                f"after:{text}",
                due_on + timedelta(days=max(days, 1)),
                Kind.OVERDUE,
                1,
                roles,
                "informal-reminder",
            )
        )
    previous = max((s.on for s in steps), default=due_on)
    for rung in ladder if ladder is not None else DEFAULT_LADDER:
        if rung.after_due is not None:
            on = rung.on(due_on, country=country, closed=closed)
        else:
            on = previous + MANUAL_GAP
        previous = max(previous, on)
        if rung.manual:
            steps.append(
                Step(
                    f"level:{rung.level}",
                    on,
                    Kind.DECISION_NEEDED,
                    rung.level,
                    (Role.CONTRACT_MANAGER,),
                    rung.name,
                )
            )
        elif rung.level >= 3:
            steps.append(
                Step(
                    f"level:{rung.level}",
                    on,
                    Kind.ESCALATION,
                    rung.level,
                    (Role.SUPPLIER_ESCALATION, Role.CONTRACT_MANAGER),
                    rung.name,
                )
            )
        else:
            steps.append(
                Step(
                    f"level:{rung.level}",
                    on,
                    Kind.ESCALATION,
                    rung.level,
                    (*supplier, Role.SUPPLIER_ESCALATION, Role.CONTRACT_MANAGER),
                    rung.name,
                )
            )
    return merge_same_day(steps)


def merge_same_day(steps: Sequence[Step]) -> list[Step]:
    """One step per date: the loudest step's kind, level and name, and everyone any step
    of that date would have told (the louder step's people first, each once). Dropping
    the quieter step's people would leave, say, the supplier who must act unwarned on the
    day the contract manager is asked to decide."""
    by_day: dict[date, list[Step]] = {}
    for step in sorted(steps, key=lambda s: (s.on, SEVERITY[s.kind], s.level)):
        by_day.setdefault(step.on, []).append(step)
    merged = []
    for day, same in sorted(by_day.items()):
        loudest = same[-1]
        roles = tuple(dict.fromkeys(r for s in reversed(same) for r in s.roles))
        merged.append(Step(loudest.key, day, loudest.kind, loudest.level, roles, loudest.name))
    return merged


def reminders_paused(status: str) -> bool:
    """Fulfilled or waived stops the ladder; submitted (under review) pauses it."""
    return status in CLOSED or status == ObligationStatus.SUBMITTED


@dataclass(frozen=True, slots=True)
class Decision:
    send: Step | None  # the step to send now (the latest that has come), or None
    next_at: datetime | None  # when the sweep should look at this obligation again


def decide(
    steps: Sequence[Step],
    *,
    now: datetime,
    timezone: str,
    hour: int,
    since: datetime | None,
    minute: int = 0,
) -> Decision:
    """Which step to send at `now`, steps falling at `hour`:`minute` local time. `since` is
    the obligation's `next_reminder_at`: steps before it were already handled.

    Only the latest step that has come is sent: after downtime a reminder is sent once,
    not once per missed step or tick.
    """
    timed = [(local_instant(s.on, hour, timezone, minute), s) for s in steps]
    come = [s for at, s in timed if at <= now and (since is None or at >= since)]
    upcoming = [at for at, _ in timed if at > now]
    return Decision(send=come[-1] if come else None, next_at=min(upcoming, default=None))


def step_offsets(
    *,
    before_due: Sequence[str] | None = None,
    after_due: Sequence[str] | None = None,
    ladder: Sequence[LadderStep] | None = None,
) -> tuple[int, ...]:
    """Days from the due date to each step: the same for every obligation sharing a
    policy, so planning computes them once, not once per obligation. Only for a ladder
    counted in calendar days (see `counts_business_days`)."""
    anchor = date(2000, 1, 1)
    steps = steps_for(anchor, before_due=before_due, after_due=after_due, ladder=ladder)
    return tuple((s.on - anchor).days for s in steps)


def counts_business_days(ladder: Sequence[LadderStep] | None) -> bool:
    """Whether a ladder has a rung counted in business days: its step dates then depend
    on the due date's calendar, and are computed per obligation (`steps_for`)."""
    return any(r.calendar is CalendarKind.BUSINESS for r in ladder or ())


def first_reminder_at(
    days: Sequence[date], *, local_now: datetime, timezone: str, hour: int, minute: int = 0
) -> datetime | None:
    """Where a newly planned obligation's cursor starts, given its step dates in order:
    the latest step that has already come (it still applies and is sent at once), else
    the first one to come. Compared as local dates, so only the chosen step is converted
    to an instant."""
    today = local_now.date()
    # Steps on or before today have come if the time has; days are in order.
    come = (local_now.hour, local_now.minute) >= (hour, minute)
    cut = bisect_right(days, today) if come else bisect_left(days, today)
    if cut:
        return local_instant(days[cut - 1], hour, timezone, minute)
    return local_instant(days[0], hour, timezone, minute) if days else None


def moved_cursor(
    cursor: datetime | None,
    *,
    timezone: str,
    old: tuple[int, int],
    new: tuple[int, int],
) -> datetime | None:
    """An obligation's `next_reminder_at` after its contract's reminder time changes from
    `old` to `new` (local hour, minute). A cursor at a step's time moves to the same day
    at the new time, so the same step is still the next one (none is sent twice or
    skipped); any other cursor (set to "now" when reminders resume) stays."""
    if cursor is None:
        return None
    day = cursor.astimezone(zone(timezone)).date()
    if cursor != local_instant(day, old[0], timezone, old[1]):
        return cursor
    return local_instant(day, new[0], timezone, new[1])
