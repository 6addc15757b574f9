"""Pages of a list: `?limit=&cursor=`, at most MAX_LIMIT items, and a `next` link while
there is more. The cursor is opaque to callers (today: how many items came before)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel

from tracker.errors import BadInput

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# The use cases return at most this many rows of a listing; deeper pages would repeat them.
MAX_OFFSET = 1000

Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"items per page (default {DEFAULT_LIMIT})")
]
Cursor = Annotated[
    str | None,
    Query(max_length=20, pattern=r"^[0-9]*$", description="the `next` link's cursor"),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = None  # the address of the next page, absent on the last one


def offset_of(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or int(cursor) > MAX_OFFSET:
        raise BadInput("is not a cursor from a `next` link", field="cursor")
    return int(cursor)


def next_link(request: Request, **params: str | int) -> str:
    url = request.url.include_query_params(**params)
    return f"{url.path}?{url.query}"


def paginate(
    request: Request,
    fetch: Callable[[int], Sequence[T]],
    *,
    limit: int,
    cursor: str | None,
) -> Page[T]:
    """One page of what `fetch(n)` returns (its first n rows, in a stable order)."""
    start = offset_of(cursor)
    end = start + limit
    rows = fetch(min(end + 1, MAX_OFFSET + 1))
    more = len(rows) > end and end < MAX_OFFSET
    return Page[T](
        items=list(rows[start:end]),
        next=next_link(request, cursor=end) if more else None,
    )
