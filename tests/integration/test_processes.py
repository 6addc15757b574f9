"""Real `tracker` processes: the README's first run, and two planners racing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.db import get_engine, read_session
from tracker.models import Obligation


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["TRACKER_DATABASE_URL"] = url
    env["TRACKER_ALLOW_CLOCK_OVERRIDE"] = "1"  # these runs rehearse dates on purpose
    return env


@pytest.mark.empty_database
def test_first_run_init_and_demo(database_url: str, tmp_path: Path) -> None:
    env = environment(database_url)
    init = run(["init"], env, tmp_path)
    assert init.returncode == 0, init.stderr
    assert "database created at revision" in init.stdout
    first = run(["demo", "--now", "2026-11-24T09:00:00+01:00"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "4 suppliers created, 4 contracts created" in first.stdout
    assert "obligations due or overdue" in first.stdout
    second = run(["demo", "--now", "2026-11-24T09:00:00+01:00"], env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "(already loaded)" in second.stdout
    again = run(["init"], env, tmp_path)
    assert "up to date" in again.stdout


def test_zero_configuration_uses_tracker_db_in_the_working_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    assert run(["init"], env, tmp_path).returncode == 0
    assert (tmp_path / "tracker.db").exists()


def test_two_planners_at_once_never_duplicate(database_url: str, tmp_path: Path) -> None:
    env = environment(database_url)
    assert run(["init"], env, tmp_path).returncode == 0
    assert run(["demo", "--now", "2026-01-10T09:00:00+01:00"], env, tmp_path).returncode == 0
    later = "2029-06-01T09:00:00+02:00"  # three years on: much to roll forward
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tracker", "plan", "--now", later, "--format", "json"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    engine = get_engine(database_url)
    with read_session(engine) as session:
        total = session.execute(select(func.count()).select_from(Obligation)).scalar_one()
        distinct = session.execute(
            select(func.count()).select_from(
                select(
                    Obligation.contract_clause_id,
                    Obligation.template_id,  # type: ignore[call-overload]
                    Obligation.occurrence,
                )
                .distinct()
                .subquery()
            )
        ).scalar_one()
    assert total == distinct
    # A third run finds nothing left to plan.
    third = run(["plan", "--now", later, "--format", "json"], env, tmp_path)
    assert '"obligations_planned": 0' in third.stdout


@pytest.mark.parametrize(
    "args",
    [["--help"], ["contract", "attach", "--help"], ["obligations", "--help"], ["db", "--help"]],
)
def test_help_everywhere(args: list[str], tmp_path: Path) -> None:
    result = run(args, environment(f"sqlite:///{tmp_path / 'x.db'}"), tmp_path)
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_unknown_option_is_bad_usage(tmp_path: Path) -> None:
    result = run(
        ["obligations", "--colour", "red"], environment(f"sqlite:///{tmp_path}/x.db"), tmp_path
    )
    assert result.returncode == 2
    assert "No such option" in result.stderr
