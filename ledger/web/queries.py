"""The few read queries only the pages need (search, health); the rest comes from ledger.read."""
from __future__ import annotations


from ledger.read.products import product_json
from ledger.read.syncs import sync_json


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def shop_row(conn, shop: str):
    return await conn.fetchrow("SELECT webshopid, sync_type, manage_categories FROM shops WHERE webshopid = $1",
                               shop)


async def shop_names(conn) -> list[str]:
    return [r["webshopid"] for r in await conn.fetch("SELECT webshopid FROM shops ORDER BY webshopid")]


async def search_products(conn, shop: str, q: str, limit: int = 100) -> list[dict]:
    """SKU prefix or name substring, both case-insensitive; every product (by SKU) when q is empty."""
    pattern = like_escape(q.strip().lower())
    rows = await conn.fetch(
        "SELECT * FROM product_view WHERE shop = $1 AND ($2 = '' OR lower(sku) LIKE $2 || '%'"
        " OR lower(coalesce(name, '')) LIKE '%' || $2 || '%') ORDER BY sku LIMIT $3", shop, pattern, limit)
    return [product_json(r, {}) for r in rows]



async def shop_health(conn, shop: str) -> dict:
    outcomes = {r["outcome"]: r["n"] for r in await conn.fetch(
        "SELECT outcome, count(*) AS n FROM sync_log WHERE shop = $1"
        " AND received_at > now() - interval '24 hours' GROUP BY outcome", shop)}
    last_products = await conn.fetchrow(
        "SELECT * FROM sync_log WHERE shop = $1 AND kind = 'products' ORDER BY position DESC LIMIT 1", shop)
    products = await conn.fetchval("SELECT count(*) FROM product_view WHERE shop = $1", shop)
    return {"outcomes_24h": outcomes, "product_count": products,
            "last_products_sync": None if last_products is None else sync_json(last_products)}
