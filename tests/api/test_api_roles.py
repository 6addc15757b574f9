"""Every API route, for a token of every role: allowed or forbidden exactly as the page
permission table says; without a usable token, 401. New routes are walked automatically."""

from __future__ import annotations

import re
from collections.abc import Mapping

from tests.api.conftest import Api
from tests.web.world import ROLES, email_of
from tracker.evidence.download import may_download
from tracker.models import UserRole
from tracker.people.roles import Action, Person, may, may_on_contract
from tracker.web.api.app import PREFIX, api_routes

MANAGERS = {"C-1": email_of("manager"), "C-2": "someone.else@example.com"}


def fill(template: str, values: Mapping[str, object]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m.group(1)]), template)


def guard_of(route: object) -> tuple[Action, str | None]:
    for dep in route.dependant.dependencies:  # type: ignore[attr-defined]
        action = getattr(dep.call, "action", None)
        if action is not None:
            return action, dep.call.on
    raise AssertionError(f"{route} is not guarded")


def test_every_api_route_for_every_role(api: Api) -> None:
    world = api.world
    admin = api.client("admin")
    run = admin.post(
        "/api/v1/reports", json={"scope": "portfolio", "period": "2027", "format": "csv"}
    )
    assert run.status_code == 201, run.text
    finding = admin.post(
        "/api/v1/findings", json={"severity": "minor", "text": "Dust", "contract": "C-1"}
    )  # on the manager's own contract; the next test refuses them the other one
    assert finding.status_code == 201, finding.text
    evidence = {e.contract_id: e.id for e in world.evidence()}
    people = {
        role: Person(id=0, email=email_of(role), display_name=role, role=UserRole(role))
        for role in ROLES
    }
    clients = {role: api.client(role) for role in ROLES}
    anonymous = api.client(None)
    checked = 0
    for route in api_routes():
        action, on = guard_of(route)
        for method in sorted(route.methods or ()):
            for reference in ("C-1", "C-2"):
                values = {
                    "reference": reference,
                    "obligation_id": world.obligation(reference, "certificate"),
                    "evidence_id": evidence[world.contract_id(reference)],
                    "supplier_id": 1,
                    "contact_id": 1,
                    "clause_id": "web-clause",
                    "finding_id": finding.json()["id"],
                    "run_id": run.json()["run_id"],
                    "fmt": "csv",
                    "model_id": world.product_model(reference),
                    "event_id": world.event(reference),
                }
                path = PREFIX + fill(route.path, values)
                if on is None and reference == "C-2":
                    continue  # a route on no contract: once is enough
                assert anonymous.request(method, path).status_code == 401, path
                for role in ROLES:
                    person = people[role]
                    allowed = (
                        may_on_contract(person, action, manager_email=MANAGERS[reference])
                        if on is not None
                        else may(person, action)
                    )
                    if route.path == "/evidence/{evidence_id}/file":  # the world's is restricted
                        allowed = may_download(
                            person, confidentiality="restricted", manager_email=MANAGERS[reference]
                        )
                    # An empty body: allowed routes answer what is missing (400) or act;
                    # forbidden ones refuse before reading it.
                    body: dict[str, str] | None = None if method in ("GET", "DELETE") else {}
                    response = clients[role].request(method, path, json=body)
                    where = f"{role} {method} {path}: {response.text[:200]}"
                    assert response.headers["content-type"].split(";")[0] != "text/html", where
                    if not allowed:
                        assert response.status_code == 403, where
                        assert response.json()["error"]["message"], where
                    elif method == "GET":
                        assert response.status_code == 200, where
                    else:
                        assert response.status_code not in (401, 403, 500), where
                    checked += 1
    assert checked > 100


def test_a_manager_records_findings_only_on_their_own_contracts(api: Api) -> None:
    manager = api.client("manager")
    own = manager.post(
        "/api/v1/findings", json={"severity": "minor", "text": "Late", "contract": "C-1"}
    )
    assert own.status_code == 201, own.text
    other = manager.post(
        "/api/v1/findings", json={"severity": "minor", "text": "Late", "contract": "C-2"}
    )
    assert other.status_code == 403
    assert "someone.else@example.com" in other.json()["error"]["message"]
    theirs = api.client("admin").post(
        "/api/v1/findings", json={"severity": "minor", "text": "Noise", "contract": "C-2"}
    )
    edit = manager.patch(f"/api/v1/findings/{theirs.json()['id']}", json={"text": "Quiet"})
    assert edit.status_code == 403
