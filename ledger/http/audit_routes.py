"""For auditors and support: the past, sync diffs, replays, verification and projection rebuilds."""
from __future__ import annotations

from aiohttp import web

from ledger.audit.replay import replay
from ledger.audit.verify import verify
from ledger.http.api_auth import AUDITORS, SUPPORT, json_error, require, require_every_shop
from ledger.http.commands import run_command
from ledger.http.csv_answers import csv_response
from ledger.http.json_body import json_object
from ledger.http.keys import DATABASE_URL, LEDGER, POOL, SETTINGS
from ledger.http.known_shops import known_shop, unless_unknown_shop
from ledger.http.query_params import time_param, uuid_param
from ledger.read.audit import PRICE_LIST_COLUMNS, price_list, sync_diff
from ledger.service.shops import ShopError
from projections.runner import status as projection_status
from projections.shadow import ShadowBusy, rebuild_without_downtime



async def shop_price_list(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    await require(request, AUDITORS, shop)
    instant = time_param(request, "as_of")
    if instant is None:
        raise json_error(400, "as_of is required (an ISO 8601 time)")
    async with request.app[POOL].acquire() as conn:
        rows = await unless_unknown_shop(conn, shop, await price_list(conn, shop, instant))
    if request.query.get("format") == "csv":
        return csv_response(rows, PRICE_LIST_COLUMNS, f"{shop}-prices-{instant.date()}.csv")
    return web.json_response({"as_of": instant.isoformat(), "products": rows})


async def diff(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    await require(request, AUDITORS, shop)
    try:
        from uuid import UUID
        other = UUID(request.query.get("against", ""))
    except ValueError:
        raise json_error(400, "against must be a sync id") from None
    async with request.app[POOL].acquire() as conn:
        found = await sync_diff(conn, shop, uuid_param(request, "sync_id"), other)
    if found is None:
        raise json_error(404, "no such sync")
    return web.json_response(found)


async def replay_sync(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    who = await require(request, SUPPORT, shop)
    body = await json_object(request)
    dry_run = body.get("dry_run", True)
    if not isinstance(dry_run, bool):
        raise json_error(400, "dry_run must be true or false")
    async with request.app[POOL].acquire() as conn:
        shop_row = await conn.fetchrow("SELECT * FROM shops WHERE webshopid = $1", shop)
    if shop_row is None:
        raise json_error(404, f"no shop {shop}")
    try:
        answer = await run_command(request, replay, request.app[LEDGER], shop_row,
                                   uuid_param(request, "sync_id"), dry_run=dry_run,
                                   actor=who.name, max_rows=request.app[SETTINGS].max_rows)
    except ShopError as error:
        raise json_error(error.status, str(error)) from None
    return web.json_response(answer, status=200 if dry_run else 201)


async def audit_verify(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    who = await require(request, AUDITORS, shop)
    async with request.app[POOL].acquire() as conn:
        await known_shop(conn, shop)
    try:
        # the chain and the views span every shop: a token tied to a shop gets its shop's checks only
        return web.json_response(await verify(request.app[DATABASE_URL], request.app[POOL], shop,
                                              whole_ledger=who.shop is None))
    except ShadowBusy as busy:
        raise json_error(409, str(busy)) from None


async def projections(request: web.Request) -> web.Response:
    await require_every_shop(request, AUDITORS)
    async with request.app[POOL].acquire() as conn:
        return web.json_response([await projection_status(conn)])


async def rebuild(request: web.Request) -> web.Response:
    await require_every_shop(request, SUPPORT)
    try:
        result = await rebuild_without_downtime(request.app[DATABASE_URL], request.app[POOL])
    except ShadowBusy as busy:
        raise json_error(409, str(busy)) from None
    return web.json_response(result)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/shops/{shop}/price-list", shop_price_list)
    app.router.add_get("/api/shops/{shop}/syncs/{sync_id}/diff", diff)
    app.router.add_post("/api/shops/{shop}/syncs/{sync_id}/replay", replay_sync)
    app.router.add_get("/api/shops/{shop}/audit/verify", audit_verify)
    app.router.add_get("/api/projections", projections)
    app.router.add_post("/api/projections/rebuild", rebuild)
