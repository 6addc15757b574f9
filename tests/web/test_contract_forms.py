"""Adding and changing contracts from the browser: the form, attaching a clause through its
typed parameters with the dates checked before saving, events, ending, upgrading."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import col

from tests.factories import FOUR_YEAR_BODY, HEADER
from tests.web.world import World, csrf_of, email_of, sign_in
from tracker.db import get_engine, read_session
from tracker.models import Contract, ContractClause, Obligation


def test_add_a_contract_attach_a_clause_after_checking_its_dates(world: World) -> None:
    (world.tmp / "clauses" / "sites-clause.yaml").write_text(
        HEADER.format(id="sites-clause") + FOUR_YEAR_BODY, encoding="utf-8"
    )
    client = sign_in(world.app(), email_of("manager"))
    assert "Add a contract" in client.get("/contracts").text
    form = client.get("/contracts/new").text
    token = csrf_of(form)
    fields = {"csrf_token": token, "reference": "C-3", "title": "Docking stations",
              "supplier_id": "1", "start_on": "2027-04-01", "end_on": "2026-03-31",
              "manager_email": email_of("manager"), "timezone": "Europe/Berlin"}  # fmt: skip
    wrong = client.post("/contracts/new", data=fields)
    assert wrong.status_code == 400
    assert 'href="#new-contract-f-end_on"' in wrong.text  # the summary leads to the field
    assert 'value="Docking stations"' in wrong.text
    added = client.post("/contracts/new", data={**fields, "end_on": "2031-03-31"})
    assert added.status_code == 303
    page = client.get(added.headers["location"]).text
    assert "Contract added" in page
    assert "Docking stations" in page

    choose = client.get("/contracts/C-3/attach").text
    assert "sites-clause" in choose
    params = client.get("/contracts/C-3/attach?clause=sites-clause").text
    assert "Disclosure period" in params
    assert "Default P20D" in params  # the default, with where it comes from
    bad = client.get(
        "/contracts/C-3/attach/check?clause=sites-clause&params.disclosure_period=soon"
    )
    assert bad.status_code == 400
    assert "There is a problem" in bad.text
    assert 'value="soon"' in bad.text
    check = client.get(
        "/contracts/C-3/attach/check?clause=sites-clause&params.disclosure_period=P10D"
    )
    assert check.status_code == 200
    assert "Nothing is saved yet" in check.text
    assert "2027-04-15" in check.text  # 10 business days after the start
    assert "2030-12-31" in check.text  # the exit plan, 90 days before the end
    assert "set by you" in check.text
    with read_session(get_engine(world.url)) as s:  # checking wrote nothing
        assert (
            s.scalars(
                select(ContractClause).where(col(ContractClause.clause_id) == "sites-clause")
            ).first()
            is None
        )
    attached = client.post(
        "/contracts/C-3/attach",
        data={"csrf_token": token, "clause": "sites-clause", "params.disclosure_period": "P10D"},
    )
    assert attached.status_code == 303
    shown = client.get(attached.headers["location"]).text
    assert "Clause attached" in shown
    assert "Disclose production sites" in shown
    assert "2027-04-15" in shown


def test_edit_record_an_event_and_end_a_contract(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    manage = client.get("/contracts/C-1/edit").text
    token = csrf_of(manage)
    assert 'value="Notebooks C-1"' in manage
    saved = client.post(
        "/contracts/C-1/edit",
        data={"csrf_token": token, "title": "Notebooks and docks", "start_on": "2027-03-01",
              "end_on": "2030-02-28", "manager_email": email_of("manager")},
    )  # fmt: skip
    assert saved.status_code == 303
    assert "Notebooks and docks" in client.get(saved.headers["location"]).text
    event = client.post(
        "/contracts/C-1/events",
        data={"csrf_token": token, "event": "new_product_model", "occurred_on": "2027-03-04"},
    )
    assert "Event recorded" in client.get(event.headers["location"]).text
    no_such_plan = client.post(
        "/contracts/C-1/events",
        data={"csrf_token": token, "event": "new_product_model", "plan": "priority"},
    )
    assert no_such_plan.status_code == 400
    assert "&#39;priority&#39; is not a deadline the contract&#39;s clauses offer" in (
        no_such_plan.text
    )
    no_reason = client.post(
        "/contracts/C-1/end",
        data={"csrf_token": token, "status": "terminated", "ended_on": "2027-03-04"},
    )
    assert no_reason.status_code == 400
    assert "There is a problem" in no_reason.text
    ended = client.post(
        "/contracts/C-1/end",
        data={"csrf_token": token, "status": "terminated", "ended_on": "2027-03-04",
              "reason": "Supplier insolvent"},
    )  # fmt: skip
    assert ended.status_code == 303, re.findall(r"error-message.*", ended.text)
    assert "Contract ended" in client.get(ended.headers["location"]).text
    with read_session(get_engine(world.url)) as s:
        contract = s.scalars(select(Contract).where(col(Contract.reference) == "C-1")).one()
        assert contract.status == "terminated"
        later = s.scalars(
            select(Obligation).where(
                col(Obligation.contract_id) == contract.id, col(Obligation.status) == "upcoming"
            )
        ).all()
    assert all(o.due_on <= contract.ended_on for o in later)  # type: ignore[operator]


def test_upgrade_shows_what_changes_first(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    same = client.get("/contracts/C-1/upgrade/web-clause").text
    assert "nothing to upgrade" in same
    clause = world.tmp / "clauses" / "web-clause.yaml"
    newer = clause.read_text(encoding="utf-8").replace('version: "1.0.0"', 'version: "1.1.0"')
    clause.write_text(newer.replace("offset: P10D", "offset: P15D"), encoding="utf-8")
    manage = client.get("/contracts/C-1/edit").text
    assert "Version 1.1.0 is available" in manage
    diff = client.get("/contracts/C-1/upgrade/web-clause").text
    assert "From version 1.0.0 to 1.1.0" in diff
    assert "P15D" in diff
    done = client.post("/contracts/C-1/upgrade/web-clause", data={"csrf_token": csrf_of(diff)})
    assert done.status_code == 303
    assert "Clause upgraded" in client.get(done.headers["location"]).text
