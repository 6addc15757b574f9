"""Evidence: submission, review, renewals, and the file store that keeps bytes by SHA-256.

`store` and `formats` are the adapter (bytes on disk, formats by content); `submission`,
`review`, `renewals` and `views` are the use cases that record evidence rows around it.
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
