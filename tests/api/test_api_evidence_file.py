"""`GET /api/v1/evidence/{id}/file`: the same answers as the page, as JSON errors, and in the
OpenAPI description."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.web.test_evidence_download import RESTRICTED, downloads, restricted_ids
from tests.web.world import SECRET, email_of


@pytest.mark.parametrize("role", sorted(RESTRICTED))
def test_the_api_answers_the_same(api: Api, role: str) -> None:
    own, other = restricted_ids(api.world)
    client = api.client(role)
    for evidence_id, expected in zip((own, other), RESTRICTED[role], strict=True):
        response = client.get(f"/api/v1/evidence/{evidence_id}/file")
        assert response.status_code == expected, (role, evidence_id)
        if expected == 200:
            assert SECRET in response.text
            assert "filename*=UTF-8''" in response.headers["content-disposition"]
        else:
            assert response.json()["error"]["message"].startswith("The file of restricted")
    assert client.get("/api/v1/evidence/999999/file").status_code == 404
    assert {e.actor for e in downloads(api.world)} <= {email_of(role)}


def test_the_api_describes_the_download(api: Api) -> None:
    spec = api.client(None).get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/evidence/{evidence_id}/file"]["get"]
    assert set(operation["responses"]) >= {"200", "403", "404"}
    assert "application/octet-stream" in operation["responses"]["200"]["content"]
