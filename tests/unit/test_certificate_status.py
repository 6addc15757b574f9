"""The one word for a model's certificate under a scheme."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.certificates import CertificateStatus, certificate_status

TODAY = date(2027, 3, 5)


@pytest.mark.parametrize(
    ("valid_until", "accepted", "duties", "retired", "expected"),
    [
        (date(2028, 1, 1), True, ["upcoming"], False, CertificateStatus.VALID),
        (None, True, [], False, CertificateStatus.VALID),
        (TODAY, True, [], False, CertificateStatus.VALID),  # valid through its last day
        (date(2027, 4, 1), True, ["due"], False, CertificateStatus.EXPIRING),
        (None, False, ["upcoming"], False, CertificateStatus.MISSING),
        (None, False, ["due"], False, CertificateStatus.MISSING),
        (None, False, ["overdue"], False, CertificateStatus.OVERDUE),
        (date(2027, 3, 4), True, ["overdue"], False, CertificateStatus.OVERDUE),
        (date(2027, 3, 4), True, [], False, CertificateStatus.OVERDUE),  # expired
        (None, False, [], True, CertificateStatus.RETIRED),
        (None, False, ["overdue"], True, CertificateStatus.OVERDUE),  # owed before retiring
        (date(2028, 1, 1), True, [], True, CertificateStatus.VALID),
    ],
)
def test_status(
    valid_until: date | None,
    accepted: bool,
    duties: list[str],
    retired: bool,
    expected: CertificateStatus,
) -> None:
    got = certificate_status(
        valid_until=valid_until,
        accepted=accepted,
        duty_statuses=duties,
        retired=retired,
        today=TODAY,
    )
    assert got is expected
