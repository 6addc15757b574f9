"""What an evidence file really is, judged by its content as well as its name.

A supplier's "certificate.pdf" may be a ZIP, a Word file renamed, or a truncated upload; a
reviewer opening it later finds out too late. So the content is sniffed and must agree
with the extension, and the detected format must be one the evidence type accepts.

Only the standard library is used (zipfile, json, email, codecs): a dozen formats with
well-known signatures do not justify a dependency such as python-magic, which needs the
libmagic C library on every buyer's server and answers in its own vocabulary anyway.
Media types come from the small table below rather than the `mimetypes` module, whose
answers depend on the host's /etc/mime.types.

Nothing here extracts or fully parses untrusted containers: a ZIP's central directory is
listed (no member is decompressed, so no zip bomb), XML is only sniffed (no entity
expansion), and email headers are read from the first 64 KiB.
"""

from __future__ import annotations

import codecs
import json
import zipfile
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from tracker.errors import BadInput

HEAD_BYTES = 64 * 1024
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Format:
    token: str  # as written in a clause's accepted_formats
    label: str  # for messages: "is not a PDF (its content is a ZIP archive)"
    media_type: str
    extensions: tuple[str, ...]


_FORMATS = (
    Format("pdf", "a PDF", "application/pdf", (".pdf",)),
    Format(
        "docx",
        "a Word document (docx)",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    Format(
        "xlsx",
        "an Excel workbook (xlsx)",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
    ),
    Format("zip", "a ZIP archive", "application/zip", (".zip",)),
    Format("png", "a PNG image", "image/png", (".png",)),
    Format("jpg", "a JPEG image", "image/jpeg", (".jpg", ".jpeg")),
    Format("eml", "an email message (eml)", "message/rfc822", (".eml",)),
    Format("csv", "CSV text", "text/csv", (".csv",)),
    Format("txt", "plain text", "text/plain", (".txt",)),
    Format("json", "JSON", "application/json", (".json",)),
    Format("xml", "XML", "application/xml", (".xml",)),
    # Content we recognise as none of the above (only possible with an unknown extension).
    Format("bin", "data in an unrecognised format", "application/octet-stream", ()),
)
FORMATS: dict[str, Format] = {f.token: f for f in _FORMATS}
_BY_EXTENSION = {ext: f.token for f in _FORMATS for ext in f.extensions}
_ALIASES = {"jpeg": "jpg"}
_OOXML = ("docx", "xlsx")  # ZIP containers: a ".zip" holding one is still a ZIP
_TEXTUAL = ("eml", "csv", "txt", "json", "xml")


def media_type(fmt: str) -> str:
    return FORMATS[fmt].media_type


def format_of_name(name: str) -> str | None:
    """The format the extension claims, or None for no or an unknown extension."""
    _, dot, ext = name.rpartition(".")
    return _BY_EXTENSION.get("." + ext.lower()) if dot else None


def detect(path: Path, name: str) -> str:
    """The format token of the file at `path`, shown to the user as `name`.

    A known extension must agree with the content; with no or an unknown extension the
    content decides ("bin" if we recognise nothing). Raises BadInput otherwise."""
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    if not head:
        raise BadInput(f"{name!r} is empty", field="files")
    claimed = format_of_name(name)
    content = _sniff_binary(path, head, name)
    if content is not None:
        if claimed is None or claimed == content:
            return content
        if claimed == "zip" and content in _OOXML:
            return "zip"
        raise _mismatch(name, claimed, content)
    if claimed in _TEXTUAL:
        problem = _text_problem(path, head, claimed)
        if problem is not None:
            raise BadInput(f"{name!r} is not {FORMATS[claimed].label}: {problem}", field="files")
        return claimed
    guessed = _guess_textual(path, head)
    if claimed is None:
        return guessed
    raise _mismatch(name, claimed, guessed)


def check_accepted(fmt: str, accepted: tuple[str, ...], name: str, type_label: str | None) -> None:
    """Refuse a format the evidence type does not list; an empty list accepts anything."""
    wanted = {_ALIASES.get(a.lower(), a.lower()) for a in accepted}
    if not wanted or fmt in wanted:
        return
    shown = "in an unrecognised format" if fmt == "bin" else fmt
    whose = f"evidence type {type_label!r}" if type_label else "this evidence type"
    raise BadInput(f"{name!r} is {shown}; {whose} accepts {', '.join(accepted)}", field="files")


def _mismatch(name: str, claimed: str, content: str) -> BadInput:
    return BadInput(
        f"{name!r} is not {FORMATS[claimed].label} (its content is {FORMATS[content].label})",
        field="files",
    )


def _sniff_binary(path: Path, head: bytes, name: str) -> str | None:
    """Formats with a signature; None when the file has none of them."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):  # tolerate a stray prefix
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path) as archive:
                members = set(archive.namelist())  # the central directory only
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise BadInput(
                f"{name!r} is a damaged or truncated ZIP container ({exc}); "
                "docx and xlsx files are ZIP containers too: send the file again",
                field="files",
            ) from exc
        if "word/document.xml" in members:
            return "docx"
        if "xl/workbook.xml" in members:
            return "xlsx"
        return "zip"
    return None


def _text_problem(path: Path, head: bytes, fmt: str) -> str | None:
    """Why the file is not valid `fmt` text, or None if it is."""
    if fmt == "eml":
        return None if _looks_like_email(head) else "no From/Date/Subject header lines at the top"
    problem = _utf8_problem(path)
    if problem is not None:
        return problem
    if fmt == "xml" and not _text_start(head).startswith("<"):
        return "it does not start with '<'"
    if fmt == "json":
        return _json_problem(path)
    return None


def _guess_textual(path: Path, head: bytes) -> str:
    """The textual format of signature-less content, or "bin"."""
    if _looks_like_email(head):
        return "eml"
    if _utf8_problem(path) is not None:
        return "bin"
    start = _text_start(head)
    if start.startswith("<"):
        return "xml"
    if start[:1] in ("{", "[") and _json_problem(path) is None:
        return "json"
    return "txt"


def _looks_like_email(head: bytes) -> bool:
    """RFC 5322 headers at the top: a From line and a Date or Subject line."""
    if head[:1].isspace() or b"\n" not in head:
        return False
    headers = BytesHeaderParser(policy=compat32).parsebytes(head)
    return "From" in headers and ("Date" in headers or "Subject" in headers)


def _utf8_problem(path: Path) -> str | None:
    """Streamed: a 50 MB CSV is checked without holding it in memory."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return (
                    f"it is not UTF-8 text (byte 0x{chunk[exc.start]:02x} at offset "
                    f"{offset + exc.start}); save it as UTF-8 (in Excel: 'CSV UTF-8')"
                )
            if "\x00" in text:
                return f"it contains NUL bytes (near offset {offset}), so it is not text"
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "it is not UTF-8 text (it ends in the middle of a character)"
    return None


def _text_start(head: bytes) -> str:
    return head[:256].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")


def _json_problem(path: Path) -> str | None:
    # json needs the whole document; its size is bounded by the store's max_bytes.
    try:
        json.loads(path.read_bytes().decode("utf-8-sig"))
    except json.JSONDecodeError as exc:
        return f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except RecursionError:
        return "it is nested too deeply"
    except UnicodeDecodeError:
        return "it is not UTF-8 text"
    return None
