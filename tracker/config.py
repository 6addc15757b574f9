"""Typed settings read from TRACKER_* environment variables, checked at start-up."""

from __future__ import annotations

import getpass
import os
from email.headerregistry import Address
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracker.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///./tracker.db"
SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry, e.g. in a container
        return "cli:unknown"


class Settings(BaseSettings):
    """All configuration, one object. Environment variables are `TRACKER_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; sqlite:///path or postgresql+psycopg://user@host/db",
    )
    timezone: str = Field(default="UTC", description="default timezone for new contracts")
    country: str | None = Field(
        default=None, description="default country (ISO 3166 alpha-2) whose holidays count"
    )
    clause_path: str = Field(
        default="", description="extra clause directories, separated by the OS path separator"
    )
    horizon_days: int = Field(
        default=400, ge=31, le=3660, description="how far ahead obligations are materialised"
    )
    reminder_hour: int = Field(
        default=8,
        ge=0,
        le=23,
        description="local hour at which reminders are sent, unless a contract has its own time",
    )
    actor: str = Field(default_factory=_default_actor, description="who the audit trail names")
    smtp_url: str | None = Field(
        default=None,
        description="smtp://[user[:password]@]host[:port][?starttls=true|false] or smtps://...; "
        "unset: messages are written as .eml files into TRACKER_OUTBOX_DIR",
    )
    smtp_password_file: Path | None = Field(
        default=None, description="file holding the SMTP password (instead of in the URL)"
    )
    smtp_timeout: float = Field(default=30.0, gt=0, le=600, description="seconds per SMTP step")
    mail_from: str = Field(
        default="Clause Tracker <clause-tracker@localhost>", description="From of every email"
    )
    outbox_dir: Path = Field(default=Path("outbox"), description="where .eml files are written")
    manager_digest: bool = Field(
        default=True, description="contract managers get one daily digest, not single emails"
    )
    email_max_items: int = Field(
        default=50,
        ge=1,
        le=1000,
        description="items listed in one email (digest or supplier reminder), most urgent "
        "first; the rest are counted per heading and per contract",
    )
    sweep_seconds: int = Field(default=60, ge=1, le=3600, description="worker sweep interval")
    relay_seconds: int = Field(default=10, ge=1, le=3600, description="worker relay interval")
    mail_retry_hours: float = Field(
        default=72,
        gt=0,
        le=24 * 30,
        description="how long a message that fails for a passing reason (server down, 4xx) "
        "is retried before it counts as failed",
    )
    heartbeat_stale_seconds: int = Field(
        default=900, ge=10, description="`tracker status` fails when a job ran longer ago"
    )
    base_url: str = Field(default="http://localhost:8000", description="links in emails point here")
    evidence_dir: Path = Field(
        default=Path("evidence"), description="where evidence files are stored (by SHA-256)"
    )
    evidence_max_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1, description="largest evidence file accepted, in bytes"
    )
    import_max_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1,
        description="largest file accepted by the import upload page, in bytes",
    )
    report_seconds: int = Field(
        default=300, ge=10, le=86400, description="how often the worker looks for reports due"
    )
    allow_clock_override: bool = Field(
        default=False,
        description="let commands that write take --now (tests and benchmarks only: a "
        "rehearsed time would be written into the live records)",
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, le=1440, description="web sign-ins end after this many idle minutes"
    )
    portal_link_days: int = Field(
        default=60,
        ge=1,
        le=3660,
        description="a supplier's portal link works this many days after the latest due date "
        "of the email that carried it",
    )
    metrics_token: str | None = Field(
        default=None,
        min_length=32,
        description="lets a monitoring system read /metrics with `Authorization: Bearer "
        "<token>`; unset: only signed-in admins may read it",
    )
    secret_key: str | None = Field(
        default=None,
        min_length=32,
        description="signs web cookies; unset: `tracker serve` makes one per process",
    )

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in SUPPORTED_SCHEMES:
            # Never echo the URL: it may carry a password.
            raise ValueError(
                f"the scheme {scheme or '(none)'!r} is not supported; use sqlite:///PATH "
                "or postgresql+psycopg://USER@HOST/DB"
            )
        if scheme == "postgresql":
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("country")
    @classmethod
    def _check_country(cls, value: str | None) -> str | None:
        return None if value in (None, "") else check_country(value)

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "use smtp://host[:port] (STARTTLS when the server offers it) or "
                "smtps://host[:port] (implicit TLS)"
            )
        try:
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise ValueError("the port is not a number between 1 and 65535") from None
        return value

    @field_validator("smtp_password_file")
    @classmethod
    def _check_password_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{str(value)!r} is not a readable file")
        return value

    @field_validator("mail_from")
    @classmethod
    def _check_from(cls, value: str) -> str:
        if any(ch in value for ch in "\r\n"):
            raise ValueError("must be a single line")
        name, address = parseaddr(value)
        if "@" not in address:
            raise ValueError(f"{value!r} is not an address such as 'Tracker <t@example.com>'")
        Address(display_name=name, addr_spec=address)
        return value

    @model_validator(mode="after")
    def _links_need_an_address(self) -> Settings:
        # Real mail with links to localhost sends people nowhere; a local test server
        # (loopback) may keep the default.
        host = urlsplit(self.smtp_url).hostname if self.smtp_url else None
        if host and host not in LOOPBACK and "base_url" not in self.model_fields_set:
            raise ValueError(
                "TRACKER_BASE_URL: set it to the address people open the tracker at, "
                "e.g. https://tracker.example.org; the links in emails point there and "
                "TRACKER_SMTP_URL sends real mail"
            )
        return self

    def clause_dirs(self) -> list[Path]:
        return [Path(p) for p in self.clause_path.split(os.pathsep) if p.strip()]


def check_timezone(value: str) -> str:
    """Return an IANA timezone name unchanged, or raise ValueError naming it."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not an IANA timezone (e.g. Europe/Berlin, America/New_York, UTC)"
        ) from None
    return value


def check_country(value: str) -> str:
    """Return an upper-cased ISO 3166 code known to the holidays package."""
    code = value.strip().upper()
    if code not in holidays.list_supported_countries():
        raise ValueError(
            f"{value!r} is not a country code with a public-holiday calendar "
            "(ISO 3166 alpha-2, e.g. DE, SE, GB)"
        )
    return code


def load_settings() -> Settings:
    """Read the environment; a bad value raises ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if not err["loc"]:  # a check across fields names its variables itself
                problems.append(msg)
                continue
            problems.append(f"TRACKER_{str(err['loc'][0]).upper()}: {msg}")
        raise ConfigError("; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
