"""Time `tracker import contracts` on a generated spreadsheet: CPU, wall time, peak memory.

    python -m bench.spreadsheet_import [--rows 10000] [--shape xlsx|csv]
        [--database-url URL] [--seed 42] [--now 2026-05-01T09:00:00Z] [--json PATH]

A child process writes bench/out/contracts-<N>-<seed>.<xlsx|csv> once (reused by later
runs): one contract a row, five per supplier, each new supplier with its identifier and
compliance contact. This process imports it into a fresh database through the same use case
as the CLI (first a dry run, which checks every row, then the import), then imports it again
(which must change nothing). The target (issue 13): 10,000 rows in at most 30 s.
PostgreSQL's own CPU is not in the CPU figure (the server is another process).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench.databases import OUT, fresh_database, named, parse_now, sqlite_url
from bench.import_files import Usage, measured, write_sheet
from bench.smoke import add_smoke, apply_smoke, check
from tracker.config import Settings
from tracker.context import Context
from tracker.db import make_engine
from tracker.migrate import upgrade

DEFAULT_NOW = "2026-05-01T09:00:00+00:00"
PG_DATABASE = "bench_spreadsheet_import"
TARGET_SECONDS = 30.0


def source(args: argparse.Namespace) -> Path:
    return OUT / f"{named('contracts')}-{args.rows}-{args.seed}.{args.shape}"


def _generate(args: argparse.Namespace) -> None:
    """In a child process, so the writer's memory is not counted in the importer's peak."""
    if source(args).exists():
        return
    command = [
        sys.executable, "-m", "bench.spreadsheet_import", "--generate-only",
        "--rows", str(args.rows), "--seed", str(args.seed), "--shape", args.shape,
        "--now", args.now.isoformat(),
    ] + (["--smoke"] if args.smoke else [])  # fmt: skip
    subprocess.run(command, check=True)


def _import(ctx: Context, path: Path, *, dry_run: bool) -> tuple[Usage, Counter[str]]:
    from tracker.exchange import import_contracts

    with measured() as usage:
        result = import_contracts(ctx, name=path.name, content=path.read_bytes(), dry_run=dry_run)
    return usage, Counter(r.action for r in result.rows)


def run(args: argparse.Namespace) -> dict[str, Any]:
    _generate(args)
    path = source(args)
    url = fresh_database(args.database_url, PG_DATABASE)
    upgrade(url)
    engine = make_engine(url)
    ctx = Context(
        settings=Settings(database_url=url, timezone="Europe/Berlin"),
        engine=engine,
        now=args.now,
        actor="bench",
    )
    ctx.library  # noqa: B018 - loaded before timing: the CLI loads it at start-up too
    runs = {
        "dry_run": _import(ctx, path, dry_run=True),
        "import": _import(ctx, path, dry_run=False),
        "again": _import(ctx, path, dry_run=False),
    }
    engine.dispose()
    return {
        "engine": make_url(url).get_backend_name(),
        "rows": args.rows,
        "shape": args.shape,
        "file_mb": round(path.stat().st_size / 1024 / 1024, 2),
        **{name: {**vars(u), "actions": dict(a)} for name, (u, a) in runs.items()},
        "targets": {"seconds": TARGET_SECONDS, "at": 10_000},
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"Spreadsheet import, {result['rows']} rows ({result['shape']}, "
        f"{result['file_mb']} MB) on {result['engine']}",
        f"{'run':<10}{'wall s':>10}{'CPU s':>10}{'peak MB':>10}  actions",
    ]
    for name in ("dry_run", "import", "again"):
        r = result[name]
        lines.append(
            f"{name:<10}{r['wall_seconds']:>10.2f}{r['cpu_seconds']:>10.2f}"
            f"{r['peak_mb']:>10.1f}  {r['actions']}"
        )
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.spreadsheet_import", description=(__doc__ or "").split("\n")[0]
    )
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--shape", choices=("xlsx", "csv"), default="xlsx")
    p.add_argument("--database-url", default=None, help="default: bench/out/sheet_import.db")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--now", type=parse_now, default=None)
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.smoke:
        apply_smoke(args, rows=100)
    args.now = args.now or parse_now(DEFAULT_NOW)
    if args.generate_only:
        write_sheet(source(args), args.rows, seed=args.seed, today=args.now.date())
        return
    args.database_url = args.database_url or sqlite_url("sheet_import.db")
    result = run(args)
    print(table(result))
    path = args.json or OUT / f"{named('spreadsheet_import-' + result['engine'])}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")
    if args.smoke:
        check(result["dry_run"]["actions"] == {"would create": args.rows}, "the dry run checks")
        check(result["import"]["actions"] == {"created": args.rows}, "every row is created")
        check(result["again"]["actions"] == {"exists": args.rows}, "a second import adds nothing")


if __name__ == "__main__":
    main()
