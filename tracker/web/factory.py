"""The app of one process of `tracker serve --workers N`: uvicorn starts each worker process
afresh, so each builds its app from the environment (the same TRACKER_* settings) and keeps
portal links out of its own access log."""

from __future__ import annotations

from fastapi import FastAPI

from tracker.config import get_settings
from tracker.web.app import create_app
from tracker.web.portal import logs


def app_from_environment() -> FastAPI:
    logs.install()
    return create_app(get_settings())
