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


async def price_list(conn, shop: str, instant: datetime) -> list[dict]:
    rows = await conn.fetch(
        "SELECT DISTINCT ON (sku) sku, base_price, sale_prices, at, sync_id, source FROM price_history"
        " WHERE shop = $1 AND at <= $2 ORDER BY sku, at DESC, position DESC", shop, instant)
    day = budapest_day(instant)
    answer = []
    for r in rows:
        effective = effective_sale_price({p: sp for p, sp in r["sale_prices"].items() if sp}, day)
        answer.append(plain({
            "sku": r["sku"], "base_price": r["base_price"],
            "effective_sale_price": Decimal(effective[1]["price"]) if effective else None,
            "effective_priority": effective[0] if effective else None,
            "set_at": r["at"], "sync_id": r["sync_id"], "source": r["source"]}))
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
