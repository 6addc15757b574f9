"""Which heading an item of a reminder email goes under, and the words of its date:
pure functions of what the item is and the day the email is written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from tracker.reminders import error_text
from tracker.reminders.compose import due_words, section_of, sections_of
from tracker.reminders.passes import RelayReport, SweepReport

TODAY = date(2027, 4, 24)


@pytest.mark.parametrize(
    ("kind", "level", "due_on", "section"),
    [
        ("escalation", 2, date(2027, 4, 10), "formal_notice"),
        ("escalation", 3, date(2027, 4, 10), "escalated"),
        ("decision_needed", 4, date(2027, 4, 10), "decision_needed"),
        ("action_required", 1, date(2027, 5, 1), "action_required"),
        ("overdue", 1, date(2027, 4, 23), "overdue"),
        # A step planned for one state, written when the item is in another:
        ("upcoming", 0, date(2027, 4, 10), "overdue"),  # planned 3 days before, written late
        ("upcoming", 0, TODAY, "due_today"),
        ("due_today", 0, date(2027, 4, 25), "upcoming"),  # due tomorrow is not "due today"
        ("overdue", 1, TODAY, "due_today"),  # rescheduled to today: not overdue
        ("escalation", 2, date(2027, 7, 22), "upcoming"),  # rescheduled: no notice for it
    ],
)
def test_each_item_goes_under_what_it_is_today(
    kind: str, level: int, due_on: date, section: str
) -> None:
    assert section_of(kind, level, due_on, TODAY) == section


def test_due_words_count_from_the_day_given() -> None:
    assert due_words(date(2027, 7, 22), TODAY) == "due in 89 days"
    assert due_words(date(2027, 4, 25), TODAY) == "due in 1 day"
    assert due_words(TODAY, TODAY) == "due today"
    assert due_words(date(2027, 4, 23), TODAY) == "1 day overdue"
    assert due_words(date(2027, 4, 10), TODAY) == "14 days overdue"


def test_sections_loudest_first_items_by_date() -> None:
    items = [
        {"section": "upcoming", "due_on": "2027-07-22", "title": "b"},
        {"section": "formal_notice", "due_on": "2027-04-10", "title": "a"},
        {"section": "upcoming", "due_on": "2027-05-01", "title": "c"},
    ]
    found = sections_of(items)
    assert [s["heading"] for s in found] == ["Formal notice of non-compliance", "Coming up"]
    assert [i["title"] for i in found[1]["items"]] == ["c", "b"]


def test_a_pass_that_did_nothing_logs_nothing_and_one_that_did_says_so_in_words() -> None:
    assert SweepReport().summary(0.2) is None
    assert RelayReport().summary(0.2) is None
    assert (
        SweepReport(obligations_reminded=12, messages_composed=3).summary(0.42)
        == "sweep: 12 obligations with reminders due, 3 emails composed in 0.4 s"
    )
    assert (
        RelayReport(attempted=4, sent=2, retrying=1, partial=1, summaries_queued=1).summary(1.0)
        == "relay: 4 emails tried, 2 sent, 1 to retry, 1 refused by some recipients, "
        "1 manager told in 1.0 s"
    )


def test_a_database_error_is_told_without_the_rows_it_carried() -> None:
    body = "Hello, we have not yet received the social audit report"
    exc = IntegrityError(
        "INSERT INTO outbox_message (raw, subject) VALUES (?, ?)",
        {"raw": body.encode(), "subject": body},
        Exception("UNIQUE constraint failed: outbox_message.group_key"),
    )
    assert body in str(exc)  # what a traceback or repr() would have logged
    text = error_text(exc)
    assert text == "Exception: UNIQUE constraint failed: outbox_message.group_key"
    assert body not in text
