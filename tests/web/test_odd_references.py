"""Contract references with `/` (OCDS ids), spaces, `%` and non-ASCII letters open on every
contract page and API route, and every link and redirect to them is encoded."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.web.world import World, csrf_of, email_of, sign_in

ODD = ("ocds-abc/2026/17", "Avtal 12 Göteborg", "50%/edit")


def add_contract(world: World, reference: str) -> None:
    world.cli.ok(
        "contract", "add", reference, "--supplier", "1", "--title", f"Screens {reference}",
        "--start", "2027-03-01", "--end", "2030-02-28", "--timezone", "Europe/Berlin",
        "--manager", email_of("manager"),
    )  # fmt: skip


@pytest.mark.parametrize("reference", ODD)
def test_contract_pages_open_odd_references(world: World, reference: str) -> None:
    add_contract(world, reference)
    client = sign_in(world.app(), email_of("manager"))
    path = "/contracts/" + quote(reference, safe="")
    listed = client.get("/contracts").text
    assert f'href="{path}"' in listed  # the list links the encoded reference
    page = client.get(path)
    assert page.status_code == 200, page.text
    assert f"Screens {reference}" in page.text
    assert f'href="{path}/edit"' in page.text
    edit = client.get(f"{path}/edit")
    assert edit.status_code == 200
    assert f"Change contract {reference}" in edit.text
    token = csrf_of(edit.text)
    saved = client.post(f"{path}/edit", data={"csrf_token": token, "title": "Big screens"})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{path}?done=contract-changed"
    assert "Big screens" in client.get(saved.headers["location"]).text
    attach = client.get(f"{path}/attach").text
    assert re.search(rf'action="{re.escape(path)}/attach', attach)
    # The unencoded reference is not this contract's address.
    if "/" in reference:
        assert client.get(f"/contracts/{reference}").status_code == 404


def test_another_manager_is_refused_an_odd_reference(world: World) -> None:
    world.cli.ok(
        "contract", "add", "ocds-x/1", "--supplier", "1", "--title", "Phones",
        "--start", "2027-03-01", "--end", "2030-02-28", "--manager", "other@example.com",
    )  # fmt: skip
    client = sign_in(world.app(), email_of("manager"))
    assert client.get("/contracts/ocds-x%2F1").status_code == 200  # reading is for all
    assert client.get("/contracts/ocds-x%2F1/edit").status_code == 403
