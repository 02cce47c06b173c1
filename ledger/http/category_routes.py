"""GET /api/shops/{shop}/categories: the tree with Kulcs ids, names, parents and active flags."""
from __future__ import annotations

from aiohttp import web

from ledger.http.api_auth import READERS, require
from ledger.http.keys import POOL
from ledger.read.formats import plain


async def list_categories(request: web.Request) -> web.Response:
    shop = request.match_info["shop"]
    await require(request, READERS, shop)
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch("SELECT * FROM category_view WHERE shop = $1 ORDER BY category_key", shop)
    return web.json_response([plain({
        "key": r["category_key"], "kulcs_id": r["kulcs_id"], "name": r["name"],
        "parent": r["parent_key"], "active": r["active"], "created_at": r["created_at"],
        "updated_at": r["updated_at"], "last_sync": r["last_sync"]}) for r in rows])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/shops/{shop}/categories", list_categories)
