"""The read-only pages of a shop: overview, product search, product, categories, price list."""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from ledger.domain.values import budapest_day
from ledger.http.api_auth import AUDITORS, READERS
from ledger.http.audit_routes import csv_response
from ledger.http.keys import POOL
from ledger.read import categories as read_categories
from ledger.read import products as read_products
from ledger.read import syncs as read_syncs
from ledger.read.audit import PRICE_LIST_COLUMNS, price_list
from ledger.web import charts, queries
from ledger.web.auth import Viewer, require
from ledger.web.params import day_end, day_param
from ledger.web.render import http_error, page
from projections.runner import status as projection_status


async def open_shop(request: web.Request, roles: frozenset[str]) -> tuple[Viewer, str]:
    """The viewer, once allowed to see this shop, and the shop, once it exists."""
    shop = request.match_info["shop"]
    viewer = await require(request, roles, shop)
    async with request.app[POOL].acquire() as conn:
        if await queries.shop_row(conn, shop) is None:
            raise http_error(request, 404, "not_found")
    return viewer, shop


async def overview(request: web.Request) -> web.Response:
    _, shop = await open_shop(request, READERS)
    async with request.app[POOL].acquire() as conn:
        settings = await queries.shop_row(conn, shop)
        recent = await read_syncs.syncs(conn, shop, kind=None, start=None, end=None, after=None, limit=10)
        projection = await projection_status(conn)
        health = await queries.shop_health(conn, shop)
    last = health["last_products_sync"]
    healthy = (projection["lag"] == 0 and not projection["rebuild_running"]
               and (last is None or last["outcome"] not in ("rejected", "partial")))
    return page(request, "overview.html", nav="overview", settings=dict(settings), recent=recent,
                projection=projection, health=health, healthy=healthy)


async def product_search(request: web.Request) -> web.Response:
    _, shop = await open_shop(request, READERS)
    q = request.query.get("q", "")[:200]
    async with request.app[POOL].acquire() as conn:
        found = await queries.search_products(conn, shop, q)
    return page(request, "products.html", nav="products", q=q, products=found)


async def product(request: web.Request) -> web.Response:
    _, shop = await open_shop(request, READERS)
    sku = request.match_info["sku"]
    async with request.app[POOL].acquire() as conn:
        current = await read_products.product(conn, shop, sku)
        prices = await read_products.price_history(conn, shop, sku)
        fields = await read_products.field_history(conn, shop, sku)
    if current is None:
        raise http_error(request, 404, "not_found")
    return page(request, "product.html", nav="products", product=current, prices=prices, fields=fields,
                price_chart=charts.price_chart(prices), stock_chart=charts.stock_chart(fields))


async def categories(request: web.Request) -> web.Response:
    _, shop = await open_shop(request, READERS)
    async with request.app[POOL].acquire() as conn:
        tree = await read_categories.category_tree(conn, shop)
    return page(request, "categories.html", nav="categories", tree=tree)


async def shop_price_list(request: web.Request) -> web.Response:
    _, shop = await open_shop(request, AUDITORS)
    day = day_param(request, "day") or budapest_day(datetime.now(timezone.utc))
    async with request.app[POOL].acquire() as conn:
        rows = await price_list(conn, shop, day_end(day))
    if request.query.get("format") == "csv":
        return csv_response(rows, PRICE_LIST_COLUMNS, f"{shop}-prices-{day.isoformat()}.csv")
    return page(request, "price_list.html", nav="price_list", day=day.isoformat(), rows=rows)
