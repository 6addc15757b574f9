"""The clause library: what can be attached to a contract, and with which parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from tracker.errors import NotFound
from tracker.library.schema import ClauseFile
from tracker.people.roles import Action
from tracker.web.api.auth import Caller, allow
from tracker.web.api.paging import Cursor, Limit, Page, paginate
from tracker.web.api.schemas import ClauseSummary

router = APIRouter(tags=["clauses"])

Reader = Annotated[Caller, Depends(allow(Action.READ))]


@router.get("/clauses")
def clauses(
    request: Request, who: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[ClauseSummary]:
    rows = [
        ClauseSummary(
            id=c.id,
            version=c.version,
            category=c.category.value,
            title=c.title,
            obligations=len(c.obligations),
        )
        for c in who.ctx.library
    ]
    return paginate(request, lambda _n: rows, limit=limit, cursor=cursor)


@router.get("/clauses/{clause_id}")
def clause(
    clause_id: Annotated[str, Path(max_length=200, pattern=r"^[^\x00]+$")], who: Reader
) -> ClauseFile:
    """The clause as its library file defines it: text, parameters, obligations, evidence."""
    if clause_id not in who.ctx.library.clauses:
        raise NotFound(f"no clause {clause_id!r} in the library", field="clause_id")
    return who.ctx.library.get(clause_id)
