"""Floors: the least work PostgreSQL and lxml must do for a workload, measured in the same run.

- `copy_floor`: asyncpg COPY of the push's real stored event rows (same columns, same bytes) into a
  scratch table shaped like `ledger_events` (its primary key and notification-id index included).
- `parse_select_floor`: `lxml.etree.fromstring` of the request body, plus one bulk SELECT of the
  decision-state rows of its SKUs.
"""
from __future__ import annotations

import statistics
import time

import asyncpg
from lxml import etree

from projections.runner import event_head

COLUMNS = ("originator_id", "originator_version", "topic", "state", "notification_id")


async def head(url: str) -> int:
    """The last event's notification id (0 before any): what a push's events come after."""
    conn = await asyncpg.connect(url)
    try:
        return await event_head(conn)
    finally:
        await conn.close()


async def event_rows(url: str, after: int) -> list[tuple]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(f"SELECT {', '.join(COLUMNS)} FROM ledger_events"
                                " WHERE notification_id > $1 ORDER BY notification_id", after)
    finally:
        await conn.close()
    return [tuple(r) for r in rows]


async def copy_floor(url: str, rows: list[tuple], repeat: int = 3) -> float:
    """Median seconds to COPY `rows` into a fresh scratch table (autocommit, so the commit counts)."""
    conn = await asyncpg.connect(url)
    timings = []
    try:
        for _ in range(repeat):
            await conn.execute("DROP TABLE IF EXISTS bench_scratch_events")
            await conn.execute("CREATE TABLE bench_scratch_events (LIKE ledger_events INCLUDING INDEXES)")
            started = time.perf_counter()
            await conn.copy_records_to_table("bench_scratch_events", records=rows, columns=COLUMNS)
            timings.append(time.perf_counter() - started)
        await conn.execute("DROP TABLE bench_scratch_events")
    finally:
        await conn.close()
    return statistics.median(timings)


async def parse_select_floor(url: str, body: bytes, shop: str, skus: list[str], repeat: int = 3) -> float:
    conn = await asyncpg.connect(url)
    timings = []
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            etree.fromstring(body)
            rows = await conn.fetch("SELECT * FROM product_state WHERE shop = $1 AND sku = ANY($2)",
                                    shop, skus)
            timings.append(time.perf_counter() - started)
            assert len(rows) == len(skus), (len(rows), len(skus))
    finally:
        await conn.close()
    return statistics.median(timings)
