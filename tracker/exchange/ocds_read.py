"""Read OCDS publications as a stream and compile their releases, refusing invalid ones.

Accepted: a release package, a record package, or JSON Lines of packages, releases or
records (one JSON value a line). A single package is read with `ijson`, release by release,
so a large file is never held as one parsed document; JSON Lines are read line by line.
Each release is checked against our schema (`ocds_schema`) as it is read, and the first
problem is reported with its JSON pointer. Releases are then merged per `ocid` with
`ocdsmerge`, given our schema, so nothing is ever downloaded.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

import ijson
import jsonschema_rs
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from ocdsmerge import Merger

from tracker.errors import BadInput
from tracker.exchange.ocds_schema import MERGE_SCHEMA, RECORD, RELEASE, RELEASE_PACKAGE

# Dates are checked as Python reads them (jsonschema checks `date-time` only with an extra
# package installed, and would then accept forms that Python cannot read).
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value)
    return True


def _is_date_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


class _Schema:
    """A schema compiled once, twice: `fast` (jsonschema-rs, compiled) only says valid or
    not, and is asked first; `full` (jsonschema) is asked only about what `fast` refuses,
    and its first error, with its JSON pointer, is what the user reads (should it find
    none, the value is accepted, as it was before `fast`). Both check the same formats:
    date-time as Python reads it, nothing else."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.full = Draft4Validator(schema, format_checker=_FORMATS)
        self.fast = jsonschema_rs.Draft4Validator(
            schema,
            formats={"date-time": _is_date_time, "uri": lambda _: True},
            validate_formats=True,
        )


_RELEASE = _Schema(RELEASE)
_RECORD = _Schema(RECORD)
_PACKAGE_HEAD = _Schema(
    {
        "type": "object",
        "required": ["uri", "publisher", "publishedDate", "version"],
        "properties": {k: v for k, v in RELEASE_PACKAGE["properties"].items() if k != "releases"},
    }
)


PEEK_BYTES = 16 * 1024 * 1024
_PICKLE = pickle.HIGHEST_PROTOCOL


class BadPublication(BadInput):
    """A file that is not OCDS we can read: `field` is the JSON pointer of the problem."""

    def __init__(self, message: str, *, source: str, pointer: str = "") -> None:
        super().__init__(message, field=pointer or "/")
        self.source = source

    def __str__(self) -> str:
        return f"{self.source} at {self.field}: {self.message}"


@dataclass
class Publication:
    """Every release read, grouped by ocid, and where each came from.

    Releases are kept pickled until their ocid is compiled: a parsed release takes about
    ten times the memory of its pickle, and a publisher's bulk file has tens of thousands."""

    releases: dict[str, list[bytes]] = field(default_factory=dict)
    compiled: dict[str, bytes] = field(default_factory=dict)
    origin: dict[str, tuple[str, str]] = field(default_factory=dict)  # ocid -> source, pointer
    # Where each contract was last described: (ocid, contract id) -> source, pointer.
    contracts: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    count: int = 0

    def add_release(self, release: dict[str, Any], *, source: str, pointer: str) -> None:
        _check(_RELEASE, release, source=source, pointer=pointer)
        ocid = str(release["ocid"])
        self.releases.setdefault(ocid, []).append(pickle.dumps(release, _PICKLE))
        self.origin.setdefault(ocid, (source, pointer))
        self._note_contracts(ocid, release, source=source, pointer=pointer)
        self.count += 1

    def _note_contracts(
        self, ocid: str, release: dict[str, Any], *, source: str, pointer: str
    ) -> None:
        for index, contract in enumerate(release.get("contracts") or []):
            here = (source, f"{pointer}/contracts/{index}")
            self.contracts[(ocid, str(contract["id"]))] = here

    def where(self, ocid: str, contract_id: str) -> tuple[str, str] | None:
        """The file and JSON pointer of the newest description of a contract."""
        return self.contracts.get((ocid, contract_id))

    def add_record(self, record: dict[str, Any], *, source: str, pointer: str) -> None:
        _check(_RECORD, record, source=source, pointer=pointer)
        ocid = str(record["ocid"])
        if "compiledRelease" in record:
            # The publisher compiled it already: the newest record of an ocid wins.
            self.compiled[ocid] = pickle.dumps(record["compiledRelease"], _PICKLE)
            here = f"{pointer}/compiledRelease"
            self.origin.setdefault(ocid, (source, here))
            self._note_contracts(ocid, record["compiledRelease"], source=source, pointer=here)
            self.count += 1
            return
        embedded = record.get("releases") or []
        for index, release in enumerate(embedded):
            here = f"{pointer}/releases/{index}"
            if not isinstance(release, dict) or "id" not in release:
                raise BadPublication(
                    "only links to releases, and no compiled release: the releases "
                    "themselves are needed (they cannot be fetched from here)",
                    source=source,
                    pointer=here,
                )
            self.add_release(release, source=source, pointer=here)

    @property
    def processes(self) -> int:
        return len(self.releases.keys() | self.compiled.keys())

    def compiled_releases(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The compiled release of each ocid, in ocid order, one at a time (the caller
        keeps what it needs of each; the whole set is never in memory at once). Each
        ocid's releases are let go once compiled: a publication is compiled once."""
        merger = Merger(schema=MERGE_SCHEMA)
        for ocid in sorted(self.releases.keys() | self.compiled.keys()):
            ready = self.compiled.pop(ocid, None)
            if ready is not None:
                self.releases.pop(ocid, None)
                yield ocid, pickle.loads(ready)  # noqa: S301 - our own bytes, made above
                continue
            releases = [pickle.loads(r) for r in self.releases.pop(ocid)]  # noqa: S301
            yield ocid, merger.create_compiled_release(releases)

    def compile(self) -> dict[str, dict[str, Any]]:
        """The compiled release of each ocid, in ocid order."""
        return dict(self.compiled_releases())


def read(stream: IO[bytes], *, source: str, into: Publication) -> None:
    """Add every release of one file (seekable) to `into`, or raise BadPublication."""
    start = stream.tell()
    # A longer first line is taken for a one-line package: not parsed whole just to look.
    first = stream.readline(PEEK_BYTES)
    second = stream.readline(PEEK_BYTES) if first.endswith(b"\n") else b""
    while second.endswith(b"\n") and not second.strip():
        second = stream.readline(PEEK_BYTES)
    if second.strip() and _is_json_value(first):
        stream.seek(start)
        _read_lines(stream, source=source, into=into)
        return
    stream.seek(start)
    _read_package(stream, source=source, into=into)


def _is_json_value(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _read_lines(stream: IO[bytes], *, source: str, into: Publication) -> None:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        where = f"{source} line {number}"
        try:
            value = json.loads(line, parse_float=Decimal)
        except ValueError as exc:
            raise BadPublication(f"not valid JSON ({exc})", source=where) from None
        if not isinstance(value, dict):
            raise BadPublication("expected a JSON object", source=where)
        _add_document(value, source=where, into=into)


def _add_document(value: dict[str, Any], *, source: str, into: Publication) -> None:
    if "releases" in value and "ocid" not in value:
        _check(_PACKAGE_HEAD, value, source=source, pointer="")
        for index, release in enumerate(_array(value, "releases", source)):
            into.add_release(release, source=source, pointer=f"/releases/{index}")
    elif "records" in value:
        _check(_PACKAGE_HEAD, value, source=source, pointer="")
        for index, record in enumerate(_array(value, "records", source)):
            into.add_record(record, source=source, pointer=f"/records/{index}")
    elif "ocid" in value and ("compiledRelease" in value or "releases" in value):
        into.add_record(value, source=source, pointer="")
    elif "ocid" in value:
        into.add_release(value, source=source, pointer="")
    else:
        raise BadPublication(
            "neither a release package, a record package, a release nor a record "
            "(no `releases`, `records` or `ocid`)",
            source=source,
        )


def _array(value: dict[str, Any], key: str, source: str) -> list[dict[str, Any]]:
    items = value[key]
    if not isinstance(items, list) or not items:
        raise BadPublication("must be a list of at least one", source=source, pointer=f"/{key}")
    return items


def _read_package(stream: IO[bytes], *, source: str, into: Publication) -> None:
    start = stream.tell()
    head, kind = _head(stream, source=source)
    stream.seek(start)
    if kind is None:
        # Small and odd (a bare release or record): read whole, answer as for a line.
        try:
            value = json.load(stream, parse_float=Decimal)
        except ValueError as exc:
            raise BadPublication(f"not valid JSON ({exc})", source=source) from None
        if not isinstance(value, dict):
            raise BadPublication("expected a JSON object", source=source)
        _add_document(value, source=source, into=into)
        return
    _check(_PACKAGE_HEAD, head, source=source, pointer="")
    try:
        for index, item in enumerate(ijson.items(stream, f"{kind}.item")):
            pointer = f"/{kind}/{index}"
            if not isinstance(item, dict):
                raise BadPublication("expected a JSON object", source=source, pointer=pointer)
            if kind == "releases":
                into.add_release(item, source=source, pointer=pointer)
            else:
                into.add_record(item, source=source, pointer=pointer)
    except ijson.JSONError as exc:
        raise BadPublication(f"not valid JSON ({exc})", source=source) from None


def _head(stream: IO[bytes], *, source: str) -> tuple[dict[str, Any], str | None]:
    """The package's own fields (uri, version, publisher ...) and whether it holds
    `releases` or `records`, from one pass of parser events (nothing large is built)."""
    head: dict[str, Any] = {}
    kind = None
    try:
        for prefix, event, value in ijson.parse(stream):
            if prefix == "" and event == "map_key":
                if value in ("releases", "records"):
                    kind = value
            elif prefix == "" and event != "start_map" and event != "end_map":
                return {}, None  # not an object at the top: let json.load say so
            elif prefix in ("uri", "version", "publishedDate") and event in _SCALARS:
                head[prefix] = value
            elif prefix == "publisher" and event == "start_map":
                head["publisher"] = {}
            elif prefix == "publisher.name" and event in _SCALARS:
                head.setdefault("publisher", {})["name"] = value
    except ijson.JSONError as exc:
        raise BadPublication(f"not valid JSON ({exc})", source=source) from None
    if kind is None:
        return head, None
    return head, kind


_SCALARS = frozenset({"string", "number", "boolean", "null"})


def _check(schema: _Schema, value: Any, *, source: str, pointer: str) -> None:
    if schema.fast.is_valid(value):
        return
    error = min(
        schema.full.iter_errors(value),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
        default=None,
    )
    if error is not None:
        raise BadPublication(_reason(error), source=source, pointer=pointer + _pointer(error))


def _pointer(error: ValidationError) -> str:
    return "".join(f"/{part}" for part in error.absolute_path)


def _reason(error: ValidationError) -> str:
    if error.validator == "required":
        return f"is missing {error.message.split(' is a required')[0]}, which OCDS requires"
    if error.validator == "enum":
        values = error.validator_value if isinstance(error.validator_value, list) else []
        allowed = ", ".join(str(v) for v in values if v is not None)
        return f"{error.instance!r} is not one of {allowed}"
    return error.message
