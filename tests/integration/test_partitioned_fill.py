"""A rebuild's fill split by product across worker processes (projections/partitions.py)."""
from __future__ import annotations

import asyncio
import os

import pytest

from ledger.http.app import open_pool

from projections import partitions, shadow
from projections.runner import NAME, VIEW_TABLES
from projections.shadow import rebuild_without_downtime
from tests.integration.test_verify import filled, sql  # noqa: F401  (the fixture: shop, products, order)
from tests.processes import children_running, unreaped_children


async def test_a_fill_split_three_ways_in_small_pages_matches_the_live_views_row_for_row(filled, db_url):
    head = sql(db_url, "SELECT max(notification_id) FROM ledger_events")[0][0]
    async with filled.acquire() as conn:
        await shadow.create_shadow(conn, "three")
    try:
        # pages of 7 events: each worker pipelines many pages and carries its products across them
        assert await partitions.fill_partitioned(db_url, "three", head, partitions=3, page_size=7) == head
        async with filled.acquire() as conn:
            for table in VIEW_TABLES:
                assert await shadow.rows_differing(conn, "three", table) == 0, table
            for table in ("product_view", "price_history", "order_view", "sync_log", "category_view"):
                assert await conn.fetchval(f"SELECT count(*) FROM three.{table}") > 0, table
            assert await conn.fetchval("SELECT position FROM three.projection_tracking WHERE name = $1",
                                       NAME) == head
            products_per_partition = [await conn.fetchval(
                "SELECT count(DISTINCT originator_id) FROM ledger_events WHERE topic = ANY($1::text[])"
                " AND get_byte(uuid_send(originator_id), 15) % 3 = $2", partitions.PRODUCT_TOPICS, k)
                for k in range(3)]
            assert sum(products_per_partition) == 30 and min(products_per_partition) > 0
    finally:
        async with filled.acquire() as conn:
            await conn.execute("DROP SCHEMA IF EXISTS three CASCADE")


async def test_a_worker_that_fails_fails_the_rebuild_and_the_live_views_keep_serving(filled, db_url):
    sql(db_url, "INSERT INTO ledger_events (originator_id, originator_version, topic, state)"
                " SELECT gen_random_uuid(), 2, topic, state FROM ledger_events"
                " WHERE topic = 'kulcs-ledger:Product.Changed' LIMIT 1")  # a product nobody created
    before = sql(db_url, "SELECT count(*), max(version) FROM product_view")
    position = sql(db_url, "SELECT position FROM projection_tracking")
    with pytest.raises(partitions.FillFailed, match="(?s)partition . of .* failed .exit status 1.*KeyError"):
        await rebuild_without_downtime(db_url, filled)
    assert sql(db_url, "SELECT count(*), max(version) FROM product_view") == before
    assert sql(db_url, "SELECT position FROM projection_tracking") == position
    assert children_running(os.getpid(), "projections.partitions") == [], "the other workers were killed"
    assert unreaped_children(os.getpid()) == [], "and reaped"


async def test_an_empty_log_rebuilds_to_empty_views(pg_server):
    db_url = pg_server.new_database()
    pool = await open_pool(db_url, min_size=1, max_size=2)
    try:
        assert await rebuild_without_downtime(db_url, pool) == {"rebuilt_events": 0, "position": 0}
        async with pool.acquire() as conn:
            assert [await conn.fetchval(f"SELECT count(*) FROM {table}") for table in VIEW_TABLES] == [0] * len(VIEW_TABLES)
    finally:
        await pool.close()


async def test_the_database_url_reaches_the_workers_on_stdin_not_on_their_command_line(
        filled, db_url, monkeypatch):
    command_lines = []
    real_exec = asyncio.create_subprocess_exec

    async def recording_exec(*args, **kwargs):
        command_lines.append(" ".join(map(str, args)))
        return await real_exec(*args, **kwargs)

    monkeypatch.setattr(partitions.asyncio, "create_subprocess_exec", recording_exec)
    result = await rebuild_without_downtime(db_url, filled)
    assert result["rebuilt_events"] == sql(db_url, "SELECT count(*) FROM ledger_events")[0][0]
    assert len(command_lines) == partitions.PARTITIONS
    assert not any(db_url in line or "@" in line for line in command_lines)
