"""Report figures on the hand-built portfolio (tests/report_portfolio.py), worked out by
hand, on a real SQLite file and on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from tests import report_portfolio as world
from tracker.errors import BadInput, NotFound
from tracker.reports.figures import Outcomes, ReportFigures
from tracker.reports.periods import custom_period
from tracker.reports.produce import compute_figures, compute_outcomes, had_anything_due
from tracker.reports.scope import parse_scope


def figures(url: str, scope: str = "portfolio", **kw: object) -> ReportFigures:
    ctx = world.build(url)
    return compute_figures(ctx, parse_scope(scope), world.PERIOD, as_of=world.AS_OF, **kw)  # type: ignore[arg-type]


def line(lines: tuple[object, ...], key: str) -> object:
    found = [b for b in lines if getattr(b, "key") == key]  # noqa: B009
    assert len(found) == 1, key
    return found[0]


def test_portfolio_headline_by_hand(database_url: str) -> None:
    f = figures(database_url)
    # Planned in 2026-Q4 (superseded o10 left out; o8 is planned in Q3, o15 in 2027):
    #   on time  o1 (met 10-03 <= due 10-05), o13 (met 11-02 <= 12-31)           = 2
    #   late     o2 (met 10-25 > due 10-20)                                       = 1
    #   overdue  o3 (due 11-19 < Berlin 11-20, status still "due"), o4 (status
    #            overdue), o14 (overdue corrective action)                        = 3
    #   open     o5 (12-15), o6 (due 11-19 = New York's date: due today),
    #            o7 (rejected, resubmission due 11-25, planned 11-02)             = 3
    #   under review o11; waived o9; not applicable o12 (boundary: 10-01)         = 1, 1, 1
    assert f.outcomes == Outcomes(
        on_time=2, late=1, overdue=3, open=3, under_review=1, waived=1, not_applicable=1
    )
    assert f.outcomes.total == 12
    # on-time rate = 2 / (2 + 1 + 3) = 1/3
    assert f.on_time_rate == pytest.approx(1 / 3)
    assert f.max_escalation == 3  # o4
    assert had_anything_due(f)
    assert f.as_of_date == date(2026, 11, 20)
    assert f.scope_title == "Portfolio"


def test_trend_by_hand(database_url: str) -> None:
    f = figures(database_url)
    assert [p.period.label for p in f.trend] == [
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    # 2026-Q3: o16 on time (met 09-30 = due); o8 planned 09-20, rejected, resubmission due
    # 11-15 < New York's 11-19: overdue. Rate 1 / (1 + 0 + 1) = 0.5.
    assert f.trend[3].outcomes == Outcomes(on_time=1, overdue=1)
    assert f.trend[3].outcomes.on_time_rate == 0.5
    assert f.trend[4].outcomes == f.outcomes
    for empty in f.trend[:3]:
        assert empty.outcomes.total == 0
        assert empty.outcomes.on_time_rate is None


def test_breakdowns_by_hand(database_url: str) -> None:
    f = figures(database_url)
    # Nordic Devices (RA-1 + RA-2): o1 on time, o2 late, o3 o4 overdue, o5 o6 o7 open,
    # o9 waived -> 8 obligations, rate 1 / (1 + 1 + 2) = 0.25, highest level 3 (o4).
    nordic = line(f.by_supplier, "1")
    assert nordic.outcomes == Outcomes(on_time=1, late=1, overdue=2, open=3, waived=1)  # type: ignore[attr-defined]
    assert nordic.on_time_rate == 0.25  # type: ignore[attr-defined]
    assert nordic.max_escalation == 3  # type: ignore[attr-defined]
    assert nordic.detail == "SE"  # type: ignore[attr-defined]
    # Ümlaut (RA-3): o13 on time, o14 overdue, o11 under review, o12 not applicable.
    # Rate 1 / (1 + 0 + 1) = 0.5; highest level 2 (o14).
    umlaut = line(f.by_supplier, "2")
    assert umlaut.outcomes == Outcomes(on_time=1, overdue=1, under_review=1, not_applicable=1)  # type: ignore[attr-defined]
    assert umlaut.label == "Ümlaut Électronique SA"  # type: ignore[attr-defined]
    assert [b.key for b in f.by_supplier] == ["1", "2"]  # most overdue first

    # labour: o1 on time, o2 late, o5 o6 o7 open, o9 waived: rate 1/2, level 1.
    labour = line(f.by_category, "labour")
    assert labour.outcomes == Outcomes(on_time=1, late=1, open=3, waived=1)  # type: ignore[attr-defined]
    assert labour.max_escalation == 1  # type: ignore[attr-defined]
    # certification: o3 o4 overdue, o11 under review, o12 n/a, o13 on time: rate 1/3.
    cert = line(f.by_category, "certification")
    assert cert.outcomes == Outcomes(on_time=1, overdue=2, under_review=1, not_applicable=1)  # type: ignore[attr-defined]
    assert cert.on_time_rate == pytest.approx(1 / 3)  # type: ignore[attr-defined]
    remediation = line(f.by_category, "remediation")
    assert remediation.outcomes == Outcomes(overdue=1)  # type: ignore[attr-defined]
    assert remediation.label == "Corrective actions"  # type: ignore[attr-defined]

    # contracts: RA-1 o1..o5; RA-2 o6 o7 open, o9 waived (nothing judged: no rate);
    # RA-3 o11..o14.
    assert line(f.by_contract, "RA-1").outcomes == Outcomes(on_time=1, late=1, overdue=2, open=1)  # type: ignore[attr-defined]
    ra2 = line(f.by_contract, "RA-2")
    assert ra2.outcomes == Outcomes(open=2, waived=1)  # type: ignore[attr-defined]
    assert ra2.on_time_rate is None  # type: ignore[attr-defined]
    assert ra2.detail == "Nordic Devices AB"  # type: ignore[attr-defined]
    assert sum((b.outcomes for b in f.by_contract), Outcomes()) == f.outcomes


def test_overdue_list_by_hand(database_url: str) -> None:
    f = figures(database_url)
    # Oldest deadline first; days overdue counted from each contract's local date.
    rows = [
        (i.obligation_id, i.contract, i.due_on, i.days_overdue, i.escalation_level)
        for i in f.overdue
    ]
    assert rows == [
        (14, "RA-3", date(2026, 11, 1), 19, 2),  # London 11-20 - 11-01
        (4, "RA-1", date(2026, 11, 10), 10, 3),
        (3, "RA-1", date(2026, 11, 19), 1, 0),
    ]
    assert f.overdue[0].supplier == "Ümlaut Électronique SA"
    assert f.overdue[0].category == "remediation"


def test_evidence_certificates_findings_by_hand(database_url: str) -> None:
    f = figures(database_url)
    ev = f.evidence
    # Submitted in Q4 (local dates): e1, e2, e3, e4, e6 = 5; e10 comes after the report
    # date; e5 was submitted on 30 September. Restricted among them: e3, e4.
    assert (ev.submitted, ev.restricted_submitted) == (5, 2)
    # Reviewed in Q4 (Berlin time): accepted e1, e2, e5 (00:30 on 1 October), e6 = 4;
    # rejected e3 (restricted).
    assert (ev.accepted, ev.restricted_accepted) == (4, 0)
    assert (ev.rejected, ev.restricted_rejected) == (1, 1)
    assert ev.awaiting_review == 1  # e4; e10 not yet submitted on the report date

    # Window 2026-11-20..2027-02-18: e7 (01-15) and e8 (12-01, restricted) expire in it;
    # e5 (12-31) is replaced by e6 (valid to 2028); e9 expired before the report date.
    assert (f.certificates_expiring, f.certificates_restricted) == (2, 1)
    assert [(c.evidence_id, c.document, c.days_left) for c in f.certificates] == [
        (7, world.PUBLIC_CERTIFICATE, 56)  # 10 (Nov) + 31 (Dec) + 15 (Jan)
    ]

    # Open on the report date: f1 major, f2 priority, f4 minor (closed only on 11-25);
    # f3 closed on 11-10, f5 raised on 11-25.
    assert f.findings_by_severity == (("priority", 1), ("major", 1), ("minor", 1))
    assert f.open_findings == 3
    assert [(i.finding_id, i.severity) for i in f.findings] == [
        (2, "priority"),
        (1, "major"),
        (4, "minor"),
    ]
    major = f.findings[1]
    assert (major.action_due_on, major.action_outcome) == (date(2026, 11, 1), "overdue")
    assert f.findings[0].action_outcome is None  # f2 has no corrective action yet
    assert major.raised_on == date(2026, 10, 15)
    assert f.corrective_actions_overdue == 1  # o14


def test_supplier_and_contract_scopes(database_url: str) -> None:
    f = figures(database_url, "supplier:1")
    assert f.outcomes == Outcomes(on_time=1, late=1, overdue=2, open=3, waived=1)
    assert f.scope_title == "Supplier Nordic Devices AB (id 1)"
    assert [b.key for b in f.by_contract] == ["RA-1", "RA-2"]
    # e1 e2 e3 submitted, e1 e2 accepted, e3 rejected; f2 and f4 open, no corrective action.
    assert (f.evidence.submitted, f.evidence.accepted, f.evidence.rejected) == (3, 2, 1)
    assert f.open_findings == 2
    assert f.corrective_actions_overdue == 0
    assert (f.certificates_expiring, f.certificates_restricted) == (2, 1)  # e7, e8

    ctx = world.context(database_url)
    g = compute_figures(ctx, parse_scope("contract:RA-3"), world.PERIOD, as_of=world.AS_OF)
    assert g.outcomes == Outcomes(on_time=1, overdue=1, under_review=1, not_applicable=1)
    assert g.scope_title == "Contract RA-3: Monitors (Ümlaut Électronique SA)"
    assert g.corrective_actions_overdue == 1
    assert g.certificates_expiring == 0  # e5 replaced by e6


def test_unknown_scope_is_bad_input(database_url: str) -> None:
    ctx = world.build(database_url)
    with pytest.raises(BadInput, match=r"^scope: no supplier with id 9"):
        compute_figures(ctx, parse_scope("supplier:9"), world.PERIOD, as_of=world.AS_OF)
    with pytest.raises(BadInput, match=r"^scope: no contract 'NOPE'"):
        compute_figures(ctx, parse_scope("contract:NOPE"), world.PERIOD, as_of=world.AS_OF)


def test_a_period_with_nothing_due(database_url: str) -> None:
    ctx = world.build(database_url)
    from tracker.reports.periods import parse_period

    f = compute_figures(ctx, parse_scope("portfolio"), parse_period("2030-01"), as_of=world.AS_OF)
    assert f.outcomes.total == 0
    assert f.on_time_rate is None
    assert not had_anything_due(f)
    assert f.by_supplier == ()
    assert f.overdue == ()
    # Findings and certificates are judged at the report date, whatever the period.
    assert f.open_findings == 3


def test_the_list_limit_cuts_lists_not_counts(database_url: str) -> None:
    f = figures(database_url, list_limit=1)
    assert len(f.overdue) == 1
    assert f.overdue_total == 3
    assert len(f.findings) == 1
    assert f.open_findings == 3


def test_outcomes_alone_match_the_report_for_every_scope_and_period(database_url: str) -> None:
    # The supplier page shows an on-time rate from `compute_outcomes`, a single grouped
    # query: it must count exactly what the report's headline counts.
    ctx = world.build(database_url)
    periods = [
        world.PERIOD,
        world.PERIOD.previous(1),
        custom_period(date(2025, 11, 20), date(2026, 11, 20)),  # the page's year
    ]
    for text in ("portfolio", "supplier:1", "supplier:2", "contract:RA-1", "contract:RA-3"):
        scope = parse_scope(text)
        for period in periods:
            whole = compute_figures(ctx, scope, period, as_of=world.AS_OF).outcomes
            alone = compute_outcomes(ctx, scope, period, as_of=world.AS_OF)
            assert alone == whole, (text, period.label)
    # Not vacuous: supplier 1's year has every kind the rate is over.
    year = compute_outcomes(ctx, parse_scope("supplier:1"), periods[2], as_of=world.AS_OF)
    assert year.on_time
    assert year.late
    assert year.overdue
    with pytest.raises(NotFound):
        compute_outcomes(ctx, parse_scope("supplier:999"), world.PERIOD, as_of=world.AS_OF)
