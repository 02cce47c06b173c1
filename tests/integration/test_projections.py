"""Projections on a real PostgreSQL: exactly once, atomic per page, rebuildable from events alone."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import asyncpg
import pytest

from ledger.http.app import open_pool
from ledger.service.product_upload import handle_product_upload
from ledger.service.shop_sale_prices import set_shop_sale_price
from ledger.service.shops import create_shop
from projections import product_state, runner, shadow
from tests.kulcs_docs import call, product_xml

VIEWS = {
    "product_view": "SELECT shop, sku, name, base_price, stock1, sale_prices, version FROM product_view ORDER BY sku",
    "field_history": "SELECT position, field, old, new, sync_id FROM field_history ORDER BY position, field",
    "price_history": "SELECT position, base_price, effective_sale_price, sync_id FROM price_history ORDER BY position",
    "sync_log": "SELECT sync_id, outcome, counts FROM sync_log ORDER BY position",
    "category_view": "SELECT category_key, name, active FROM category_view ORDER BY category_key",
    "shop_settings_history": "SELECT position, shop, changes FROM shop_settings_history ORDER BY position",
}


@pytest.fixture
def history(ledger_app):
    create_shop(ledger_app, {"webshopid": "s1", "password": "secret1", "sync_type": "full"}, "t")
    for i in range(5):
        rows = [{"termekkod": f"SKU-{n}", "ar": str(1000 + n + i), "szabadraktar": str(i),
                 "arakcios": "0" if i % 2 else str(900 + n), "kat": f"Kat {n % 3}"} for n in range(40)]
        handle_product_upload(ledger_app, call("s1", product_xml(rows)), "full", max_rows=1000)
    set_shop_sale_price(ledger_app, "s1", "SKU-1", "5", {"price": "777"})
    return ledger_app


async def snapshot(pool) -> dict:
    async with pool.acquire() as conn:
        return {name: [tuple(r) for r in await conn.fetch(sql)] for name, sql in VIEWS.items()}


async def test_projections_apply_each_event_exactly_once_with_concurrent_projectors(history, pool):
    applied = await asyncio.gather(*(runner.catch_up(pool, batch_size=37) for _ in range(3)))
    async with pool.acquire() as conn:
        head = await conn.fetchval("SELECT max(notification_id) FROM ledger_events")
        assert sum(applied) == head
        assert await conn.fetchval("SELECT count(*) FROM sync_log") == 5
        assert await conn.fetchval("SELECT count(*) FROM field_history WHERE sku = 'SKU-1'"
                                   " AND field = 'base_price'") == 5


async def test_a_page_that_fails_leaves_views_and_position_untouched(history, pool, monkeypatch):
    await runner.project_page(pool, batch_size=50)
    before = await snapshot(pool)
    async with pool.acquire() as conn:
        position = await runner.tracked_position(conn)

    async def fail_after_writing(conn, batch, memo=None):
        await real_apply(conn, batch, memo)
        raise RuntimeError("projector crashed mid-page")

    real_apply = product_state.apply_batch
    monkeypatch.setattr(runner, "PROJECTIONS", (type("P", (), {"apply_batch": staticmethod(
        fail_after_writing)}),))
    with pytest.raises(RuntimeError):
        await runner.project_page(pool, batch_size=50)
    assert await snapshot(pool) == before
    async with pool.acquire() as conn:
        assert await runner.tracked_position(conn) == position


async def test_rebuild_from_events_alone_reproduces_every_view(history, pool, db_url):
    await runner.catch_up(pool, batch_size=64)
    built_live = await snapshot(pool)
    await shadow.rebuild_without_downtime(db_url, pool)
    assert await snapshot(pool) == built_live
    assert len(built_live["product_view"]) == 40 and len(built_live["category_view"]) == 3


async def test_a_rebuild_leaves_every_view_durable_with_the_indexes_and_keys_it_had(history, pool, db_url):
    query = ("SELECT tablename, indexname, regexp_replace(indexdef, ' ON \\S+ ', ' ON ') FROM pg_indexes"
             " WHERE schemaname = 'public' ORDER BY 1, 2")
    async with pool.acquire() as conn:
        before = [tuple(r) for r in await conn.fetch(query)]
        keys_before = await conn.fetchval("SELECT count(*) FROM pg_constraint WHERE contype IN ('p', 'u')")
    await shadow.rebuild_without_downtime(db_url, pool)
    async with pool.acquire() as conn:
        assert [tuple(r) for r in await conn.fetch(query)] == before
        assert await conn.fetchval("SELECT count(*) FROM pg_constraint WHERE contype IN ('p', 'u')") == keys_before
    assert any(table == "field_history" for table, _name, _ddl in before)
    async with pool.acquire() as conn:  # the switched-in tables are durable, as the live ones were
        assert await conn.fetchval("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
                                   " AND relkind IN ('r', 'i') AND relpersistence <> 'p'") == 0


async def test_a_rebuild_hands_over_tables_already_vacuumed_and_analyzed(history, pool, db_url):
    """Else autovacuum's first VACUUM ANALYZE of each rebuilt history table runs beside the requests."""
    await shadow.rebuild_without_downtime(db_url, pool)
    async with pool.acquire() as conn:
        stats = {r["relname"]: r for r in await conn.fetch(
            "SELECT s.relname, last_vacuum, last_analyze, relallvisible, relpages FROM pg_stat_user_tables s"
            " JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = 'public'")}
    for table in shadow.TABLES:
        assert stats[table]["last_vacuum"] is not None and stats[table]["last_analyze"] is not None, table
    assert stats["field_history"]["relpages"] > 0
    assert stats["field_history"]["relallvisible"] == stats["field_history"]["relpages"]


async def test_a_rebuild_outlasts_the_server_pools_command_timeout(history, db_url):
    """The API rebuilds with the server's pool (60 s per statement); indexing and vacuuming millions of
    rows take longer. Here VACUUM is slowed down (cost-based delay) past a 2 s command timeout."""
    conn = await asyncpg.connect(db_url)
    try:
        database = await conn.fetchval("SELECT current_database()")
        await conn.execute(f"ALTER DATABASE {database} SET vacuum_cost_delay = '20ms'")
        await conn.execute(f"ALTER DATABASE {database} SET vacuum_cost_limit = 1")
    finally:
        await conn.close()
    pool = await open_pool(db_url, min_size=1, max_size=4, command_timeout=2)
    try:
        await runner.catch_up(pool, batch_size=64)  # live views as large as the rebuilt ones will be
        async with pool.acquire() as conn:
            with pytest.raises(TimeoutError):  # on the pool, the same VACUUM of the live tables fails
                await shadow.vacuum_shadow(conn, "public")
        await shadow.rebuild_without_downtime(db_url, pool)
        assert len((await snapshot(pool))["product_view"]) == 40
    finally:
        await pool.close()


async def test_price_history_names_every_sync_that_changed_a_price(history, pool):
    await runner.catch_up(pool)
    async with pool.acquire() as conn:
        points = await conn.fetch("SELECT p.sync_id, p.source, s.kind FROM price_history p"
                                  " LEFT JOIN sync_log s USING (sync_id) WHERE p.sku = 'SKU-1'"
                                  " ORDER BY p.position")
    assert len(points) == 6
    assert all(p["kind"] == "products" for p in points[:5]) and points[5]["source"] == "shop"


AWKWARD = "Tab\there, new\nline, back\\slash \\N \"quoted\" é ő ✓"


async def test_text_copy_keeps_awkward_text_and_json_exactly(ledger_app, pool):
    create_shop(ledger_app, {"webshopid": "s1", "password": "secret1", "sync_type": "full"}, "t")
    rows = [{"termekkod": "SKU-\\1", "ar": "1000", "szabadraktar": "1", "nev": AWKWARD,
             "tmegjegyzes": AWKWARD, "kat": "Kat\t1"}]
    handle_product_upload(ledger_app, call("s1", product_xml(rows)), "full", max_rows=10)
    await runner.catch_up(pool)
    async with pool.acquire() as conn:
        state = await conn.fetchrow("SELECT fields FROM product_state WHERE sku = 'SKU-\\1'")
        view = await conn.fetchrow("SELECT * FROM product_view WHERE sku = 'SKU-\\1'")
        history = {r["field"]: r["new"] for r in await conn.fetch(
            "SELECT field, new FROM field_history WHERE sku = 'SKU-\\1'")}
    fields = state["fields"]
    assert "\t" in fields["name"] and "\\" in fields["name"]  # the parser kept them: a real test
    for field in ("name", "description", "category"):
        assert view[field] == fields[field]
        assert history[field] == fields[field]
    assert view["base_price"] == Decimal(fields["base_price"])
