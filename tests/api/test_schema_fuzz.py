"""Schemathesis against the API's own OpenAPI description, in process (ASGI), with an
admin's token on the small world: no answer is a server error, and every answer is one the
description promises (status, content type, body schema)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from tests.api.conftest import Api

EXAMPLES = 10  # per operation: the whole run stays well under a minute
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
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.world.app())
    headers = {"Authorization": f"Bearer {api.tokens['admin']}"}
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the description itself is valid
        operations.append(result.ok())
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
