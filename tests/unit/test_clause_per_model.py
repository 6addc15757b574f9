"""Per-model fields of a clause: each takes effect or the file is refused."""

from __future__ import annotations

from tests.factories import HEADER
from tests.unit.test_clause_loader import problems

BODY = """\
parameters:
  generation: {type: enum, choices: ["9", "10"], default: "9", source: inference}
evidence_types:
  - id: certificate
    label: Certificate
    has_validity: true
    lookup_url: https://example.com/finder?number={certificate_number}
obligations:
  - id: per-model
    title: Certificate of each model
    trigger: {type: event, event: new_product_model}
    per_model: true
    only_generation: "{generation}"
    evidence: [certificate]
"""


def text(old: str = "", new: str = "") -> str:
    return (HEADER.format(id="x") + BODY).replace(old, new) if old else HEADER.format(id="x") + BODY


def test_a_per_model_obligation_loads() -> None:
    from tracker.library.loader import parse_clause_text

    clause = parse_clause_text(text(), "x.yaml")
    assert clause.obligations[0].per_model
    assert clause.evidence_types[0].lookup_url == (
        "https://example.com/finder?number={certificate_number}"
    )


def test_an_event_that_names_no_model_cannot_be_per_model() -> None:
    found = problems(text("event: new_product_model", "event: supplier_site_change"))
    assert any("obligations[0].per_model: a per_model obligation starts from" in p for p in found)


def test_only_generation_needs_per_model_and_a_declared_parameter() -> None:
    found = problems(text("    per_model: true\n", ""))
    assert any("obligations[0].only_generation: only a per_model obligation" in p for p in found)
    found = problems(text('"{generation}"', '"{generations}"'))
    assert any("{generations} is not a declared parameter" in p for p in found)


def test_a_lookup_url_must_be_https() -> None:
    found = problems(text("https://example.com/finder", "http://example.com/finder"))
    assert any("evidence_types[0].lookup_url" in p for p in found)


BOUNDS = """\
parameters:
  from_day: {type: date, default: "2028-01-01", source: inference}
  label_text: {type: string, default: "x", source: inference}
obligations:
  - id: bounded
    title: Bounded report
    trigger: {type: recurring}
    recurrence: {interval: P1M, anchor: contract_start, ends_on: "{from_day}", count: 3}
    applies_from: "{from_day}"
"""


def test_bounds_load_and_wrong_ones_are_refused() -> None:
    from tracker.library.loader import parse_clause_text

    good = HEADER.format(id="x") + BOUNDS
    parse_clause_text(good, "x.yaml")
    found = problems(good.replace("count: 3", 'count: "{label_text}"'))
    assert any("recurrence.count: parameter 'label_text' is a string" in p for p in found)
    found = problems(good.replace('ends_on: "{from_day}"', 'ends_on: "{label_text}"'))
    assert any("recurrence.ends_on: parameter 'label_text' is a string" in p for p in found)
    event = good.replace("trigger: {type: recurring}", "trigger: {type: event, event: delivery}")
    event = "".join(line for line in event.splitlines(keepends=True) if "recurrence:" not in line)
    found = problems(event)
    assert any(
        "obligations[0].applies_from: only duties planned from the contract" in p for p in found
    )
