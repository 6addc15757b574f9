"""Where a delivered model stands under a certificate scheme, in one word a manager reads at a
glance: valid, expiring, missing, overdue (or retired, when nothing is owed any more)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from tracker.domain.status import ObligationStatus


class CertificateStatus(StrEnum):
    VALID = "valid"
    # Valid today, but a duty to renew or re-certify it is in its reminder window.
    EXPIRING = "expiring"
    # No valid certificate, and none is owed yet (its due date has not passed).
    MISSING = "missing"
    # No valid certificate, and it was due: the first certificate is late or it expired.
    OVERDUE = "overdue"
    # The model is retired (or will be), has no valid certificate and owes nothing more.
    RETIRED = "retired"


def certificate_status(
    *,
    valid_until: date | None,
    accepted: bool,
    duty_statuses: Iterable[str],
    retired: bool,
    today: date,
) -> CertificateStatus:
    """`accepted`: the model has an accepted certificate (valid until `valid_until`, open
    ended if None); `duty_statuses`: the statuses, as time makes them today, of the model's
    open duties under the scheme."""
    statuses = set(duty_statuses)
    if accepted and (valid_until is None or valid_until >= today):
        if ObligationStatus.DUE in statuses or ObligationStatus.OVERDUE in statuses:
            return CertificateStatus.EXPIRING
        return CertificateStatus.VALID
    if ObligationStatus.OVERDUE in statuses:
        return CertificateStatus.OVERDUE
    if retired and not statuses:
        return CertificateStatus.RETIRED
    if accepted:  # expired, and the renewal is not (yet) planned or was closed
        return CertificateStatus.OVERDUE
    return CertificateStatus.MISSING
