"""Evidence: submission, review, renewals, and the file store that keeps bytes by SHA-256.

`store` and `formats` are the adapter (bytes on disk, formats by content); `submission`,
`review`, `renewals` and `views` are the use cases that record evidence rows around it. The
use cases are loaded on first use: they import obligations, findings and reminders, which
must not be pulled in by someone who only wants the file store.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from tracker.evidence.formats import FORMATS, format_of_name, media_type
from tracker.evidence.store import EvidenceStore, StoredFile, clean_filename

if TYPE_CHECKING:
    from tracker.evidence.download import EvidenceFile, may_download, open_evidence_file
    from tracker.evidence.renewals import Renewal
    from tracker.evidence.review import Review, ReviewOutcome, review_evidence
    from tracker.evidence.submission import (
        Exported,
        FileProblem,
        Submission,
        SubmittedEvidence,
        add_evidence,
        export_evidence,
        list_evidence,
        requirements,
        show_evidence,
        verify_files,
    )
    from tracker.evidence.views import EvidenceRow, EvidenceView
    from tracker.library.evidence_fields import missing_fields, parse_field_options

_WHERE = {
    "EvidenceFile": "tracker.evidence.download",
    "may_download": "tracker.evidence.download",
    "open_evidence_file": "tracker.evidence.download",
    "Renewal": "tracker.evidence.renewals",
    "Review": "tracker.evidence.review",
    "ReviewOutcome": "tracker.evidence.review",
    "review_evidence": "tracker.evidence.review",
    "Exported": "tracker.evidence.submission",
    "FileProblem": "tracker.evidence.submission",
    "Submission": "tracker.evidence.submission",
    "SubmittedEvidence": "tracker.evidence.submission",
    "add_evidence": "tracker.evidence.submission",
    "export_evidence": "tracker.evidence.submission",
    "list_evidence": "tracker.evidence.submission",
    "requirements": "tracker.evidence.submission",
    "show_evidence": "tracker.evidence.submission",
    "verify_files": "tracker.evidence.submission",
    "EvidenceRow": "tracker.evidence.views",
    "EvidenceView": "tracker.evidence.views",
    "missing_fields": "tracker.library.evidence_fields",
    "parse_field_options": "tracker.library.evidence_fields",
}

__all__ = [
    "FORMATS",
    "EvidenceFile",
    "EvidenceRow",
    "EvidenceStore",
    "EvidenceView",
    "Exported",
    "FileProblem",
    "Renewal",
    "Review",
    "ReviewOutcome",
    "StoredFile",
    "Submission",
    "SubmittedEvidence",
    "add_evidence",
    "clean_filename",
    "export_evidence",
    "format_of_name",
    "list_evidence",
    "may_download",
    "media_type",
    "missing_fields",
    "open_evidence_file",
    "parse_field_options",
    "requirements",
    "review_evidence",
    "show_evidence",
    "verify_files",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker.evidence' has no attribute {name!r}")
    return getattr(import_module(module), name)
