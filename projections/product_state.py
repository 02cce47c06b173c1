"""Current product state, the history of every field, and the price history.

One pass per batch: the touched products are loaded once (or taken from `memo`, the products as the
caller's previous pages left them), the batch's events are applied in order in memory, then the rows
are written back in bulk, as text COPY buffers built once per page.
"""
from __future__ import annotations

from decimal import Decimal

from ledger.domain.product import PRODUCT_FIELDS, Product
from ledger.domain.sale_prices import effective_sale_price
from ledger.domain.values import budapest_day
from projections.decoding import events_of
from projections.copy_text import NULL, copy, jsonb, numeric, text, timestamptz, uuid

PRICE_FIELDS = ("base_price",)
_PRODUCT_EVENTS = (Product.Created, Product.Changed)
# A product dict also keeps the COPY text of what rarely changes, while it is unchanged:
_STATIC = "_static"  # the product_view columns in STATIC_COLUMNS
_SALE_PRICES = "_sale_prices"  # its sale prices as jsonb
_WHEN = "_when"  # updated_at and last_sync
_KEY = "_key"  # shop and sku
_DYNAMIC_FIELDS = frozenset(("base_price", "stock1"))


async def apply_batch(conn, batch, memo: dict | None = None) -> None:
    """`memo`: the caller's record of products as of the position this batch starts from (the caller
    guarantees that; it is updated in place, so the caller drops it if the page is not committed).
    When the caller has already `prepare`d this batch with it, the prepared rows are written."""
    planned = memo.get(PLANNED, {}).pop(id(batch), None) if memo is not None else None
    if planned is not None and planned[0] is batch:
        return await _write(conn, planned[1])
    product_events = events_of(batch, _PRODUCT_EVENTS)
    if not product_events:
        return
    known = memo.setdefault("products", {}) if memo is not None else {}
    products, missing = _touched(product_events, known)
    if missing:
        rows = await conn.fetch("SELECT * FROM product_view WHERE product_id = ANY($1::uuid[])", list(missing))
        for r in rows:
            products[r["product_id"]] = known[r["product_id"]] = _from_row(r)
    await _write(conn, _rows(product_events, products, known, _view_lines(memo)))


PLANNED = "product_state.planned"  # id(batch) -> (batch, its rows), until written
# In a memo: product_view is written once, by `write_remembered`, not page by page (a fill that is all
# or nothing writes each product once instead of once per page that changes it).
VIEW_AT_END = "product_state.view_at_end"


def _view_lines(memo: dict | None) -> bool:
    return memo is None or not memo.get(VIEW_AT_END)


async def write_remembered(conn, memo: dict) -> None:
    """product_view rows of every product `memo` knows, into a product_view that has none of them."""
    products = memo.get("products")
    if products:
        await copy(conn, "product_view", _product_lines(products.values()), STATIC_COLUMNS + DYNAMIC_COLUMNS)


def prepare(batch, memo: dict) -> bool:
    """Builds the batch's rows ahead of `apply_batch` (which then only writes them), from `memo` alone:
    possible when it knows every product the batch changes (answers False, changing nothing, if not).
    Pure computation, so a caller can run it in a thread while the previous page is being written."""
    product_events = events_of(batch, _PRODUCT_EVENTS)
    known = memo.setdefault("products", {})
    products, missing = _touched(product_events, known)
    if missing:
        return False
    memo.setdefault(PLANNED, {})[id(batch)] = (batch, _rows(product_events, products, known, _view_lines(memo)))
    return True


def _touched(product_events, known: dict) -> tuple[dict, set]:
    """The products the events touch, as known (None: created by them), and those not known."""
    products = {}
    missing = set()
    for p in product_events:
        originator = p.event.originator_id
        if originator in products or originator in missing:
            continue
        if originator in known:
            products[originator] = known[originator]
        elif isinstance(p.event, Product.Changed):
            missing.add(originator)
        else:
            products[originator] = None
    return products, missing


def _rows(product_events, products: dict, known: dict, view_lines: bool) -> tuple[list, list, list]:
    """Applies the events to the products (in place) and answers the page's COPY lines (none for
    product_view unless `view_lines`)."""
    field_lines, price_lines = [], []
    last_timestamp = last_sync = last_source = day = None
    for positioned in product_events:
        event, position = positioned.event, positioned.position
        # What the rows of this event share, as text once (and once per run of events that share it).
        if event.timestamp != last_timestamp:
            last_timestamp, day = event.timestamp, None
            at = timestamptz(last_timestamp)
        if event.sync_id != last_sync or event.source != last_source or last_sync is None:
            last_sync, last_source = event.sync_id, event.source
            sync_id = uuid(last_sync)
            how = f"{sync_id}\t{text(last_source)}\n"
        if isinstance(event, Product.Created):
            product = _created(event)
            products[event.originator_id] = known[event.originator_id] = product
            changes = {f: {"old": None, "new": v} for f, v in event.fields.items()}
            sale_changes = {p: {"old": None, "new": sp} for p, sp in event.sale_prices.items()}
        else:
            product = products[event.originator_id]
            changes, sale_changes = event.changes, event.sale_price_changes
            fields = product["fields"]
            for field, change in changes.items():
                fields[field] = change["new"]
                if field not in _DYNAMIC_FIELDS:
                    product.pop(_STATIC, None)
            if sale_changes:
                sale_prices = product["sale_prices"]
                for priority, change in sale_changes.items():
                    if change["new"] is None:
                        sale_prices.pop(priority, None)
                    else:
                        sale_prices[priority] = change["new"]
                product.pop(_SALE_PRICES, None)
        product.update(version=event.originator_version, updated_at=event.timestamp,
                       last_sync=event.sync_id)
        product[_WHEN] = f"{at}\t{sync_id}"
        if not (changes or sale_changes):
            continue
        where = f"{product.get(_KEY) or _key(product)}\t{at}"
        for field, change in changes.items():
            field_lines.append(f"{position}\t{_field_text(field)}\t{where}\t{jsonb(change['old'])}\t"
                               f"{jsonb(change['new'])}\t{how}")
        for priority, change in sale_changes.items():
            field_lines.append(f"{position}\t{_field_text('sale_price:' + priority)}\t{where}\t"
                               f"{jsonb(change['old'])}\t{jsonb(change['new'])}\t{how}")
        if sale_changes or any(f in changes for f in PRICE_FIELDS):
            # On the event's own day; where a window begins or ends on a later day, the reader adds the
            # point (ledger/read/price_windows.py): only it knows which of those days have come.
            if day is None:
                day = budapest_day(last_timestamp)
            effective = effective_sale_price(product["sale_prices"], day) if product["sale_prices"] else None
            price_lines.append(
                f"{position}\t{where}\t{numeric(product['fields'].get('base_price'))}\t"
                f"{_sale_prices_json(product)}\t{NULL if effective is None else numeric(effective[1]['price'])}"
                f"\t{how}")
    view = _product_lines([p for p in products.values() if p is not None]) if view_lines else []
    return view, field_lines, price_lines


async def _write(conn, rows) -> None:
    product_lines, field_lines, price_lines = rows
    if product_lines:
        await _write_products(conn, product_lines)
    if field_lines:
        await copy(conn, "field_history", field_lines, FIELD_HISTORY_COLUMNS)
    if price_lines:
        await copy(conn, "price_history", price_lines, PRICE_HISTORY_COLUMNS)


_field_texts: dict[str, str] = {}


def _field_text(field: str) -> str:
    escaped = _field_texts.get(field)
    if escaped is None:
        escaped = _field_texts[field] = text(field)
    return escaped


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
            "updated_at": r["updated_at"], "last_sync": r["last_sync"],
            _WHEN: f"{timestamptz(r['updated_at'])}\t{uuid(r['last_sync'])}"}


def _text(value: Decimal) -> str:
    return format(value, "f")


def _key(product) -> str:
    encoded = product[_KEY] = f"{text(product['shop'])}\t{text(product['sku'])}"
    return encoded


def _sale_prices_json(product) -> str:
    encoded = product.get(_SALE_PRICES)
    if encoded is None:
        encoded = product[_SALE_PRICES] = jsonb(product["sale_prices"])
    return encoded


def _static(p) -> str:
    encoded = p.get(_STATIC)
    if encoded is None:
        f = p["fields"]
        encoded = p[_STATIC] = "\t".join((
            text(p["shop"]), text(p["sku"]), uuid(p["product_id"]), text(f["name"]), text(f["unit"]),
            text(f["vat"]), text(f["category"]), jsonb(f["image"]), text(f["description"]),
            timestamptz(p["created_at"])))
    return encoded


def _product_lines(products) -> list[str]:
    return [f"{_static(p)}\t{numeric(p['fields']['base_price'])}\t{numeric(p['fields']['stock1'])}\t"
            f"{_sale_prices_json(p)}\t{p['version']}\t{p[_WHEN]}\n" for p in products]


async def _write_products(conn, lines) -> None:
    # COPY into a scratch table and upsert from it: one statement instead of one per product.
    await conn.execute("CREATE TEMP TABLE IF NOT EXISTS product_view_in (LIKE product_view)"
                       " ON COMMIT DELETE ROWS")
    await copy(conn, "product_view_in", lines, STATIC_COLUMNS + DYNAMIC_COLUMNS)
    await conn.execute(
        f"INSERT INTO product_view ({', '.join(VIEW_COLUMNS)}) SELECT {', '.join(VIEW_COLUMNS)}"
        " FROM product_view_in ON CONFLICT (shop, sku) DO UPDATE SET name = EXCLUDED.name,"
        " unit = EXCLUDED.unit, vat = EXCLUDED.vat, base_price = EXCLUDED.base_price,"
        " stock1 = EXCLUDED.stock1, category = EXCLUDED.category, image = EXCLUDED.image,"
        " description = EXCLUDED.description, sale_prices = EXCLUDED.sale_prices,"
        " version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, last_sync = EXCLUDED.last_sync")


VIEW_COLUMNS = ("shop", "sku", "product_id", "name", "unit", "vat", "base_price", "stock1", "category",
                "image", "description", "sale_prices", "version", "created_at", "updated_at", "last_sync")
STATIC_COLUMNS = ("shop", "sku", "product_id", "name", "unit", "vat", "category", "image", "description",
                  "created_at")
DYNAMIC_COLUMNS = ("base_price", "stock1", "sale_prices", "version", "updated_at", "last_sync")
FIELD_HISTORY_COLUMNS = ("position", "field", "shop", "sku", "at", "old", "new", "sync_id", "source")
PRICE_HISTORY_COLUMNS = ("position", "shop", "sku", "at", "base_price", "sale_prices", "effective_sale_price",
                         "sync_id", "source")
