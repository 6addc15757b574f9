"""Time the catch-up: the first sweep after importing a portfolio, at several sizes, and
its CPU per reminder (client plus database server), which must stay flat as it grows.

    python -m bench.catchup [--contracts 1000,5000,20000] [--clauses-per-contract 10]
        [--database-url URL] [--seed 42] [--now 2026-05-01T09:00:00Z] [--json PATH]

For each size: a fresh database, `bench.generate` (suppliers = contracts / 5) in a child
process, `plan` at --now, then one timed `sweep` at --now, which reminds every overdue
obligation and composes the messages. Nothing runs `ANALYZE` after the plan (on PostgreSQL
the generator's one ran on empty obligation and reminder tables): the catch-up must not
depend on fresh statistics.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlmodel import col

from bench.databases import OUT, fresh_database, named, parse_now, sqlite_url
from bench.materialise import _generate, _revision, _server
from bench.probe import PATCHED, Phases
from bench.smoke import add_smoke, apply_smoke, check
from tracker.config import Settings
from tracker.context import Context
from tracker.db import make_engine, read_session
from tracker.models import OutboxMessage, Reminder, table_of
from tracker.obligations.listing import plan
from tracker.reminders.passes import sweep

DEFAULT_NOW = "2026-05-01T09:00:00+00:00"
PG_DATABASE = "bench_catchup"
TICK = os.sysconf("SC_CLK_TCK")
# Target: the cost per reminder at the largest size within 1.3x of the smallest's.
FLAT = 1.3


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu(engine: Engine) -> dict[int, float]:
    """CPU seconds so far of every server process connected to this benchmark's database
    (its own, the only one connected to it), read from /proc: the server is local."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        found = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(pid)] = (int(fields[11]) + int(fields[12])) / TICK
    return found


def _count(engine: Engine, model: Any) -> int:
    with read_session(engine) as session:
        return int(session.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def one_size(args: argparse.Namespace, contracts: int) -> dict[str, Any]:
    url = fresh_database(args.database_url, name=PG_DATABASE)
    sized = argparse.Namespace(
        suppliers=max(20, contracts // 5),
        contracts=contracts,
        clauses_per_contract=args.clauses_per_contract,
        seed=args.seed,
    )
    generate_s = _generate(sized, url, args.now)
    engine = make_engine(url)
    ctx = Context(settings=Settings(database_url=url), engine=engine, now=args.now, actor="bench")
    started = time.perf_counter()
    planned = plan(ctx).as_dict()
    plan_s = time.perf_counter() - started
    server_before = _backend_cpu(engine)
    client_before = _client_cpu()
    with Phases() as phases:
        started = time.perf_counter()
        report = sweep(ctx).as_dict()
        wall = time.perf_counter() - started
    client = _client_cpu() - client_before
    server = sum(cpu - server_before.get(pid, 0.0) for pid, cpu in _backend_cpu(engine).items())
    reminders = _count(engine, Reminder)
    messages = _count(engine, OutboxMessage)
    with read_session(engine) as session:
        left = session.execute(
            select(func.count()).where(col(Reminder.outbox_id).is_(None))
        ).scalar_one()
    engine.dispose()
    cpu = client + server
    return {
        "contracts": contracts,
        "suppliers": sized.suppliers,
        "obligations": planned["obligations_planned"],
        "generate_seconds": round(generate_s, 1),
        "plan_seconds": round(plan_s, 1),
        "sweep": report,
        "reminder_rows": reminders,
        "messages": messages,
        "left_unassigned": int(left),
        "wall_seconds": round(wall, 2),
        "client_cpu_seconds": round(client, 2),
        "server_cpu_seconds": round(server, 2),
        "cpu_seconds": round(cpu, 2),
        "cpu_ms_per_reminder": round(1000 * cpu / reminders, 3) if reminders else None,
        "phase_seconds": {p: round(phases.seconds[p], 2) for p in PATCHED},
        "compose_batches": phases.calls["compose"],
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    sizes = [one_size(args, n) for n in args.contracts]
    first, last = sizes[0]["cpu_ms_per_reminder"], sizes[-1]["cpu_ms_per_reminder"]
    engine = make_engine(args.database_url)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "now": args.now.isoformat(),
        "engine": _server(engine),
        "revision": _revision(),
        "load_average": os.getloadavg()[0],
        "sizes": sizes,
        "growth_per_reminder": round(last / first, 2) if first and last else None,
    }
    engine.dispose()
    return result


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['engine']}, revision {result['revision']}",
        "contracts  reminders  messages   wall s  client s  server s  CPU ms/reminder"
        "  compose s (batches)",
    ]
    for s in result["sizes"]:
        lines.append(
            f"{s['contracts']:>9,}  {s['reminder_rows']:>9,}  {s['messages']:>8,}  "
            f"{s['wall_seconds']:>7.1f}  {s['client_cpu_seconds']:>8.1f}  "
            f"{s['server_cpu_seconds']:>8.1f}  {s['cpu_ms_per_reminder'] or 0:>15.3f}  "
            f"{s['phase_seconds']['compose']:>9.1f} ({s['compose_batches']})"
        )
    growth = result["growth_per_reminder"]
    lines.append(f"per reminder, largest / smallest: {growth} (target <= {FLAT})")
    return "\n".join(lines)


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(part) for part in value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--contracts: {value!r} is not a comma-separated list of numbers"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--contracts: {value!r}: sizes must be positive")
    return sizes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.catchup", description=__doc__.split("\n")[0])
    p.add_argument("--contracts", type=_sizes, default=[1000, 5000, 20000])
    p.add_argument("--clauses-per-contract", type=int, default=10)
    p.add_argument("--database-url", default=None, help="default: bench/out/catchup.db")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--now", type=parse_now, default=parse_now(DEFAULT_NOW))
    p.add_argument("--json", type=Path, default=None)
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.smoke:
        apply_smoke(args, contracts=[50, 100], clauses_per_contract=4)
    args.database_url = args.database_url or sqlite_url("catchup.db")
    engine_name = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    args.json = args.json or OUT / f"{named('catchup')}-{engine_name}.json"
    result = run(args)
    print(table(result))
    if args.smoke:
        for s in result["sizes"]:
            check(s["reminder_rows"] > 0, f"{s['contracts']} contracts: reminders written")
            check(s["messages"] > 0, f"{s['contracts']} contracts: messages composed")
            check(s["left_unassigned"] == 0, f"{s['contracts']} contracts: every reminder composed")
            check(
                s["sweep"]["messages_composed"] >= s["messages"] > 0,
                f"{s['contracts']} contracts: the sweep reports what it composed",
            )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
