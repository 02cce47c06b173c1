"""`kulcs-ledger serve`: the database first (embedded unless DATABASE_URL), then the HTTP service."""
from __future__ import annotations

import structlog
import uvloop
from aiohttp import web

from ledger.config import Settings
from ledger.http.app import create_app
from ledger.storage.database import locate_database


def serve(settings: Settings) -> None:
    database = locate_database(settings.database_url, settings.data_dir)
    log = structlog.get_logger("serve")
    log.info("starting", host=settings.host, port=settings.port,
             database="embedded" if database.embedded_server else "DATABASE_URL")
    app = create_app(settings, database.url, freeze_startup=True)
    # uvloop: the event loop's own share of a small push's CPU is what queued requests wait out under
    # the GIL (README, "Performance": paced p99 at 400 syncs/s about halved)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None,
                loop=uvloop.new_event_loop())
    del database  # the embedded server stops with its last handle, after the app has closed
