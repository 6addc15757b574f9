"""`create_api(...)`: the JSON API as its own FastAPI app, mounted at /api/v1 by the web app,
so its OpenAPI description (at /api/v1/openapi.json) holds the API and none of the pages,
and its errors are JSON whatever goes wrong."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from tracker import __version__
from tracker.config import Settings
from tracker.web.api import errors
from tracker.web.api.errors import ErrorBody
from tracker.web.api.routes import (
    clauses,
    contract_models,
    contracts,
    evidence,
    findings,
    obligations,
    reports,
    suppliers,
)

PREFIX = "/api/v1"
ROUTERS = (
    suppliers.router,
    contracts.router,
    contract_models.router,
    clauses.router,
    obligations.router,
    evidence.router,
    findings.router,
    reports.router,
)
# Every endpoint may answer with these, in the one error shape.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "The request is not right: the message says what to fix, `field` where"),
        (401, "No usable bearer token"),
        (403, "The token's person may not do this"),
        (404, "No such record"),
        (409, "The request could not be carried out in the state things are in"),
    )
}


def api_routes() -> list[APIRoute]:
    """Every route of the API (paths relative to /api/v1)."""
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def _check_every_route_is_guarded() -> None:
    for route in api_routes():
        guarded = any(
            getattr(dep.call, "action", None) is not None for dep in route.dependant.dependencies
        )
        if not guarded:
            raise RuntimeError(f"{route.path} has no allow(...) dependency")


def create_api(settings: Settings, *, clock: Callable[[], datetime]) -> FastAPI:
    api = FastAPI(
        title="Clause Tracker API",
        version=__version__,
        description="The use cases of the Clause Tracker: suppliers, contracts and their "
        "product models, clauses, obligations, evidence, findings and reports. Authenticate "
        "with a personal token (`tracker user token EMAIL`) as `Authorization: Bearer "
        "<token>`; it acts with its "
        'person\'s role. Errors are `{"error": {"message", "field"}}`, `field` a JSON '
        "pointer into the request body.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.settings = settings
    api.state.clock = clock
    for router in ROUTERS:
        api.include_router(router, responses=ERRORS)
    errors.install(api)
    _check_every_route_is_guarded()
    return api
