"""GET /api/shops/{shop}/categories: the tree with Kulcs ids, names, parents, active flags, history."""
from __future__ import annotations

from aiohttp import web

from ledger.http.api_auth import READERS, require
from ledger.http.keys import POOL
from ledger.http.known_shops import unless_unknown_shop
from ledger.read.categories import category_tree


async def list_categories(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    await require(request, READERS, shop)
    async with request.app[POOL].acquire() as conn:
        return web.json_response(await unless_unknown_shop(conn, shop, await category_tree(conn, shop)))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/shops/{shop}/categories", list_categories)
