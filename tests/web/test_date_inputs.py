"""Date fields are the browser's date pickers, which show dates in the browser's own format
(mm/dd/yyyy in Chromium en-US): no hint beside them asks for another (YYYY-MM-DD). Without a
picker the field is a text box, and the YYYY-MM-DD sent still counts."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import col

from tests.web.world import World, csrf_of, email_of, sign_in
from tracker.db import get_engine, read_session
from tracker.models import Contract

HINTED = re.compile(r'<p class="hint" id="([^"]+)-hint">([^<]*)</p>')


def test_no_date_field_has_a_hint_in_another_format(world: World) -> None:
    client = sign_in(world.app(), email_of("admin"))
    pages = [
        "/contracts/new",
        "/contracts/C-1/edit",
        f"/obligations/{world.obligation('C-1', 'factory-list')}",  # review: a new deadline
        "/contracts/C-1/findings/new",
        "/audit",
    ]
    dates = 0
    for path in pages:
        page = client.get(path).text
        date_ids = set(re.findall(r'<input id="([^"]+)" name="[^"]*" type="date"', page))
        assert date_ids, f"{path} has no date field"
        dates += len(date_ids)
        assert "YYYY-MM-DD" not in page, path
        for fid, hint in HINTED.findall(page):
            if fid in date_ids:
                assert not re.search(r"\d{4}-\d{2}-\d{2}", hint), (path, hint)
    assert dates >= 8


def test_a_typed_iso_date_still_counts(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    token = csrf_of(client.get("/contracts/C-1/edit").text)
    changed = client.post(
        "/contracts/C-1/edit",
        data={"csrf_token": token, "title": "Notebooks C-1", "start_on": "2027-03-01",
              "end_on": "2030-06-30", "manager_email": email_of("manager")},
    )  # fmt: skip
    assert changed.status_code == 303, changed.text
    with read_session(get_engine(world.url)) as s:
        contract = s.scalars(select(Contract).where(col(Contract.reference) == "C-1")).one()
    assert contract.end_on.isoformat() == "2030-06-30"
    wrong = client.post(
        "/contracts/C-1/edit",
        data={"csrf_token": token, "title": "Notebooks C-1", "start_on": "2027-03-01",
              "end_on": "06/30/2030", "manager_email": email_of("manager")},
    )  # fmt: skip
    assert wrong.status_code == 400
    assert "YYYY-MM-DD" in wrong.text  # the error, not a hint, says which form to type
