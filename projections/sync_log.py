"""The sync log: every Kulcs call with its kind, outcome and counts."""
from __future__ import annotations

from ledger.domain.sync import Sync
from projections.decoding import events_of


async def apply_batch(conn, batch, memo: dict | None = None) -> None:
    records = [
        (p.event.originator_id, p.event.shop, p.event.kind, p.event.received_at, p.event.outcome,
         p.event.counts, p.event.errors, p.event.message, p.event.replay_of, p.event.parser_version,
         p.event.request_sha256, p.position, p.event.replayed_by)
        for p in events_of(batch, Sync.Created)
    ]
    await conn.executemany(
        "INSERT INTO sync_log (sync_id, shop, kind, received_at, outcome, counts, errors, message,"
        " replay_of, parser_version, request_sha256, position, replayed_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", records)
