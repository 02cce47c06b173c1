"""The category tree as it is now (Kulcs ids, parents, active flags) and the history of each category."""
from __future__ import annotations

from ledger.domain.category import Category
from projections.decoding import events_of

_CHANGEABLE = ("name", "parent_key", "active", "kulcs_id")
_CATEGORY_EVENTS = (Category.Created, Category.Changed)


async def apply_batch(conn, batch, memo: dict | None = None) -> None:
    history = []
    for positioned in events_of(batch, _CATEGORY_EVENTS):
        event = positioned.event
        if isinstance(event, Category.Created):
            await conn.execute(
                "INSERT INTO category_view (category_id, shop, category_key, kulcs_id, name,"
                " parent_key, active, created_at, updated_at, last_sync)"
                " VALUES ($1, $2, $3, $4, $5, $6, true, $7, $7, $8)",
                event.originator_id, event.shop, event.category_key, event.kulcs_id, event.name,
                event.parent_key, event.timestamp, event.sync_id)
            created = {"name": event.name, "parent_key": event.parent_key, "active": True,
                       "kulcs_id": event.kulcs_id}
            history += [(positioned.position, f, event.shop, event.category_key, event.timestamp,
                         None, v, event.sync_id, event.source) for f, v in created.items()]
        elif isinstance(event, Category.Changed):
            sets = {f: c["new"] for f, c in event.changes.items() if f in _CHANGEABLE}
            assignments = "".join(f", {f} = ${i + 4}" for i, f in enumerate(sets))
            row = await conn.fetchrow(
                f"UPDATE category_view SET updated_at = $2, last_sync = $3{assignments}"
                " WHERE category_id = $1 RETURNING shop, category_key",
                event.originator_id, event.timestamp, event.sync_id, *sets.values())
            history += [(positioned.position, f, row["shop"], row["category_key"], event.timestamp,
                         c["old"], c["new"], event.sync_id, event.source)
                        for f, c in event.changes.items()]
    await conn.executemany(
        "INSERT INTO category_history (position, field, shop, category_key, at, old, new, sync_id,"
        " source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", history)
