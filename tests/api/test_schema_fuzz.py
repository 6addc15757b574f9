"""Schemathesis against the API's own OpenAPI description, in process (ASGI), with an
admin's token on the small world: no answer is a server error, and every answer is one the
description promises (status, content type, body schema)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok

from tests.api.conftest import Api

EXAMPLES = 8  # per operation: the whole run stays well under a minute
# What the description can promise. Not "schema-valid data is accepted": the use cases
# refuse much that a schema cannot say (an end before the start, an unknown clause), with
# a 400 in the error shape, which the schema conformance checks still hold to.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


def test_no_server_errors_and_answers_match_the_schema(api: Api) -> None:
    app = api.world.app()
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {api.tokens['admin']}"}
    admin = api.client("admin")
    finding = admin.post(
        "/api/v1/findings", json={"severity": "minor", "text": "Dust", "contract": "C-1"}
    )
    run = admin.post(
        "/api/v1/reports", json={"scope": "portfolio", "period": "2027", "format": "csv"}
    )
    # Half the cases act on records that exist, so bodies reach the use cases behind them.
    known: dict[str, object] = {
        "reference": "C-1",
        "obligation_id": api.world.obligation("C-1", "certificate"),
        "evidence_id": api.world.evidence()[0].id,
        "supplier_id": 1,
        "contact_id": 1,
        "clause_id": "web-clause",
        "finding_id": finding.json()["id"],
        "run_id": run.json()["run_id"],
    }
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the description itself is valid
        operations.append(result.ok())
    assert len(operations) >= 20
    answers: list[tuple[str, int]] = []
    for operation in operations:
        fixed = {k: v for k, v in known.items() if "{" + k + "}" in operation.path}
        cases = operation.as_strategy()
        if fixed:
            cases = st.one_of(cases, operation.as_strategy(path_parameters=fixed))

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case[Any]) -> None:
            response = case.call(headers=headers)
            answers.append((case.method, response.status_code))
            case.validate_response(response, checks=CHECKS, headers=headers)

        check()
    # The run reached the use cases: some changes were made, some refused as bad input.
    assert any(method != "GET" and status < 300 for method, status in answers), answers
    assert any(status == 400 for _, status in answers)
