"""Files sent as downloads: a `Content-Disposition` that no file name can break.

The name goes out twice (RFC 6266): `filename*` carries it exactly, percent-encoded UTF-8
(RFC 8187), and `filename` an ASCII stand-in for old clients, with anything that could end
the quoted string or the header replaced by `_`. Neither can inject a header or a parameter.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from fastapi.responses import FileResponse

from tracker.evidence.download import EvidenceFile

# What may stand in the quoted `filename`: printable ASCII but the quote, the backslash and
# the percent sign (which some browsers decode).
_PLAIN = frozenset(chr(c) for c in range(0x20, 0x7F)) - set('"\\%')


def ascii_name(filename: str) -> str:
    """The name for the `filename` parameter: letters with accents without them, any other
    character not plain ASCII as `_`, so the stand-in keeps the name's shape."""
    out = []
    for char in filename:
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if c in _PLAIN)
        out.append(base or "_")
    return "".join(out).strip()[:150] or "download"


def attachment(filename: str) -> str:
    """The `Content-Disposition` value for downloading a file called `filename`."""
    exact = quote(filename, safe="")
    return f"attachment; filename=\"{ascii_name(filename)}\"; filename*=UTF-8''{exact}"


def evidence_response(found: EvidenceFile) -> FileResponse:
    """The stored file, streamed from the evidence store, never sniffed (and, as every
    answer but static files, never cached: see `SecurityHeaders`)."""
    return FileResponse(
        found.path,
        media_type=found.media_type,
        headers={
            "Content-Disposition": attachment(found.filename),
            "X-Content-Type-Options": "nosniff",
        },
    )
