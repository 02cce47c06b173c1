"""The event table's writers take turns without the EXCLUSIVE table lock, which every VACUUM and ANALYZE
(autovacuum's included) would make them wait for, and still keep out writers that do take it."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from ledger.service.ledger_app import LedgerApp
from ledger.service.product_upload import handle_product_upload
from ledger.service.shops import create_shop
from ledger.storage.database import eventsourcing_env
from tests.kulcs_docs import call, product_xml

WAIT = 20


@pytest.fixture
def shop_app(ledger_app):
    create_shop(ledger_app, {"webshopid": "s1", "password": "secret1", "sync_type": "full"}, "t")
    return ledger_app


def push(app, sku: str = "SKU-1", price: str = "100"):
    return handle_product_upload(app, call("s1", product_xml([{"termekkod": sku, "ar": price}])), "full",
                                 max_rows=10)


def waiting_on_the_event_table(conn) -> int:
    return conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted"
                        " AND relation = 'ledger_events'::regclass").fetchone()[0]


def test_a_push_is_not_held_up_by_a_vacuum_or_analyze_of_the_event_table(shop_app, db_url):
    with ThreadPoolExecutor(1) as pool, psycopg.connect(db_url) as maintenance:  # the lock goes first
        maintenance.execute("LOCK TABLE ledger_events IN SHARE UPDATE EXCLUSIVE MODE")  # what they hold
        answer = pool.submit(push, shop_app).result(timeout=WAIT)
        assert answer.result.outcome == "applied" and answer.result.position is not None
        maintenance.rollback()


def test_a_writer_holding_the_librarys_exclusive_lock_commits_its_ids_before_a_push_takes_any(
        shop_app, db_url):
    push(shop_app, "SKU-0")
    with ThreadPoolExecutor(1) as pool, psycopg.connect(db_url) as library_writer, \
            psycopg.connect(db_url, autocommit=True) as watcher:
        library_writer.execute("LOCK TABLE ledger_events IN EXCLUSIVE MODE")
        pending = pool.submit(push, shop_app, "SKU-1")
        deadline = time.monotonic() + WAIT
        while not waiting_on_the_event_table(watcher) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not pending.done() and waiting_on_the_event_table(watcher) == 1
        theirs = library_writer.execute(
            "INSERT INTO ledger_events (originator_id, originator_version, topic, state)"
            " VALUES (gen_random_uuid(), 1, 'other:Writer', '{}') RETURNING notification_id").fetchone()[0]
        library_writer.commit()
        ours = pending.result(timeout=WAIT).result.position
    assert ours > theirs  # else a reader that has seen `theirs` would never see ours


def one_event() -> list[StoredEvent]:
    return [StoredEvent(originator_id=uuid4(), originator_version=1, topic="test:Topic", state=b"{}")]


def test_writers_in_two_processes_take_turns_and_the_later_one_gets_later_ids(ledger_app, db_url):
    """In one process the group committer already lets one writer in at a time; between the server and
    the CLI (or two servers) only the advisory lock does."""
    other_process = LedgerApp(env=eventsourcing_env(db_url, pool_size=2))
    inside, release = threading.Event(), threading.Event()

    def hold(_curs, _ids) -> None:
        inside.set()
        release.wait(WAIT)

    try:
        with ThreadPoolExecutor(2) as pool, psycopg.connect(db_url, autocommit=True) as watcher:
            first = pool.submit(ledger_app.recorder.insert_events, one_event(), state_writes=[hold])
            assert inside.wait(WAIT)
            second = pool.submit(other_process.recorder.insert_events, one_event())
            deadline = time.monotonic() + WAIT
            query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            while not watcher.execute(query).fetchone()[0] and time.monotonic() < deadline:
                time.sleep(0.01)
            try:
                assert not second.done() and watcher.execute(query).fetchone()[0] == 1
            finally:
                release.set()
            assert second.result(timeout=WAIT)[0] > first.result(timeout=WAIT)[0]
    finally:
        other_process.close()
