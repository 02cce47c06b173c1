"""Group commit on real PostgreSQL: syncs queued behind a group being written are written together in
one transaction, and each keeps its own outcome (ids, exception), its own chain link and state writes."""
from __future__ import annotations

import base64
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from uuid import uuid4

import asyncpg
import psycopg
import pytest
from eventsourcing.persistence import DataError, IntegrityError, StoredEvent, TranscodingNotRegisteredError

from ledger.audit.verify import Report, check_chain
from ledger.domain.product import Product
from ledger.service.ledger_app import ENCODED_AT_ONCE, EncodedOnTheWay
from ledger.service.product_upload import handle_product_upload
from ledger.service.shops import create_shop
from ledger.storage.recorder import PIPELINED_BYTES
from tests.kulcs_docs import call, product_xml

QUEUED = 6


def events(count: int = 2, originator=None, first_version: int = 1) -> list[StoredEvent]:
    originator = originator or uuid4()
    return [StoredEvent(originator_id=originator, originator_version=first_version + n, topic="test:Topic",
                        state=b'{"n": %d}' % n) for n in range(count)]


def note(label: str):
    """A state write: a row that must commit with its sync, or not at all."""
    def write(curs, ids) -> None:
        curs.execute("INSERT INTO group_notes (label, first_id, last_id) VALUES (%s, %s, %s)",
                     (label, ids[0], ids[-1]))
    return write


@pytest.fixture
def recorder(ledger_app, db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE group_notes (label text PRIMARY KEY, first_id bigint, last_id bigint)")
    rec = ledger_app.recorder
    groups: list[int] = []
    write_group = rec._group._write_group

    def counting(group):
        groups.append(len(group))
        return write_group(group)
    rec._group._write_group = counting
    rec.groups = groups
    return rec


def in_one_group(recorder, first_writes, queued: list[tuple[list[StoredEvent], list]]) -> tuple[list, list]:
    """Writes a first sync whose state write waits until every sync of `queued` is queued behind it,
    so they are written as the next group. Answers (outcomes of `queued`, outcome of the first)."""
    release = threading.Event()

    def hold(curs, ids) -> None:
        release.wait(60)

    def submit(evts, writes):
        try:
            return recorder.insert_events(evts, state_writes=writes)
        except Exception as error:  # noqa: BLE001 - the test looks at each outcome
            return error

    with ThreadPoolExecutor(len(queued) + 1) as pool:
        first = pool.submit(submit, events(1), [hold, *first_writes])
        while not recorder._group._leading:
            time.sleep(0.001)
        futures = [pool.submit(submit, evts, writes) for evts, writes in queued]
        deadline = time.monotonic() + 60
        while len(recorder._group._queue) < len(queued) and time.monotonic() < deadline:
            time.sleep(0.001)
        release.set()
        return [f.result() for f in futures], first.result()


def notes(db_url) -> dict[str, tuple[int, int]]:
    with psycopg.connect(db_url) as conn:
        return {label: (a, b) for label, a, b in conn.execute("SELECT label, first_id, last_id FROM group_notes")}


def stored(db_url) -> list[tuple]:
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT notification_id, originator_id, originator_version FROM ledger_events"
                            " ORDER BY notification_id").fetchall()


async def chain_report(db_url) -> Report:
    conn = await asyncpg.connect(db_url)
    try:
        report = Report()
        await check_chain(conn, report)
        return report
    finally:
        await conn.close()


async def test_queued_syncs_commit_as_one_group_each_with_its_own_ids_and_link(recorder, db_url):
    queued = [(events(2 + n), [note(f"s{n}")]) for n in range(QUEUED)]
    outcomes, first = in_one_group(recorder, [], queued)

    assert recorder.groups == [1, QUEUED]
    for (evts, _), ids in zip(queued, outcomes, strict=True):
        assert ids == list(range(ids[0], ids[0] + len(evts)))  # contiguous, one per event
    all_ids = [i for ids in [first, *outcomes] for i in ids]
    assert all_ids == sorted(all_ids) and len(set(all_ids)) == len(all_ids)  # queue order = commit order
    assert notes(db_url) == {f"s{n}": (ids[0], ids[-1]) for n, ids in enumerate(outcomes)}
    rows = stored(db_url)
    assert [r[0] for r in rows] == all_ids
    report = await chain_report(db_url)
    assert not report.problems and report.checked["chain_links"] == 1 + QUEUED


async def test_a_version_conflict_fails_only_its_own_sync(recorder, db_url):
    taken = uuid4()
    recorder.insert_events(events(1, taken), state_writes=[note("earlier")])
    queued = [(events(2), [note(f"s{n}")]) for n in range(QUEUED)]
    queued[2] = (events(2, taken), [note("conflicting")])  # version 1 of `taken` exists already
    outcomes, _ = in_one_group(recorder, [], queued)

    assert isinstance(outcomes[2], IntegrityError)
    committed = [o for n, o in enumerate(outcomes) if n != 2]
    assert all(isinstance(o, list) for o in committed)
    assert recorder.groups[-1] == QUEUED
    assert set(notes(db_url)) == {"earlier"} | {f"s{n}" for n in range(QUEUED) if n != 2}
    assert [r for r in stored(db_url) if r[1] == taken] == [(1, taken, 1)]  # nothing of the loser
    report = await chain_report(db_url)
    assert not report.problems and report.checked["chain_links"] == 1 + 1 + QUEUED - 1


async def test_a_failing_state_write_rolls_back_only_its_own_sync(recorder, db_url):
    def refused(curs, ids) -> None:
        curs.execute("SELECT 1 / 0")  # PostgreSQL refuses: a DataError, after the sync's events went in

    def broken(curs, ids) -> None:
        raise ValueError("a bug in a state write")

    queued = [(events(3), [note(f"s{n}")]) for n in range(QUEUED)]
    queued[1] = (queued[1][0], [note("refused"), refused])
    queued[4] = (queued[4][0], [note("broken"), broken])
    outcomes, _ = in_one_group(recorder, [], queued)

    assert isinstance(outcomes[1], DataError)
    assert isinstance(outcomes[4], ValueError) and str(outcomes[4]) == "a bug in a state write"
    kept = {n: o for n, o in enumerate(outcomes) if n not in (1, 4)}
    assert all(isinstance(o, list) for o in kept.values())
    assert notes(db_url) == {f"s{n}": (ids[0], ids[-1]) for n, ids in kept.items()}
    lost = {e.originator_id for n in (1, 4) for e in queued[n][0]}
    assert not [r for r in stored(db_url) if r[1] in lost]
    # The rolled-back syncs' ids went to the next ones: no hole inside the group.
    ids = [i for o in kept.values() for i in o]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    report = await chain_report(db_url)
    assert not report.problems and report.checked["chain_links"] == 1 + QUEUED - 2


async def test_large_syncs_and_state_writes_that_copy_are_grouped_too(recorder, db_url):
    def copying(label):
        def write(curs, ids) -> None:
            with curs.copy("COPY group_notes (label, first_id, last_id) FROM STDIN") as copy:
                copy.write_row((label, ids[0], ids[-1]))
        return write

    queued = [(events(2), [note("small")]), (events(40), [note("large")]), (events(1), [copying("copied")])]
    outcomes, _ = in_one_group(recorder, [], queued)

    assert [len(o) for o in outcomes] == [2, 40, 1]
    assert set(notes(db_url)) == {"small", "large", "copied"}
    report = await chain_report(db_url)
    assert not report.problems and report.checked["chained_events"] == 1 + 2 + 40 + 1


def created(count: int, bad_last: bool = False) -> list:
    sync_id, at = uuid4(), datetime.now(timezone.utc)
    return [Product.Created(
        originator_id=uuid4(), originator_version=1, timestamp=at, originator_topic=Product.TOPIC,
        shop="s", sku=f"SKU-{n}", fields={"base_price": "1.00", **({"bad": {n}} if bad_last and n == count - 1 else {})},
        sale_prices={}, sync_id=sync_id, source="kulcs", parser_version="test") for n in range(count)]


async def test_a_large_sync_encoded_on_the_way_fails_alone_when_an_event_cannot_be_encoded(
        ledger_app, recorder, db_url):
    encode = ledger_app.mapper.to_stored_event
    queued = [(events(2), [note("before")]),
              (EncodedOnTheWay(created(ENCODED_AT_ONCE + 1, bad_last=True), encode), [note("unencodable")]),
              (EncodedOnTheWay(created(ENCODED_AT_ONCE + 1), encode), [note("large")])]
    outcomes, _ = in_one_group(recorder, [], queued)

    assert isinstance(outcomes[1], TranscodingNotRegisteredError)
    assert [len(outcomes[0]), len(outcomes[2])] == [2, ENCODED_AT_ONCE + 1]
    assert set(notes(db_url)) == {"before", "large"}
    assert len(stored(db_url)) == 1 + 2 + ENCODED_AT_ONCE + 1
    report = await chain_report(db_url)
    assert not report.problems and report.checked["chained_events"] == 1 + 2 + ENCODED_AT_ONCE + 1


async def test_a_sync_that_is_all_copy_in_the_first_group_commits_alone(recorder, db_url):
    ids = recorder.insert_events(events(30), state_writes=[note("alone")])
    assert len(ids) == 30 and notes(db_url) == {"alone": (ids[0], ids[-1])}
    assert recorder.groups == [1]


async def test_concurrent_pushes_of_the_same_products_all_land_and_the_chain_verifies(ledger_app, db_url):
    """Threads pushing the same SKUs: grouped writes make some decisions stale; each is decided again
    (retry_on_conflict) and every push is applied exactly once."""
    create_shop(ledger_app, {"webshopid": "s1", "password": "secret1", "sync_type": "full"}, "t")
    skus = [f"SKU-{k}" for k in range(3)]
    handle_product_upload(ledger_app, call("s1", product_xml(
        [{"termekkod": sku, "ar": "100", "szabadraktar": "1", "nev": sku} for sku in skus])), "full", max_rows=100)
    pushes = 24

    def push(n: int):
        rows = [{"termekkod": sku, "szabadraktar": str(1000 * n + k)} for k, sku in enumerate(skus)]
        return handle_product_upload(ledger_app, call("s1", product_xml(rows)), "full", max_rows=100)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(push, range(pushes)))
    assert [a.result.outcome for a in answers] == ["applied"] * pushes, answers[0]
    with psycopg.connect(db_url) as conn:
        (syncs,) = conn.execute("SELECT count(*) FROM ledger_events WHERE topic LIKE '%Sync.Created'").fetchone()
        versions = conn.execute("SELECT product_id, version FROM product_state WHERE shop = 's1'").fetchall()
        changes = conn.execute("SELECT originator_id, max(originator_version) FROM ledger_events"
                               " WHERE originator_id = ANY(%s) GROUP BY originator_id",
                               ([pid for pid, _ in versions],)).fetchall()
    assert syncs == 1 + pushes  # a decision that lost was decided again, not recorded twice
    assert len(versions) == 3 and sorted(versions) == sorted(changes)  # state follows the events
    report = await chain_report(db_url)
    assert not report.problems


def test_a_sync_recording_a_large_request_is_written_outside_the_pipeline(ledger_app, db_url, monkeypatch):
    create_shop(ledger_app, {"webshopid": "big", "password": "secret1", "sync_type": "full"}, "test")
    recorder = ledger_app.recorder
    pipelined = []
    real = type(recorder)._write_optimistically
    monkeypatch.setattr(type(recorder), "_write_optimistically",
                        lambda self, conn, curs, group: pipelined.append(len(group)) or real(self, conn, curs, group))
    # 9 events and 1.6 MB that do not compress (an element the parser passes over, still recorded):
    rows = [{"termekkod": f"A{n}", "ar": "1", "extra": base64.b64encode(os.urandom(150_000)).decode()}
            for n in range(8)]
    assert handle_product_upload(ledger_app, call("big", product_xml(rows)), "full", max_rows=10).result.counts["created"] == 8
    assert pipelined == []
    handle_product_upload(ledger_app, call("big", product_xml([{"termekkod": "A1", "ar": "2"}])), "full", max_rows=10)
    assert pipelined == [1]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT max(length(body)) FROM kulcs_requests").fetchone()[0] > PIPELINED_BYTES
