"""Health, readiness (database, migrations, projection lag) and Prometheus metrics."""
from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ledger.http.keys import POOL
from ledger.http.outage import STORAGE_DOWN
from migrations.runner import pending_migrations
from projections.runner import status as projection_status


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        async with asyncio.timeout(3):
            async with request.app[POOL].acquire() as conn:
                pending = await pending_migrations(conn)
                projection = await projection_status(conn)
    except STORAGE_DOWN as error:
        return web.json_response({"status": "unavailable", "database": "unreachable",
                                  "error": type(error).__name__}, status=503,
                                 headers={"Retry-After": "5"})
    ready = not pending
    return web.json_response({"status": "ready" if ready else "migrations pending",
                              "database": "ok", "pending_migrations": pending,
                              "projections": [projection]}, status=200 if ready else 503)


async def metrics(_request: web.Request) -> web.Response:
    response = web.Response(body=generate_latest())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
