"""The category tree as it is now, with Kulcs ids, parents and active flags."""
from __future__ import annotations

from ledger.domain.category import Category

_CHANGEABLE = ("name", "parent_key", "active", "kulcs_id")


async def apply_batch(conn, batch) -> None:
    for positioned in batch:
        event = positioned.event
        if isinstance(event, Category.Created):
            await conn.execute(
                "INSERT INTO category_view (category_id, shop, category_key, kulcs_id, name,"
                " parent_key, active, created_at, updated_at, last_sync)"
                " VALUES ($1, $2, $3, $4, $5, $6, true, $7, $7, $8)",
                event.originator_id, event.shop, event.category_key, event.kulcs_id, event.name,
                event.parent_key, event.timestamp, event.sync_id)
        elif isinstance(event, Category.Changed):
            sets = {f: c["new"] for f, c in event.changes.items() if f in _CHANGEABLE}
            assignments = "".join(f", {f} = ${i + 4}" for i, f in enumerate(sets))
            await conn.execute(
                f"UPDATE category_view SET updated_at = $2, last_sync = $3{assignments}"
                " WHERE category_id = $1",
                event.originator_id, event.timestamp, event.sync_id, *sets.values())
