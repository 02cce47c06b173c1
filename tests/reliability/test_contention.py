"""Concurrent pushes over overlapping SKUs: conflicts are retried, never lost, and the end state is the
one that applying the pushes one by one in commit order gives (commit order: the notification_id of
each push's Sync event)."""
from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import replace
from uuid import uuid4

import psycopg
import pytest

from ledger.config import Settings
from ledger.domain.values import money, quantity
from ledger.http.keys import LEDGER
from ledger.kulcs.product_upload import parse_product_upload
from ledger.logs import configure_logging
from ledger.service import product_upload
from ledger.service.calls import ReceivedCall
from ledger.service.ledger_app import LedgerApp
from ledger.service.shops import create_shop
from ledger.storage.database import eventsourcing_env
from tests.counts import report_count
from tests.conftest import ADMIN_TOKEN
from tests.http.helpers import basic, make_shop, settled
from tests.kulcs_docs import product_xml
from tests.reliability.ledger_checks import (
    PushAnswer, check_acknowledged, check_no_partial_syncs, check_state_matches_events,
    check_views_match_state,
)

KULCS = {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"}
SKUS = [f"K-{n}" for n in range(1, 7)]
PUSHES = 8


@pytest.fixture
def settings(tmp_path):
    """As many write threads as pushes, so all 8 are decided at the same time."""
    configure_logging()
    return Settings(admin_token=ADMIN_TOKEN, data_dir=tmp_path / "data", write_threads=PUSHES)


def contended_pushes() -> list[bytes]:
    """8 pushes of 4 SKUs out of 6 (any two share at least 2), with order-sensitive values: base price
    and stock differ per push, arakcios alternates between ending (0) and (re)starting a sale price."""
    rng = random.Random(8)
    pushes = []
    for i in range(PUSHES):
        rows = []
        for sku in sorted(rng.sample(SKUS, 4)):
            row = {"termekkod": sku, "ar": f"{1000 + 10 * i},50", "szabadraktar": str(i)}
            row["arakcios"] = "0" if (i + SKUS.index(sku)) % 3 == 0 else f"{500 + (i % 2)}"
            if i % 2:
                row["nev"] = f"{sku} a(z) {i}. push szerint"
            rows.append(row)
        pushes.append(product_xml(rows))
    return pushes


class ForcedConflicts:
    """Holds the first insert of each of the 8 pushes (the recorder's insert_events, where every save
    ends) until all 8 have decided: read the decision state and computed their events. Every push but
    one then saves a stale decision and must be retried. Counts the inserts (one per attempt)."""

    def __init__(self, ledger, monkeypatch) -> None:
        self.barrier = threading.Barrier(PUSHES)
        self.lock = threading.Lock()
        self.attempts = 0
        insert_events = ledger.recorder.insert_events

        def held_insert(*args, **kwargs):
            with self.lock:
                self.attempts += 1
                first_round = self.attempts <= PUSHES
            if first_round:
                try:
                    self.barrier.wait(timeout=20)
                except threading.BrokenBarrierError:
                    pass
            return insert_events(*args, **kwargs)

        monkeypatch.setattr(ledger.recorder, "insert_events", held_insert)


def commit_order(db_url) -> list:
    with psycopg.connect(db_url) as conn:
        return [r[0] for r in conn.execute(
            "SELECT originator_id FROM ledger_events WHERE topic = 'kulcs-ledger:Sync.Created'"
            " ORDER BY notification_id").fetchall()]


def replay_one_by_one(db_url, fresh_url, sync_ids) -> tuple[dict, dict]:
    """Applies the recorded requests one at a time, in the given order, to a fresh ledger: the answer
    counts per original sync id, and the resulting decision state."""
    app = LedgerApp(env=eventsourcing_env(fresh_url, pool_size=1))
    try:
        create_shop(app, {"webshopid": "bolt", "password": "kulcs-jelszo", "sync_type": "full"}, "test")
        with psycopg.connect(db_url) as conn:
            requests = {r[0]: r[1:] for r in conn.execute(
                "SELECT sync_id, received_at, body FROM kulcs_requests WHERE sync_id = ANY(%s)",
                (sync_ids,)).fetchall()}
        counts = {}
        for sync_id in sync_ids:
            received_at, body = requests[sync_id]
            call = ReceivedCall(sync_id=uuid4(), shop="bolt", kind="products", received_at=received_at,
                                method="POST", path="/kulcs/bolt/products", query="",
                                content_type="text/xml", headers={}, remote=None, body=bytes(body))
            answer = product_upload.handle_product_upload(app, call, "full", max_rows=1000)
            assert answer.status == 200
            counts[sync_id] = PushAnswer.parse(answer.body)
    finally:
        app.close()
    return counts, product_states(fresh_url)


def product_states(url) -> dict:
    with psycopg.connect(url) as conn:
        return {r[0]: r[1:] for r in conn.execute(
            "SELECT sku, product_id, version, fields, sale_prices FROM product_state").fetchall()}


async def test_eight_concurrent_pushes_end_as_if_applied_one_by_one_in_commit_order(
        client, db_url, pg_server, monkeypatch):
    await make_shop(client, sync_type="full")
    seed = product_xml([{"termekkod": sku, "ar": "999", "arakcios": "700", "szabadraktar": "1"}
                        for sku in SKUS])
    assert (await client.post("/kulcs/bolt/products", data=seed, headers=KULCS)).status == 200
    forced = ForcedConflicts(client.server.app[LEDGER], monkeypatch)

    async def push(body):
        response = await client.post("/kulcs/bolt/products", data=body, headers=KULCS)
        return response.status, await response.read()

    results = await asyncio.gather(*(push(body) for body in contended_pushes()))
    assert [status for status, _ in results] == [200] * PUSHES, results
    answers = [PushAnswer.parse(body) for _, body in results]
    retries = forced.attempts - PUSHES
    report_count(f"\ncontention: {PUSHES} concurrent pushes, {forced.attempts} decide-and-save attempts,"
          f" {retries} conflicts retried")
    assert retries >= 1, "the pushes were not decided concurrently: no conflict was provoked"

    order = commit_order(db_url)
    assert len(order) == PUSHES + 1 and set(a.sync_id for a in answers) <= set(order), \
        "every push is recorded, once"
    fresh = pg_server.new_database()
    try:
        replayed, replay_state = replay_one_by_one(db_url, fresh, order)
    finally:
        pg_server.drop(fresh)
    for answer in answers:
        one_by_one = replayed[answer.sync_id]
        assert replace(answer, sync_id=None) == replace(one_by_one, sync_id=None), (
            f"push {order.index(answer.sync_id)} in commit order was answered {answer}, applying the"
            f" pushes one by one answers {one_by_one}")
    assert product_states(db_url) == replay_state

    bodies = dict(zip((a.sync_id for a in answers), contended_pushes()))
    last_writer = {}
    for body in [seed] + [bodies[sync_id] for sync_id in order[1:]]:
        for row in parse_product_upload(body).rows:
            last_writer[row.sku] = row.values
    state = product_states(db_url)
    for sku, values in last_writer.items():
        fields = state[sku][2]
        assert (fields["base_price"], fields["stock1"]) == (money(values["ar"]), quantity(values["szabadraktar"])), \
            f"{sku}: the last push in commit order sets its base price and stock"

    await settled(client)
    with psycopg.connect(db_url) as conn:
        assert check_acknowledged(conn, answers) == PUSHES
        check_no_partial_syncs(conn)
        check_state_matches_events(conn)
        assert check_views_match_state(conn) == len(SKUS)


async def test_sustained_concurrent_pushes_over_the_same_skus_are_never_answered_500(client):
    await make_shop(client, sync_type="full")
    rng = random.Random(6)
    skus = [f"S-{n}" for n in range(10)]

    async def stream():
        statuses = []
        for _ in range(10):
            rows = [{"termekkod": sku, "ar": str(rng.randint(1, 999)), "szabadraktar": str(rng.randint(0, 9))}
                    for sku in rng.sample(skus, 8)]
            response = await client.post("/kulcs/bolt/products", data=product_xml(rows), headers=KULCS)
            statuses.append(response.status)
        return statuses

    statuses = [s for stream_statuses in await asyncio.gather(*(stream() for _ in range(6)))
                for s in stream_statuses]
    report_count(f"\nsustained contention: {len(statuses)} pushes from 6 clients,"
          f" {statuses.count(200)} answered 200, {statuses.count(500)} answered 500")
    assert statuses == [200] * len(statuses)
