"""Evidence formats are judged by content, and uploaders' names are metadata, never paths."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from pypdf import PdfReader

from tracker.errors import BadInput
from tracker.evidence import FORMATS, clean_filename, format_of_name, media_type
from tracker.evidence.formats import check_accepted, detect


def minimal_pdf(text: bytes = b"evidence") -> bytes:
    """A small but complete PDF (catalog, pages, one page, correct xref offsets)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Comment (" + text + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("Production sites, 2027")
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["site", "country"])
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)
EMAIL = (
    b"From: Compliance <compliance@example.com>\r\n"
    b"To: manager@example.org\r\n"
    b"Date: Mon, 15 Mar 2027 09:00:00 +0100\r\n"
    b"Subject: Factory list\r\n\r\n"
    b"Attached, as agreed.\r\n"
)


def detect_bytes(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / "upload.part"  # the store's temporary never carries the real name
    path.write_bytes(data)
    return detect(path, name)


def test_minimal_pdf_is_a_real_pdf() -> None:
    assert len(PdfReader(io.BytesIO(minimal_pdf())).pages) == 1


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("report.pdf", minimal_pdf(), "pdf"),
        ("REPORT.PDF", minimal_pdf(), "pdf"),
        ("sites.docx", docx_bytes(), "docx"),
        ("smelters.xlsx", xlsx_bytes(), "xlsx"),
        ("bundle.zip", zip_bytes({"a.txt": b"a"}), "zip"),
        ("bundle.zip", docx_bytes(), "zip"),  # a docx is a ZIP container too
        ("certificate.png", PNG, "png"),
        ("photo.jpeg", JPEG, "jpg"),
        ("photo.jpg", JPEG, "jpg"),
        ("notice.eml", EMAIL, "eml"),
        ("sites.csv", "site;country\nFabrika Łódź;PL\n".encode(), "csv"),
        ("sites.csv", b"\xef\xbb\xbfsite,country\n", "csv"),
        ("notes.txt", b"plain words\n", "txt"),
        ("data.json", b'{"sites": [1, 2]}', "json"),
        ("energy.xml", b'<?xml version="1.0"?><report/>', "xml"),
        ("energy.xml", b"\n  <report/>", "xml"),
        # no or unknown extension: the content decides
        ("scan", minimal_pdf(), "pdf"),
        ("message", EMAIL, "eml"),
        ("data", b"[1, 2, 3]", "json"),
        ("data", b"<report/>", "xml"),
        ("README", b"hello\n", "txt"),
        ("blob.dat", b"\x00\x01\x02\x03", "bin"),
        ("site-list.odt", zip_bytes({"mimetype": b"application/vnd.oasis"}), "zip"),
    ],
)
def test_detects_by_content(tmp_path: Path, name: str, data: bytes, expected: str) -> None:
    assert detect_bytes(tmp_path, name, data) == expected


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "report.pdf",
            zip_bytes({"a.txt": b"a"}),
            "files: 'report.pdf' is not a PDF (its content is a ZIP archive)",
        ),
        ("report.pdf", b"just some text\n", "is not a PDF (its content is plain text)"),
        ("report.pdf", docx_bytes(), "its content is a Word document (docx)"),
        ("sites.docx", zip_bytes({"a.txt": b"a"}), "is not a Word document (docx)"),
        ("sites.xlsx", docx_bytes(), "is not an Excel workbook (xlsx)"),
        ("photo.png", JPEG, "is not a PNG image (its content is a JPEG image)"),
        ("sites.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "unrecognised format"),
        ("sites.csv", "Fabrika Łódź;PL\n".encode("latin-1", "replace"), "not UTF-8 text"),
        ("sites.csv", b"a,b\n\x00\x00", "NUL"),
        ("data.json", b'{"sites": [1, 2,]}', "is not JSON: line 1"),
        ("data.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("energy.xml", b"energy: 12 kWh", "is not XML: it does not start with '<'"),
        ("notice.eml", b"Dear buyer,\nsee attached.\n", "no From/Date/Subject"),
        ("report.pdf", b"", "files: 'report.pdf' is empty"),
        ("sites.docx", docx_bytes()[:-200], "damaged or truncated ZIP"),
    ],
)
def test_refuses_content_that_disagrees(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        detect_bytes(tmp_path, name, data)


def test_accepted_formats() -> None:
    check_accepted("pdf", ("pdf", "docx"), "x.pdf", "recycler-certificate")
    check_accepted("docx", (), "x.docx", None)  # an empty list accepts anything
    check_accepted("jpg", ("png", "jpeg"), "x.jpg", None)
    with pytest.raises(BadInput) as refused:
        check_accepted("docx", ("pdf",), "x.docx", "recycler-certificate")
    assert str(refused.value) == (
        "files: 'x.docx' is docx; evidence type 'recycler-certificate' accepts pdf"
    )
    with pytest.raises(BadInput, match="is in an unrecognised format; this evidence type"):
        check_accepted("bin", ("url",), "x.bin", None)


def test_every_format_has_a_media_type_and_extension_table() -> None:
    assert media_type("pdf") == "application/pdf"
    assert media_type("jpg") == "image/jpeg"
    assert all("/" in f.media_type for f in FORMATS.values())
    assert format_of_name("a.b.XLSX") == "xlsx"
    assert format_of_name("noext") is None
    assert format_of_name("archive.tar.gz") is None


# -- names


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "../../etc/passwd",
        "/etc/passwd",
        "C:\\x.pdf",
        "C:x.pdf",
        "a\x00b.pdf",
        "a\nb.pdf",
        "a\rb.pdf",
        "tab\t.pdf",
        "line\u2028sep.pdf",
        "invoice\u202efdp.exe",
        "..",
        ".",
        "..hidden.pdf",
        "dir\\file.pdf",
        "a" * 252 + ".pdf",
        "é" * 128,
        "\udce9.pdf",  # a lone surrogate, as os.fsdecode makes of undecodable bytes
    ],
)
def test_names_refused(name: str) -> None:
    with pytest.raises(BadInput, match=r"^files: the name ") as refused:
        clean_filename(name)
    assert repr(name) in str(refused.value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        (".hidden.pdf", ".hidden.pdf"),
        ("Rapport annuel 2027 (v2).pdf", "Rapport annuel 2027 (v2).pdf"),
        ("Łódź fabryka.xlsx", "Łódź fabryka.xlsx"),
        ("cafe\u0301.pdf", "caf\u00e9.pdf"),  # NFC
        ("工厂名单.xlsx", "工厂名单.xlsx"),
        ("a" * 251 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_names_kept(name: str, expected: str) -> None:
    assert clean_filename(name) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("./\\:C\x00\n\u0301e") | st.characters(), max_size=300))
def test_any_name_is_refused_or_kept_without_separators(name: str) -> None:
    try:
        cleaned = clean_filename(name)
    except BadInput:
        return
    assert cleaned == unicodedata.normalize("NFC", name)
    assert "/" not in cleaned
    assert "\\" not in cleaned
    assert "\x00" not in cleaned
    assert cleaned not in (".", "..")
    assert not cleaned.startswith("..")
    assert len(cleaned.encode("utf-8")) <= 255
