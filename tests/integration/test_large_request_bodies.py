"""A large request is stored compressed by the service, and every reader still gets the bytes as
received: the raw-request download, replay, and verify's digest check (which also catches an edit)."""
from __future__ import annotations

import zlib

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


@pytest.fixture
def pushed(ledger_app):
    create_shop(ledger_app, {"webshopid": "s1", "password": "secret1", "sync_type": "full"}, "t")
    body = product_xml(ROWS, "windows-1250")
    assert len(body) >= COMPRESSED_FROM
    received = call("s1", body)
    result = handle_product_upload(ledger_app, received, "full", max_rows=10_000).result
    assert result.counts["created"] == len(ROWS)
    return received.sync_id, body


def stored(db_url, sync_id):
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT body, body_compression, body_sha256 FROM kulcs_requests"
                            " WHERE sync_id = %s", (sync_id,)).fetchone()


def test_a_large_body_is_stored_compressed_and_a_small_one_as_received(ledger_app, pushed, db_url):
    sync_id, body = pushed
    data, compression, _ = stored(db_url, sync_id)
    assert compression == "zlib"
    assert zlib.decompress(data) == body
    assert len(data) < len(body) / 3
    small = call("s1", product_xml(ROWS[:1]))
    handle_product_upload(ledger_app, small, "full", max_rows=10)
    assert stored(db_url, small.sync_id)[:2] == (small.body, None)


async def test_the_recorded_request_reads_back_as_the_bytes_received(pushed, pool):
    sync_id, body = pushed
    async with pool.acquire() as conn:
        row = await recorded_request(conn, "s1", sync_id)
    assert row["body"] == body


def test_a_large_stored_call_replays_as_it_was_received(ledger_app, pushed):
    sync_id, _ = pushed
    shop_row = ledger_app.fetch("SELECT * FROM shops WHERE webshopid = 's1'")[0]
    replayed = replay(ledger_app, shop_row, sync_id, dry_run=True, actor="test", max_rows=10_000)
    assert replayed["outcome"] == "applied"
    assert replayed["counts"]["unchanged"] == len(ROWS)


async def test_verify_checks_a_compressed_body_against_its_recorded_digest(pushed, pool, db_url):
    await runner.catch_up(pool)
    assert (await verify(db_url, pool))["ok"]
    sync_id, body = pushed
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE kulcs_requests SET body = %s WHERE sync_id = %s",
                     (zlib.compress(body.replace(b"SKU-7<", b"SKU-8<")), sync_id))
    report = await verify(db_url, pool)
    assert [(p["message"], p["sync_id"]) for p in report["problems"]] == [("stored request altered", str(sync_id))]
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE kulcs_requests SET body = substring(body from 1 for 1000) WHERE sync_id = %s",
                     (sync_id,))
    report = await verify(db_url, pool)
    assert [p["message"] for p in report["problems"]] == ["stored request altered"]
