"""Every API error as JSON: `{"error": {"message": ..., "field": "/end_on"}}`.

A use case names its field in its own words (`params.disclosure_period`); the API turns
that into a JSON pointer into the request body (`/params/disclosure_period`). FastAPI's own
validation errors take the same shape, and nothing answers with an HTML page or a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from tracker.errors import BadInput, NotFound, TrackerError
from tracker.people.roles import Forbidden
from tracker.web.api.auth import Unauthorized
from tracker.web.errors import MalformedForm, TooLarge

log = logging.getLogger("tracker.web.api")


class ErrorDetail(BaseModel):
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def pointer(parts: Iterable[str | int]) -> str:
    """A JSON pointer (RFC 6901) to the given path: `~` and `/` escaped in each part."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# Where a use case's word for a field differs from the request body's.
BODY_NAMES = {
    "supplier_name": "name",
    "supplier": "supplier_id",
    "obligation": "obligation_id",
    "check": "checked",
    "files": "file",
}


def field_pointer(field: str | None) -> str | None:
    """`params.disclosure_period` as `/params/disclosure_period`."""
    if not field:
        return None
    return pointer(BODY_NAMES.get(field, field).split("."))


def error(status: int, message: str, field: str | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(message=message[:1].upper() + message[1:], field=field))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _validation_field(loc: Sequence[Any]) -> str | None:
    # ("body", "end_on") points into the body; ("query", "limit") names the parameter.
    parts = [p for p in loc[1:] if p not in ("function-after",)] if loc else []
    return pointer(parts) if parts else None


def _validation_message(problem: dict[str, Any]) -> str:
    message = str(problem.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


def install(app: FastAPI) -> None:
    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        return error(401, exc.message)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return error(403, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return error(404, exc.message, field_pointer(exc.field))

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput) -> JSONResponse:
        return error(400, exc.message, field_pointer(exc.field))

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge) -> JSONResponse:
        return error(
            413, f"files up to {exc.limit} bytes are accepted; nothing was stored", "/file"
        )

    @app.exception_handler(MalformedForm)
    async def malformed(request: Request, exc: MalformedForm) -> JSONResponse:
        return error(400, f"the multipart body could not be read: {exc}")

    @app.exception_handler(TrackerError)
    async def failure(request: Request, exc: TrackerError) -> JSONResponse:
        # The request was fine but could not be carried out in the state things are in.
        return error(409, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = list(exc.errors())
        first = problems[0] if problems else {}
        loc = first.get("loc", ())
        where = _validation_field(loc)
        if loc and loc[0] == "body" and where is None:
            message = "the request body must be a JSON object as the schema describes"
        else:
            message = _validation_message(first)
        return error(400, message, where)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error(404, "there is nothing at this address in the API")
        if exc.status_code == 405:
            return error(405, f"{request.method} is not allowed here")
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("API %s %s failed", request.method, request.url.path)
        return error(500, "the server failed; the error is in its log")
