"""Events as the changes a person reads: which product (or category, order), which field, old → new."""
from __future__ import annotations

from ledger.domain.category import Category
from ledger.domain.order import Order
from ledger.domain.product import Product


def names_of(app, shop: str, events) -> dict:
    """originator id -> the SKU, category key or order id that people know it by."""
    ids = list({e.originator_id for e in events})
    if not ids:
        return {}
    rows = app.fetch(
        "SELECT product_id AS id, sku AS name FROM product_state WHERE shop = %(s)s AND product_id = ANY(%(i)s)"
        " UNION ALL SELECT category_id, category_key FROM category_state WHERE shop = %(s)s AND category_id = ANY(%(i)s)"
        " UNION ALL SELECT order_uuid, order_id FROM order_state WHERE shop = %(s)s AND order_uuid = ANY(%(i)s)",
        {"s": shop, "i": ids})
    return {r["id"]: r["name"] for r in rows}


def changes_of(events, names: dict) -> list[dict]:
    """`names`: as `names_of` answers them. Those of products and categories that `events` create are
    taken from the events: a dry run stores nothing, so only its events know them."""
    names = {**names, **{e.originator_id: e.sku for e in events if isinstance(e, Product.Created)},
             **{e.originator_id: e.category_key for e in events if isinstance(e, Category.Created)}}
    changes = []
    for event in events:
        if isinstance(event, Product.Created):
            changes += [{"sku": event.sku, "field": f, "old": None, "new": v} for f, v in event.fields.items()]
            changes += [{"sku": event.sku, "field": f"sale_price:{p}", "old": None, "new": sp}
                        for p, sp in event.sale_prices.items()]
        elif isinstance(event, Product.Changed):
            sku = names.get(event.originator_id)
            changes += [{"sku": sku, "field": f, **c} for f, c in event.changes.items()]
            changes += [{"sku": sku, "field": f"sale_price:{p}", **c}
                        for p, c in event.sale_price_changes.items()]
        elif isinstance(event, Category.Created):
            changes.append({"category": event.category_key, "field": "name", "old": None, "new": event.name})
        elif isinstance(event, Category.Changed):
            changes += [{"category": names.get(event.originator_id), "field": f, **c}
                        for f, c in event.changes.items()]
        elif isinstance(event, Order.Confirmed):
            changes.append({"order_id": names.get(event.originator_id), "field": "confirmed", "old": None,
                            "new": event.given})
    return changes
