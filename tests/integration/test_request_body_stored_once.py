"""A large body a shop sends again byte for byte (its whole catalogue, every hour) is stored once: the
later call's row names the call whose row holds the bytes, and every reader still gets them whole."""
from __future__ import annotations

import hashlib

import psycopg
import pytest

from ledger.audit.replay import replay
from ledger.audit.verify import verify
from ledger.read.syncs import recorded_request
from ledger.service.product_upload import handle_product_upload
from ledger.service.shops import create_shop
from ledger.storage.request_bodies import COMPRESSED_FROM
from projections import runner
from tests.kulcs_docs import call, product_xml

ROWS = [{"termekkod": f"SKU-{n}", "ar": f"{1000 + n},50", "nev": f"Bőr öv {n}",
         "tmegjegyzes": "Kézzel varrt, tartós bőr öv, minőségi csattal. " * 3} for n in range(1500)]


def push(ledger_app, shop: str, body: bytes):
    received = call(shop, body)
    handle_product_upload(ledger_app, received, "full", max_rows=10_000)
    return received.sync_id


@pytest.fixture
def shops(ledger_app):
    for shop in ("s1", "s2"):
        create_shop(ledger_app, {"webshopid": shop, "password": "secret1", "sync_type": "full"}, "t")


@pytest.fixture
def body():
    body = product_xml(ROWS, "windows-1250")
    assert len(body) >= COMPRESSED_FROM
    return body


def stored(db_url, sync_id):
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT length(body), body_compression, body_stored_with, body_sha256"
                            " FROM kulcs_requests WHERE sync_id = %s", (sync_id,)).fetchone()


async def test_a_large_body_sent_again_is_stored_once_and_reads_back_whole(
        ledger_app, shops, body, db_url, pool):
    first, again, third = (push(ledger_app, "s1", body) for _ in range(3))
    held = stored(db_url, first)
    assert held[1] == "zlib" and held[2] is None and held[0] > 0
    assert stored(db_url, again) == (0, None, first, held[3])
    assert stored(db_url, third) == (0, None, first, held[3])
    async with pool.acquire() as conn:
        for sync_id in (first, again, third):
            assert (await recorded_request(conn, "s1", sync_id))["body"] == body


def test_another_shop_sending_the_same_body_stores_its_own_copy(ledger_app, shops, body, db_url):
    push(ledger_app, "s1", body)
    other = push(ledger_app, "s2", body)
    size, compression, held_by, _ = stored(db_url, other)
    assert (compression, held_by) == ("zlib", None) and size > 0


def test_a_small_body_sent_again_is_stored_again_as_received(ledger_app, shops, db_url):
    small = product_xml(ROWS[:3])
    first, again = push(ledger_app, "s1", small), push(ledger_app, "s1", small)
    assert stored(db_url, again)[:3] == (len(small), None, None)
    assert stored(db_url, first)[:3] == (len(small), None, None)


def test_a_call_whose_body_is_held_elsewhere_replays_as_it_was_received(ledger_app, shops, body):
    push(ledger_app, "s1", body)
    again = push(ledger_app, "s1", body)
    shop_row = ledger_app.fetch("SELECT * FROM shops WHERE webshopid = 's1'")[0]
    replayed = replay(ledger_app, shop_row, again, dry_run=True, actor="test", max_rows=10_000)
    assert replayed["outcome"] == "applied"
    assert replayed["counts"]["unchanged"] == len(ROWS)


async def test_verify_finds_an_edit_of_a_held_body_in_every_call_it_is_held_for(
        ledger_app, shops, body, db_url, pool):
    first, again = push(ledger_app, "s1", body), push(ledger_app, "s1", body)
    await runner.catch_up(pool)
    assert (await verify(db_url, pool))["ok"]
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE kulcs_requests SET body = substring(body from 1 for 1000) WHERE sync_id = %s",
                     (first,))
    report = await verify(db_url, pool)
    assert sorted(p["sync_id"] for p in report["problems"]) == sorted([str(first), str(again)])
    assert {p["message"] for p in report["problems"]} == {"stored request altered"}


async def test_verify_finds_a_call_pointed_at_another_body(ledger_app, shops, body, db_url, pool):
    first = push(ledger_app, "s1", body)
    other = push(ledger_app, "s1", body.replace(b"SKU-7<", b"SKU-8<"))
    await runner.catch_up(pool)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE kulcs_requests SET body = '', body_compression = NULL, body_stored_with = %s"
                     " WHERE sync_id = %s", (first, other))
    report = await verify(db_url, pool)
    assert [(p["message"], p["sync_id"]) for p in report["problems"]] == [("stored request altered", str(other))]


def test_a_body_held_for_a_later_call_cannot_be_deleted_alone(ledger_app, shops, body, db_url):
    first = push(ledger_app, "s1", body)
    push(ledger_app, "s1", body)
    with psycopg.connect(db_url, autocommit=True) as conn, pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute("DELETE FROM kulcs_requests WHERE sync_id = %s", (first,))


async def test_a_call_received_after_its_held_body_was_damaged_is_stored_whole(
        ledger_app, shops, body, db_url, pool):
    """A damaged held row (found by verify) must not take the bytes of every later call with it: a call
    that arrives intact afterwards is recorded intact, not as a pointer to bytes that no longer read back."""
    first = push(ledger_app, "s1", body)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE kulcs_requests SET body = substring(body from 1 for 1000) WHERE sync_id = %s",
                     (first,))
    later = push(ledger_app, "s1", body)
    async with pool.acquire() as conn:
        assert (await recorded_request(conn, "s1", later))["body"] == body
    await runner.catch_up(pool)
    report = await verify(db_url, pool)
    assert [(p["message"], p["sync_id"]) for p in report["problems"]] == [("stored request altered", str(first))]


async def test_a_held_row_whose_digest_column_was_edited_holds_no_other_body(
        ledger_app, shops, body, db_url, pool):
    """The lookup trusts body_sha256, which verify never compares: an edit of it alone (verify stays
    clean) must not make a later, different body be recorded as the held row's bytes."""
    other = body.replace(b"SKU-7<", b"SKU-8<")
    first = push(ledger_app, "s1", body)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE kulcs_requests SET body_sha256 = %s WHERE sync_id = %s",
                     (hashlib.sha256(other).hexdigest(), first))
    later = push(ledger_app, "s1", other)
    async with pool.acquire() as conn:
        assert (await recorded_request(conn, "s1", later))["body"] == other
    await runner.catch_up(pool)
    assert (await verify(db_url, pool))["ok"]
