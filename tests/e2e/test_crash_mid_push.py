"""SIGKILL the server while a push is being applied: after restart the ledger holds the whole
sync or nothing of it, and an answered push is always there."""
from __future__ import annotations

import base64
import random
import threading
import time

import psycopg
import pytest

from tests.counts import report_count
from tests.e2e.server import ServerProcess
from tests.kulcs_docs import product_xml

ROWS = 3000
TRIALS = 4


def ledger_counts(db_url) -> dict:
    with psycopg.connect(db_url) as conn:
        return {
            "requests": conn.execute("SELECT count(*) FROM kulcs_requests").fetchone()[0],
            "syncs": conn.execute("SELECT count(*) FROM ledger_events WHERE topic ="
                                  " 'kulcs-ledger:Sync.Created'").fetchone()[0],
            "product_events": conn.execute("SELECT count(*) FROM ledger_events WHERE topic LIKE"
                                           " 'kulcs-ledger:Product.%'").fetchone()[0],
            "states": conn.execute("SELECT count(*) FROM product_state").fetchone()[0],
        }


@pytest.fixture
def server(db_url, tmp_path):
    process = ServerProcess(db_url, tmp_path / "server.log")
    process.start()
    yield process
    process.stop()


def test_killed_server_leaves_each_push_whole_or_absent(server, db_url):
    assert server.post_json("/api/shops", {"webshopid": "bolt", "password": "kulcs-jelszo",
                                           "sync_type": "full"})[0] == 201
    headers = {"Authorization": "Basic " + base64.b64encode(b"bolt:kulcs-jelszo").decode(),
               "Content-Type": "text/xml"}
    started = time.monotonic()
    body = product_xml([{"termekkod": f"W-{n}", "ar": "100", "nev": f"Termék {n}"} for n in range(ROWS)])
    assert server.request("POST", "/kulcs/bolt/products", body, headers)[0] == 200
    one_push = time.monotonic() - started
    random_delays = random.Random(7)
    answered_ok = 1
    for trial in range(TRIALS):
        price = str(200 + trial)
        body = product_xml([{"termekkod": f"W-{n}", "ar": price} for n in range(ROWS)])
        outcome = {}

        def send():
            try:
                outcome["status"] = server.request("POST", "/kulcs/bolt/products", body, headers)[0]
            except Exception as error:  # the connection dies with the server
                outcome["error"] = error

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(random_delays.uniform(0.1, 1.0) * one_push)
        server.kill()
        sender.join(30)
        server.start()
        answered_ok += outcome.get("status") == 200
        counts = ledger_counts(db_url)
        assert counts["requests"] == counts["syncs"], counts
        with psycopg.connect(db_url) as conn:
            prices = {r[0] for r in conn.execute("SELECT fields->>'base_price' FROM product_state")}
            applied = conn.execute(
                "SELECT count(*) FROM ledger_events WHERE topic = 'kulcs-ledger:Product.Changed'"
                " AND convert_from(state, 'UTF8')::jsonb #>> '{changes,base_price,new}' = %s",
                (f"{price}.00",)).fetchone()[0]
        assert applied in (0, ROWS), f"trial {trial}: {applied} of {ROWS} rows applied"
        assert len(prices) == 1, f"trial {trial}: products disagree on the price: {prices}"
        if outcome.get("status") == 200:
            assert applied == ROWS, "an acknowledged push must be in the ledger"
    status, _ = server.get("/readyz")
    assert status == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with psycopg.connect(db_url) as conn:
            lag = conn.execute("SELECT max(notification_id) - (SELECT position FROM projection_tracking)"
                               " FROM ledger_events").fetchone()[0]
        if lag == 0:
            break
        time.sleep(0.2)
    assert lag == 0, "projections catch up after the restarts"
    with psycopg.connect(db_url) as conn:
        view = dict(conn.execute("SELECT sku, base_price::text FROM product_view").fetchall())
        state = dict(conn.execute("SELECT sku, fields->>'base_price' FROM product_state").fetchall())
    assert view == state
    report_count(f"crash trials: {TRIALS}, pushes acknowledged: {answered_ok}")
