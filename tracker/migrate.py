"""Run Alembic from code: `tracker init` and `tracker db upgrade|downgrade|current`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

# Alembic is imported where it is used: `tracker --help` and the listing commands start
# without it.
if TYPE_CHECKING:
    from alembic.config import Config

INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config(str(INI)) if INI.exists() else Config()
    config.set_main_option("script_location", "tracker:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.stdout = io.StringIO()
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()
