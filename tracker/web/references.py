"""Contract references in addresses: any text, `/` included (OCDS ids such as
"ocds-abc/2026/17"), as one percent-encoded path segment.

An ASGI server decodes `%2F` to `/` in the path Starlette routes on, so a reference with a
slash would spill into the next segment (`/contracts/ocds-abc/2026/17/edit` has no one right
reading). `EncodedSlashes` routes on the raw path instead, keeping `%2F` (and `%25`) encoded
inside a segment; the `ref` path converter (`{reference:ref}`) decodes the one segment.
Every link and redirect to a contract is built with `contract_path` (or the `ref` filter).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from starlette.convertors import Convertor, register_url_convertor
from starlette.types import ASGIApp, Receive, Scope, Send

from tracker.rendering import path_segment as segment

ENCODED = re.compile(rb"%2[fF5]")


def contract_path(reference: str, *rest: str | int) -> str:
    """`/contracts/<reference>/<rest...>`, the reference as one encoded segment."""
    return "/".join(("/contracts", segment(reference), *(str(r) for r in rest)))


class ReferenceConvertor(Convertor[str]):
    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return unquote(value)

    def to_string(self, value: str) -> str:
        return segment(value)


register_url_convertor("ref", ReferenceConvertor())


def routing_path(raw: bytes) -> str:
    """The raw path decoded one segment at a time, `/` and `%` inside a segment re-encoded."""
    return "/".join(
        unquote(part, errors="replace").replace("%", "%25").replace("/", "%2F")
        for part in raw.decode("utf-8", "replace").split("/")
    )


class EncodedSlashes:
    """ASGI middleware: route `/a%2Fb/edit` as one segment `a%2Fb` followed by `edit`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path") if scope["type"] == "http" else None
        if isinstance(raw, bytes) and ENCODED.search(raw):
            root = scope.get("root_path", "")
            path = routing_path(raw.split(b"?", 1)[0])
            scope = dict(scope, path=path if path.startswith(root) else root + path)
        await self.app(scope, receive, send)
