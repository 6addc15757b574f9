"""Pages that stay small however large the portfolio: a manager's dashboard covers their
own contracts, the supplier list comes a page at a time, and the contract list drops its
supplier dropdown once there are too many suppliers to scroll (the search finds them)."""

from __future__ import annotations

import pytest

from tests.web.world import World, email_of, sign_in


def test_a_managers_dashboard_lists_only_their_contracts(world: World) -> None:
    mine = world.obligation("C-1", "factory-list")
    theirs = world.obligation("C-2", "factory-list")
    board = sign_in(world.app(), email_of("manager")).get("/").text
    assert f"/obligations/{mine}#evidence-" in board  # waiting for review
    assert f"/obligations/{theirs}#evidence-" not in board
    everything = sign_in(world.app(), email_of("admin")).get("/").text
    assert f"/obligations/{mine}#evidence-" in everything
    assert f"/obligations/{theirs}#evidence-" in everything


def test_the_supplier_list_comes_a_page_at_a_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.dashboard.suppliers.PER_PAGE", 2)
    for name in ("Beta Devices GmbH", "Gamma Devices BV"):
        world.cli.ok("supplier", "add", name, "--email", "compliance@example.com")
    client = sign_in(world.app(), email_of("viewer"))
    first = client.get("/suppliers").text
    assert "3 suppliers, page 1 of 2" in first
    assert "Beta Devices GmbH" in first
    assert "Gamma Devices BV" not in first
    assert 'page=2" rel="next"' in first
    second = client.get("/suppliers?page=2").text
    assert "Gamma Devices BV" in second
    assert "Beta Devices GmbH" not in second
    found = client.get("/suppliers?q=GAMMA").text
    assert "1 supplier<" in found
    assert "Gamma Devices BV" in found


def test_with_many_suppliers_the_contract_list_searches_instead_of_a_dropdown(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sign_in(world.app(), email_of("viewer"))
    assert '<select id="supplier"' in client.get("/contracts").text
    monkeypatch.setattr("tracker.dashboard.contracts.SUPPLIER_CHOICES", 0)
    listed = client.get("/contracts").text
    assert '<select id="supplier"' not in listed
    assert "Reference, title or supplier" in listed  # the search says it finds suppliers
    assert "C-1" in client.get("/contracts?q=example+devices").text
    # A link from a supplier's page still filters on it, and says which one.
    filtered = client.get("/contracts?supplier=1").text
    assert "Supplier: <strong>Example Devices AB</strong>" in filtered
    assert "C-1" in filtered
    assert "No contract matches" in client.get("/contracts?supplier=999").text


def test_the_contract_list_pages_in_reference_order(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.dashboard.contracts.PER_PAGE", 1)
    client = sign_in(world.app(), email_of("viewer"))
    first = client.get("/contracts").text
    assert "2 contracts, page 1 of 2" in first
    assert "/contracts/C-1" in first
    assert "/contracts/C-2" not in first
    second = client.get("/contracts?page=2").text
    assert "/contracts/C-2" in second
    assert "/contracts/C-1" not in second
    searched = client.get("/contracts?q=notebooks+c-2").text
    assert "1 contract," not in searched  # one page: no page count
    assert "/contracts/C-2" in searched
    assert "/contracts/C-1" not in searched
    assert "No contract matches" in client.get("/contracts?page=3").text
