"""Who changed which shop setting when (secrets only as "set" or "changed")."""
from __future__ import annotations

from ledger.domain.shop import Shop
from projections.decoding import events_of


async def apply_batch(conn, batch, memo: dict | None = None) -> None:
    records = []
    for p in events_of(batch, (Shop.Created, Shop.SettingsChanged)):
        event = p.event
        if isinstance(event, Shop.Created):
            changes = {k: {"old": None, "new": v} for k, v in event.settings.items()}
            changes["password"] = {"old": None, "new": "set"}
            if event.import_password_hash:
                changes["import_password"] = {"old": None, "new": "set"}
            records.append((p.position, event.webshopid, event.timestamp, event.actor, changes))
        elif isinstance(event, Shop.SettingsChanged):
            records.append((p.position, event.webshopid, event.timestamp, event.actor, event.changes))
    await conn.executemany("INSERT INTO shop_settings_history (position, shop, at, actor, changes)"
                           " VALUES ($1, $2, $3, $4, $5)", records)
