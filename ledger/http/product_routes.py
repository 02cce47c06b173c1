"""Products, their history and price history; the shop's own sale prices."""
from __future__ import annotations

from aiohttp import web

from ledger.audit.as_of import product_as_of
from ledger.http.api_auth import READERS, SHOP_WRITERS, json_error, require
from ledger.http.commands import run_command
from ledger.http.csv_answers import csv_response
from ledger.http.json_body import json_object
from ledger.http.keys import LEDGER, POOL, PROJECTOR
from ledger.http.known_shops import unless_unknown_product, unless_unknown_shop
from ledger.http.query_params import int_param, time_param
from ledger.read import products as read
from ledger.service.shop_products import put_shop_product
from ledger.service.shop_sale_prices import set_shop_sale_price
from ledger.service.shops import ShopError


async def list_products(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    await require(request, READERS, shop)
    limit = int_param(request, "limit", 100, low=1, high=1000)
    async with request.app[POOL].acquire() as conn:
        found = await read.products(conn, shop, changed_since=time_param(request, "changed_since"),
                                    after=request.query.get("after") or None, limit=limit)
        found = await unless_unknown_shop(conn, shop, found)
    return web.json_response(found)


async def show(request: web.Request) -> web.Response:
    shop, sku = request.match_info["shop"], request.match_info["sku"]
    await require(request, READERS, shop)
    instant = time_param(request, "as_of")
    async with request.app[POOL].acquire() as conn:
        if instant is None:
            found = await read.product(conn, shop, sku)
        else:
            found = await product_as_of(conn, shop, sku, instant)
    if found is None:
        raise json_error(404, f"no product {sku}" + ("" if instant is None else " at that time"))
    return web.json_response(found)


async def history(request: web.Request) -> web.Response:
    shop, sku = request.match_info["shop"], request.match_info["sku"]
    await require(request, READERS, shop)
    async with request.app[POOL].acquire() as conn:
        changes = await unless_unknown_product(conn, shop, sku, await read.field_history(conn, shop, sku))
    if request.query.get("format") != "csv":
        return web.json_response(changes)
    return csv_response(read.history_csv_rows(changes), read.HISTORY_CSV_COLUMNS, f"{sku}-history.csv")


async def price_history(request: web.Request) -> web.Response:
    shop, sku = request.match_info["shop"], request.match_info["sku"]
    await require(request, READERS, shop)
    async with request.app[POOL].acquire() as conn:
        points = await unless_unknown_product(conn, shop, sku, await read.price_history(conn, shop, sku))
    if request.query.get("format") != "csv":
        return web.json_response(points)
    return csv_response(read.price_csv_rows(points), read.PRICE_CSV_COLUMNS, f"{sku}-prices.csv")


async def put_sale_price(request: web.Request) -> web.Response:
    shop, sku = request.match_info["shop"], request.match_info["sku"]
    await require(request, SHOP_WRITERS, shop)
    body = await json_object(request)
    try:
        action_id = await run_command(request, set_shop_sale_price, request.app[LEDGER], shop, sku,
                                      request.match_info["priority"], body)
    except ShopError as error:
        raise json_error(error.status, str(error)) from None
    await request.app[PROJECTOR].wait_for_head(timeout=5)
    async with request.app[POOL].acquire() as conn:
        found = await read.product(conn, shop, sku)
    return web.json_response({"action_id": str(action_id) if action_id else None, "product": found})


async def put_product(request: web.Request) -> web.Response:
    shop, sku = request.match_info["shop"], request.match_info["sku"]
    await require(request, SHOP_WRITERS, shop)
    body = await json_object(request)
    try:
        written = await run_command(request, put_shop_product, request.app[LEDGER], shop, sku, body)
    except ShopError as error:
        raise json_error(error.status, str(error)) from None
    await request.app[PROJECTOR].wait_for_head(timeout=5)
    async with request.app[POOL].acquire() as conn:
        found = await read.product(conn, shop, sku)
    return web.json_response({"action_id": str(written.action_id) if written.action_id else None,
                              "created": written.created, "product": found},
                             status=201 if written.created else 200)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/shops/{shop}/products", list_products)
    app.router.add_get("/api/shops/{shop}/products/{sku}", show)
    app.router.add_put("/api/shops/{shop}/products/{sku}", put_product)
    app.router.add_get("/api/shops/{shop}/products/{sku}/history", history)
    app.router.add_get("/api/shops/{shop}/products/{sku}/price-history", price_history)
    app.router.add_put("/api/shops/{shop}/products/{sku}/sale-prices/{priority}", put_sale_price)
