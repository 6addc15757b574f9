"""Relay throughput against a local SMTP sink: a bare aiosmtplib loop vs `tracker relay`.

    python -m bench.relay [--messages 2000] [--repeat 5] [--database-url URL ...] [--profile]

Both send the same prebuilt messages to an aiosmtpd sink, one connection per loop (the
relay: one per batch of `RELAY_BATCH`). The relay reads them from N pending outbox rows in
a fresh database and records every attempt, as in production. Bare and relay runs
alternate in each repetition; each run's wall time and CPU time (this process, plus the
PostgreSQL server processes that served the relay) are compared.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import aiosmtplib
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from bench.databases import OUT, fresh_database, named, sqlite_url
from bench.mailsink import SENDER, Prebuilt, Sink, build_messages, running_sink
from bench.materialise import _revision, _server
from bench.smoke import add_smoke, apply_smoke, check
from tracker.config import Settings
from tracker.context import Context
from tracker.db import get_engine, make_engine
from tracker.mail import smtp
from tracker.mail.transport import DeliveryResult, Envelope, Transport
from tracker.migrate import upgrade
from tracker.models import OutboxMessage, OutboxStatus, table_of
from tracker.reminders import passes as ticks

TARGET_RATIO = 0.90
PG_RELAY = "bench_relay"
TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu() -> float:
    """CPU seconds of this process so far, every thread (the sink's too, when it runs in a
    thread: the bare loop pays for it alike)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _server_cpu(engine: Engine) -> float:
    """CPU seconds of the PostgreSQL server processes connected to the benchmark database
    other than the one asking, read from /proc (the server is local). The relay's engine
    is fresh, so they are the ones it opened; 0 on SQLite."""
    if engine.dialect.name != "postgresql":
        return 0.0
    total = 0.0
    # Asked over a connection of its own: one from the relay's pool would leave itself out.
    asking = create_engine(engine.url, poolclass=NullPool)
    with asking.connect() as conn:
        pids = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / TICK
    asking.dispose()
    return total


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float  # this process
    server_cpu: float = 0.0  # PostgreSQL backends


async def _bare(sink: Sink, messages: list[Prebuilt]) -> None:
    smtp = aiosmtplib.SMTP(
        hostname=sink.host, port=sink.port, use_tls=False, start_tls=False, timeout=30.0
    )
    await smtp.connect()
    for m in messages:
        await smtp.sendmail(SENDER, [m.recipient], m.raw)
    await smtp.quit()


def bare(sink: Sink, messages: list[Prebuilt]) -> Run:
    """Wall and CPU seconds for one aiosmtplib connection to send every message."""
    before = sink.handler.count
    cpu = _process_cpu()
    started = time.perf_counter()
    asyncio.run(_bare(sink, messages))
    seconds = time.perf_counter() - started
    cpu = _process_cpu() - cpu
    assert sink.handler.count - before == len(messages), "the sink missed messages"
    return Run(seconds, cpu)


def load_outbox(url: str, messages: list[Prebuilt], now: datetime) -> str:
    """A fresh database holding one pending outbox row per message, as the composer
    leaves them, due a minute ago. Returns the database URL."""
    url = fresh_database(url, name=PG_RELAY)
    upgrade(url)
    # Alembic runs on tracker's cached engine: close its pooled connection, or the next
    # fresh database is dropped under it (PostgreSQL refuses; SQLite keeps the old file).
    get_engine(url).dispose()
    rows = [
        {
            "group_key": m.group_key,
            "message_id": m.message_id,
            "kind": "overdue",
            "contract_id": None,
            "sender": SENDER,
            "recipients": [m.recipient],
            "pending_recipients": [m.recipient],
            "subject": m.subject,
            "raw": m.raw,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now - timedelta(minutes=1),
            "notify_on_failure": True,
            "created_at": now,
        }
        for m in messages
    ]
    engine = make_engine(url)
    with Session(engine) as session:
        session.execute(insert(table_of(OutboxMessage)), rows)
        session.commit()
    engine.dispose()
    return url


class Timings:
    """Where the relay's time goes: `claim` transactions (event-loop thread), SMTP sends,
    and `save` transactions (each in a worker thread, overlapping the next send).
    Patches `ticks.write_session` in this process only; optionally profiles the saves."""

    def __init__(self, profile_threads: bool = False) -> None:
        self.seconds: dict[str, float] = {"claim": 0.0, "send": 0.0, "save": 0.0}
        self.calls: dict[str, int] = {"claim": 0, "send": 0, "save": 0}
        self.thread_profile = cProfile.Profile() if profile_threads else None
        self._original: Any = None

    def add(self, part: str, seconds: float) -> None:
        self.seconds[part] += seconds
        self.calls[part] += 1

    def _session(self, engine: Any) -> AbstractContextManager[Session]:
        original = self._original

        @contextmanager
        def timed() -> Iterator[Session]:
            in_main = threading.current_thread() is threading.main_thread()
            profile = None if in_main else self.thread_profile
            started = time.perf_counter()
            if profile is not None:
                profile.enable()
            try:
                with original(engine) as session:
                    yield session
            finally:
                if profile is not None:
                    profile.disable()
                self.add("claim" if in_main else "save", time.perf_counter() - started)

        return timed()

    def __enter__(self) -> Timings:
        self._original = getattr(ticks, "write_session")  # noqa: B009
        setattr(ticks, "write_session", self._session)  # noqa: B010
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(ticks, "write_session", self._original)  # noqa: B010


def smtp_transport(host: str, port: int) -> Transport:
    """The tracker's SMTP transport: no TLS, 30 s timeout. Its constructor is being
    reworked; both the `SmtpConfig` form and the keyword form are accepted."""
    transport_class: Any = smtp.SmtpTransport
    config_class: Any = getattr(smtp, "SmtpConfig", None)
    if config_class is not None:
        return cast(Transport, transport_class(config_class(host, port, None, None, "none", 30.0)))
    return cast(Transport, transport_class(host, port, tls="none", timeout=30.0))


class TimedTransport:
    """Delegates to the tracker's transport and adds up the time spent in `send`."""

    def __init__(self, inner: Transport, timings: Timings) -> None:
        self.inner = inner
        self.timings = timings

    async def __aenter__(self) -> TimedTransport:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    def describe(self) -> str:
        return self.inner.describe()

    async def send(self, envelope: Envelope) -> DeliveryResult:
        started = time.perf_counter()
        try:
            return await self.inner.send(envelope)
        finally:
            self.timings.add("send", time.perf_counter() - started)


def tracker_relay(
    url: str, sink: Sink, count: int, timings: Timings
) -> tuple[Run, ticks.RelayReport]:
    """Wall and CPU seconds for `tracker.reminders.passes.relay` to send every pending
    message."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    ctx = Context(settings=Settings(database_url=url), engine=engine, now=now, actor="bench")

    def factory() -> Transport:
        return TimedTransport(smtp_transport(sink.host, sink.port), timings)

    before = sink.handler.count
    try:
        with timings:
            cpu = _process_cpu()
            started = time.perf_counter()
            report = ticks.relay(ctx, factory)
            seconds = time.perf_counter() - started
            cpu = _process_cpu() - cpu
        server = _server_cpu(engine)
    finally:
        engine.dispose()
    assert report.sent == count, f"relay sent {report.sent} of {count}: {report}"
    assert sink.handler.count - before == count, "the sink missed messages"
    return Run(seconds, cpu, server), report


def _profiled(url: str, sink: Sink, messages: list[Prebuilt], top: int) -> dict[str, str]:
    """One more relay run under cProfile: the event-loop thread and the save threads."""
    url = load_outbox(url, messages, datetime.now(UTC))
    timings = Timings(profile_threads=True)
    main = cProfile.Profile()
    main.enable()
    tracker_relay(url, sink, len(messages), timings)
    main.disable()
    found = {}
    for name, prof in (("event loop thread", main), ("save threads", timings.thread_profile)):
        out = io.StringIO()
        assert prof is not None
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
        found[name] = out.getvalue()
    return found


def _median(runs: list[Run], part: str) -> float:
    return float(statistics.median(getattr(r, part) for r in runs))


def run(args: argparse.Namespace) -> dict[str, Any]:
    revision = _revision()  # tracker/ may change while this runs: what was imported
    messages = build_messages(args.messages, datetime.now(UTC).date())
    size = statistics.mean(len(m.raw) for m in messages)
    load_before = os.getloadavg()[0]
    bares: list[Run] = []
    relays: dict[str, dict[str, Any]] = {}
    with running_sink(args.sink) as sink:
        bare(sink, messages[:50])  # warm-up: imports, first connection
        for _ in range(args.repeat):
            # A/B interleaved: a bare run before each engine's relay run, so the
            # machine's drift touches both loops alike.
            for url in args.database_url:
                url_used = load_outbox(url, messages, datetime.now(UTC))
                entry = relays.setdefault(url_used, {"bare": [], "relay": [], "timings": []})
                entry["bare"].append(bare(sink, messages))
                timings = Timings()
                measured, report = tracker_relay(url_used, sink, len(messages), timings)
                entry["relay"].append(measured)
                entry["timings"].append({k: round(v, 3) for k, v in timings.seconds.items()})
                entry["report"] = report.as_dict()
                bares.append(entry["bare"][-1])
        profiles = (
            {url: _profiled(url, sink, messages, args.top) for url in args.database_url}
            if args.profile
            else {}
        )
    results = []
    for url, entry in relays.items():
        engine = make_engine(url)
        server = _server(engine)
        engine.dispose()
        pairs: list[tuple[Run, Run]] = list(zip(entry["bare"], entry["relay"], strict=True))
        relay_cpu = [r.cpu + r.server_cpu for r in entry["relay"]]
        with_server = [b.cpu / c for (b, _), c in zip(pairs, relay_cpu, strict=True)]
        results.append(
            {
                "engine": server,
                "bare_seconds": [round(b.wall, 3) for b in entry["bare"]],
                "bare_cpu_seconds": [round(b.cpu, 3) for b in entry["bare"]],
                "seconds": [round(r.wall, 3) for r in entry["relay"]],
                "cpu_seconds": [round(r.cpu, 3) for r in entry["relay"]],
                "server_cpu_seconds": [round(r.server_cpu, 3) for r in entry["relay"]],
                "bare_messages_per_second": round(args.messages / _median(entry["bare"], "wall")),
                "messages_per_second": round(args.messages / _median(entry["relay"], "wall")),
                # Per repetition, bare over relay (1.0: as fast / as frugal as the bare
                # loop); the figure is the median of the repetitions' ratios.
                "wall_ratios": [round(b.wall / r.wall, 3) for b, r in pairs],
                "cpu_ratios": [round(b.cpu / r.cpu, 3) for b, r in pairs],
                "cpu_ratios_with_server": [round(x, 3) for x in with_server],
                "ratio": round(statistics.median(b.wall / r.wall for b, r in pairs), 3),
                "cpu_ratio": round(statistics.median(b.cpu / r.cpu for b, r in pairs), 3),
                "cpu_ratio_with_server": round(statistics.median(with_server), 3),
                "timings": entry["timings"],
                "report": entry["report"],
            }
        )
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "revision": revision,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "sink": args.sink,
        "messages": args.messages,
        "mean_message_bytes": round(size),
        "bare_seconds": [round(b.wall, 3) for b in bares],
        "bare_messages_per_second": round(args.messages / _median(bares, "wall")),
        "relay": results,
        "profiles": profiles,
    }


def table(result: dict[str, Any]) -> str:
    repeats = len(result["relay"][0]["seconds"]) if result["relay"] else 0
    lines = [
        f"revision {result['revision']}; {result['messages']:,} messages of "
        f"{result['mean_message_bytes']:,} bytes; SMTP sink in a {result['sink']}; "
        f"median of {repeats} runs, bare and relay alternating; load average "
        "{} before, {} after".format(*result["load_average_1min"]),
    ]
    for r in result["relay"]:
        met = "met" if r["ratio"] >= TARGET_RATIO else "MISSED"
        server = (
            f", with the server's {r['cpu_ratio_with_server']:.1%}"
            if any(r["server_cpu_seconds"])
            else ""
        )
        lines += [
            f"{r['engine']}",
            f"    bare aiosmtplib loop {r['bare_messages_per_second']:>6,} msg/s  "
            f"(wall {r['bare_seconds']} s; CPU {r['bare_cpu_seconds']} s)",
            f"    tracker relay        {r['messages_per_second']:>6,} msg/s  "
            f"(wall {r['seconds']} s; CPU {r['cpu_seconds']} s; "
            f"server CPU {r['server_cpu_seconds']} s)",
            f"    wall ratio {r['ratio']:.1%} (target >= {TARGET_RATIO:.0%}: {met}; "
            f"runs {r['wall_ratios']})",
            f"    CPU ratio  {r['cpu_ratio']:.1%} (this process{server}; runs {r['cpu_ratios']})",
        ]
        last = r["timings"][-1]
        lines.append(
            f"    last run: claim {last['claim']} s, SMTP sends {last['send']} s, "
            f"saves {last['save']} s (in threads, overlapping the sends)"
        )
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.relay", description=__doc__.split("\n")[0])
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument(
        "--database-url",
        action="append",
        default=None,
        help="repeatable; default: bench/out/relay.db (PostgreSQL: database bench_relay)",
    )
    p.add_argument(
        "--sink",
        choices=("thread", "process"),
        default="thread",
        help="run the SMTP sink in a thread of this process (default) or a child process",
    )
    p.add_argument("--profile", action="store_true", help="one more cProfiled relay run")
    p.add_argument("--top", type=int, default=25, help="profile lines to print")
    p.add_argument("--json", type=Path, default=None, help="default: bench/out/relay.json")
    add_smoke(p)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.smoke:
        apply_smoke(args, messages=60, repeat=1)
    args.json = args.json or OUT / f"{named('relay')}.json"
    args.database_url = args.database_url or [sqlite_url("relay.db")]
    for url in args.database_url:
        if make_url(url).get_backend_name() not in ("sqlite", "postgresql"):
            raise SystemExit(f"unsupported database URL {url!r}")
    result = run(args)
    print(table(result))
    for url, found in result["profiles"].items():
        for name, printed in found.items():
            print(f"\n--- cProfile, {name} ({make_url(url).get_backend_name()}) ---\n{printed}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.json}")
    if args.smoke:
        for r in result["relay"]:
            # The run itself asserts that every message was sent and reached the sink.
            sent = r["report"]["sent"]
            check(sent == args.messages, f"{r['engine']}: the relay sent all {sent} messages")


if __name__ == "__main__":
    main()
