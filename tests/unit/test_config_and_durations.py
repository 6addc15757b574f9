"""Settings refuse nonsense naming the variable; durations parse only what they should."""

from __future__ import annotations

import pytest

from tracker.config import Settings, load_settings
from tracker.domain.durations import Duration
from tracker.errors import ConfigError


def test_zero_configuration_is_an_sqlite_file_here(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRACKER_DATABASE_URL", "TRACKER_TIMEZONE", "TRACKER_COUNTRY"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///./tracker.db"
    assert settings.timezone == "UTC"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "TRACKER_DATABASE_URL",
            "mysql://u:secret@db/x",
            "TRACKER_DATABASE_URL: the scheme 'mysql'",
        ),
        ("TRACKER_TIMEZONE", "Europe/Atlantis", "TRACKER_TIMEZONE: 'Europe/Atlantis' is not"),
        ("TRACKER_COUNTRY", "XX", "TRACKER_COUNTRY: 'XX' is not a country code"),
        ("TRACKER_HORIZON_DAYS", "ten", "TRACKER_HORIZON_DAYS:"),
        ("TRACKER_REMINDER_HOUR", "25", "TRACKER_REMINDER_HOUR:"),
    ],
)
def test_bad_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)
    assert caught.value.exit_code == 2
    assert "secret" not in str(caught.value)


def test_plain_postgresql_url_uses_psycopg_3() -> None:
    settings = Settings(database_url="postgresql://postgres@127.0.0.1/test")
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1/test"


@pytest.mark.parametrize(
    ("text", "months", "days"),
    [
        ("P20D", 0, 20),
        ("P6W", 0, 42),
        ("P12M", 12, 0),
        ("P2Y", 24, 0),
        ("-P90D", 0, -90),
        ("P1Y2M3D", 14, 3),
    ],
)
def test_durations(text: str, months: int, days: int) -> None:
    duration = Duration.parse(text)
    assert duration.total_months == months
    assert duration.sign * (duration.weeks * 7 + duration.days) == days
    assert str(duration) == text


@pytest.mark.parametrize("text", ["P", "20D", "PT12H", "P1.5D", "P-1D", "", "P1D1M"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a date duration"):
        Duration.parse(text)


@pytest.mark.parametrize("text", ["P99999999D", "P101Y", "P1300M", "P9999999999999999999999Y"])
def test_durations_longer_than_a_century_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"is longer than 100 years"):
        Duration.parse(text)


def test_a_century_is_allowed() -> None:
    assert Duration.parse("P100Y").years == 100
