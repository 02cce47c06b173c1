"""The audit trail of Kulcs calls: the sync log, one sync, and its request as received (secrets masked)."""
from __future__ import annotations

from aiohttp import web

from ledger.domain.sync import KINDS
from ledger.http.api_auth import AUDITORS, READERS, json_error, require
from ledger.http.header_values import header_text
from ledger.http.keys import POOL
from ledger.http.known_shops import unless_unknown_shop
from ledger.http.query_params import int_param, time_param, uuid_param
from ledger.read import syncs as read


async def list_syncs(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    await require(request, READERS, shop)
    kind = request.query.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise json_error(400, "unknown sync kind", f"kind is one of {', '.join(KINDS)}")
    async with request.app[POOL].acquire() as conn:
        found = await read.syncs(
            conn, shop, kind=kind, start=time_param(request, "from"),
            end=time_param(request, "to"), after=int_param(request, "after", None, low=0, high=2**62),
            limit=int_param(request, "limit", 100, low=1, high=1000))
        found = await unless_unknown_shop(conn, shop, found)
    return web.json_response(found)


async def show(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    await require(request, READERS, shop)
    async with request.app[POOL].acquire() as conn:
        found = await read.sync(conn, shop, uuid_param(request, "sync_id"))
    if found is None:
        raise json_error(404, "no such sync")
    return web.json_response(found)


async def raw_request(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    await require(request, AUDITORS, shop)
    async with request.app[POOL].acquire() as conn:
        row = await read.recorded_request(conn, shop, uuid_param(request, "sync_id"))
    if row is None:
        raise json_error(404, "no such sync")
    # Served as a download, never rendered: the bytes are whatever a client sent.
    return web.Response(body=bytes(row["body"]), content_type="application/octet-stream", headers={
        # What Kulcs sent, but never a control character: that would cut the connection.
        "X-Kulcs-Method": header_text(row["method"]), "X-Kulcs-Path": header_text(row["path"]),
        "X-Kulcs-Query": header_text(row["query"]),
        "X-Kulcs-Content-Type": header_text(row["content_type"] or ""),
        "X-Kulcs-Received-At": row["received_at"].isoformat(),
        "X-Kulcs-Body-SHA256": row["body_sha256"],
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{row["sync_id"]}.bin"',
    })


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/shops/{shop}/syncs", list_syncs)
    app.router.add_get("/api/shops/{shop}/syncs/{sync_id}", show)
    app.router.add_get("/api/shops/{shop}/syncs/{sync_id}/request", raw_request)
