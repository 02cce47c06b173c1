"""The sync log: every Kulcs call, what it counted, what it changed."""
from __future__ import annotations

import asyncio
from datetime import datetime
from uuid import UUID

from ledger.read.formats import plain
from ledger.storage.request_bodies import HELD_BODY, REQUESTS_HOLDING, as_received


def sync_json(row) -> dict:
    answer = {"sync_id": row["sync_id"], "kind": row["kind"], "received_at": row["received_at"],
              "outcome": row["outcome"], "counts": row["counts"], "event_position": row["position"]}
    if row["replay_of"]:
        answer["replay_of"] = row["replay_of"]
    if row["replayed_by"]:
        answer["replayed_by"] = row["replayed_by"]
    if row["message"]:
        answer["message"] = row["message"]
    return plain(answer)


async def syncs(conn, shop: str, *, kind: str | None, start: datetime | None, end: datetime | None,
                after: int | None, limit: int, outcome: str | None = None) -> list[dict]:
    rows = await conn.fetch(
        "SELECT * FROM sync_log WHERE shop = $1 AND ($2::text IS NULL OR kind = $2)"
        " AND ($3::timestamptz IS NULL OR received_at >= $3)"
        " AND ($4::timestamptz IS NULL OR received_at < $4)"
        " AND ($5::bigint IS NULL OR position < $5)"
        " AND ($7::text IS NULL OR outcome = $7)"
        " ORDER BY position DESC LIMIT $6", shop, kind, start, end, after, limit, outcome)
    return [sync_json(r) for r in rows]


async def sync(conn, shop: str, sync_id: UUID) -> dict | None:
    row = await conn.fetchrow("SELECT * FROM sync_log WHERE shop = $1 AND sync_id = $2", shop, sync_id)
    if row is None:
        return None
    changes = await conn.fetch(
        "SELECT sku, field, old, new, at, position FROM field_history WHERE sync_id = $1"
        " ORDER BY position, field", sync_id)
    category_changes = await conn.fetch(  # a shop's categories are few: no index on sync_id
        "SELECT category_key, field, old, new, position FROM category_history WHERE shop = $1"
        " AND sync_id = $2 ORDER BY position, field", shop, sync_id)
    order_changes = await conn.fetch(
        "SELECT order_id, field, old, new, position FROM order_history WHERE sync_id = $1 AND shop = $2"
        " ORDER BY position, field", sync_id, shop)
    return {**sync_json(row), "parser_version": row["parser_version"],
            "request_sha256": row["request_sha256"], "errors": row["errors"],
            "changes": [plain({"sku": c["sku"], "field": c["field"], "old": c["old"], "new": c["new"],
                               "event_position": c["position"]}) for c in changes],
            "category_changes": [plain({"category": c["category_key"], "field": c["field"], "old": c["old"],
                                        "new": c["new"], "event_position": c["position"]})
                                 for c in category_changes],
            "order_changes": [plain({"order_id": c["order_id"], "field": c["field"], "old": c["old"],
                                     "new": c["new"], "event_position": c["position"]})
                              for c in order_changes]}


async def recorded_request(conn, shop: str, sync_id: UUID) -> dict | None:
    """The stored call, its `body` the bytes as received (decompressed off the event loop)."""
    row = await conn.fetchrow(f"SELECT r.*, {HELD_BODY} FROM {REQUESTS_HOLDING}"
                              " WHERE r.shop = $1 AND r.sync_id = $2", shop, sync_id)
    if row is None:
        return None
    return await asyncio.to_thread(as_received, row) if row["held_compression"] else as_received(row)
