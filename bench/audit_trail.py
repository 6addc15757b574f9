"""`tracker audit verify` and `tracker audit log --limit 0` over a long trail: time and
peak memory, which must stay flat as the trail grows.

    python -m bench.audit_trail [--events 100000,1000000] [--database-url URL]
        [--seed 42] [--json PATH]

For each size: a fresh migrated database holding a valid hash chain of that many events
(written in bulk, each hashed as `tracker.audit.chain` hashes it), then each command run as
its own `python -m tracker` process writing to a file; peak RSS from `wait4`, CPU (user +
system of that process; on PostgreSQL the server's share is not included) and wall time.
The baseline for memory is the same command on an empty trail: start-up costs are shared.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.databases import OUT, fresh_database, named, sqlite_url
from bench.materialise import _revision, _server
from bench.measure import run_tracker
from bench.smoke import add_smoke, apply_smoke, check
from tracker import migrate
from tracker.audit.chain import GENESIS, canonical, content_hash
from tracker.db import get_engine, make_engine
from tracker.models import AuditEvent

PG_DATABASE = "bench_audit"
BATCH = 5000
ACTIONS = ("created", "updated", "submitted", "accepted", "reminded")
ENTITIES = ("obligation", "evidence", "contract", "finding")


def write_chain(url: str, events: int, seed: int) -> str:
    """`events` chained events in one go; returns the head hash."""
    rng = random.Random(seed)
    engine = make_engine(url)
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    prev = GENESIS
    with engine.begin() as conn:
        for first in range(0, events, BATCH):
            rows = []
            for n in range(first, min(first + BATCH, events)):
                after = {"status": rng.choice(ACTIONS), "n": n}
                row: dict[str, Any] = {
                    "occurred_at": start + timedelta(seconds=n),
                    "actor": "bench@example.com",
                    "entity": rng.choice(ENTITIES),
                    "entity_id": str(rng.randrange(1, 100_000)),
                    "action": rng.choice(ACTIONS),
                    "contract_id": rng.randrange(1, 50_000),
                    "before": None,
                    "after": json.loads(canonical(after)),
                    "prev_hash": prev,
                }
                row["hash"] = prev = content_hash(prev, **row)
                rows.append(row)
            conn.execute(insert(table), rows)
    engine.dispose()
    return prev


COMMANDS = (
    ["audit", "verify", "--format", "json"],
    ["audit", "log", "--limit", "0", "--format", "json"],
)


def one_size(args: argparse.Namespace, events: int) -> dict[str, Any]:
    url = fresh_database(args.database_url, name=PG_DATABASE)
    migrate.upgrade(url)
    # The migration's pooled connection would outlive the next size's fresh file.
    get_engine(url).dispose()
    started = time.perf_counter()
    head = write_chain(url, events, args.seed) if events else GENESIS
    written = time.perf_counter() - started
    runs = []
    for command in COMMANDS:
        out = OUT / f"{named('audit')}-{events}-{command[1]}.json"
        runs.append(run_tracker(url, command, out))
        if command[1] == "verify":
            report = json.loads(out.read_text(encoding="utf-8"))
            # Not only in smoke runs: a verify that fails on a valid chain measures nothing.
            if not report["ok"] or report["head_hash"] != head:
                raise SystemExit(f"audit verify did not accept the bench chain: {report}")
            runs[-1]["events_checked"] = report["events_checked"]
        elif args.smoke:
            listed = json.loads(out.read_text(encoding="utf-8"))
            check(len(listed) == events, f"audit log --limit 0 lists all {events} events")
        out.unlink()
    return {"events": events, "write_seconds": round(written, 1), "commands": runs}


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['engine']}, revision {result['revision']}",
        "   events  command                               peak MB   CPU s  wall s",
    ]
    for size in result["sizes"]:
        for r in size["commands"]:
            lines.append(
                f"{size['events']:>9,}  {r['command']:<36}  {r['peak_mb']:>7.0f}  "
                f"{r['cpu_seconds']:>6.1f}  {r['wall_seconds']:>6.1f}"
            )
    return "\n".join(lines)


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(part) for part in value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--events: {value!r} is not a comma-separated list of numbers"
        ) from None
    if not sizes or min(sizes) < 0:
        raise argparse.ArgumentTypeError(f"--events: {value!r}: sizes must be 0 or more")
    return sizes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.audit_trail", description=__doc__.split("\n")[0]
    )
    p.add_argument("--events", type=_sizes, default=[0, 100_000, 1_000_000])
    p.add_argument("--database-url", default=None, help="default: bench/out/audit.db")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--json", type=Path, default=None)
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.smoke:
        apply_smoke(args, events=[0, 2000])
    args.database_url = args.database_url or sqlite_url("audit.db")
    engine_name = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    args.json = args.json or OUT / f"{named('audit')}-{engine_name}.json"
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [one_size(args, n) for n in args.events]
    engine = make_engine(args.database_url)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": _server(engine),
        "revision": _revision(),
        "sizes": sizes,
    }
    engine.dispose()
    print(table(result))
    if args.smoke:
        check(sizes[-1]["commands"][0]["events_checked"] == 2000, "verify walked every event")
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
