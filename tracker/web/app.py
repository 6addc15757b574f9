"""`create_app(settings)`: the FastAPI app serving the contract managers' pages."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from tracker import __version__
from tracker.clock import utc_now
from tracker.config import Settings
from tracker.errors import BadInput, NotFound, TrackerError
from tracker.people.roles import Forbidden
from tracker.web import calendar_feed
from tracker.web.api.app import PREFIX as API_PREFIX
from tracker.web.api.app import create_api
from tracker.web.api.errors import error as api_error
from tracker.web.deps import Visit, session_token
from tracker.web.errors import CsrfRefused, MalformedForm, SignInNeeded, TooLarge
from tracker.web.portal import routes as portal_routes
from tracker.web.references import EncodedSlashes
from tracker.web.render import page, see_other
from tracker.web.routes import (
    audit,
    auth,
    contract_forms,
    contract_models,
    contracts,
    dashboard,
    feeds,
    findings,
    health,
    imports,
    library,
    obligations,
    outbox,
    reports,
    suppliers,
)
from tracker.web.routes.auth import sign_in_url
from tracker.web.security import Keys, SecurityHeaders

log = logging.getLogger("tracker.web")

ROUTERS = (
    auth.router,
    dashboard.router,
    contract_forms.router,  # before contracts: /contracts/new is not a reference
    contract_models.router,
    contracts.router,
    obligations.router,
    outbox.router,
    suppliers.router,
    findings.router,
    reports.router,
    audit.router,
    library.router,
    feeds.router,
    imports.router,
    health.router,
)
# Routes anyone may reach: signing in needs no sign-in.
# `/livez` (for load balancers) and `/healthz` (for monitoring) carry no personal data.
PUBLIC = frozenset(
    {("GET", "/sign-in"), ("POST", "/sign-in"), ("GET", "/livez"), ("GET", "/healthz")}
)


def route_action(route: APIRoute) -> tuple[object, str | None] | None:
    """The (action, record parameter) a route's `allow` dependency checks, if it has one."""
    for dep in route.dependant.dependencies:
        action = getattr(dep.call, "action", None)
        if action is not None:
            return action, getattr(dep.call, "on", None)
    return None


def page_routes() -> list[APIRoute]:
    """Every route of the app's pages (the routers are included without a prefix)."""
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def _check_every_route_is_guarded() -> None:
    for route in page_routes():
        for method in route.methods or ():
            if (method, route.path) not in PUBLIC and route_action(route) is None:
                raise RuntimeError(f"{method} {route.path} has no allow(...) dependency")


def _error_page(request: Request, *, status_code: int, title: str, message: str) -> HTMLResponse:
    visit: Visit | None = getattr(request.state, "visit", None)
    return page(
        request,
        "error.html",
        title=title,
        person=visit.person if visit else None,
        csrf_token=visit.csrf_token if visit else "",
        status_code=status_code,
        message=message[:1].upper() + message[1:],
        signed_in=visit is not None or session_token(request) is not None,
    )


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded) -> Response:
        target = request.url.path if request.method == "GET" else "/"
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        return see_other(sign_in_url(target))

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error_page(
            request, status_code=403, title="You cannot do this", message=str(exc).capitalize()
        )

    @app.exception_handler(CsrfRefused)
    async def csrf(request: Request, exc: CsrfRefused) -> Response:
        return _error_page(
            request,
            status_code=403,
            title="This form has expired",
            message="The form was not sent from a page of this site in your current sign-in, "
            "so nothing was changed. Go back, reload the page and try again.",
        )

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge) -> Response:
        return _error_page(
            request,
            status_code=413,
            title="The file is too large",
            message=f"Files up to {exc.limit // (1024 * 1024) or 1} MB are accepted "
            f"({exc.limit} bytes). Nothing was stored.",
        )

    @app.exception_handler(MalformedForm)
    async def malformed(request: Request, exc: MalformedForm) -> Response:
        return _error_page(
            request, status_code=400, title="The form could not be read", message=str(exc)
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error_page(request, status_code=404, title="Page not found", message=exc.message)

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput) -> Response:
        return _error_page(request, status_code=400, title="That did not work", message=exc.message)

    @app.exception_handler(TrackerError)
    async def failure(request: Request, exc: TrackerError) -> Response:
        return _error_page(request, status_code=500, title="That did not work", message=str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        where = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return _error_page(
            request,
            status_code=400,
            title="That address is not right",
            message=f"Check the address: {where} is not valid.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):  # what the API's mount did not match
            return api_error(exc.status_code, "there is nothing at this address in the API")
        if exc.status_code == 404:
            return _error_page(
                request,
                status_code=404,
                title="Page not found",
                message="There is no page at this address.",
            )
        return _error_page(
            request, status_code=exc.status_code, title="That did not work", message=exc.detail
        )


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    """The web app. Without TRACKER_SECRET_KEY a random key is made for this process:
    sign-ins then end when it restarts, and several processes do not share them."""
    secret = settings.secret_key
    if secret is None:
        log.warning("TRACKER_SECRET_KEY is not set: sign-ins end when this process stops")
        secret = secrets.token_urlsafe(32)
    app = FastAPI(
        title="Clause Tracker",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.keys = Keys(secret)
    app.state.clock = clock
    app.mount(
        "/static",
        StaticFiles(directory=Path(__file__).resolve().parent / "static"),
        name="static",
    )
    app.mount(API_PREFIX, create_api(settings, clock=clock))
    for router in ROUTERS:
        app.include_router(router)
    # The supplier portal: the link in the address is its only key (no allow(...)).
    app.include_router(portal_routes.router)
    # Calendar feeds: the token in the address is their only key, like the portal's.
    app.include_router(calendar_feed.router)
    _handlers(app)
    _check_every_route_is_guarded()
    app.add_middleware(SecurityHeaders)
    app.add_middleware(EncodedSlashes)
    return app
