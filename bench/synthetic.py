"""A long catalogue history, cheaply: syncs decided by the domain's own rules, COPYed in.

For a shop that exists but has no products yet (the service created it and is stopped), a back-dated
first full sync of the catalogue creates every product and category; then price-and-stock syncs an
hour apart, ending an hour ago, each pick `per_sync` products and give them a new price, a new stock
and, for some, a Kulcs sale price or its end. `decide_push` decides every event (versions, old values,
sale-price rules), `MAPPER.to_stored_event` turns them into exactly the rows the recorder would store,
and each sync ends with its `Sync.Created` event. If the event log is hash-chained
(`ledger_events_chain`), each COPYed chunk gets its link. Afterwards the decision state
(`product_state`, `category_state`) is written as the service would have left it, so the service can
go on from there. What is not written: the syncs' raw requests (`kulcs_requests`).
"""
from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import asyncpg

from ledger.domain.categories import CategoryBook
from ledger.domain.product_push import ProductState, SyncContext, decide_push
from ledger.domain.sync import Sync
from ledger.kulcs.product_upload import PARSER_VERSION, ProductRow, parse_product_upload
from projections.decoding import MAPPER
from projections.runner import event_head

COPY_CHUNK = 20_000
EVENT_COLUMNS = ("originator_id", "originator_version", "topic", "state")


def _new_values(state: ProductState, rng: random.Random) -> dict:
    old = Decimal(state.fields.get("base_price") or "1000")
    price = max(Decimal("1.00"), (old * Decimal(rng.uniform(0.9, 1.1))).quantize(Decimal("0.01")))
    values = {"ar": price, "szabadraktar": Decimal(rng.randint(-2, 500))}
    if rng.random() < 0.25:
        values["arakcios"] = Decimal(0) if rng.random() < 0.5 else (price * Decimal("0.85")).quantize(
            Decimal("0.01"))
    return values


def _sync_event(ctx: SyncContext, decision) -> Sync.Created:
    return Sync.Created(
        originator_id=ctx.sync_id, originator_version=1, timestamp=ctx.received_at,
        originator_topic=Sync.TOPIC, shop=ctx.shop, kind="products", received_at=ctx.received_at,
        outcome=decision.outcome, counts=decision.counts, errors=decision.errors, message=None,
        parser_version=PARSER_VERSION, request_sha256="0" * 64, replay_of=None)


class _Writer:
    """Stored events COPYed in chunks, each chunk chained like one recorder transaction."""

    def __init__(self, conn) -> None:
        self.conn, self.pending, self.written, self.chained = conn, [], 0, False

    async def start(self) -> None:
        try:
            from ledger.storage import event_chain
        except ImportError:
            return
        if await self.conn.fetchval("SELECT to_regclass('ledger_events_chain') IS NOT NULL"):
            self.chained, self.chain = True, event_chain

    async def add(self, events) -> None:
        self.pending += [MAPPER.to_stored_event(e) for e in events]
        if len(self.pending) >= COPY_CHUNK:
            await self.flush()

    async def flush(self) -> None:
        if not self.pending:
            return
        async with self.conn.transaction():
            await self.conn.execute("LOCK TABLE ledger_events IN EXCLUSIVE MODE")  # as the recorder's writers see it
            before = await event_head(self.conn)
            await self.conn.copy_records_to_table("ledger_events", columns=EVENT_COLUMNS, records=[
                (s.originator_id, s.originator_version, s.topic, s.state) for s in self.pending])
            if self.chained:
                await self._link(before)
        self.written, self.pending = self.written + len(self.pending), []

    async def _link(self, before: int) -> None:
        ids = [r[0] for r in await self.conn.fetch(
            "SELECT notification_id FROM ledger_events WHERE notification_id > $1 ORDER BY 1", before)]
        prev = await self.conn.fetchval("SELECT link FROM ledger_events_chain ORDER BY last_id DESC LIMIT 1")
        prev = self.chain.GENESIS if prev is None else bytes(prev)
        digests = self.chain.digests_for(ids, self.pending)
        await self.conn.execute(
            "INSERT INTO ledger_events_chain (last_id, first_id, prev_link, link, digests)"
            " VALUES ($1, $2, $3, $4, $5)", ids[-1], ids[0], prev, self.chain.chain_link(prev, digests), digests)


async def build_history(url: str, shop: str, body: bytes, total_events: int, per_sync: int,
                        seed: int = 7) -> int:
    """A first full sync of `body`, then price syncs until the log holds `total_events`; answers how
    many events were added."""
    rng = random.Random(seed)
    rows = parse_product_upload(body, max_rows=10**7).rows
    conn = await asyncpg.connect(url)
    try:
        writer = _Writer(conn)
        await writer.start()
        existing = await conn.fetchval("SELECT count(*) FROM ledger_events")
        syncs = max(0, math.ceil((total_events - existing - len(rows) - 20) / (per_sync + 1)))
        at = datetime.now(timezone.utc) - timedelta(hours=syncs + 2)
        new_id = lambda: UUID(int=rng.getrandbits(128), version=4)  # noqa: E731
        states: dict[str, ProductState] = {}
        book = CategoryBook(shop)
        ctx = SyncContext(shop, new_id(), at, PARSER_VERSION, "kulcs")
        decision = decide_push(ctx, "full", rows, states, book)
        await writer.add([*decision.events, _sync_event(ctx, decision)])
        skus = sorted(states)
        for k in range(1, syncs + 1):
            ctx = SyncContext(shop, new_id(), at + timedelta(hours=k), PARSER_VERSION, "kulcs")
            picked = [ProductRow(i, sku, _new_values(states[sku], rng), ())
                      for i, sku in enumerate(rng.sample(skus, per_sync), 1)]
            decision = decide_push(ctx, "stock_price", picked, states, CategoryBook(shop))
            await writer.add([*decision.events, _sync_event(ctx, decision)])
        await writer.flush()
        await _write_state(conn, shop, states, book)
    finally:
        await conn.close()
    return writer.written


async def _write_state(conn, shop: str, states: dict[str, ProductState], book: CategoryBook) -> None:
    await conn.copy_records_to_table(
        "product_state", columns=("shop", "sku", "product_id", "version", "fields", "sale_prices"),
        records=[(shop, sku, s.product_id, s.version, json.dumps(s.fields), json.dumps(s.sale_prices))
                 for sku, s in states.items()])
    await conn.executemany(
        "INSERT INTO category_state (shop, category_key, category_id, version, kulcs_id, name, parent_key,"
        " active) VALUES ($1, $2, $3, 1, $4, $5, $6, true)",
        [(shop, e.category_key, e.originator_id, e.kulcs_id, e.name, e.parent_key) for e in book.created])
