"""Supplier emails in the contact's language: fixed words from the catalogues, long dates as
Babel writes them there, notes stored as a kind and values and worded when written."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.portal.catalogue import mail_msgids
from tracker.config import load_settings
from tracker.errors import ConfigError
from tracker.portal.language import LANGUAGES, long_moment, messages
from tracker.reminders.notes import finding_note, rejection_note, structured
from tracker.reminders.wording import words_for

TODAY = date(2027, 4, 24)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_supplier_email_text_is_translated(language: str) -> None:
    table = messages(language)
    missing = sorted(m for m in mail_msgids() if not table.get(m))
    assert missing == []


def test_a_swedish_contact_reads_swedish_words_and_swedish_dates() -> None:
    sv = words_for("sv", supplier=True)
    assert sv.day(date(2027, 4, 10)) == "10 april 2027"
    assert sv.due(date(2027, 7, 22), TODAY) == "förfaller om 89 dagar"
    assert sv.due(date(2027, 4, 23), TODAY) == "försenat med 1 dag"
    assert sv.due(TODAY, TODAY) == "förfaller i dag"
    assert sv.stage(2) == "Formell anmärkning om avtalsbrott"


def test_an_english_contact_reads_long_dates_and_a_manager_iso_dates() -> None:
    en = words_for(None, supplier=True)
    assert en.day(date(2027, 4, 10)) == "April 10, 2027"
    assert en.due(date(2027, 4, 10), TODAY) == "14 days overdue"
    manager = words_for("sv", supplier=False)  # managers read the tracker's English
    assert manager.day(date(2027, 4, 10)) == "2027-04-10"
    assert manager.due(date(2027, 4, 25), TODAY) == "due in 1 day"


def test_a_rejection_note_is_worded_in_the_readers_language() -> None:
    note = rejection_note(
        evidence="Social audit report",
        evidence_id=7,
        submitted_on=date(2027, 3, 28),
        reason="Only two of five models",
        resubmit_by=date(2027, 4, 8),
    )
    assert structured(note) is not None
    assert words_for("sv", supplier=True).note([note]) == (
        'Ditt underlag "Social audit report" (underlag 7, inskickat 28 mars 2027) godtogs '
        "inte: Only two of five models. Skicka en rättad version senast 8 april 2027."
    )
    assert words_for("en", supplier=True).note([note]) == (
        "Your Social audit report (evidence 7, submitted March 28, 2027) was not accepted: "
        "Only two of five models. Please send a corrected version by April 8, 2027."
    )


def test_a_finding_note_names_the_severity_in_the_readers_words() -> None:
    note = finding_note(finding_id=3, severity="major", text="No fire exits", cap_due=TODAY)
    worded = words_for("sv", supplier=True).note([note])
    assert worded.startswith("Avvikelse 3 (allvarlig): No fire exits. Skicka en plan")
    assert worded.endswith("senast 24 april 2027.")


def test_an_old_prose_note_is_shown_as_written() -> None:
    old = "Your audit (evidence 1, submitted 2027-03-01) was not accepted: unsigned."
    assert structured(old) is None
    assert words_for("sv", supplier=True).note([old]) == old
    assert words_for("sv", supplier=True).note(['{"not": "a note"}']) == '{"not": "a note"}'


def test_a_long_reason_still_fits_the_note_column() -> None:
    note = rejection_note(
        evidence="x" * 500,
        evidence_id=1,
        submitted_on=TODAY,
        reason="ä" * 5000,
        resubmit_by=TODAY,
    )
    assert len(note) <= 2000
    assert words_for("en", supplier=True).note([note]).count("ä") < 1500


def test_a_receipt_tells_the_time_on_the_contracts_clock() -> None:
    at = datetime(2027, 3, 5, 9, 30, tzinfo=UTC)
    assert long_moment(at, "Europe/Stockholm", "sv") == "5 mars 2027 10:30 (Europe/Stockholm)"
    assert long_moment(at, "America/New_York", None) == (
        "March 5, 2027 4:30\u202fAM (America/New_York)"
    )


@pytest.mark.parametrize("value", ["0", "1001", "many"])
def test_email_max_items_outside_1_to_1000_is_refused_naming_the_variable(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_EMAIL_MAX_ITEMS", value)
    with pytest.raises(ConfigError, match="TRACKER_EMAIL_MAX_ITEMS"):
        load_settings()
