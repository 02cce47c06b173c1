"""The webshop's orders: placed and cancelled by the shop, read by everyone who may."""
from __future__ import annotations

from aiohttp import web

from ledger.http.api_auth import READERS, SHOP_WRITERS, json_error, require
from ledger.http.commands import run_command
from ledger.http.json_body import json_object
from ledger.http.keys import LEDGER, POOL, PROJECTOR
from ledger.read.orders import order as read_order
from ledger.service.orders import cancel_order, place_order
from ledger.service.shops import ShopError


async def _settled_order(request: web.Request, shop: str, order_id: str) -> dict:
    await request.app[PROJECTOR].wait_for_head(timeout=5)
    async with request.app[POOL].acquire() as conn:
        found = await read_order(conn, shop, order_id)
    if found is None:
        raise json_error(404, f"no order {order_id}")
    return found


async def place(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    who = await require(request, SHOP_WRITERS, shop)
    payload = await json_object(request)
    try:
        order_id, new = await run_command(request, place_order, request.app[LEDGER], shop, payload, who.name)
    except ShopError as error:
        raise json_error(error.status, str(error), error.detail) from None
    return web.json_response(await _settled_order(request, shop, order_id), status=201 if new else 200)


async def cancel(request: web.Request) -> web.Response:
    shop, order_id = request.match_info["shop"], request.match_info["order_id"]
    who = await require(request, SHOP_WRITERS, shop)
    try:
        await run_command(request, cancel_order, request.app[LEDGER], shop, order_id, who.name)
    except ShopError as error:
        raise json_error(error.status, str(error), error.detail) from None
    return web.json_response(await _settled_order(request, shop, order_id))


async def show(request: web.Request) -> web.Response:
    shop, order_id = request.match_info["shop"], request.match_info["order_id"]
    await require(request, READERS, shop)
    async with request.app[POOL].acquire() as conn:
        found = await read_order(conn, shop, order_id)
    if found is None:
        raise json_error(404, f"no order {order_id}")
    return web.json_response(found)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/shops/{shop}/orders", place)
    app.router.add_post("/api/shops/{shop}/orders/{order_id}/cancel", cancel)
    app.router.add_get("/api/shops/{shop}/orders/{order_id}", show)
