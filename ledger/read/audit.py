"""Month-end questions: the whole price list at a moment, and what two syncs did differently."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from ledger.domain.sale_prices import effective_sale_price
from ledger.domain.values import budapest_day
from ledger.read.formats import plain

PRICE_LIST_COLUMNS = ("sku", "base_price", "effective_sale_price", "effective_priority", "set_at", "sync_id",
                      "source")

# The price fields' rows of field_history; the same text as the predicate of the partial index
# field_history_prices_idx (migrations/0011_price_list_by_position.sql), so that the planner uses it.
PRICE_FIELDS_SQL = r"f.field = 'base_price' OR f.field LIKE 'sale\_price:%'"
# Per SKU and price field, the change with the highest position among those stamped <= $2, of the
# products created (stamped) <= $2; in the index's order, so without a sort.
PRICE_LIST_SQL = (
    "SELECT DISTINCT ON (f.sku, f.field) f.sku, f.field, f.new, f.at, f.sync_id, f.source, f.position"
    " FROM field_history f WHERE f.shop = $1 AND f.at <= $2"
    f" AND ({PRICE_FIELDS_SQL}) AND EXISTS (SELECT 1 FROM product_view v"
    "  WHERE v.shop = f.shop AND v.sku = f.sku AND v.created_at <= $2)"
    " ORDER BY f.sku, f.field, f.position DESC")


async def price_list(conn, shop: str, instant: datetime) -> list[dict]:
    """Each product's prices as of `instant`: every event stamped at or before it, applied in commit
    order (position), as ledger.audit.as_of folds them for one product. Stamps do not follow commit
    order (a push is stamped when it arrived, a shop's sale price when saved), so the value of each
    price field is its change with the highest position among those stamped <= instant, and a
    price_history row (the whole price state after an event, later-stamped changes committed
    before it included) cannot be used. A product is listed once its creation is stamped <= instant."""
    rows = await conn.fetch(PRICE_LIST_SQL, shop, instant)
    day = budapest_day(instant)
    products: dict[str, dict] = {}
    for r in rows:
        product = products.setdefault(r["sku"], {"base_price": None, "sale_prices": {}, "last": r})
        if r["field"] == "base_price":
            product["base_price"] = r["new"]
        else:
            product["sale_prices"][r["field"].split(":", 1)[1]] = r["new"]
        if r["position"] > product["last"]["position"]:
            product["last"] = r
    answer = []
    for sku, product in sorted(products.items()):
        effective = effective_sale_price({p: sp for p, sp in product["sale_prices"].items() if sp}, day)
        last = product["last"]
        answer.append(plain({
            "sku": sku,
            "base_price": None if product["base_price"] is None else Decimal(str(product["base_price"])),
            "effective_sale_price": Decimal(effective[1]["price"]) if effective else None,
            "effective_priority": effective[0] if effective else None,
            "set_at": last["at"], "sync_id": last["sync_id"], "source": last["source"]}))
    return answer


async def sync_diff(conn, shop: str, this: UUID, other: UUID) -> dict:
    syncs = {r["sync_id"]: r for r in await conn.fetch(
        "SELECT sync_id, kind, received_at, outcome, counts FROM sync_log WHERE shop = $1"
        " AND sync_id = ANY($2::uuid[])", shop, [this, other])}
    if this not in syncs or other not in syncs:
        return None
    changes = {}
    for r in await conn.fetch("SELECT sync_id, sku, field, new FROM field_history"
                              " WHERE sync_id = ANY($1::uuid[]) ORDER BY position", [this, other]):
        side = "this" if r["sync_id"] == this else "other"
        changes.setdefault((r["sku"], r["field"]), {})[side] = r["new"]
    grouped = {"same": [], "different": [], "only_this": [], "only_other": []}
    for (sku, field), sides in sorted(changes.items()):
        entry = {"sku": sku, "field": field, **sides}
        if "this" not in sides:
            grouped["only_other"].append(entry)
        elif "other" not in sides:
            grouped["only_this"].append(entry)
        else:
            grouped["same" if sides["this"] == sides["other"] else "different"].append(entry)
    counts = {name: {"this": syncs[this]["counts"].get(name), "other": syncs[other]["counts"].get(name)}
              for name in sorted(set(syncs[this]["counts"]) | set(syncs[other]["counts"]))}
    return plain({"sync_id": this, "against": other, "counts": counts, **grouped,
                  "syncs": {"this": dict(syncs[this]), "other": dict(syncs[other])}})
