"""POST/GET/PATCH /api/shops: the shop's settings (never its secrets) and its integration URLs."""
from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from ledger.domain.shop import PLAIN_SETTINGS
from ledger.http.api_auth import ADMIN, READERS, json_error, require, require_every_shop
from ledger.http.commands import run_command
from ledger.http.json_body import json_object
from ledger.http.keys import KULCS_GATE, LEDGER, POOL, SETTINGS
from ledger.read.formats import plain
from ledger.service.shops import ShopError, change_shop, create_shop


def integration_urls(request: web.Request, shop: str, key: str | None) -> dict[str, str]:
    base = request.app[SETTINGS].public_base_url or f"{request.scheme}://{request.host}"
    suffix = f"?key={quote(key)}" if key else ""
    path = f"{base}/kulcs/{quote(shop)}"
    return {"products_upload": f"{path}/products{suffix}", "orders_download": f"{path}/orders{suffix}",
            "orders_confirm": f"{path}/orders/confirm{suffix}",
            "products_download": f"{path}/products{suffix}",
            "categories_upload": f"{path}/categories{suffix}"}


def shop_json(request: web.Request, row, key: str | None = None) -> dict:
    answer = {"webshopid": row["webshopid"], **{k: row[k] for k in PLAIN_SETTINGS},
              "import_password_set": row["import_password_hash"] is not None,
              "version": row["version"], "created_at": row["created_at"],
              "updated_at": row["updated_at"]}
    # The import password is stored only as a hash: the URLs carry it only in the answer that set it.
    answer["integration_urls"] = integration_urls(request, row["webshopid"], key)
    return plain(answer)


async def _shop_row(request: web.Request, shop: str):
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM shops WHERE webshopid = $1", shop)
    if row is None:
        raise json_error(404, f"no shop {shop}")
    return row


async def create(request: web.Request) -> web.Response:
    who = await require_every_shop(request, ADMIN)
    values = await json_object(request)
    try:
        await run_command(request, create_shop, request.app[LEDGER], values, who.name)
    except ShopError as error:
        raise json_error(error.status, str(error)) from None
    row = await _shop_row(request, values["webshopid"])
    return web.json_response(shop_json(request, row, values.get("import_password")), status=201)


async def show(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    await require(request, READERS, shop)
    return web.json_response(shop_json(request, await _shop_row(request, shop)))


async def list_shops(request: web.Request) -> web.Response:
    await require_every_shop(request, ADMIN)
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch("SELECT * FROM shops ORDER BY webshopid")
    return web.json_response([shop_json(request, r) for r in rows])


async def change(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    who = await require(request, ADMIN, shop)
    values = await json_object(request)
    try:
        changes = await run_command(request, change_shop, request.app[LEDGER], shop, values, who.name)
    except ShopError as error:
        raise json_error(error.status, str(error)) from None
    finally:
        request.app[KULCS_GATE].forget(shop)
    answer = shop_json(request, await _shop_row(request, shop), values.get("import_password"))
    return web.json_response({**answer, "changes": plain(changes)})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/shops", create)
    app.router.add_get("/api/shops", list_shops)
    app.router.add_get("/api/shops/{shop}", show)
    app.router.add_patch("/api/shops/{shop}", change)
