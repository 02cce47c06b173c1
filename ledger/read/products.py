"""Products as they are now, their field history and their price history."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from ledger.domain.sale_prices import effective_sale_price
from ledger.domain.values import budapest_day
from ledger.read.formats import plain
from ledger.read.price_windows import with_window_points


async def product(conn, shop: str, sku: str) -> dict | None:
    row = await conn.fetchrow("SELECT * FROM product_view WHERE shop = $1 AND sku = $2", shop, sku)
    if row is None:
        return None
    categories = await _category_names(conn, shop, [row["category"]])
    return product_json(row, categories)


async def product_exists(conn, shop: str, sku: str) -> bool:
    return await conn.fetchval("SELECT EXISTS (SELECT 1 FROM product_view WHERE shop = $1 AND sku = $2)",
                               shop, sku)


async def products(conn, shop: str, *, changed_since: datetime | None, after: str | None,
                   limit: int) -> list[dict]:
    rows = await conn.fetch(
        "SELECT * FROM product_view WHERE shop = $1 AND ($2::timestamptz IS NULL OR updated_at >= $2)"
        " AND ($3::text IS NULL OR sku > $3) ORDER BY sku LIMIT $4",
        shop, changed_since, after, limit)
    categories = await _category_names(conn, shop, [r["category"] for r in rows])
    return [product_json(r, categories) for r in rows]


def product_json(row, categories: dict) -> dict:
    today = budapest_day(datetime.now(timezone.utc))
    sale_prices = row["sale_prices"]
    effective = effective_sale_price(sale_prices, today)
    category = row["category"]
    return plain({
        "sku": row["sku"], "name": row["name"], "unit": row["unit"], "vat": row["vat"],
        "base_price": row["base_price"],
        "sale_prices": [{"priority": int(p), **sp} for p, sp in
                        sorted(sale_prices.items(), key=lambda item: int(item[0]))],
        "effective_sale_price": effective[1]["price"] if effective else None,
        "stock1": row["stock1"],
        "category": None if category is None else {"key": category, **categories.get(category, {})},
        "image": row["image"], "description": row["description"], "version": row["version"],
        "updated_at": row["updated_at"], "last_sync": row["last_sync"],
    })


async def _category_names(conn, shop: str, keys: list) -> dict:
    keys = [k for k in set(keys) if k]
    if not keys:
        return {}
    rows = await conn.fetch("SELECT category_key, name, kulcs_id, active FROM category_view"
                            " WHERE shop = $1 AND category_key = ANY($2::text[])", shop, keys)
    return {r["category_key"]: {"name": r["name"], "kulcs_id": r["kulcs_id"], "active": r["active"]}
            for r in rows}


async def field_history(conn, shop: str, sku: str) -> list[dict]:
    rows = await conn.fetch(
        "SELECT at, field, old, new, sync_id, source, position FROM field_history"
        " WHERE shop = $1 AND sku = $2 ORDER BY position, field", shop, sku)
    return [plain({"at": r["at"], "field": r["field"], "old": r["old"], "new": r["new"],
                   "sync_id": r["sync_id"], "source": r["source"], "event_position": r["position"]})
            for r in rows]


async def price_history(conn, shop: str, sku: str, *, now: datetime | None = None) -> list[dict]:
    """The price state after each event, and where a sale price's window began or ended in between
    (up to `now`; ledger.read.price_windows)."""
    rows = await conn.fetch(
        "SELECT at, base_price, effective_sale_price, sale_prices, sync_id, source, position"
        " FROM price_history WHERE shop = $1 AND sku = $2 ORDER BY position", shop, sku)
    points = [{"at": r["at"], "base_price": r["base_price"], "effective_sale_price": r["effective_sale_price"],
               "sale_prices": r["sale_prices"], "sync_id": r["sync_id"], "source": r["source"],
               "event_position": r["position"], "window": None} for r in rows]
    return plain(with_window_points(points, now or datetime.now(timezone.utc)))


HISTORY_CSV_COLUMNS = ("at", "field", "old", "new", "sync_id", "source", "event_position")


def history_csv_rows(changes: list[dict]) -> list[dict]:
    """A value that is not a plain one (an image: kind, value, media type) as its JSON in one cell."""
    return [{**c, "old": _cell(c["old"]), "new": _cell(c["new"])} for c in changes]


def _cell(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


PRICE_CSV_COLUMNS = ("at", "base_price", "effective_sale_price", "sync_id", "source", "event_position",
                     "window_priority", "window_edge")


def price_csv_rows(points: list[dict]) -> list[dict]:
    """The CSV's flat rows: a window edge's priority and edge in columns of their own."""
    return [{**p, "window_priority": (p["window"] or {}).get("priority"),
             "window_edge": (p["window"] or {}).get("edge")} for p in points]
