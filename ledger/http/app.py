"""The aiohttp application factory: every resource opened and closed in cleanup_ctx."""
from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

import asyncpg
from aiohttp import web

from ledger.config import Settings
from ledger.gc_pause import freeze_long_lived
from ledger.http import (
    audit_routes, category_routes, kulcs_routes, ops_routes, order_routes, product_routes, shop_routes, sync_routes,
    token_routes,
)
from ledger.http.keys import (DATABASE_URL, EMBEDDED_SERVER, EXECUTOR, KULCS_GATE, LEDGER, POOL, PROJECTOR, SETTINGS,
                             TOKEN_FAILURES)
from ledger.http.kulcs_auth import KulcsGate
from ledger.http.throttle import FailureCounter
from ledger.http.middleware import request_context
from ledger.service.ledger_app import LedgerApp
from ledger.storage.database import eventsourcing_env, locate_database
from ledger.storage.json_codecs import init_connection
from ledger.storage.notifications import keep_listening
from migrations.runner import apply_migrations
from projections.live_process import PROJECTED, keep_running
from projections.runner import ProjectionWaiter


async def open_pool(url: str, **kwargs) -> asyncpg.Pool:
    return await asyncpg.create_pool(url, init=init_connection, reset=_keep_session, **kwargs)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Connections go back to the pool as they are: every use runs in its own transaction block, and
    asyncpg's default reset (RESET ALL, UNLISTEN, …) costs a round trip per checkout."""


async def database_ctx(app: web.Application):
    settings = app[SETTINGS]
    if DATABASE_URL not in app:
        database = await asyncio.to_thread(locate_database, settings.database_url, settings.data_dir)
        app[DATABASE_URL] = database.url
        app[EMBEDDED_SERVER] = database.embedded_server
    conn = await asyncpg.connect(app[DATABASE_URL])
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()
    yield


async def pool_ctx(app: web.Application):
    app[POOL] = await open_pool(app[DATABASE_URL], min_size=1, max_size=10, command_timeout=60)
    yield
    await app[POOL].close()


async def ledger_ctx(app: web.Application):
    settings = app[SETTINGS]
    app[EXECUTOR] = ThreadPoolExecutor(settings.write_threads, thread_name_prefix="ledger-write")
    app[LEDGER] = await asyncio.to_thread(
        LedgerApp, env=eventsourcing_env(app[DATABASE_URL], pool_size=settings.write_threads))
    app[KULCS_GATE] = KulcsGate()
    yield
    app[EXECUTOR].shutdown(wait=True)
    app[KULCS_GATE].close()
    app[LEDGER].close()


async def projector_ctx(app: web.Application):
    """The projector runs in a process of its own (projections/live_process.py); this server's
    readers wait on it through `app[PROJECTOR]`."""
    waiter = app[PROJECTOR] = ProjectionWaiter(app[POOL])
    tasks = [asyncio.create_task(keep_running(app[DATABASE_URL])),
             asyncio.create_task(keep_listening(app[DATABASE_URL], PROJECTED, waiter.progressed))]
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def freeze_startup_objects(app: web.Application) -> None:
    freeze_long_lived()


def create_app(settings: Settings, database_url: str | None = None, *,
               freeze_startup: bool = False) -> web.Application:
    """`freeze_startup`: for a process that serves this one app until it ends (`serve`), not for tests
    that start many apps in one process."""
    app = web.Application(middlewares=[request_context], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[TOKEN_FAILURES] = FailureCounter()
    if database_url:
        app[DATABASE_URL] = database_url
    app.cleanup_ctx.extend([database_ctx, pool_ctx, ledger_ctx, projector_ctx])
    if freeze_startup:
        app.on_startup.append(freeze_startup_objects)  # after cleanup_ctx: its pools are long-lived too
    for module in (kulcs_routes, shop_routes, product_routes, sync_routes, category_routes,
                   order_routes, audit_routes, ops_routes, token_routes):
        module.add_routes(app)
    _add_optional_routes(app)
    return app


def _add_optional_routes(app: web.Application) -> None:
    """The OpenAPI document and the web pages live in their own packages."""
    import importlib

    for name in ("ledger.http.openapi", "ledger.web"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.add_routes(app)
