"""The default backend: each email becomes an .eml file; nothing leaves the machine."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

from tracker.files import write_atomic
from tracker.mail.message import one_line
from tracker.mail.transport import DeliveryResult, Envelope, Outcome

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9.-]*")
_MAX_NAME = 150


def file_name(message_id: str) -> str:
    """A file name from a Message-ID, of [A-Za-z0-9._-] only: never a path, never '..'.

    '<abc@example.com>' gives 'abc_example.com.eml'. An id that is not of that plain
    form (or is very long) also gets a hash of the whole id, so two different ids
    can never share a file.
    """
    core = message_id.strip().removeprefix("<").removesuffix(">")
    name = _UNSAFE.sub("_", core).strip("._-")[:_MAX_NAME] or "message"
    if not _PLAIN_ID.fullmatch(core) or len(core) > _MAX_NAME:
        name += "-" + hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:16]
    return f"{name}.eml"


def labelled_name(label: str, message_id: str) -> str:
    """A file name a person can sort, from the relay's label
    ('2027-03-15T0800Z_RA-2027-017_reminder_42'), safe characters only; without a label,
    the name from the Message-ID."""
    name = _UNSAFE.sub("_", one_line(label)).strip("._-")[:_MAX_NAME]
    return f"{name}.eml" if name else file_name(message_id)


class FileTransport:
    """Writes `<directory>/<label or name from the Message-ID>.eml`; the same message sent
    again overwrites the same file, so a retried message is still one file."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory).absolute()

    def describe(self) -> str:
        return f"files in {self.directory}"

    def __repr__(self) -> str:
        return f"FileTransport({str(self.directory)!r})"

    async def __aenter__(self) -> FileTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def send(self, envelope: Envelope) -> DeliveryResult:
        target = self.directory / labelled_name(envelope.label, envelope.message_id)
        try:
            await asyncio.to_thread(self._write, target, envelope.raw)
        except OSError as exc:
            return DeliveryResult(Outcome.TRANSIENT, None, f"cannot write {target}: {exc}")
        return DeliveryResult(Outcome.SENT, None, f"written to {target}", envelope.recipients)

    def _write(self, target: Path, raw: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomic(target, raw)
