"""The shipped clause library (`clauses/`): what a buyer relies on when attaching a clause.

Loads the real files, so a broken or weakened clause fails here, not in a buyer's contract.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pytest

from tracker.domain.durations import CalendarKind, Duration
from tracker.domain.schedule import ContractDates, contract_occurrences
from tracker.library.loader import Library, clause_files, load_library
from tracker.library.parameters import param_name, render_text, resolve_values
from tracker.library.schema import (
    Category,
    ClauseFile,
    Confidentiality,
    ObligationTemplate,
    TriggerType,
    Verification,
)

CLAUSES = Path(__file__).resolve().parents[2] / "clauses"

# A four-year contract signed six weeks before it starts, in a country with holidays.
CONTRACT = ContractDates(
    start_on=date(2027, 1, 15),
    end_on=date(2031, 1, 14),
    signed_on=date(2026, 12, 1),
    country="SE",
    timezone="Europe/Stockholm",
)
CONTRACT_DRIVEN = {
    TriggerType.CONTRACT_SIGNED,
    TriggerType.CONTRACT_START,
    TriggerType.CONTRACT_END,
    TriggerType.FIXED_DATE,
    TriggerType.RECURRING,
}
# Clauses that schedule nothing until something happens; every other clause must produce
# dates from the contract alone. Adding one here is a product decision, not a fix.
EVENT_ONLY = {"breach-remediation-cap"}
EXPIRY_REMINDERS = ["P90D", "P60D", "P30D", "P7D"]
ADDRESS_FIELDS = {"street_address", "site_address"}


@cache
def library() -> Library:
    return load_library(CLAUSES)


def clauses() -> list[ClauseFile]:
    return list(library())


def by_id(clause_id: str) -> ClauseFile:
    return library().get(clause_id)


def ids() -> list[str]:
    return [c.id for c in clauses()]


def dates_of(clause: ClauseFile, template: ObligationTemplate) -> list[date]:
    values = resolve_values(clause, {})
    occurrences = contract_occurrences(template, clause=clause, values=values, contract=CONTRACT)
    return [o.due_on for o in occurrences]


def deadline_days(clause: ClauseFile, template: ObligationTemplate) -> float:
    """The obligation's offset in calendar days (business days counted as 7 per 5)."""
    text = template.trigger.offset
    name = param_name(text)
    calendar = template.trigger.calendar
    if name is not None:
        definition = clause.parameters[name]
        text = str(definition.default)
        calendar = calendar or definition.calendar
    days = Duration.parse(text).approx_days()
    return days * 7 / 5 if calendar is CalendarKind.BUSINESS else days


def test_library_has_at_least_twenty_clauses_in_every_category() -> None:
    assert len(library()) >= 20
    # Remediation belongs to the built-in corrective-actions clause, not to the library.
    assert {c.category for c in clauses()} == set(Category) - {Category.REMEDIATION}


def test_every_file_is_one_clause_with_a_unique_id() -> None:
    files = clause_files(CLAUSES)
    assert sorted(p.stem for p in files) == sorted(ids())
    assert len(set(ids())) == len(files)


@pytest.mark.parametrize("clause_id", ids())
def test_every_clause_cites_a_web_source(clause_id: str) -> None:
    clause = by_id(clause_id)
    assert clause.references
    for reference in clause.references:
        assert reference.url.startswith(("https://", "http://")), reference.id
    assert clause.provenance_notes.strip(), "say what is verified and what is inferred"


@pytest.mark.parametrize("clause_id", ids())
def test_unsourced_values_are_marked_and_have_a_default(clause_id: str) -> None:
    clause = by_id(clause_id)
    for name, definition in clause.parameters.items():
        assert definition.label, f"{name} needs a label the buyer reads"
        if definition.source is not Verification.VERIFIED:
            assert definition.default is not None, name
            assert definition.source in (Verification.SECONDARY, Verification.INFERENCE)


@pytest.mark.parametrize("clause_id", ids())
def test_clause_text_renders_with_defaults_and_names_every_parameter(clause_id: str) -> None:
    clause = by_id(clause_id)
    text = render_text(clause.clause_text, resolve_values(clause, {}))
    assert "{" not in text
    assert "}" not in text
    # A value the buyer changes must change the contract wording, not only the schedule.
    for name in clause.parameters:
        assert f"{{{name}}}" in clause.clause_text, f"{name} is not used in clause_text"


@pytest.mark.parametrize("clause_id", ids())
def test_deadlines_frequencies_and_dates_are_buyer_editable(clause_id: str) -> None:
    clause = by_id(clause_id)
    for template in clause.obligations:
        trigger = template.trigger
        offset = trigger.offset
        if param_name(offset) is None:
            assert Duration.parse(offset).is_zero, f"{template.id}: offset {offset} is fixed"
        if trigger.type is TriggerType.FIXED_DATE:
            assert param_name(trigger.date) is not None, f"{template.id}: date is fixed"
        if template.recurrence is not None:
            interval = template.recurrence.interval
            assert param_name(interval) is not None, f"{template.id}: interval is fixed"


@pytest.mark.parametrize("clause_id", ids())
def test_four_year_contract_gets_a_sane_schedule(clause_id: str) -> None:
    clause = by_id(clause_id)
    assert CONTRACT.signed_on is not None
    earliest = CONTRACT.signed_on - timedelta(days=365)
    latest = CONTRACT.end_on + timedelta(days=365)
    driven = [t for t in clause.obligations if t.trigger.type in CONTRACT_DRIVEN]
    if clause.id in EVENT_ONLY:
        assert not driven
        assert all(t.trigger.type is TriggerType.EVENT for t in clause.obligations)
        return
    assert driven, "the clause schedules nothing from the contract"
    for template in driven:
        due = dates_of(clause, template)
        assert due, f"{template.id} yields no due date"
        if template.trigger.type is TriggerType.RECURRING:
            assert due == sorted(set(due)), f"{template.id} repeats or goes back in time"
            assert CONTRACT.start_on <= due[0], template.id
            assert due[-1] <= CONTRACT.end_on, template.id
        else:
            assert all(earliest <= d <= latest for d in due), (template.id, due)


def test_yearly_reports_fall_in_each_contract_year() -> None:
    report = by_id("annual-supply-chain-report")
    periodic = dates_of(report, report.obligation("periodic-report"))
    final = dates_of(report, report.obligation("final-report"))
    assert periodic == [date(2028, 1, 15), date(2029, 1, 15), date(2030, 1, 15)]
    assert len(final) == 1
    assert final[0] > CONTRACT.end_on


def test_first_disclosure_counts_swedish_business_days() -> None:
    clause = by_id("supply-chain-transparency")
    (due,) = dates_of(clause, clause.obligation("initial-disclosure"))
    # 20 business days after Friday 15 January 2027: four full weeks later.
    assert due == date(2027, 2, 12)


@pytest.mark.parametrize("clause_id", ids())
def test_certificate_and_audit_expiry_reminds_from_ninety_days(clause_id: str) -> None:
    clause = by_id(clause_id)
    for template in clause.obligations:
        if template.trigger.type is not TriggerType.EVIDENCE_EXPIRY:
            continue
        evidence = clause.evidence_type(template.trigger.evidence_type or "")
        assert evidence is not None
        assert evidence.has_validity
        assert template.reminders is not None, template.id
        assert template.reminders.before_due == EXPIRY_REMINDERS, template.id


@pytest.mark.parametrize("clause_id", ids())
def test_short_event_deadlines_notify_when_the_event_is_recorded(clause_id: str) -> None:
    clause = by_id(clause_id)
    for template in clause.obligations:
        if template.trigger.type is not TriggerType.EVENT:
            continue
        if deadline_days(clause, template) <= 30:
            assert template.reminders is not None, template.id
            assert template.reminders.on_trigger, template.id


@pytest.mark.parametrize("clause_id", ids())
def test_sanctions_and_termination_are_never_automatic(clause_id: str) -> None:
    clause = by_id(clause_id)
    for profile in clause.escalation_profiles:
        levels = [s.level for s in profile.steps]
        assert levels == sorted(levels), profile.id
        for step in profile.steps:
            if step.level >= 4:
                assert step.manual, f"{profile.id}: level {step.level} must be a human decision"
        assert any(s.level == 5 for s in profile.steps), f"{profile.id} has no termination step"


def test_missing_corrective_action_plan_goes_to_formal_notice_at_once() -> None:
    clause = by_id("breach-remediation-cap")
    assert clause.obligation("submit-cap").escalation == "missing-cap"
    profile = next(p for p in clause.escalation_profiles if p.id == "missing-cap")
    first = profile.steps[0]
    assert (first.level, first.after_due) == (2, "P1D")


def test_factory_disclosure_list_is_restricted() -> None:
    clause = by_id("supply-chain-transparency")
    evidence = clause.evidence_type("factory-disclosure-list")
    assert evidence is not None
    assert evidence.confidentiality is Confidentiality.RESTRICTED


@pytest.mark.parametrize("clause_id", ids())
def test_site_lists_are_restricted(clause_id: str) -> None:
    for evidence in by_id(clause_id).evidence_types:
        if ADDRESS_FIELDS & set(evidence.required_fields):
            assert evidence.confidentiality is Confidentiality.RESTRICTED, evidence.id


def test_moving_dates_are_parameters_the_buyer_can_update() -> None:
    battery = by_id("battery-due-diligence")
    assert battery.parameters["application_date"].default == "2027-08-18"
    moved = resolve_values(battery, {"application_date": "2028-01-01"})
    template = battery.obligation("verification-from-application")
    occurrences = contract_occurrences(template, clause=battery, values=moved, contract=CONTRACT)
    assert [o.due_on for o in occurrences] == [date(2028, 1, 1)]
    tco = by_id("tco-certified-valid")
    assert tco.parameters["generation_archive_date"].source is Verification.INFERENCE


def test_every_verified_default_in_the_shipped_library_names_a_sectioned_source() -> None:
    # What `tracker clauses check --strict` runs in CI.
    from tracker.library.sources import source_problems

    library = load_library(CLAUSES)
    assert [str(p) for clause in library for p in source_problems(clause)] == []
