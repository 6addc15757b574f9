"""Every route of the app, for every role: allowed or forbidden exactly as the permission
table says; without a session, sent to sign in. New routes are walked automatically."""

from __future__ import annotations

import re
from collections.abc import Mapping

from fastapi.testclient import TestClient

from tests.web.world import ROLES, World, csrf_of, email_of, sign_in
from tracker.evidence.download import may_download
from tracker.models import UserRole
from tracker.people.roles import Action, Person, may, may_on_contract
from tracker.web.app import PUBLIC, page_routes, route_action

MANAGERS = {"C-1": email_of("manager"), "C-2": "someone.else@example.com"}


def fill(template: str, values: Mapping[str, object]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m.group(1)]), template)


def test_every_route_for_every_role(world: World) -> None:
    app = world.app()
    evidence = {e.contract_id: e.id for e in world.evidence()}
    # A rejection puts the supplier's notice in the outbox once the sweep composes it.
    world.cli.ok("evidence", "review", str(evidence[world.contract_id("C-2")]), "--reject",
                 "--reason", "incomplete", "--now", "2027-03-05T11:00:00+01:00")  # fmt: skip
    world.cli.ok("sweep", "--now", "2027-03-05T11:00:00+01:00")
    message = world.outbox()[0].id
    people = {
        role: Person(id=0, email=email_of(role), display_name=role, role=UserRole(role))
        for role in ROLES
    }
    clients = {role: sign_in(app, email_of(role)) for role in ROLES}
    tokens = {role: csrf_of(clients[role].get("/").text) for role in ROLES}
    anonymous = TestClient(app, follow_redirects=False)
    checked = 0
    for route in page_routes():
        for method in sorted(route.methods or ()):
            if (method, route.path) in PUBLIC:
                continue
            guard = route_action(route)
            assert guard is not None, f"{method} {route.path} is not guarded"
            action, on = guard
            assert isinstance(action, Action)
            for reference in ("C-1", "C-2"):
                values = {
                    "reference": reference,
                    "obligation_id": world.obligation(reference, "certificate"),
                    "evidence_id": evidence[world.contract_id(reference)],
                    "outbox_id": message,
                    **world.record_ids(reference),
                }
                path = fill(route.path, values)
                if path == route.path and reference == "C-2":
                    continue  # a route on no record: once is enough
                assert anonymous.request(method, path).status_code == 303
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
                    client = clients[role]
                    expected: int | None
                    if method == "GET":
                        response = client.get(path)
                        expected = 200 if allowed else 403
                    else:
                        if route.path == "/sign-out":
                            client = sign_in(app, email_of(role))
                            token = csrf_of(client.get("/").text)
                        else:
                            token = tokens[role]
                        # An empty form: allowed routes answer with what is missing (400)
                        # or act (303); forbidden ones refuse before reading it.
                        response = client.post(path, data={"csrf_token": token})
                        expected = None if allowed else 403
                    where = f"{role} {method} {path}"
                    if expected is None:
                        assert response.status_code in (303, 400), where
                    else:
                        assert response.status_code == expected, where
                    if response.status_code == 403:
                        assert "You cannot do this" in response.text, where
                        assert 'aria-label="Main"' in response.text, where  # still navigable
                    checked += 1
    assert checked >= 5 * 8


def test_every_route_has_a_title_and_navigation(world: World) -> None:
    client = sign_in(world.app(), email_of("admin"))
    for path, title in (
        ("/", "Dashboard"),
        ("/contracts", "Contracts"),
        ("/contracts/C-1", "Contract C-1"),
        (f"/obligations/{world.obligation('C-1', 'certificate')}", "Send the facility certificate"),
        ("/outbox", "Outbox"),
    ):
        page = client.get(path).text
        assert f"<title>{title}" in page
        assert '<nav class="site-nav" aria-label="Main">' in page
