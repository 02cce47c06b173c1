"""A rebuild's swap and a live projector page that starts while the swap catches up: neither waits
for the other in a cycle (before, PostgreSQL found a deadlock and the rebuild failed after its fill)."""
from __future__ import annotations

import asyncio

from ledger.service.product_upload import handle_product_upload
from projections import runner, shadow
from tests.integration.test_verify import filled, sql  # noqa: F401  (the fixture: shop, products, order)
from tests.kulcs_docs import call, product_xml


async def test_a_projector_page_started_during_the_swap_waits_and_the_rebuild_completes(
        filled, db_url, ledger_app, monkeypatch):
    rows = [{"termekkod": f"SKU-{n}", "ar": str(500 + n)} for n in range(3)]
    handle_product_upload(ledger_app, call("s1", product_xml(rows)), "full", max_rows=1000)  # not projected yet
    caught_up, release = asyncio.Event(), asyncio.Event()
    original = shadow.catch_up_in_transaction

    async def catch_up_then_pause(conn, schema, stop):
        applied = await original(conn, schema, stop)
        caught_up.set()
        await release.wait()
        return applied

    monkeypatch.setattr(shadow, "catch_up_in_transaction", catch_up_then_pause)
    rebuild = asyncio.create_task(shadow.rebuild_without_downtime(db_url, filled))
    await asyncio.wait_for(caught_up.wait(), 60)
    page = asyncio.create_task(runner.project_page(filled, batch_size=2))
    await asyncio.sleep(1.5)  # past deadlock_timeout (1 s): PostgreSQL would have looked for a cycle
    release.set()
    result = await asyncio.wait_for(rebuild, 60)
    await asyncio.wait_for(page, 60)
    await runner.catch_up(filled)
    head = sql(db_url, "SELECT max(notification_id) FROM ledger_events")[0][0]
    assert result["position"] == head
    assert sql(db_url, "SELECT position FROM projection_tracking")[0][0] == head
    assert sql(db_url, "SELECT base_price::text FROM product_view WHERE sku = 'SKU-2'") == [("502.00",)]
