"""Reading form posts within a size limit, counted while the body streams in.

A `Content-Length` check alone is bypassed by chunked uploads, so the bytes are counted as
they arrive and reading stops past the limit; Starlette spools file parts to a temporary file
(on disk past 1 MiB), so an upload is never held whole in memory.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message

from tracker.errors import BadInput
from tracker.web.errors import MalformedForm, TooLarge

SMALL_FORM = 64 * 1024
# Room for the other fields and the multipart boundaries around an evidence file.
UPLOAD_OVERHEAD = 64 * 1024


async def read_form(request: Request, *, limit: int) -> FormData:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(limit)
    received = 0

    async def counting_receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise TooLarge(limit)
        return message

    counted = Request(request.scope, receive=counting_receive)
    try:
        return await counted.form(max_files=5, max_fields=200)
    except MultiPartException as exc:
        raise MalformedForm(str(exc)) from None


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    value = text(form, name).strip()
    return value or None


def upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None


@contextmanager
def received_file(part: UploadFile) -> Iterator[Path]:
    """The uploaded part as a file on disk for the evidence store, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tracker-upload-") as folder:
        path = Path(folder) / "upload"
        part.file.seek(0)
        with path.open("wb") as out:
            shutil.copyfileobj(part.file, out, length=1024 * 1024)
        yield path


@dataclass(frozen=True)
class FormError:
    field: str | None
    message: str

    @property
    def anchor(self) -> str:
        return field_id(self.field) if self.field else "main"


def field_id(name: str) -> str:
    """The HTML id of the form field for a use case's field name."""
    return "f-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)


def errors_of(exc: BadInput) -> list[FormError]:
    return [FormError(exc.field, exc.message)]


def values_of(form: FormData | None) -> dict[str, str]:
    """What was typed into a form, to show it again next to its errors."""
    if form is None:
        return {}
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
