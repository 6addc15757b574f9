"""Contract references with `/`, spaces, `%` and non-ASCII letters through the API."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.conftest import Api
from tests.web.test_odd_references import ODD, add_contract


@pytest.mark.parametrize("reference", ODD)
def test_api_routes_open_odd_references(api: Api, reference: str) -> None:
    add_contract(api.world, reference)
    admin = api.client("admin")
    path = "/api/v1/contracts/" + quote(reference, safe="")
    got = admin.get(path)
    assert got.status_code == 200, got.text
    assert got.json()["reference"] == reference
    changed = admin.patch(path, json={"title": "Big screens"})
    assert changed.status_code == 200, changed.text
    assert admin.get(path).json()["title"] == "Big screens"
    assert admin.get(f"/api/v1/contracts/{reference}x").status_code == 404
