"""The clause library: clauses by category, one clause with its text, parameters and their
sources, its schedule in plain words, and the clause rendered for tender documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from tracker.errors import BadInput, NotFound
from tracker.library.document import build
from tracker.library.export import DocFormat, render_clause
from tracker.library.parameters import resolve_values
from tracker.library.schema import Category, ClauseFile
from tracker.people.roles import Action
from tracker.web.deps import Visit, allow
from tracker.web.render import page

router = APIRouter()

MEDIA = {
    DocFormat.MD: "text/markdown; charset=utf-8",
    DocFormat.HTML: "text/html; charset=utf-8",
    DocFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _clause(visit: Visit, clause_id: str) -> ClauseFile:
    found = visit.ctx.library.clauses.get(clause_id)
    if found is None:
        raise NotFound(f"there is no clause {clause_id!r} in the library", field="clause_id")
    return found


@router.get("/library")
def library(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.READ))],
    category: str = "",
) -> HTMLResponse:
    categories = [c.value for c in Category]
    if category and category not in categories:
        raise BadInput(f"{category!r} is not one of {', '.join(categories)}", field="category")
    clauses = [c for c in visit.ctx.library if not category or c.category.value == category]
    groups: dict[str, list[ClauseFile]] = {}
    for clause in clauses:
        groups.setdefault(clause.category.value, []).append(clause)
    return page(
        request,
        "library.html",
        title="Clause library",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="library",
        groups=groups,
        categories=categories,
        category=category,
        total=len(clauses),
    )


@router.get("/library/{clause_id}")
def clause(
    request: Request, clause_id: str, visit: Annotated[Visit, Depends(allow(Action.READ))]
) -> HTMLResponse:
    found = _clause(visit, clause_id)
    doc = build(found, resolve_values(found, {}), set())
    return page(
        request,
        "clause.html",
        title=f"{found.title} (clause {found.id})",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="library",
        doc=doc,
        formats=[f.value for f in DocFormat],
    )


@router.get("/library/{clause_id}/download")
def download(
    clause_id: str,
    visit: Annotated[Visit, Depends(allow(Action.READ))],
    format: str = "md",
) -> Response:
    try:
        fmt = DocFormat(format)
    except ValueError:
        allowed = ", ".join(f.value for f in DocFormat)
        raise BadInput(f"{format!r} is not one of {allowed}", field="format") from None
    found = _clause(visit, clause_id)
    name = f"{found.id}-{found.version}.{fmt.value}"
    return Response(
        render_clause(found, {}, fmt),
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
