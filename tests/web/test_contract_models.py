"""Product models on the contract page: each model's certificate and status at a glance,
adding a model (with the obligations it planned), retiring one after confirming."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select
from sqlmodel import col

from tests.web.models_world import LOOKUP, add_model, attach_model_clause, three_models
from tests.web.world import World, csrf_of, email_of, sign_in
from tracker.db import get_engine, read_session
from tracker.models import AuditEvent, Obligation, ProductModel


def row_of(html: str, model_id: int) -> str:
    match = re.search(rf'<tr id="model-{model_id}">(.*?)</tr>', html, re.S)
    assert match is not None, f"no row for model {model_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def status_of(html: str, model_id: int) -> str:
    match = re.search(rf'<tr id="model-{model_id}">(.*?)</tr>', html, re.S)
    assert match is not None, f"no row for model {model_id}"
    tag = re.search(r'<td data-label="Status"><strong class="tag [^"]+">([^<]+)<', match.group(1))
    assert tag is not None
    return tag.group(1)


def test_each_model_shows_its_certificate_and_status(world: World) -> None:
    ids = three_models(world)
    client = sign_in(world.app(), email_of("viewer"))
    page = client.get("/contracts/C-1").text
    assert '<h2 id="models">Product models</h2>' in page
    assert "3 models. <strong>1 lacks a valid certificate.</strong>" in page
    valid = row_of(page, ids["valid"])
    assert "Example ProBook 440" in valid
    assert "TCO A&B 1 (look it up with the scheme) generation 10" in valid
    assert "2029-12-31" in valid
    assert status_of(page, ids["valid"]) == "Valid"
    # The lookup address carries the certificate number encoded.
    assert f'href="{LOOKUP}TCO%20A%26B%201"' in page
    expiring = row_of(page, ids["expiring"])
    assert "2027-04-15" in expiring
    assert "Renew the certificate before it expires 2027-04-15 Due" in expiring
    assert status_of(page, ids["expiring"]) == "Expiring"
    missing = row_of(page, ids["missing"])
    assert "None accepted" in missing
    assert "Certificate before the first delivery 2027-03-20" in missing
    assert status_of(page, ids["missing"]) == "Missing"
    # A viewer sees the models but cannot add or retire one.
    assert "Add a model" not in page
    assert "/retire" not in page


def test_a_late_certificate_is_overdue_and_a_model_without_scheme_says_so(world: World) -> None:
    attach_model_clause(world)
    late = add_model(world, "Old model", "2027-03-02")  # its certificate was due then
    other = add_model(world, "Dock", "2027-03-02", reference="C-2")  # no per-model clause
    client = sign_in(world.app(), email_of("viewer"))
    assert status_of(client.get("/contracts/C-1").text, late) == "Overdue"
    page = client.get("/contracts/C-2").text
    assert "No clause attached asks for a certificate per model" in row_of(page, other)
    assert "lacks a valid certificate" not in page


def test_a_manager_adds_a_model_and_sees_what_it_planned(world: World) -> None:
    attach_model_clause(world)
    client = sign_in(world.app(), email_of("manager"))
    page = client.get("/contracts/C-1").text
    assert "No product model is recorded for this contract." in page
    assert '<h3 id="add-model-title">Add a model</h3>' in page
    fields = {"csrf_token": csrf_of(page), "manufacturer": "Example", "name": "ZBook 14",
              "product_type": "notebook", "first_delivery_on": "2031-01-01"}  # fmt: skip
    wrong = client.post("/contracts/C-1/models", data=fields)
    assert wrong.status_code == 400
    # The summary leads to the field, and the message sits next to it.
    assert 'href="#add-model-f-first_delivery_on"' in wrong.text
    field = re.search(r'<label for="add-model-f-first_delivery_on">.*?</div>', wrong.text, re.S)
    assert field is not None
    assert "is outside the contract (2027-03-01 to 2030-02-28)" in field.group(0)
    assert 'value="ZBook 14"' in wrong.text  # what was typed stays
    with read_session(get_engine(world.url)) as s:
        assert not list(s.scalars(select(ProductModel)))

    added = client.post("/contracts/C-1/models", data={**fields, "first_delivery_on": "2027-04-01"})
    assert added.status_code == 303
    location = added.headers["location"]
    assert location.startswith("/contracts/C-1?done=model-added&model=")
    shown = client.get(location).text
    assert "Product model added" in shown
    planned = re.search(r'<div class="notice" role="status" id="planned">(.*?)</div>', shown, re.S)
    assert planned is not None
    assert "Planned for Example ZBook 14" in planned.group(1)
    assert "Certificate before the first delivery</a>, due" in planned.group(1)
    assert "2027-04-01" in planned.group(1)
    with read_session(get_engine(world.url)) as s:
        model = s.scalars(select(ProductModel)).one()
        assert model.added_by == email_of("manager")
        event = s.scalars(select(AuditEvent).where(col(AuditEvent.entity) == "product_model")).one()
        assert (event.action, event.actor) == ("added", email_of("manager"))


def test_retiring_asks_for_confirmation_then_closes_later_duties(world: World) -> None:
    attach_model_clause(world)
    model_id = add_model(world, "ZBook 14", "2027-04-01")
    client = sign_in(world.app(), email_of("manager"))
    page = client.get("/contracts/C-1").text
    retire = f"/contracts/C-1/models/{model_id}/retire"
    assert f'href="{retire}">Retire<span class="visually-hidden"> Example ZBook 14</span>' in page
    confirm = client.get(retire)
    assert confirm.status_code == 200
    assert "Retire Example ZBook 14" in confirm.text
    with read_session(get_engine(world.url)) as s:  # the confirmation changed nothing
        assert s.get(ProductModel, model_id).retired_on is None  # type: ignore[union-attr]
    token = csrf_of(confirm.text)
    empty = client.post(retire, data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 400
    field = re.search(r'<label for="retire-f-reason">.*?</div>', empty.text, re.S)
    assert field is not None
    assert 'class="error-message"' in field.group(0)
    forged = client.post(retire, data={"csrf_token": "nope", "reason": "Replaced"})
    assert forged.status_code == 403
    done = client.post(retire, data={"csrf_token": token, "reason": "Replaced by the ZBook 16"})
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert "Product model retired" in shown
    assert "Retired on 2027-03-05" in row_of(shown, model_id)
    assert f'href="{retire}"' not in shown
    with read_session(get_engine(world.url)) as s:
        duty = s.scalars(
            select(Obligation).where(col(Obligation.product_model_id) == model_id)
        ).one()
        assert duty.status == "not_applicable"
        event = s.scalars(
            select(AuditEvent).where(
                col(AuditEvent.entity) == "product_model", col(AuditEvent.action) == "retired"
            )
        ).one()
        assert event.actor == email_of("manager")
    assert "was retired on 2027-03-05" in client.get(retire).text


def test_a_manager_cannot_add_or_retire_models_of_another_managers_contract(
    world: World,
) -> None:
    attach_model_clause(world, "C-2")
    model_id = add_model(world, "ZBook 14", "2027-04-01", reference="C-2")
    client = sign_in(world.app(), email_of("manager"))
    page = client.get("/contracts/C-2").text
    assert "Add a model" not in page
    token = csrf_of(page)
    refused = client.post(
        "/contracts/C-2/models",
        data={"csrf_token": token, "manufacturer": "X", "name": "Y", "product_type": "z",
              "first_delivery_on": "2027-04-01"},
    )  # fmt: skip
    assert refused.status_code == 403
    retire = f"/contracts/C-2/models/{model_id}/retire"
    assert client.post(retire, data={"csrf_token": token, "reason": "x"}).status_code == 403
    # A model of another contract is not found through this one.
    admin = sign_in(world.app(), email_of("admin"))
    assert admin.get(f"/contracts/C-1/models/{model_id}/retire").status_code == 404
