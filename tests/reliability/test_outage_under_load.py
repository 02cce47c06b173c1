"""PostgreSQL goes away while pushes stream in (tests/outage_proxy.py cuts the connection to it): every
answer is 200 or 503 with Retry-After, never 500; /readyz says 503 while it is down and 200 after; the
service recovers by itself; no acknowledged push is lost and no refused push left anything."""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from dataclasses import dataclass

import psycopg

from tests.counts import report_count
from tests.conftest import ADMIN
from tests.http.helpers import basic, make_shop, settled
from tests.kulcs_docs import product_xml
from tests.reliability.ledger_checks import (
    PushAnswer, check_acknowledged, check_no_partial_syncs, check_state_matches_events,
    check_views_match_state,
)

KULCS = {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"}
SENDERS = 3


@dataclass(frozen=True)
class Sent:
    sender: int
    marker: str  # a SKU only this push names
    body: bytes
    sent_in: str  # the phase when it was sent: up, down, restored
    answered_in: str
    status: int
    retry_after: str | None
    answer: bytes



class Load:
    """Senders pushing continuously (each its own SKUs plus a marker SKU per push) and a /readyz probe."""

    def __init__(self, client) -> None:
        self.client = client
        self.phase = "up"
        self.sent: list[Sent] = []
        self.ready: list[tuple[str, str, int]] = []  # (phase sent, phase answered, status)
        self.stop = asyncio.Event()
        self._numbers = itertools.count()

    async def sender(self, k: int) -> None:
        while not self.stop.is_set():
            n = next(self._numbers)
            marker = f"U-{n:05d}"
            body = product_xml([{"termekkod": marker, "ar": "1"}] + [
                {"termekkod": f"S{k}-{j}", "ar": str(100 + n), "szabadraktar": str(n % 7)} for j in range(3)])
            sent_in = self.phase
            response = await self.client.post("/kulcs/bolt/products", data=body, headers=KULCS)
            self.sent.append(Sent(k, marker, body, sent_in, self.phase, response.status,
                                  response.headers.get("Retry-After"), await response.read()))
            await asyncio.sleep(0.02)

    async def probe(self) -> None:
        while not self.stop.is_set():
            sent_in = self.phase
            response = await self.client.get("/readyz")
            self.ready.append((sent_in, self.phase, response.status))
            await asyncio.sleep(0.1)


async def test_database_outage_under_load_answers_503_then_recovers_and_loses_no_push(
        proxied_client, proxy, db_url):
    client = proxied_client
    await make_shop(client, sync_type="full")
    load = Load(client)
    tasks = [asyncio.create_task(load.sender(k)) for k in range(SENDERS)]
    tasks.append(asyncio.create_task(load.probe()))
    await asyncio.sleep(1.0)

    await proxy.cut()
    load.phase = "down"
    await asyncio.sleep(2.5)
    api = await client.get("/api/shops/bolt/syncs", headers=ADMIN)
    api_body = await api.json()
    assert api.status == 503 and api.headers.get("Retry-After") and api_body["error"], api_body

    await proxy.start()
    load.phase = "restored"
    restored_at, before_restore = time.monotonic(), len(load.sent)
    recovered_in = None
    while time.monotonic() - restored_at < 30:
        pushed_again = [s for s in load.sent[before_restore:] if s.sent_in == "restored" and s.status == 200]
        if recovered_in is None and pushed_again:
            recovered_in = time.monotonic() - restored_at
        if len({s.sender for s in pushed_again}) == SENDERS:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    load.stop.set()
    await asyncio.gather(*tasks)

    statuses = [s.status for s in load.sent]
    by_phase = {phase: [s for s in load.sent if s.sent_in == s.answered_in == phase]
                for phase in ("up", "down", "restored")}
    report_count(f"\noutage under load: {len(load.sent)} pushes sent, {statuses.count(200)} answered 200,"
          f" {statuses.count(503)} answered 503; {len(by_phase['down'])} sent and answered during the"
          f" outage; /readyz probed {len(load.ready)} times; recovered {recovered_in and round(recovered_in, 2)}s"
          f" after the database came back")

    assert set(statuses) <= {200, 503}, f"answers other than 200/503: {sorted(set(statuses))}"
    assert all(s.retry_after and int(s.retry_after) > 0 for s in load.sent if s.status == 503)
    assert all(b"<eredmeny>HIBA</eredmeny>" in s.answer for s in load.sent if s.status == 503)
    assert by_phase["up"] and all(s.status == 200 for s in by_phase["up"])
    assert len(by_phase["down"]) >= SENDERS and all(s.status == 503 for s in by_phase["down"])
    assert recovered_in is not None, "no push succeeded within 30 s of the database coming back"
    last_of_each = {s.sender: s.status for s in load.sent}
    assert set(last_of_each.values()) == {200}, "every sender ends with acknowledged pushes"

    ready = {phase: [status for sent_in, answered_in, status in load.ready if sent_in == answered_in == phase]
             for phase in ("up", "down", "restored")}
    assert ready["up"] and set(ready["up"]) == {200}
    assert ready["down"] and set(ready["down"]) == {503}, ready["down"]
    after = ready["restored"]
    assert after and after[-1] == 200 and 503 not in after[after.index(200):], \
        f"/readyz after the restore: {after}"

    await settled(client)
    acknowledged = [PushAnswer.parse(s.answer) for s in load.sent if s.status == 200]
    # A push in flight when the connection was cut may have committed although its answer is 503 (the
    # COMMIT's reply was lost: no one can know). Such a push is whole (check_no_partial_syncs) and Kulcs's
    # retry applies nothing new; a push sent once the database was gone must have left nothing.
    refused = [s for s in load.sent if s.status != 200 and s.sent_in != "up"]
    in_flight_at_cut = [s for s in load.sent if s.status != 200 and s.sent_in == "up"]
    with psycopg.connect(db_url) as conn:
        assert check_acknowledged(conn, acknowledged) == len(acknowledged)
        check_no_partial_syncs(conn)
        check_state_matches_events(conn)
        check_views_match_state(conn)
        left = conn.execute("SELECT count(*) FROM kulcs_requests WHERE body_sha256 = ANY(%s)",
                            ([hashlib.sha256(s.body).hexdigest() for s in refused],)).fetchone()[0]
        products = conn.execute("SELECT count(*) FROM product_state WHERE sku = ANY(%s)",
                                ([s.marker for s in refused],)).fetchone()[0]
    assert (left, products) == (0, 0), f"refused pushes left {left} requests and {products} products"
    report_count(f"acknowledged pushes checked: {len(acknowledged)}, refused pushes checked: {len(refused)},"
                 f" refused while in flight at the cut (whole or absent): {len(in_flight_at_cut)}")
