"""`tracker serve`: the web app (uvicorn), with the reminder worker in a thread by default."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer

from tracker.cli.options import context
from tracker.config import get_settings
from tracker.errors import BadInput


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
    workers: Annotated[
        int,
        typer.Option(
            help="web server processes; each answers requests on a core of its own. More "
            "than 1 needs TRACKER_SECRET_KEY, so that every process knows every sign-in",
            min=1,
            max=64,
        ),
    ] = 1,
) -> None:
    """Serve the web app for contract managers; the scheduler runs inside unless --no-worker."""
    import uvicorn  # loaded only by this command, so the CLI starts fast

    from tracker.web.app import create_app

    context()  # refuse an uninitialised or outdated database before listening
    if workers > 1 and get_settings().secret_key is None:
        raise BadInput(
            "more than one process needs TRACKER_SECRET_KEY set: without it each process "
            "makes its own key and refuses the sign-ins of the others",
            field="workers",
        )
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
        f"serving on http://{shown}:{port}/ ({workers} process{'es' if workers > 1 else ''}, "
        f"worker {'inside' if worker else 'not started'}); "
        "Ctrl-C stops",
        err=True,
    )
    try:
        if workers == 1:
            uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
        else:
            # Each process imports the factory and builds its own app (the one above only
            # checked the settings); the worker thread stays in this supervising process.
            uvicorn.run(
                "tracker.web.factory:app_from_environment",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_level="info",
                server_header=False,
            )
    finally:
        # uvicorn has handled SIGTERM/SIGINT and drained requests; the worker finishes its
        # current unit of work and stops.
        stopping.set()
        if thread is not None:
            thread.join(timeout=60)
