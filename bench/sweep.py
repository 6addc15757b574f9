"""Time the sweep on a planned portfolio: one that finds nothing due, one that enqueues
10,000 reminders.

    python -m bench.sweep [--suppliers 10000] [--contracts 50000] [--clauses-per-contract 10]
        [--database-url URL] [--seed 42] [--now 2026-05-01T09:00:00Z] [--runs 20]
        [--reminders 10000] [--reuse] [--json PATH] [--profile PATH]

A child process prepares a base database once (generate, `plan` at --now, one full
catch-up sweep at --now); each run measures a fresh copy of it, so the peak memory
measured here is the timed sweep's, and `--reuse` skips the preparation. The sweep that
makes reminders due is measured in CPU: this process plus the PostgreSQL server processes
of its database.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, func, select, text, update
from sqlalchemy.engine import make_url

from bench.catchup import _backend_cpu, _client_cpu
from bench.databases import (
    OUT,
    beside,
    clone_database,
    database_exists,
    fresh_database,
    named,
    parse_now,
    sqlite_url,
)
from bench.materialise import _generate, _revision, _server, peak_mb
from bench.probe import PATCHED, SOURCE, Phases, capture_selects, dialect_sql, explain, summary
from bench.smoke import add_smoke, apply_smoke, check
from tracker.config import Settings
from tracker.context import Context
from tracker.db import make_engine, read_session, write_session
from tracker.migrate import upgrade
from tracker.models import Obligation, table_of
from tracker.obligations.listing import plan
from tracker.reminders.passes import SweepReport, sweep

TARGET_IDLE_MS = 50.0
TARGET_BUSY_CPU_SECONDS = 3.0  # client + database server
DEFAULT_NOW = "2026-05-01T09:00:00+00:00"
PG_WORK, PG_BASE = "bench_sweep", "bench_sweep_base"


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def databases(url: str) -> tuple[str, str]:
    """(the copy each run measures, the prepared base it is copied from)."""
    if _is_sqlite(url):
        stem = Path(str(make_url(url).database)).stem
        return url, beside(url, f"{stem}-base")
    return beside(url, PG_WORK), beside(url, PG_BASE)


def _sidecar(base: str) -> Path:
    if _is_sqlite(base):
        return Path(str(make_url(base).database)).with_suffix(".json")
    return OUT / f"{named(PG_BASE)}.json"


def _context(engine: Engine, url: str, now: datetime) -> Context:
    return Context(settings=Settings(database_url=url), engine=engine, now=now, actor="bench")


def _scale(args: argparse.Namespace) -> dict[str, int]:
    return {
        "suppliers": args.suppliers,
        "contracts": args.contracts,
        "clauses_per_contract": args.clauses_per_contract,
        "seed": args.seed,
    }


def prepare(args: argparse.Namespace, base: str) -> dict[str, Any]:
    """Generate, plan at --now, then one full sweep at --now: afterwards nothing is due."""
    url = fresh_database(base, name=PG_BASE)
    generate_s = _generate(args, url, args.now)
    engine = make_engine(url)
    ctx = _context(engine, url, args.now)
    started = time.perf_counter()
    planned = plan(ctx).as_dict()
    plan_s = time.perf_counter() - started
    with Phases() as phases:
        started = time.perf_counter()
        catch_up = sweep(ctx).as_dict()
        catch_up_s = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        # As autovacuum would soon after a million updated rows.
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    info = {
        "scale": _scale(args),
        "now": args.now.isoformat(),
        "generate_seconds": round(generate_s, 1),
        "plan_seconds": round(plan_s, 1),
        "planned": planned,
        "catch_up_seconds": round(catch_up_s, 1),
        "catch_up": catch_up,
        "catch_up_phase_seconds": {p: round(phases.seconds[p], 1) for p in PATCHED},
    }
    _sidecar(base).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def _prepared(args: argparse.Namespace, base: str) -> dict[str, Any] | None:
    sidecar = _sidecar(base)
    if not (args.reuse and sidecar.exists() and database_exists(base)):
        return None
    info: dict[str, Any] = json.loads(sidecar.read_text(encoding="utf-8"))
    same = info.get("scale") == _scale(args) and info.get("now") == args.now.isoformat()
    return info if same else None


def _timed_sweep(engine: Engine, url: str, at: datetime) -> tuple[float, SweepReport]:
    ctx = _context(engine, url, at)
    started = time.perf_counter()
    report = sweep(ctx)
    return time.perf_counter() - started, report


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def idle(engine: Engine, url: str, at: datetime, runs: int, phases: Phases) -> dict[str, Any]:
    """One warm-up sweep (captures each phase's SELECT), then `runs` timed sweeps."""
    with capture_selects(engine, phases) as selects:
        first_s, first = _timed_sweep(engine, url, at)
    times, per_phase, worked = [], [], any(first.as_dict().values())
    for _ in range(runs):
        phases.reset()
        seconds, report = _timed_sweep(engine, url, at)
        times.append(seconds * 1000)
        per_phase.append({p: phases.seconds[p] * 1000 for p in PATCHED})
        worked = worked or any(report.as_dict().values())
    sqlite = engine.dialect.name == "sqlite"
    plans = {}
    for phase, (statement, parameters) in selects.items():
        lines = explain(engine, statement, parameters)
        plans[phase] = {
            "function": SOURCE[phase],
            "sql": dialect_sql(statement),
            "plan": lines,
            "summary": summary(lines, sqlite=sqlite),
        }
    return {
        "at": at.isoformat(),
        "warm_up_ms": round(first_s * 1000, 2),
        "runs": runs,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(_percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
        "phase_median_ms": {
            p: round(statistics.median(r[p] for r in per_phase), 2) for p in PATCHED
        },
        "found_work": worked,
        "plans": plans,
    }


def arrange_due(engine: Engine, at: datetime, count: int) -> int:
    """Make `count` obligations (the first upcoming one of `count` contracts, none ever
    reminded) fall due today, so that at `at` a reminder step has come for each: due date
    moved to today, window moved with it, cursor before their first step, status check now.
    One executemany UPDATE; nothing else in the portfolio is touched."""
    o = table_of(Obligation)
    firsts = (
        select(func.min(o.c.id))
        .where(o.c.status == "upcoming", o.c.escalation_level == 0, o.c.next_reminder_at > at)
        .group_by(o.c.contract_id)
    )
    today = at.date()
    with write_session(engine) as session:
        rows = session.execute(
            select(o.c.id, o.c.due_on, o.c.window_opens_on)
            .where(o.c.id.in_(firsts))
            .order_by(o.c.id)
            .limit(count)
        ).all()
        changes = [_moved(oid, due_on, window, today, at) for oid, due_on, window in rows]
        stmt = update(o).where(o.c.id == bindparam("b_id"))
        session.execute(
            stmt.values(
                due_on=bindparam("b_due_on"),
                window_opens_on=bindparam("b_window"),
                next_reminder_at=bindparam("b_cursor"),
                next_status_at=bindparam("b_status_at"),
            ),
            changes,
        )
    return len(changes)


def _moved(oid: int, due_on: date, window: date, today: date, at: datetime) -> dict[str, Any]:
    new_window = today - (due_on - window)
    cursor = datetime.combine(new_window, clock_time(0), tzinfo=UTC) - timedelta(days=1)
    return {
        "b_id": oid,
        "b_due_on": today,
        "b_window": new_window,
        "b_cursor": cursor,
        "b_status_at": at,
    }


def _count(engine: Engine, table: str) -> int:
    with read_session(engine) as session:
        return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def busy(
    engine: Engine,
    url: str,
    at: datetime,
    count: int,
    phases: Phases,
    *,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Make `count` obligations due, then time one sweep: wall, and CPU of this process
    plus the database server's backends (PostgreSQL, read from /proc), optionally under
    cProfile (then the seconds are the profiler's, not a measurement)."""
    arranged = arrange_due(engine, at, count)
    reminders, messages = _count(engine, "reminder"), _count(engine, "outbox_message")
    baseline = peak_mb()
    phases.reset()
    server_before = _backend_cpu(engine)
    client_before = _client_cpu()
    # CPU time, not wall: on a shared machine wall time charges others' work to us.
    profiler = cProfile.Profile(time.process_time) if profile is not None else None
    if profiler is not None:
        profiler.enable()
    seconds, report = _timed_sweep(engine, url, at)
    if profiler is not None:
        profiler.disable()
    client = _client_cpu() - client_before
    server = sum(cpu - server_before.get(pid, 0.0) for pid, cpu in _backend_cpu(engine).items())
    peak = peak_mb()
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
    return {
        "at": at.isoformat(),
        "arranged": arranged,
        "seconds": round(seconds, 2),
        "client_cpu_seconds": round(client, 2),
        "server_cpu_seconds": round(server, 2),
        "cpu_seconds": round(client + server, 2),
        "profiled": profile is not None,
        "report": report.as_dict(),
        "reminder_rows": _count(engine, "reminder") - reminders,
        "messages": _count(engine, "outbox_message") - messages,
        "phase_seconds": {p: round(phases.seconds[p], 2) for p in PATCHED},
        "phase_calls": dict(phases.calls),
        "baseline_mb": round(baseline, 1),
        "peak_mb": round(peak, 1),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    work, base = databases(args.database_url)
    revision = _revision()  # tracker/ may change while this runs: what was imported
    started = time.perf_counter()
    info = _prepared(args, base)
    reused = info is not None
    if info is None:
        child = [sys.executable, "-m", "bench.sweep", *args.argv, "--prepare-only"]
        subprocess.run(child, check=True, cwd=Path(__file__).resolve().parent.parent)
        info = json.loads(_sidecar(base).read_text(encoding="utf-8"))
    clone_database(base, work)
    upgrade(work)  # a base prepared before the latest migration measures the current schema
    setup_s = time.perf_counter() - started
    load_before = os.getloadavg()[0]
    engine = make_engine(work)
    try:
        with Phases() as phases:
            idle_result = idle(engine, work, args.now + timedelta(seconds=1), args.runs, phases)
            busy_result = busy(
                engine,
                work,
                args.now + timedelta(seconds=2),
                args.reminders,
                phases,
                profile=args.profile,
            )
        obligations = _count(engine, table_of(Obligation).name)
        server = _server(engine)
    finally:
        engine.dispose()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": server,
        "revision": revision,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "prepared": {**info, "reused": reused, "setup_seconds_this_run": round(setup_s, 1)},
        "obligations": obligations,
        "idle": idle_result,
        "busy": busy_result,
        "meets_target": idle_result["p95_ms"] <= TARGET_IDLE_MS
        and busy_result["cpu_seconds"] <= TARGET_BUSY_CPU_SECONDS,
    }


def table(result: dict[str, Any]) -> str:
    s, i, b = result["prepared"]["scale"], result["idle"], result["busy"]
    prep = result["prepared"]
    rows = [
        ("engine", result["engine"]),
        ("revision", result["revision"]),
        ("scale", f"{s['suppliers']:,} suppliers, {s['contracts']:,} contracts x "
         f"{s['clauses_per_contract']}, {result['obligations']:,} obligations"),
        ("prepared", f"plan {prep['plan_seconds']} s, catch-up sweep {prep['catch_up_seconds']} s"
         f" ({prep['catch_up']['obligations_reminded']:,} reminded, "
         f"{prep['catch_up']['messages_composed']:,} messages)"
         + (" [reused]" if prep["reused"] else "")),
        ("nothing due", f"median {i['median_ms']} ms, p95 {i['p95_ms']} ms, max {i['max_ms']} ms"
         f" over {i['runs']} runs (warm-up {i['warm_up_ms']} ms; target <= "
         f"{TARGET_IDLE_MS:.0f} ms){' FOUND WORK' if i['found_work'] else ''}"),
        ("  by phase", ", ".join(f"{k} {v} ms" for k, v in i["phase_median_ms"].items())),
        ("10k due", f"CPU {b['cpu_seconds']} s (client {b['client_cpu_seconds']} + server "
         f"{b['server_cpu_seconds']}; target <= {TARGET_BUSY_CPU_SECONDS:.0f} s), wall "
         f"{b['seconds']} s{' UNDER cProfile' if b['profiled'] else ''}: "
         f"{b['report']['obligations_reminded']:,} obligations reminded, "
         f"{b['reminder_rows']:,} reminder rows, {b['messages']:,} messages"),
        ("  by phase", ", ".join(f"{k} {v} s" for k, v in b["phase_seconds"].items())),
        ("  memory", f"peak {b['peak_mb']} MB (before the sweep {b['baseline_mb']} MB)"),
        ("load (1 min)", "{} before, {} after (other processes share the 2 cores)".format(
            *result["load_average_1min"])),
        ("target met", "yes" if result["meets_target"] else "NO"),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    for found in i["plans"].values():
        lines.append(f"EXPLAIN {found['function']}: {found['summary']}")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__.split("\n")[0])
    p.add_argument("--suppliers", type=int, default=10_000)
    p.add_argument("--contracts", type=int, default=50_000)
    p.add_argument("--clauses-per-contract", type=int, default=10)
    p.add_argument("--database-url", default=None, help="default: bench/out/sweep.db")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--now", type=parse_now, default=parse_now(DEFAULT_NOW))
    p.add_argument("--runs", type=int, default=20, help="timed sweeps with nothing due")
    p.add_argument("--reminders", type=int, default=10_000, help="obligations made due")
    p.add_argument("--reuse", action="store_true", help="reuse a prepared base database")
    p.add_argument("--json", type=Path, default=None)
    p.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write a cProfile of the 10k-due sweep here (its times are then not a measurement)",
    )
    p.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    args.argv = [a for a in argv if a != "--reuse"]
    if args.smoke:
        apply_smoke(args, suppliers=20, contracts=100, clauses_per_contract=4, runs=3, reminders=20)
        args.reuse = False
    args.database_url = args.database_url or sqlite_url("sweep.db")
    if args.prepare_only:
        prepare(args, databases(args.database_url)[1])
        return
    result = run(args)
    print(table(result))
    for found in result["idle"]["plans"].values():
        print(f"\n{found['function']}:\n  {found['sql']}\n  " + "\n  ".join(found["plan"]))
    engine = "sqlite" if _is_sqlite(args.database_url) else "postgresql"
    path = args.json or OUT / f"{named('sweep-' + engine)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")
    if args.smoke:
        _check(result)


def _check(result: dict[str, Any]) -> None:
    catch_up, idle_result, b = result["prepared"]["catch_up"], result["idle"], result["busy"]
    check(catch_up["obligations_reminded"] > 0, "the catch-up sweep reminded the overdue")
    check(catch_up["messages_composed"] > 0, "and composed messages for them")
    check(not idle_result["found_work"], "the sweeps after it found nothing due")
    check(b["arranged"] > 0, f"{b['arranged']} obligations were made due")
    check(
        b["report"]["obligations_reminded"] == b["arranged"] and b["messages"] > 0,
        "the busy sweep reminded each of them and composed messages",
    )


if __name__ == "__main__":
    main()
