"""As of T: every event stamped at or before T, applied in commit order. A push is stamped when it
arrived and a shop's sale price when it was saved, so a slow push can commit after a sale price that
is stamped later than the push: the price list, the product as of T and the current product must
still tell the same story."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from ledger.audit.as_of import product_as_of
from ledger.read import products as read_products
from ledger.read.audit import PRICE_LIST_SQL, price_list
from ledger.service.product_upload import handle_product_upload
from ledger.service.shop_sale_prices import set_shop_sale_price
from ledger.service.shops import create_shop
from projections import runner
from tests.kulcs_docs import call, product_xml

SHOP = "s1"


def push(app, rows, at):
    return handle_product_upload(app, call(SHOP, product_xml(rows), at=at), "full", max_rows=100).result


def later_than(instant: datetime) -> datetime:
    """The clock once it has passed `instant` (stamps a few microseconds apart must not tie)."""
    time.sleep(0.005)
    now = datetime.now(timezone.utc)
    assert now > instant
    return now


async def views(pool, sku, instant):
    await runner.catch_up(pool)
    async with pool.acquire() as conn:
        listed = {r["sku"]: r for r in await price_list(conn, SHOP, instant)}
        return listed.get(sku), await product_as_of(conn, SHOP, sku, instant), await read_products.product(
            conn, SHOP, sku)


async def stamps_of(pool, sku) -> list[datetime]:
    async with pool.acquire() as conn:
        return [r["at"] for r in await conn.fetch(
            "SELECT DISTINCT at, position FROM field_history WHERE sku = $1 ORDER BY position", sku)]


@pytest.fixture
def late_push_over_shop_price(ledger_app):
    """KS-1 pushed at 1000; the shop sets a sale price; then a push with base price 2000 that arrived
    before the shop's sale price was saved commits after it. Answers the app and the push's arrival."""
    create_shop(ledger_app, {"webshopid": SHOP, "password": "secret1", "sync_type": "full"}, "t")
    push(ledger_app, [{"termekkod": "KS-1", "ar": "1000"}], datetime.now(timezone.utc) - timedelta(minutes=5))
    arrived = datetime.now(timezone.utc)
    later_than(arrived)
    assert set_shop_sale_price(ledger_app, SHOP, "KS-1", "5", {"price": "777"}) is not None
    push(ledger_app, [{"termekkod": "KS-1", "ar": "2000"}], arrived)
    return ledger_app, arrived


async def test_price_list_as_of_after_a_late_committed_push_shows_the_push_price_like_the_product(
        late_push_over_shop_price, pool):
    instant = datetime.now(timezone.utc) + timedelta(minutes=1)
    listed, as_of, current = await views(pool, "KS-1", instant)
    assert current["base_price"] == as_of["base_price"] == listed["base_price"] == "2000.00"
    assert current["effective_sale_price"] == as_of["effective_sale_price"] == listed["effective_sale_price"] \
        == "777.00"


async def test_as_of_between_the_stamps_applies_the_earlier_stamped_push_committed_later(
        late_push_over_shop_price, pool):
    _, arrived = late_push_over_shop_price
    await runner.catch_up(pool)
    sale_stamp = max(await stamps_of(pool, "KS-1"))
    assert arrived < sale_stamp
    instant = arrived + (sale_stamp - arrived) / 2
    listed, as_of, _ = await views(pool, "KS-1", instant)
    # The push (stamped `arrived`) counts although it committed last; the sale price, stamped later, not.
    assert as_of["base_price"] == listed["base_price"] == "2000.00"
    assert as_of["sale_prices"] == []
    assert as_of["effective_sale_price"] is None and listed["effective_sale_price"] is None
    assert listed["set_at"] == arrived.isoformat()


async def test_a_product_created_by_a_push_stamped_later_is_absent_before_its_stamp_everywhere(
        ledger_app, pool):
    """A push that arrived first but committed second changes the product the other push created: before
    the creating push's stamp, the product does not exist as of then, in the price list either."""
    create_shop(ledger_app, {"webshopid": SHOP, "password": "secret1", "sync_type": "full"}, "t")
    arrived_first = datetime.now(timezone.utc)
    arrived_second = later_than(arrived_first)
    push(ledger_app, [{"termekkod": "KS-2", "ar": "1500"}], arrived_second)
    push(ledger_app, [{"termekkod": "KS-2", "ar": "1600"}], arrived_first)
    instant = arrived_first + (arrived_second - arrived_first) / 2
    listed, as_of, current = await views(pool, "KS-2", instant)
    assert current["base_price"] == "1600.00"
    assert listed is None and as_of is None
    listed, as_of, _ = await views(pool, "KS-2", arrived_second)
    assert current["base_price"] == as_of["base_price"] == listed["base_price"] == "1600.00"


async def test_price_list_as_of_reads_the_price_fields_through_their_index(late_push_over_shop_price, pool):
    await runner.catch_up(pool)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in await conn.fetch(
            "EXPLAIN " + PRICE_LIST_SQL, SHOP, datetime.now(timezone.utc)))
    assert "field_history_prices_idx" in plan
    assert "Sort" not in plan
