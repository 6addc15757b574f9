"""The default backend: each email becomes an .eml file; nothing leaves the machine."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from tracker.mail.transport import DeliveryResult, Envelope, Outcome

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def file_name(message_id: str) -> str:
    """A file name from a Message-ID that can never be a path (no separators, no '..')."""
    name = _UNSAFE.sub("_", message_id.strip("<>")).strip("._") or "message"
    return f"{name[:150]}.eml"


class FileTransport:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def describe(self) -> str:
        return f"files in {self.directory.resolve()}"

    async def __aenter__(self) -> FileTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def send(self, envelope: Envelope) -> DeliveryResult:
        target = self.directory / file_name(envelope.message_id)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(envelope.raw)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)  # the same Message-ID again overwrites: idempotent
        except OSError as exc:
            return DeliveryResult(Outcome.TRANSIENT, None, f"cannot write {target}: {exc}")
        return DeliveryResult(Outcome.SENT, None, f"written to {target}", envelope.recipients)
