"""Time `tracker import ocds` on a generated publication: CPU, wall time and peak memory.

    python -m bench.ocds_import [--contracts 50000] [--shape jsonl|package]
        [--database-url URL] [--seed 42] [--now 2026-05-01T09:00:00Z] [--json PATH]

A child process writes bench/out/ocds-<N>-<seed>.<jsonl|json> once (reused by later runs):
one release per awarded contract, five contracts per supplier, each supplier with its
identifier and a contact email. This process then imports it into a fresh database through
the same use case as the CLI, and imports it a second time (which must change nothing).
The target (DOMAIN.md, issue 13): 50,000 contracts in at most 120 s and 300 MB.
PostgreSQL's own CPU is not in the CPU figure (the server is another process).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench.databases import OUT, fresh_database, named, parse_now, sqlite_url
from bench.import_files import Usage, measured, write_ocds
from bench.smoke import add_smoke, apply_smoke, check
from tracker.config import Settings
from tracker.context import Context
from tracker.db import make_engine
from tracker.migrate import upgrade

DEFAULT_NOW = "2026-05-01T09:00:00+00:00"
PG_DATABASE = "bench_ocds_import"
TARGET_SECONDS = 120.0
TARGET_PEAK_MB = 300.0


def source(args: argparse.Namespace) -> Path:
    suffix = "jsonl" if args.shape == "jsonl" else "json"
    return OUT / f"{named('ocds')}-{args.contracts}-{args.seed}.{suffix}"


def _generate(args: argparse.Namespace) -> None:
    """In a child process, so the writer's memory is not counted in the importer's peak."""
    path = source(args)
    if path.exists():
        return
    command = [
        sys.executable, "-m", "bench.ocds_import", "--generate-only",
        "--contracts", str(args.contracts), "--seed", str(args.seed),
        "--shape", args.shape, "--now", args.now.isoformat(),
    ] + (["--smoke"] if args.smoke else [])  # fmt: skip
    subprocess.run(command, check=True)


def _import(ctx: Context, path: Path) -> tuple[Usage, Counter[str]]:
    from tracker.exchange import import_ocds

    with measured() as usage, path.open("rb") as stream:
        report = import_ocds(ctx, [(path.name, stream)])
    usage.extra["releases_read"] = report.releases_read
    return usage, Counter(c.action for c in report.contracts)


def run(args: argparse.Namespace) -> dict[str, Any]:
    _generate(args)
    path = source(args)
    url = fresh_database(args.database_url, PG_DATABASE)
    upgrade(url)
    engine = make_engine(url)
    now: datetime = args.now
    ctx = Context(
        settings=Settings(database_url=url, timezone="Europe/Berlin"),
        engine=engine,
        now=now,
        actor="bench",
    )
    ctx.library  # noqa: B018 - loaded before timing: the CLI loads it at start-up too
    first, actions = _import(ctx, path)
    again, repeated = _import(ctx, path)
    engine.dispose()
    return {
        "engine": make_url(url).get_backend_name(),
        "contracts": args.contracts,
        "shape": args.shape,
        "file_mb": round(path.stat().st_size / 1024 / 1024, 1),
        "first_import": {**vars(first), "actions": dict(actions)},
        "second_import": {**vars(again), "actions": dict(repeated)},
        "targets": {"seconds": TARGET_SECONDS, "peak_mb": TARGET_PEAK_MB, "at": 50_000},
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"OCDS import, {result['contracts']} contracts ({result['shape']}, "
        f"{result['file_mb']} MB) on {result['engine']}",
        f"{'run':<14}{'wall s':>10}{'CPU s':>10}{'peak MB':>10}  actions",
    ]
    for name in ("first_import", "second_import"):
        r = result[name]
        lines.append(
            f"{name:<14}{r['wall_seconds']:>10.2f}{r['cpu_seconds']:>10.2f}"
            f"{r['peak_mb']:>10.1f}  {r['actions']}"
        )
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.ocds_import", description=(__doc__ or "").split("\n")[0]
    )
    p.add_argument("--contracts", type=int, default=50_000)
    p.add_argument("--shape", choices=("jsonl", "package"), default="jsonl")
    p.add_argument("--database-url", default=None, help="default: bench/out/ocds_import.db")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--now", type=parse_now, default=None)
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.smoke:
        apply_smoke(args, contracts=100)
    args.now = args.now or parse_now(DEFAULT_NOW)
    if args.generate_only:
        write_ocds(
            source(args),
            args.contracts,
            seed=args.seed,
            today=args.now.date(),
            package=args.shape == "package",
        )
        return
    args.database_url = args.database_url or sqlite_url("ocds_import.db")
    result = run(args)
    print(table(result))
    path = args.json or OUT / f"{named('ocds_import-' + result['engine'])}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")
    if args.smoke:
        first, second = result["first_import"], result["second_import"]
        check(first["actions"] == {"created": args.contracts}, "every contract is created")
        check(second["actions"] == {"unchanged": args.contracts}, "a second import changes nothing")


if __name__ == "__main__":
    main()
