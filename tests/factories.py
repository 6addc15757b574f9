"""Small builders for test worlds: clause files from text, contract dates."""

from __future__ import annotations

import textwrap
from datetime import date

from tracker.domain.schedule import ContractDates
from tracker.library.loader import parse_clause_text
from tracker.library.schema import ClauseFile

HEADER = """\
schema_version: 1
id: {id}
version: "1.0.0"
title: Test clause for the schedule engine
category: labour
references:
  - id: ref
    title: A source
    url: https://example.com/source
    verification: inference
clause_text: The supplier shall do what the obligations below say.
"""


FOUR_YEAR_BODY = """\
parameters:
  disclosure_period: {type: duration, default: P20D, calendar: business, source: secondary}
obligations:
  - id: disclosure
    title: Disclose production sites
    trigger: {type: contract_start, offset: "{disclosure_period}"}
  - id: annual-audit
    title: Annual social audit
    trigger: {type: recurring}
    recurrence: {interval: P12M, anchor: contract_start, until: contract_end}
  - id: exit-plan
    title: Exit and take-back plan
    trigger: {type: contract_end, offset: -P90D}
  - id: site-change
    title: Report a change of production site
    trigger: {type: event, event: supplier_site_change, offset: P30D}
"""
"""The issue's example: a 20-business-day disclosure, an annual audit, an exit plan 90
days before the end, and an event duty."""


def clause(body: str, *, clause_id: str = "test-clause") -> ClauseFile:
    """A clause from the YAML `body` (parameters, evidence_types, obligations ...)."""
    text = HEADER.format(id=clause_id) + textwrap.dedent(body)
    return parse_clause_text(text, f"{clause_id}.yaml")


def dates(
    start: date,
    end: date,
    *,
    signed: date | None = None,
    country: str | None = None,
    timezone: str = "UTC",
) -> ContractDates:
    return ContractDates(
        start_on=start, end_on=end, signed_on=signed, country=country, timezone=timezone
    )
