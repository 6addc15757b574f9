"""`tracker serve`: the web app (uvicorn), with the reminder worker in a thread by default."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer

from tracker.cli.options import context
from tracker.config import get_settings


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on", min=1, max=65535)] = 8000,
    worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="run the reminder worker inside (default); --no-worker to run "
            "`tracker worker` separately",
        ),
    ] = True,
) -> None:
    """Serve the web app for contract managers; the scheduler runs inside unless --no-worker."""
    import uvicorn  # loaded only by this command, so the CLI starts fast

    from tracker.web.app import create_app

    context()  # refuse an uninitialised or outdated database before listening
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # APScheduler logs every tick at INFO; the worker's own lines say what each tick did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    settings = get_settings()
    app = create_app(settings)
    from tracker.web.portal import logs

    logs.install()  # portal links are secrets: the access log shows /s/[link]
    stopping = threading.Event()
    thread: threading.Thread | None = None
    if worker:
        from tracker.worker import run_worker

        thread = threading.Thread(
            target=run_worker,
            args=(settings,),
            kwargs={"stopping": stopping},
            name="tracker-worker",
            daemon=True,
        )
        thread.start()
    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"serving on http://{shown}:{port}/ (worker {'inside' if worker else 'not started'}); "
        "Ctrl-C stops",
        err=True,
    )
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
    finally:
        # uvicorn has handled SIGTERM/SIGINT and drained requests; the worker finishes its
        # current unit of work and stops.
        stopping.set()
        if thread is not None:
            thread.join(timeout=60)
