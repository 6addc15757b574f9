"""What every use case needs: settings, the database, the clock reading, who acts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy import Engine

from tracker.config import Settings
from tracker.library.loader import Library, load_library
from tracker.paths import shipped_clauses_dir


@dataclass
class Context:
    settings: Settings
    engine: Engine
    now: datetime
    actor: str
    _library: Library | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("Context.now must be timezone-aware")

    @cached_property
    def library(self) -> Library:
        if self._library is not None:
            return self._library
        return load_library(shipped_clauses_dir(), self.settings.clause_dirs())
