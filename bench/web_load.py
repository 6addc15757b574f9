"""Load the web app with simulated users browsing the generated 50,000-contract portfolio.

    python -m bench.web_load [--database-url URL] [--users 20] [--seconds 60]
        [--think-ms 0] [--workers 1] [--suppliers 10000] [--contracts 50000]
        [--clauses-per-contract 10] [--seed 42] [--now 2026-05-01T09:00:00Z]
        [--rebuild] [--json PATH]

The portfolio is the one `bench.report` prepares (generated, planned, with evidence,
reviews and findings); it is made once and copied to `bench/out/web.db` (PostgreSQL:
`bench_web`) for each run, so the sign-ins written here never reach it. Then a real
`tracker serve` subprocess serves that copy, and `--users` asyncio clients (httpx), each
signed in with its own account, browse in turn: dashboard, contract list, contract,
obligation, supplier list, supplier. Reported per page: requests, median, p95 and max
latency; and the peak resident memory of the server's process tree (sampled from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.databases import OUT, beside, clone_database, named, parse_now, sqlite_url
from bench.materialise import _revision, _server
from bench.report import DEFAULT_NOW, _context, _prepared, target_url
from bench.smoke import add_smoke, apply_smoke, check
from tracker.db import make_engine
from tracker.migrate import upgrade
from tracker.people import add_user

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("dashboard", "contract list", "contract", "obligation", "supplier list", "supplier")
TARGET_P95_MS = 300.0
TARGET_PEAK_MB = 500.0
PG_DATABASE = "bench_web"
PASSWORD = "bench-load-password-1"  # a throwaway account on a benchmark copy
# Who browses: the dashboard of an admin, reviewer or viewer covers the whole portfolio;
# a manager's covers the contracts they manage.
ROLES = ("manager", "admin", "manager", "reviewer", "viewer")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# Preparation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    references: list[str]
    obligations: list[int]
    suppliers: list[int]
    managers: list[str]
    statuses: list[str]


def _report_args(args: argparse.Namespace, url: str) -> list[str]:
    if args.smoke:
        return ["--smoke", "--database-url", url]
    return [
        "--suppliers", str(args.suppliers),
        "--contracts", str(args.contracts),
        "--clauses-per-contract", str(args.clauses_per_contract),
        "--seed", str(args.seed),
        "--now", args.now.isoformat(),
        "--database-url", url,
    ]  # fmt: skip


def prepare(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The database served: a fresh copy of the report benchmark's portfolio (made first if
    it is missing or was made at another scale), with one account per simulated user."""
    base_arg = args.database_url
    base = target_url(base_arg)
    info = None if args.rebuild or args.smoke else _prepared(args, base)
    if info is None:
        child = [
            sys.executable,
            "-m",
            "bench.report",
            "--prepare-only",
            *_report_args(args, base_arg),
        ]
        if args.rebuild:
            child.append("--rebuild")
        subprocess.run(child, check=True, cwd=ROOT)
        info = _prepared(args, base) or {}
    served = sqlite_url("web.db") if _is_sqlite(base) else beside(base, PG_DATABASE)
    started = time.perf_counter()
    clone_database(base, served)
    copy_s = time.perf_counter() - started
    started = time.perf_counter()
    upgrade(served)  # this revision's schema and indexes on a copy made by an older one
    upgrade_s = time.perf_counter() - started
    return served, {
        **info,
        "copy_seconds": round(copy_s, 1),
        "upgrade_seconds": round(upgrade_s, 1),
    }


def sample(url: str, now: datetime, seed: int, size: int = 500) -> Sample:
    """References, obligation and supplier ids to visit, spread over the whole portfolio."""
    rng = random.Random(seed)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            low, high = conn.execute(text("SELECT min(id), max(id) FROM contract")).one()
            ids = sorted({rng.randint(low, high) for _ in range(size)})
            references = list(
                conn.execute(
                    text("SELECT reference FROM contract WHERE id IN :ids").bindparams(
                        _expanding("ids", ids)
                    )
                ).scalars()
            )
            low, high = conn.execute(text("SELECT min(id), max(id) FROM obligation")).one()
            ids = sorted({rng.randint(low, high) for _ in range(size)})
            obligations = list(
                conn.execute(
                    text("SELECT id FROM obligation WHERE id IN :ids").bindparams(
                        _expanding("ids", ids)
                    )
                ).scalars()
            )
            low, high = conn.execute(text("SELECT min(id), max(id) FROM supplier")).one()
            ids = sorted({rng.randint(low, high) for _ in range(size)})
            suppliers = list(
                conn.execute(
                    text("SELECT id FROM supplier WHERE id IN :ids").bindparams(
                        _expanding("ids", ids)
                    )
                ).scalars()
            )
            managers = list(
                conn.execute(
                    text(
                        "SELECT DISTINCT manager_email FROM contract "
                        "WHERE manager_email IS NOT NULL ORDER BY manager_email"
                    )
                ).scalars()
            )
            statuses = list(conn.execute(text("SELECT DISTINCT status FROM contract")).scalars())
    finally:
        engine.dispose()
    return Sample(references, obligations, suppliers, managers, sorted(statuses))


def _expanding(name: str, values: list[int]) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name, value=values, expanding=True)


def accounts(url: str, now: datetime, users: int, managers: list[str]) -> list[str]:
    """One account per simulated user (through the same use case as `tracker user add`);
    a manager account takes the address of a manager of the generated contracts."""
    engine = make_engine(url)
    ctx = _context(engine, url, now)
    rng = random.Random(7)
    emails = []
    try:
        for i in range(users):
            role = ROLES[i % len(ROLES)]
            if role == "manager" and managers:
                email = rng.choice(managers)
                while email in emails:
                    email = rng.choice(managers)
            else:
                email = f"bench.{role}.{i}@example.com"
            add_user(ctx, email=email, role=role, password=PASSWORD)
            emails.append(email)
    finally:
        engine.dispose()
    return emails


# The server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """`pid` and every process descended from it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class MemoryWatch:
    """Samples the resident memory of a process tree every 0.2 s, keeping the peak."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.last = pid, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.last = _rss_mb(_tree(self.pid))
            self.peak = max(self.peak, self.last)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def start_server(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": url,
        "TRACKER_SECRET_KEY": "bench-web-load-secret-key-not-for-production",
        "TRACKER_TIMEZONE": "Europe/Berlin",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "tracker", "serve", "--no-worker", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    handle = log.open("wb")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"tracker serve stopped with exit code {server.returncode}")
        try:
            httpx.get(f"{base}/healthz", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"tracker serve did not answer at {base} within {timeout:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# The simulated users --------------------------------------------------------------------


@dataclass
class Tally:
    seconds: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PAGES})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PAGES, 0))
    error_samples: list[str] = field(default_factory=list)


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    form = await client.get("/sign-in")
    found = CSRF.search(form.text)
    if found is None:
        raise SystemExit("the sign-in page has no csrf_token field")
    answer = await client.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, "csrf_token": found.group(1), "next": "/"},
    )
    if answer.status_code != 303:
        raise SystemExit(f"sign-in of {email} answered {answer.status_code}")


def _address(page: str, rng: random.Random, s: Sample) -> str:
    if page == "dashboard":
        return "/"
    if page == "contract list":
        draw = rng.random()
        if draw < 0.5:
            return f"/contracts?page={rng.randint(1, 2000)}"
        if draw < 0.75:
            return f"/contracts?status={rng.choice(s.statuses)}&page={rng.randint(1, 20)}"
        return f"/contracts?q={rng.choice(s.references)[-4:]}"
    if page == "contract":
        return f"/contracts/{rng.choice(s.references)}"
    if page == "obligation":
        return f"/obligations/{rng.choice(s.obligations)}"
    if page == "supplier list":
        return "/suppliers"
    return f"/suppliers/{rng.choice(s.suppliers)}"


async def browse(
    client: httpx.AsyncClient,
    s: Sample,
    tally: Tally | None,
    *,
    until: float,
    think: float,
    seed: int,
) -> None:
    """Visit pages in turn until `until`; `tally` None is a warm-up that records nothing."""
    rng = random.Random(seed)
    step = rng.randrange(len(PAGES))
    while time.monotonic() < until:
        page = PAGES[step % len(PAGES)]
        step += 1
        address = _address(page, rng, s)
        started = time.perf_counter()
        answer = await client.get(address)
        await answer.aread()
        seconds = time.perf_counter() - started
        if tally is None:
            continue
        if answer.status_code == 200:
            tally.seconds[page].append(seconds)
        else:
            tally.errors[page] += 1
            if len(tally.error_samples) < 10:
                tally.error_samples.append(f"{answer.status_code} {address}")
        if think:
            await asyncio.sleep(rng.expovariate(1 / think))


async def _signed_in(client: httpx.AsyncClient, email: str) -> float:
    started = time.perf_counter()
    await sign_in(client, email)
    return time.perf_counter() - started


async def load(
    base: str, emails: list[str], s: Sample, *, seconds: float, think: float, warm: float
) -> tuple[Tally, list[float]]:
    """Everyone signs in at once (timed apart), then browses for `seconds`."""
    tally = Tally()
    clients = [
        httpx.AsyncClient(base_url=base, timeout=120, follow_redirects=False) for _ in emails
    ]
    try:
        sign_ins = await asyncio.gather(
            *(_signed_in(c, e) for c, e in zip(clients, emails, strict=True))
        )
        if warm:
            until = time.monotonic() + warm
            await asyncio.gather(
                *(browse(c, s, None, until=until, think=0, seed=100 + i)
                  for i, c in enumerate(clients[:2]))
            )  # fmt: skip
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(browse(c, s, tally, until=until, think=think, seed=i) for i, c in enumerate(clients))
        )
    finally:
        for c in clients:
            await c.aclose()
    return tally, list(sign_ins)


def _percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, -(-int(share * len(ordered) * 1000) // 1000) - 1)]


def per_page(tally: Tally) -> dict[str, dict[str, Any]]:
    result = {}
    for page in PAGES:
        seconds = tally.seconds[page]
        ms = [s * 1000 for s in seconds]
        result[page] = {
            "requests": len(ms),
            "errors": tally.errors[page],
            "median_ms": round(statistics.median(ms), 1) if ms else None,
            "p95_ms": round(_percentile(ms, 0.95), 1) if ms else None,
            "max_ms": round(max(ms), 1) if ms else None,
        }
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    url, prepared = prepare(args)
    s = sample(url, args.now, args.seed)
    emails = accounts(url, args.now, args.users, s.managers)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    engine = make_engine(url)
    try:
        server_name = _server(engine)
    finally:
        engine.dispose()
    log = OUT / f"{named('web-server')}.log"
    server = start_server(url, port, args.workers, log)
    try:
        wait_until_up(base, server)
        idle_mb = _rss_mb(_tree(server.pid))
        load_before = os.getloadavg()[0]
        with MemoryWatch(server.pid) as memory:
            started = time.perf_counter()
            tally, sign_ins = asyncio.run(
                load(
                    base,
                    emails,
                    s,
                    seconds=args.seconds,
                    think=args.think_ms / 1000,
                    warm=args.warm_seconds,
                )
            )
            wall = time.perf_counter() - started - max(sign_ins) - args.warm_seconds
        load_after = os.getloadavg()[0]
    finally:
        stop_server(server)
    pages = per_page(tally)
    total = sum(p["requests"] for p in pages.values())
    peak = round(max(memory.peak, idle_mb), 1)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": server_name,
        "revision": _revision(),
        "prepared": prepared,
        "users": args.users,
        "seconds": args.seconds,
        "think_ms": args.think_ms,
        "workers": args.workers,
        "requests": total,
        "requests_per_second": round(total / wall, 1),
        "sign_in_seconds": {
            "median": round(statistics.median(sign_ins), 2),
            "max": round(max(sign_ins), 2),
        },
        "pages": pages,
        "error_samples": tally.error_samples,
        "server_memory_mb": {"idle": round(idle_mb, 1), "peak": peak},
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        "meets_target": all(
            p["p95_ms"] is not None and p["p95_ms"] <= TARGET_P95_MS and not p["errors"]
            for p in pages.values()
        )
        and peak <= TARGET_PEAK_MB,
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['engine']}, revision {result['revision']}: {result['users']} users for "
        f"{result['seconds']} s, think time {result['think_ms']} ms, "
        f"{result['workers']} server process(es)",
        f"{'page':<14} {'requests':>8} {'errors':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}",
    ]
    for page, p in result["pages"].items():
        lines.append(
            f"{page:<14} {p['requests']:>8} {p['errors']:>6} {p['median_ms'] or '-':>10} "
            f"{p['p95_ms'] or '-':>8} {p['max_ms'] or '-':>8}"
        )
    mem = result["server_memory_mb"]
    lines += [
        f"{result['users']} sign-ins at once: median {result['sign_in_seconds']['median']} s, "
        f"max {result['sign_in_seconds']['max']} s (not in the page figures)",
        f"requests/s {result['requests_per_second']}; server RSS idle {mem['idle']} MB, "
        f"peak {mem['peak']} MB (target <= {TARGET_PEAK_MB:.0f} MB)",
        "load (1 min) {} before, {} after".format(*result["load_average_1min"]),
        f"target p95 <= {TARGET_P95_MS:.0f} ms per page met: "
        f"{'yes' if result['meets_target'] else 'NO'}",
    ]
    lines += [f"error: {e}" for e in result["error_samples"]]
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.web_load", description=__doc__.split("\n")[0])
    p.add_argument("--suppliers", type=int, default=10_000)
    p.add_argument("--contracts", type=int, default=50_000)
    p.add_argument("--clauses-per-contract", type=int, default=10)
    p.add_argument(
        "--database-url",
        default=None,
        help="where the portfolio is prepared (default: bench/out/report.db; PostgreSQL: "
        "the database bench_report next to the one named). Each run serves a copy",
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--now", type=parse_now, default=parse_now(DEFAULT_NOW))
    p.add_argument("--users", type=int, default=20, help="simulated users browsing at once")
    p.add_argument("--seconds", type=float, default=60, help="how long they browse")
    p.add_argument(
        "--think-ms",
        type=float,
        default=0,
        help="mean pause between a user's pages (exponential; 0: none, the worst case)",
    )
    p.add_argument("--warm-seconds", type=float, default=5, help="unmeasured warm-up")
    p.add_argument("--workers", type=int, default=1, help="server processes (tracker serve)")
    p.add_argument("--rebuild", action="store_true", help="prepare the portfolio again")
    p.add_argument("--json", type=Path, default=None)
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.smoke:
        apply_smoke(
            args,
            suppliers=20,
            contracts=100,
            clauses_per_contract=4,
            users=4,
            seconds=2.0,
            warm_seconds=0.5,
        )
    for name in ("users", "workers"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name} must be at least 1")
    if args.seconds <= 0 or args.think_ms < 0 or args.warm_seconds < 0:
        raise SystemExit("--seconds must be positive, --think-ms and --warm-seconds not negative")
    args.database_url = args.database_url or sqlite_url("report.db")
    OUT.mkdir(parents=True, exist_ok=True)
    result = run(args)
    print(table(result))
    engine = "sqlite" if _is_sqlite(args.database_url) else "postgresql"
    path = args.json or OUT / f"{named('web-' + engine)}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")
    if args.smoke:
        for page, p in result["pages"].items():
            check(p["requests"] > 0 and p["errors"] == 0, f"{page}: answered 200 every time")


if __name__ == "__main__":
    main()
