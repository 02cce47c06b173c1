"""Migration 0012 on a database that already holds orders: order_history is filled from the events the
views have projected, as the projector itself would have written it, so verify finds nothing."""
from __future__ import annotations

import asyncpg

from ledger.audit.verify import verify
from ledger.service.order_confirm import handle_order_confirm
from ledger.service.order_download import handle_order_download
from ledger.service.orders import place_order
from migrations.runner import apply_migrations
from tests.integration.test_verify import filled, sql  # noqa: F401  (the fixture: shop, products, order)
from projections import runner
from tests.kulcs_docs import call
from tests.order_payloads import order_payload

ORDER_HISTORY = "SELECT * FROM order_history ORDER BY position, field"


async def test_order_history_filled_by_the_migration_is_what_the_projector_writes(filled, ledger_app, db_url):
    place_order(ledger_app, "s1", order_payload("o-2"), "t")
    async with filled.acquire() as conn:
        shop = await conn.fetchrow("SELECT * FROM shops WHERE webshopid = 's1'")
    handle_order_download(ledger_app, call("s1", b"", kind="orders_download"), shop)
    handle_order_confirm(ledger_app, call("s1", b"", kind="orders_confirm"), xml=(
        "<visszaigazolas><megrendeles><azonosito>o-2</azonosito><bizonylatszam>VR-1</bizonylatszam>"
        "<statusz>Teljesítve</statusz></megrendeles></visszaigazolas>").encode())
    await runner.catch_up(filled)
    projected = sql(db_url, ORDER_HISTORY)
    assert {row[1] for row in projected} == {"handed_over", "confirmed"}

    # as a database projected before 0012 stands: no order_history, the views up to date
    sql(db_url, "DROP TABLE order_history")
    sql(db_url, "DELETE FROM schema_migrations WHERE name = '0012_order_history.sql'")
    conn = await asyncpg.connect(db_url)
    try:
        assert await apply_migrations(conn) == ["0012_order_history.sql"]
    finally:
        await conn.close()

    assert sql(db_url, ORDER_HISTORY) == projected
    report = await verify(db_url, filled)
    assert report["ok"], report["problems"]
