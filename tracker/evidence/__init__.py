"""The evidence file store: an adapter that keeps uploaded files by SHA-256 on disk.

The service layer records evidence rows in the database; this package only stores, checks,
exports and verifies the bytes.
"""

from tracker.evidence.formats import FORMATS, format_of_name, media_type
from tracker.evidence.store import EvidenceStore, StoredFile, clean_filename

__all__ = [
    "FORMATS",
    "EvidenceStore",
    "StoredFile",
    "clean_filename",
    "format_of_name",
    "media_type",
]
