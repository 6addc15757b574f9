"""Each error of a refused form is said once next to what it is about, and listed once in the
summary at the top with a link that leads there (not three times over)."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.web.world import World, csrf_of, email_of, sign_in

SUMMARY_LINK = re.compile(r'<li><a href="#([^"]+)">([^<]+)</a></li>')


def assert_each_error_once(page: str) -> list[str]:
    """The summary's messages, each said exactly once more in the page, where the summary's
    link leads (at the element, or just inside it: a field's own error line)."""
    start = page.index('<h2 id="error-summary-title">There is a problem</h2>')
    end = page.index("</ul>", start)
    links = SUMMARY_LINK.findall(page[start:end])
    assert links, "no error in the summary"
    rest = page[end:]
    for target, message in links:
        assert page.count(message) == 2, (message, page.count(message))
        assert f'id="{target}"' in rest, f"the summary links to #{target}, which is not there"
        line_id = f'id="{target}-error"'  # a field's own error line
        own_line = rest.split(line_id, 1)[1][:1000] if line_id in rest else ""
        inside = rest.split(f'id="{target}"', 1)[1][:1000]  # or the element itself
        assert message in own_line or message in inside, f"{message!r} is not at #{target}"
    return [html.unescape(m) for _, m in links]


def manager(world: World) -> TestClient:
    return sign_in(world.app(), email_of("manager"))


def test_new_contract_ending_before_it_starts(world: World) -> None:
    client = manager(world)
    token = csrf_of(client.get("/contracts/new").text)
    wrong = client.post(
        "/contracts/new",
        data={"csrf_token": token, "reference": "C-3", "title": "Docks", "supplier_id": "1",
              "start_on": "2027-04-01", "end_on": "2026-03-31",
              "manager_email": email_of("manager"), "timezone": "Europe/Berlin"},
    )  # fmt: skip
    assert wrong.status_code == 400
    [message] = assert_each_error_once(wrong.text)
    assert "2026-03-31" in message
    assert 'href="#new-contract-f-end_on"' in wrong.text
    next_to_field = wrong.text.split('id="new-contract-f-end_on-error"', 1)[1].split("</p>")[0]
    assert html.escape(message, quote=True)[:20] in next_to_field


def test_upload_of_the_wrong_format(world: World) -> None:
    client = manager(world)
    oid = world.obligation("C-1", "certificate")
    token = csrf_of(client.get(f"/obligations/{oid}").text)
    wrong = client.post(
        f"/obligations/{oid}/evidence",
        data={"csrf_token": token, "evidence_type": "certificate",
              "fields.certificate_number": "C-1"},
        files={"file": ("cert.pdf", b"not a pdf at all", "application/pdf")},
    )  # fmt: skip
    assert wrong.status_code == 400
    assert_each_error_once(wrong.text)


def test_review_without_a_decision_and_rejection_without_a_reason(world: World) -> None:
    client = manager(world)
    oid = world.obligation("C-1", "factory-list")
    [evidence] = [e for e in world.evidence() if e.obligation_id == oid]
    token = csrf_of(client.get(f"/obligations/{oid}").text)
    for decision, field in (("", "decision"), ("reject", "reason")):
        wrong = client.post(
            f"/evidence/{evidence.id}/review",
            data={"csrf_token": token, "obligation_id": str(oid), "decision": decision},
        )
        assert wrong.status_code == 400
        assert_each_error_once(wrong.text)
        assert f'href="#review-{evidence.id}-f-{field}"' in wrong.text


def test_report_for_no_period(world: World) -> None:
    client = manager(world)
    token = csrf_of(client.get("/reports").text)
    wrong = client.post(
        "/reports",
        data={"csrf_token": token, "scope": "portfolio", "period": "last spring", "format": "csv"},
    )
    assert wrong.status_code == 400
    assert_each_error_once(wrong.text)
