"""A product as it was at any instant, computed from its events: exact to the microsecond, with the
sync (or shop action) that last set each field."""
from __future__ import annotations

import asyncio
from datetime import datetime

from ledger.domain.ids import product_id
from ledger.domain.product import PRODUCT_FIELDS, Product
from ledger.domain.sale_prices import effective_sale_price
from ledger.domain.values import budapest_day
from ledger.read.formats import plain
from projections.decoding import decode_rows


def fold_until(events, instant: datetime) -> dict | None:
    """The product as of `instant`: every event stamped at or before it, applied in commit order
    (`events` in that order). Stamps do not follow commit order (a push is stamped when it arrived, a
    shop's sale price when saved), so a later-stamped event does not end the fold: events committed
    after it may be stamped earlier."""
    product = None
    for positioned in events:
        event = positioned.event
        if event.timestamp > instant:
            continue
        origin = {"sync_id": event.sync_id, "source": event.source, "at": event.timestamp,
                  "event_position": positioned.position}
        if isinstance(event, Product.Created):
            product = {"fields": {f: event.fields.get(f) for f in PRODUCT_FIELDS},
                       "sale_prices": dict(event.sale_prices), "set_by": {}, "version": 1}
            product["set_by"] = {f: origin for f in event.fields}
            product["set_by"].update({f"sale_price:{p}": origin for p in event.sale_prices})
        elif product is not None:
            for field, change in event.changes.items():
                product["fields"][field] = change["new"]
                product["set_by"][field] = origin
            for priority, change in event.sale_price_changes.items():
                product["sale_prices"][priority] = change["new"]
                product["set_by"][f"sale_price:{priority}"] = origin
        if product is not None:
            product.update(version=event.originator_version, updated_at=event.timestamp,
                           last_sync=event.sync_id)
    return product


async def product_as_of(conn, shop: str, sku: str, instant: datetime) -> dict | None:
    # One product's events in version order are in commit order: version n+1 is saved after n.
    rows = await conn.fetch(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM ledger_events"
        " WHERE originator_id = $1 ORDER BY originator_version", product_id(shop, sku))
    product = fold_until(await asyncio.to_thread(decode_rows, rows), instant)
    if product is None:
        return None
    fields, day = product["fields"], budapest_day(instant)
    effective = effective_sale_price({p: sp for p, sp in product["sale_prices"].items() if sp}, day)
    category = None
    if fields["category"]:
        name = await conn.fetchval(
            "SELECT new #>> '{}' FROM category_history WHERE shop = $1 AND category_key = $2"
            " AND field = 'name' AND at <= $3 ORDER BY position DESC LIMIT 1", shop, fields["category"], instant)
        category = {"key": fields["category"], "name": name}
    return plain({
        "sku": sku, "as_of": instant, **{f: fields[f] for f in PRODUCT_FIELDS if f != "category"},
        "category": category,
        "sale_prices": [{"priority": int(p), **sp} for p, sp in
                        sorted(product["sale_prices"].items(), key=lambda i: int(i[0])) if sp],
        "effective_sale_price": effective[1]["price"] if effective else None,
        "version": product["version"], "updated_at": product["updated_at"],
        "last_sync": product["last_sync"], "set_by": product["set_by"],
    })
