"""`/livez` for load balancers, `/healthz` for monitoring and `/metrics` for Prometheus.

`/livez` says whether this one process answers and reaches the database: a load balancer
that took web processes out on `/healthz` would take them all out together when a worker
stops or one email fails, though every page still works.

`/healthz` needs no sign-in, so it carries no personal data: the verdict, the problems in
words, each job's last good run and the outbox counts; not the addresses of partially
delivered mail nor the jobs' error texts (an SMTP answer can quote an address).

`/metrics` is for a signed-in admin, or for a scraper that sends
`Authorization: Bearer <TRACKER_METRICS_TOKEN>` (compared in constant time). Without the
setting no token is accepted. The counts are read at each scrape into a fresh registry, so
several web processes report the same figures and nothing is kept between scrapes.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from tracker.context import Context
from tracker.dashboard import obligation_counts
from tracker.people.roles import Action
from tracker.reminders import HealthReport, check_health, database_answers
from tracker.web.deps import allow, anonymous_context, settings_of, signed_in

router = APIRouter()


def public_health(report: HealthReport) -> dict[str, Any]:
    """The verdict without anything that could name a person."""
    return {
        "ok": report.ok,
        "problems": list(report.problems),
        "jobs": [
            {
                "job": j.job,
                "last_ok_at": j.last_ok_at.isoformat() if j.last_ok_at else None,
                "age_seconds": j.age_seconds,
                "limit_seconds": j.limit_seconds,
                "stale": j.stale,
                "failing": j.last_error is not None,
            }
            for j in report.jobs
        ],
        "messages": report.messages,
    }


@router.get("/livez")
def livez(request: Request) -> JSONResponse:
    ok = database_answers(anonymous_context(request))
    return JSONResponse(
        {"ok": ok}, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"}
    )


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    report = check_health(anonymous_context(request))
    return JSONResponse(
        public_health(report),
        status_code=200 if report.ok else 503,
        headers={"Cache-Control": "no-store"},
    )


def metrics_reader(request: Request) -> Context:
    """A scraper with the metrics token, or a signed-in admin."""
    token = settings_of(request).metrics_token
    given = request.headers.get("authorization", "")
    if (
        token
        and given.startswith("Bearer ")
        and hmac.compare_digest(given.removeprefix("Bearer ").encode(), token.encode())
    ):
        return anonymous_context(request)
    # Otherwise a signed-in admin; `allow` raises SignInNeeded or Forbidden.
    return allow(Action.READ_METRICS)(request, signed_in(request)).ctx


metrics_reader.action = Action.READ_METRICS  # type: ignore[attr-defined]
metrics_reader.on = None  # type: ignore[attr-defined]


def exposition(ctx: Context) -> bytes:
    registry = CollectorRegistry()
    obligations = Gauge(
        "tracker_obligations", "Obligations by status", ["status"], registry=registry
    )
    for status, n in sorted(obligation_counts(ctx).items()):
        obligations.labels(status=status).set(n)
    report = check_health(ctx)
    messages = Gauge(
        "tracker_outbox_messages", "Outbox messages by status", ["status"], registry=registry
    )
    for status, n in sorted(report.messages.items()):
        messages.labels(status=status).set(n)
    age = Gauge(
        "tracker_job_last_success_age_seconds",
        "Seconds since each periodic job last ran well (absent: never)",
        ["job"],
        registry=registry,
    )
    stale = Gauge(
        "tracker_job_stale", "1 when a job's heartbeat is stale", ["job"], registry=registry
    )
    for job in report.jobs:
        if job.age_seconds is not None:
            age.labels(job=job.job).set(job.age_seconds)
        stale.labels(job=job.job).set(1 if job.stale else 0)
    Gauge("tracker_healthy", "1 when /healthz says ok", registry=registry).set(
        1 if report.ok else 0
    )
    return generate_latest(registry)


@router.get("/metrics")
def metrics(ctx: Annotated[Context, Depends(metrics_reader)]) -> Response:
    return Response(
        exposition(ctx), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"}
    )
