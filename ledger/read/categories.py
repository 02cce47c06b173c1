"""The category tree (roots first, children nested) with each category's history."""
from __future__ import annotations

from ledger.read.formats import plain


async def category_tree(conn, shop: str) -> list[dict]:
    rows = await conn.fetch("SELECT * FROM category_view WHERE shop = $1 ORDER BY category_key", shop)
    history = await conn.fetch(
        "SELECT category_key, at, field, old, new, sync_id, source, position FROM category_history"
        " WHERE shop = $1 ORDER BY position, field", shop)
    changes: dict[str, list] = {}
    for h in history:
        changes.setdefault(h["category_key"], []).append(plain({
            "at": h["at"], "field": h["field"], "old": h["old"], "new": h["new"],
            "sync_id": h["sync_id"], "source": h["source"], "event_position": h["position"]}))
    nodes = {r["category_key"]: plain({
        "key": r["category_key"], "kulcs_id": r["kulcs_id"], "name": r["name"],
        "parent": r["parent_key"], "active": r["active"], "updated_at": r["updated_at"],
        "last_sync": r["last_sync"], "history": changes.get(r["category_key"], []), "children": []})
        for r in rows}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["parent"]) if node["parent"] else None
        (parent["children"] if parent else roots).append(node)
    return roots
