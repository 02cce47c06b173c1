"""verify: replaying the events reproduces state and views; any hand edit of the log is caught."""
from __future__ import annotations

import psycopg
import pytest

from ledger.audit.verify import verify
from ledger.http.app import open_pool
from ledger.service.order_confirm import handle_order_confirm
from ledger.service.orders import place_order
from ledger.service.product_upload import handle_product_upload
from ledger.service.shops import create_shop
from projections import runner
from tests.kulcs_docs import call, product_xml
from tests.order_payloads import order_payload


@pytest.fixture
async def filled(ledger_app, db_url):
    create_shop(ledger_app, {"webshopid": "s1", "password": "secret1", "sync_type": "full"}, "t")
    for i in range(4):
        rows = [{"termekkod": f"SKU-{n}", "ar": str(100 + i + n), "arakcios": "0" if i % 2 else "90",
                 "kat": f"K{n % 2}"} for n in range(30)]
        handle_product_upload(ledger_app, call("s1", product_xml(rows)), "full", max_rows=1000)
    place_order(ledger_app, "s1", order_payload("o-1"), "t")
    handle_order_confirm(ledger_app, call("s1", b"", kind="orders_confirm"),
                         xml=b"<visszaigazolas><megrendeles><azonosito>o-1</azonosito></megrendeles></visszaigazolas>")
    pool = await open_pool(db_url, min_size=1, max_size=4)
    await runner.catch_up(pool)
    yield pool
    await pool.close()


def sql(db_url, statement, *params):
    with psycopg.connect(db_url, autocommit=True) as conn:
        return conn.execute(statement, params).fetchall() if statement.lstrip().upper().startswith(
            "SELECT") else conn.execute(statement, params)


async def test_untouched_ledger_verifies_clean(filled, db_url):
    report = await verify(db_url, filled)
    assert report["ok"], report["problems"]
    assert report["checked"]["chained_events"] == sql(db_url, "SELECT count(*) FROM ledger_events")[0][0]
    assert report["checked"]["decision_state_rows"] == 30 + 2 + 1
    assert report["checked"]["requests"] == 5


async def test_a_row_changed_by_hand_in_the_events_table_is_caught_and_named(filled, db_url):
    (position,) = sql(db_url, "SELECT notification_id FROM ledger_events WHERE topic ="
                              " 'kulcs-ledger:Product.Changed' ORDER BY notification_id LIMIT 1 OFFSET 7")[0]
    sql(db_url, "UPDATE ledger_events SET state = replace(convert_from(state, 'UTF8'), '\"new\":\"10', "
                "'\"new\":\"99')::bytea WHERE notification_id = %s", position)
    report = await verify(db_url, filled)
    assert not report["ok"]
    assert report["first_broken_link"]["message"] == "event altered"
    assert report["first_broken_link"]["position"] == position


async def test_a_deleted_event_is_caught(filled, db_url):
    sql(db_url, "DELETE FROM ledger_events WHERE notification_id = 5")
    report = await verify(db_url, filled)
    assert report["first_broken_link"] == {"check": "event_chain", "message": "event deleted", "position": 5}


async def test_an_altered_stored_request_is_caught(filled, db_url):
    (sync_id,) = sql(db_url, "SELECT sync_id FROM kulcs_requests ORDER BY received_at LIMIT 1")[0]
    sql(db_url, "UPDATE kulcs_requests SET body = body || 'x'::bytea WHERE sync_id = %s", sync_id)
    report = await verify(db_url, filled)
    assert [p["message"] for p in report["problems"]] == ["stored request altered"]
    assert report["problems"][0]["sync_id"] == str(sync_id)


async def test_state_that_disagrees_with_the_events_is_caught(filled, db_url):
    sql(db_url, "UPDATE product_state SET fields = jsonb_set(fields, '{base_price}', '\"1.00\"')"
                " WHERE sku = 'SKU-3'")
    sql(db_url, "UPDATE product_view SET stock1 = 42 WHERE sku = 'SKU-4'")
    report = await verify(db_url, filled)
    checks = {(p["check"], p.get("key") or p.get("table")) for p in report["problems"]}
    assert checks == {("decision_state", "SKU-3"), ("projections", "product_view")}


async def test_views_behind_the_events_are_lag_not_damage(filled, ledger_app, db_url):
    """`kulcs-ledger verify` while no server projects (or while the projector is a page behind): the views
    hold fewer events than the log, which is no finding."""
    live = sql(db_url, "SELECT position FROM projection_tracking")[0][0]
    create_shop(ledger_app, {"webshopid": "s2", "password": "secret2", "sync_type": "full"}, "t")
    rows = [{"termekkod": f"SKU-{n}", "ar": str(500 + n), "kat": "K9"} for n in range(30)]
    handle_product_upload(ledger_app, call("s1", product_xml(rows)), "full", max_rows=1000)
    report = await verify(db_url, filled)
    assert report["ok"], report["problems"]
    assert report["checked"]["projection_position"] == live
