"""Time obligation materialisation (`tracker plan`) over a freshly generated portfolio.

    python -m bench.materialise [--suppliers 10000] [--contracts 50000]
        [--clauses-per-contract 10] [--database-url URL] [--now ISO] [--json PATH]

Generation runs in a child process, so this process's peak RSS is materialisation's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, func, select, text

from bench.databases import OUT, fresh_database, named, parse_now, sqlite_url
from bench.smoke import add_smoke, apply_smoke, check
from tracker.config import Settings
from tracker.context import Context
from tracker.db import make_engine, read_session
from tracker.models import ClauseVersion, ContractClause, Obligation, table_of
from tracker.obligations.listing import plan

TARGET_SECONDS = 60.0
_SUMMARY = "Time obligation materialisation (`tracker plan`) over a fresh portfolio."
TARGET_PEAK_MB = 500.0


def peak_mb() -> float:
    """This process's peak resident set so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _count(engine: Engine, model: Any) -> int:
    with read_session(engine) as session:
        return int(session.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def _plan(ctx: Context) -> dict[str, int]:
    """`plan(ctx)` as a dict, whether it returns one or a PlanResult with `as_dict()`."""
    result: Any = plan(ctx)
    return dict(result if isinstance(result, dict) else result.as_dict())


def _server(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
    return f"PostgreSQL {version}"


def _revision() -> str:
    """The commit measured, marked "+dirty" if tracker/ has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, check=True
        ).stdout.decode()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "tracker"], cwd=root, capture_output=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.strip() + ("+dirty" if dirty.strip() else "")


def _generate(args: argparse.Namespace, url: str, now: datetime) -> float:
    command = [
        sys.executable, "-m", "bench.generate",
        "--suppliers", str(args.suppliers),
        "--contracts", str(args.contracts),
        "--clauses-per-contract", str(args.clauses_per_contract),
        "--database-url", url,
        "--seed", str(args.seed),
        "--now", now.isoformat(),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=Path(__file__).resolve().parent.parent)
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> dict[str, Any]:
    now = args.now or parse_now(None)
    url = fresh_database(args.database_url)
    generate_s = _generate(args, url, now)
    engine = make_engine(url)
    ctx = Context(settings=Settings(database_url=url), engine=engine, now=now, actor="bench")
    contract_clauses = _count(engine, ContractClause)
    baseline_mb = peak_mb()
    started = time.perf_counter()
    first = _plan(ctx)
    seconds = time.perf_counter() - started
    peak = peak_mb()
    obligations = _count(engine, Obligation)
    started = time.perf_counter()
    again = _plan(ctx)
    rerun_seconds = time.perf_counter() - started
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "now": now.isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}",
        "engine": _server(engine),
        "revision": _revision(),
        "scale": {
            "suppliers": args.suppliers,
            "contracts": args.contracts,
            "clauses_per_contract": args.clauses_per_contract,
            "contract_clauses": contract_clauses,
            "library_clauses": _count(engine, ClauseVersion),
        },
        "horizon_days": ctx.settings.horizon_days,
        "generate_seconds": round(generate_s, 2),
        "plan_seconds": round(seconds, 2),
        "baseline_mb": round(baseline_mb, 1),
        "peak_mb": round(peak, 1),
        "obligations_inserted": first["obligations_planned"],
        "obligations_in_table": obligations,
        "obligations_per_second": round(obligations / seconds) if seconds else None,
        "plan_result": first,
        "rerun_seconds": round(rerun_seconds, 3),
        "rerun_inserted": again["obligations_planned"],
        "rerun_contract_clauses": again["contract_clauses"],
        "meets_target": seconds <= TARGET_SECONDS and peak <= TARGET_PEAK_MB,
    }
    engine.dispose()
    return result


def table(result: dict[str, Any]) -> str:
    rows = [
        ("engine", result["engine"]),
        ("scale", "{suppliers:,} suppliers, {contracts:,} contracts, {contract_clauses:,} "
         "contract clauses ({library_clauses} in library)".format(**result["scale"])),
        ("revision", result["revision"]),
        ("generate", f"{result['generate_seconds']:.1f} s (not timed below)"),
        ("plan time", f"{result['plan_seconds']:.1f} s (target <= {TARGET_SECONDS:.0f} s)"),
        ("peak memory", f"{result['peak_mb']:.0f} MB (before plan {result['baseline_mb']:.0f} MB;"
         f" target <= {TARGET_PEAK_MB:.0f} MB)"),
        ("obligations", f"{result['obligations_inserted']:,} inserted,"
         f" {result['obligations_in_table']:,} in table"),
        ("rate", f"{result['obligations_per_second'] or 0:,} obligations/s"),
        ("re-run", f"{result['rerun_seconds']:.3f} s, {result['rerun_inserted']} inserted"),
        ("target met", "yes" if result["meets_target"] else "NO"),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.materialise", description=_SUMMARY)
    p.add_argument("--suppliers", type=int, default=10_000)
    p.add_argument("--contracts", type=int, default=50_000)
    p.add_argument("--clauses-per-contract", type=int, default=10)
    p.add_argument("--database-url", default=None, help="default: bench/out/materialise.db")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--now", type=parse_now, default=None, help="ISO instant (default: the clock)")
    p.add_argument("--json", type=Path, default=None, help="default: bench/out/materialise.json")
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.smoke:
        apply_smoke(args, suppliers=20, contracts=100, clauses_per_contract=4)
    args.database_url = args.database_url or sqlite_url("materialise.db")
    args.json = args.json or OUT / f"{named('materialise')}.json"
    result = run(args)
    print(table(result))
    if args.smoke:
        inserted = result["obligations_inserted"]
        check(inserted > 0, f"plan materialised obligations ({inserted})")
        check(result["obligations_in_table"] == inserted, "every one is in the table")
        check(result["rerun_inserted"] == 0, "a second plan inserts nothing")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
