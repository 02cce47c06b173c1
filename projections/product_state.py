"""Current product state, the history of every field, and the price history.

One pass per batch: the touched products are loaded once, the batch's events are applied in order in
memory, then the rows are written back in bulk.
"""
from __future__ import annotations

from decimal import Decimal

from ledger.domain.product import PRODUCT_FIELDS, Product
from ledger.domain.sale_prices import effective_sale_price
from ledger.domain.values import budapest_day

PRICE_FIELDS = ("base_price",)


async def apply_batch(conn, batch) -> None:
    product_events = [p for p in batch if isinstance(p.event, (Product.Created, Product.Changed))]
    if not product_events:
        return
    ids = list({p.event.originator_id for p in product_events})
    rows = await conn.fetch("SELECT * FROM product_view WHERE product_id = ANY($1::uuid[])", ids)
    products = {r["product_id"]: _from_row(r) for r in rows}
    field_rows, price_rows = [], []
    for positioned in product_events:
        event, position = positioned.event, positioned.position
        if isinstance(event, Product.Created):
            product = _created(event)
            products[event.originator_id] = product
            changes = {f: {"old": None, "new": v} for f, v in event.fields.items()}
            sale_changes = {p: {"old": None, "new": sp} for p, sp in event.sale_prices.items()}
        else:
            product = products[event.originator_id]
            changes, sale_changes = event.changes, event.sale_price_changes
            for field, change in changes.items():
                product["fields"][field] = change["new"]
            for priority, change in sale_changes.items():
                if change["new"] is None:
                    product["sale_prices"].pop(priority, None)
                else:
                    product["sale_prices"][priority] = change["new"]
        product.update(version=event.originator_version, updated_at=event.timestamp,
                       last_sync=event.sync_id)
        for field, change in changes.items():
            field_rows.append(_history_row(product, position, event, field, change))
        for priority, change in sale_changes.items():
            field_rows.append(_history_row(product, position, event, f"sale_price:{priority}", change))
        if sale_changes or any(f in changes for f in PRICE_FIELDS):
            price_rows.append(_price_row(product, position, event))
    await _write_products(conn, products.values())
    await conn.copy_records_to_table(
        "field_history", records=field_rows,
        columns=("position", "field", "shop", "sku", "at", "old", "new", "sync_id", "source"))
    await conn.copy_records_to_table(
        "price_history", records=price_rows,
        columns=("position", "shop", "sku", "at", "base_price", "sale_prices", "effective_sale_price",
                 "sync_id", "source"))


def _created(event: Product.Created) -> dict:
    return {"product_id": event.originator_id, "shop": event.shop, "sku": event.sku,
            "fields": {f: event.fields.get(f) for f in PRODUCT_FIELDS},
            "sale_prices": dict(event.sale_prices), "created_at": event.timestamp}


def _from_row(r) -> dict:
    fields = {f: r[f] for f in PRODUCT_FIELDS}
    for f in ("base_price", "stock1"):
        fields[f] = None if r[f] is None else _text(r[f])
    return {"product_id": r["product_id"], "shop": r["shop"], "sku": r["sku"], "fields": fields,
            "sale_prices": r["sale_prices"], "created_at": r["created_at"], "version": r["version"],
            "updated_at": r["updated_at"], "last_sync": r["last_sync"]}


def _text(value: Decimal) -> str:
    return format(value, "f")


def _history_row(product, position, event, field, change):
    return (position, field, product["shop"], product["sku"], event.timestamp,
            change["old"], change["new"], event.sync_id, event.source)


def _price_row(product, position, event):
    effective = effective_sale_price(product["sale_prices"], budapest_day(event.timestamp))
    base = product["fields"].get("base_price")
    return (position, product["shop"], product["sku"], event.timestamp,
            None if base is None else Decimal(base), dict(product["sale_prices"]),
            None if effective is None else Decimal(effective[1]["price"]), event.sync_id, event.source)


async def _write_products(conn, products) -> None:
    records = []
    for p in products:
        f = p["fields"]
        records.append((
            p["shop"], p["sku"], p["product_id"], f["name"], f["unit"], f["vat"],
            None if f["base_price"] is None else Decimal(f["base_price"]),
            None if f["stock1"] is None else Decimal(f["stock1"]),
            f["category"], f["image"], f["description"], p["sale_prices"], p["version"],
            p["created_at"], p["updated_at"], p["last_sync"],
        ))
    # COPY into a scratch table and upsert from it: one statement instead of one per product.
    await conn.execute("CREATE TEMP TABLE IF NOT EXISTS product_view_in (LIKE product_view)"
                       " ON COMMIT DELETE ROWS")
    await conn.copy_records_to_table("product_view_in", records=records, columns=VIEW_COLUMNS)
    await conn.execute(
        f"INSERT INTO product_view ({', '.join(VIEW_COLUMNS)}) SELECT {', '.join(VIEW_COLUMNS)}"
        " FROM product_view_in ON CONFLICT (shop, sku) DO UPDATE SET name = EXCLUDED.name,"
        " unit = EXCLUDED.unit, vat = EXCLUDED.vat, base_price = EXCLUDED.base_price,"
        " stock1 = EXCLUDED.stock1, category = EXCLUDED.category, image = EXCLUDED.image,"
        " description = EXCLUDED.description, sale_prices = EXCLUDED.sale_prices,"
        " version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, last_sync = EXCLUDED.last_sync")


VIEW_COLUMNS = ("shop", "sku", "product_id", "name", "unit", "vat", "base_price", "stock1", "category",
                "image", "description", "sale_prices", "version", "created_at", "updated_at", "last_sync")
