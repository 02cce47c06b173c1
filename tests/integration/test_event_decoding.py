"""The projections' fast decoding of stored events gives what the eventsourcing library's mapper gives."""
from __future__ import annotations

import orjson
import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from ledger.service.product_upload import handle_product_upload
from ledger.service.shop_sale_prices import set_shop_sale_price
from projections.decoding import MAPPER, decode_row
from tests.integration.test_verify import filled  # noqa: F401  (the fixture: shop, products, order)
from tests.kulcs_docs import call, product_xml


def stored_rows(db_url) -> list[dict]:
    with psycopg.connect(db_url) as conn:
        cursor = conn.execute("SELECT notification_id, originator_id, originator_version, topic, state"
                              " FROM ledger_events ORDER BY notification_id")
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor]


def library_decoded(row: dict):
    return MAPPER.to_domain_event(StoredEvent(
        originator_id=row["originator_id"], originator_version=row["originator_version"],
        topic=row["topic"], state=bytes(row["state"])))


async def test_every_kind_of_stored_event_decodes_as_the_library_decodes_it(filled, ledger_app, db_url):
    awkward = [{"termekkod": "ŐÜ-1", "ar": "12,5", "nev": "Tűzőgép \"Ő\" \\ tab\there\nújsor 💡",
                "kat": "Irodaszer"}]
    handle_product_upload(ledger_app, call("s1", product_xml(awkward)), "full", max_rows=1000)
    set_shop_sale_price(ledger_app, "s1", "SKU-1", "5", {"price": "777"})
    rows = stored_rows(db_url)
    topics = {row["topic"] for row in rows}
    assert {"kulcs-ledger:Product.Created", "kulcs-ledger:Product.Changed"} <= topics and len(topics) >= 6
    for row in rows:
        fast, library = decode_row(row), library_decoded(row)
        assert type(fast) is type(library) and repr(fast.__dict__) == repr(library.__dict__), row["topic"]


TIMESTAMP = b'"timestamp":{"_type_":"datetime_iso","_data_":"2026-03-01T10:00:00+00:00"}'


@pytest.mark.parametrize("state", [b'{%s,"n":NaN}' % TIMESTAMP, b'{%s,"n":1e400}' % TIMESTAMP],
                         ids=["nan", "infinite"])
def test_json_that_the_fast_parser_refuses_is_decoded_the_library_s_way(state):
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(state)
    assert_decoded_alike(state)


@pytest.mark.parametrize("number", [b"123456789012345678901234567890", b"-9223372036854775809",
                                    b"-9300000000000000000", b"18446744073709551616"])
def test_an_integer_beyond_64_bits_stays_an_exact_integer(number):
    state = b'{%s,"n":%s}' % (TIMESTAMP, number)
    assert type(orjson.loads(state)["n"]) is float  # what the fast parser alone would have made of it
    assert_decoded_alike(state)
    assert decode_row(changed_row(state)).n == int(number) and type(decode_row(changed_row(state)).n) is int


def changed_row(state: bytes) -> dict:
    from uuid import uuid4

    from ledger.domain.product import Product

    return {"notification_id": 1, "originator_id": uuid4(), "originator_version": 2,
            "topic": Product.Changed.TOPIC, "state": state}


def assert_decoded_alike(state: bytes) -> None:
    row = changed_row(state)
    fast, library = decode_row(row), library_decoded(row)
    assert repr(fast.__dict__) == repr(library.__dict__)


async def test_an_order_field_beyond_64_bits_reaches_the_order_view_exactly(ledger_app, db_url):
    from ledger.http.app import open_pool
    from ledger.service.orders import place_order
    from ledger.service.shops import create_shop
    from projections import runner
    from tests.order_payloads import order_payload

    create_shop(ledger_app, {"webshopid": "s1", "password": "secret1", "sync_type": "full"}, "t")
    place_order(ledger_app, "s1", order_payload("o-1", loyalty_id=-9223372036854775809), "t")
    pool = await open_pool(db_url, min_size=1, max_size=2)
    try:
        await runner.catch_up(pool)
        async with pool.acquire() as conn:
            kept = await conn.fetchval("SELECT payload->>'loyalty_id' FROM order_view WHERE order_id = 'o-1'")
    finally:
        await pool.close()
    assert kept == "-9223372036854775809"


async def test_a_sync_stored_before_replays_named_who_ran_them_decodes_with_no_one(ledger_app, db_url):
    handle_product_upload(ledger_app, call("s1", product_xml([{"termekkod": "A", "ar": "5"}])), "full",
                          max_rows=1000)
    row = next(r for r in stored_rows(db_url) if r["topic"] == "kulcs-ledger:Sync.Created")
    state = orjson.loads(bytes(row["state"]))
    state.pop("replayed_by", None)
    older = {**row, "state": orjson.dumps(state)}
    assert decode_row(older).replayed_by is None
    assert library_decoded(older).replayed_by is None
