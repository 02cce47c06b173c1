"""`verify`: (a) replaying the events reproduces the decision state and every projection;
(b) the event log and the stored requests were not altered (hash chain, request digests)."""
from __future__ import annotations

import asyncio
import hashlib
import zlib
from dataclasses import dataclass, field

from ledger.audit.replay_state import fold
from ledger.storage.event_chain import GENESIS, chain_link, event_digest
from ledger.storage.request_bodies import received_form
from projections.decoding import decode_rows
from projections.partitions import fill_partitioned
from projections.runner import NAME, VIEW_TABLES
from projections.shadow import (
    ShadowBusy, catch_up_in_transaction, create_shadow, rows_differing, shadow_claimed,
)

PAGE = 5000


@dataclass
class Report:
    problems: list[dict] = field(default_factory=list)
    checked: dict = field(default_factory=dict)

    def problem(self, check: str, message: str, **where) -> None:
        self.problems.append({"check": check, "message": message, **where})

    def as_json(self) -> dict:
        chain = [p for p in self.problems if p["check"] == "event_chain"]
        return {"ok": not self.problems, "checked": self.checked, "problems": self.problems[:100],
                "first_broken_link": chain[0] if chain else None}


async def check_chain(conn, report: Report) -> None:
    prev_link, links, events = GENESIS, 0, 0
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for row in conn.cursor("SELECT * FROM ledger_events_chain ORDER BY last_id", prefetch=200):
            links += 1
            if bytes(row["prev_link"]) != prev_link:
                report.problem("event_chain", "link does not follow the previous one (a link was removed"
                               " or rewritten)", position=row["first_id"])
                return
            stored = await conn.fetch(
                "SELECT notification_id, originator_id, originator_version, topic, state FROM ledger_events"
                " WHERE notification_id BETWEEN $1 AND $2 ORDER BY notification_id",
                row["first_id"], row["last_id"])
            by_id = {r["notification_id"]: r for r in stored}
            expected_ids = range(row["first_id"], row["last_id"] + 1)
            for position, digest in zip(expected_ids, row["digests"], strict=True):
                r = by_id.get(position)
                if r is None:
                    report.problem("event_chain", "event deleted", position=position)
                    return
                if event_digest(position, r["originator_id"], r["originator_version"], r["topic"],
                                bytes(r["state"])) != bytes(digest):
                    report.problem("event_chain", "event altered", position=position,
                                   originator_id=str(r["originator_id"]),
                                   originator_version=r["originator_version"])
                    return
            events += len(stored)
            prev_link = chain_link(prev_link, [bytes(d) for d in row["digests"]])
            if prev_link != bytes(row["link"]):
                report.problem("event_chain", "link value altered", position=row["first_id"])
                return
        outside = await conn.fetchval(
            "SELECT min(notification_id) FROM ledger_events e WHERE NOT EXISTS (SELECT 1 FROM"
            " ledger_events_chain c WHERE e.notification_id BETWEEN c.first_id AND c.last_id)")
        if outside is not None:
            report.problem("event_chain", "event not covered by the chain (inserted by hand)",
                           position=outside)
    report.checked.update(chain_links=links, chained_events=events)


async def check_requests(conn, report: Report, shop: str | None) -> None:
    rows = await conn.fetch(
        "SELECT e.originator_id AS sync_id, e.notification_id,"
        " convert_from(e.state, 'UTF8')::jsonb ->> 'request_sha256' AS recorded,"
        " CASE WHEN held.sync_id IS NULL AND r.body_compression IS NULL"
        " THEN encode(sha256(r.body), 'hex') END AS actual,"
        " coalesce(held.sync_id, r.sync_id) AS holder, r.sync_id IS NULL AS missing"
        " FROM ledger_events e LEFT JOIN kulcs_requests r ON r.sync_id = e.originator_id"
        " LEFT JOIN kulcs_requests held ON held.sync_id = r.body_stored_with"
        " WHERE e.topic = 'kulcs-ledger:Sync.Created'"
        " AND ($1::text IS NULL OR convert_from(e.state, 'UTF8')::jsonb ->> 'shop' = $1)"
        " ORDER BY e.notification_id", shop)
    held: dict = {}  # a body held for later calls is decompressed once, not once per call
    for r in rows:
        if r["missing"]:
            report.problem("requests", "stored request deleted", sync_id=str(r["sync_id"]),
                           position=r["notification_id"])
            continue
        if r["actual"] is None and r["holder"] not in held:
            held[r["holder"]] = await _received_sha256(conn, r["holder"])
        if r["recorded"] != (r["actual"] if r["actual"] is not None else held[r["holder"]]):
            report.problem("requests", "stored request altered", sync_id=str(r["sync_id"]),
                           position=r["notification_id"])
    report.checked["requests"] = len(rows)


async def _received_sha256(conn, sync_id) -> str | None:
    """The SHA-256 of the body a call's row holds, as received (None if it no longer reads back)."""
    row = await conn.fetchrow("SELECT body, body_compression FROM kulcs_requests WHERE sync_id = $1", sync_id)

    def digest() -> str | None:
        try:
            return hashlib.sha256(received_form(row["body"], row["body_compression"])).hexdigest()
        except (zlib.error, ValueError):
            return None
    return await asyncio.to_thread(digest)


async def check_decision_state(conn, report: Report, shop: str | None) -> None:
    states: dict = {}
    position = 0
    while rows := await conn.fetch(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM ledger_events"
            " WHERE notification_id > $1 AND topic ~ '^kulcs-ledger:(Product|Category|Order)\\.'"
            " ORDER BY notification_id LIMIT $2", position, PAGE):
        for positioned in await asyncio.to_thread(decode_rows, rows):
            fold(states, positioned.event)
        position = rows[-1]["notification_id"]
    expected = {(kind, s["shop"], s["key"]): s for (kind, _), s in states.items()
                if shop is None or s["shop"] == shop}
    kept = {}
    for r in await conn.fetch("SELECT shop, sku, version, fields, sale_prices FROM product_state"
                              " WHERE $1::text IS NULL OR shop = $1", shop):
        kept[("product", r["shop"], r["sku"])] = {"version": r["version"], "fields": r["fields"],
                                                 "sale_prices": r["sale_prices"]}
    for r in await conn.fetch("SELECT * FROM category_state WHERE $1::text IS NULL OR shop = $1", shop):
        kept[("category", r["shop"], r["category_key"])] = {
            "version": r["version"], "name": r["name"], "parent_key": r["parent_key"],
            "active": r["active"], "kulcs_id": r["kulcs_id"]}
    for r in await conn.fetch("SELECT * FROM order_state WHERE $1::text IS NULL OR shop = $1", shop):
        kept[("order", r["shop"], r["order_id"])] = {
            "version": r["version"], "status": r["status"], "confirmed": r["confirmed"],
            "kulcs_status": r["kulcs_status"], "document_number": r["document_number"]}
    for key in sorted(set(expected) | set(kept), key=str):
        replayed = {k: v for k, v in expected.get(key, {}).items() if k not in ("shop", "key")}
        if replayed != kept.get(key, {}):
            report.problem("decision_state", "state differs from the events", kind=key[0],
                           shop=key[1], key=key[2], from_events=replayed or None, kept=kept.get(key))
    report.checked["decision_state_rows"] = len(kept)


async def check_projections(url: str, pool, report: Report) -> None:
    """Rebuilds every view from the events in a scratch schema and compares it with the live one."""
    async with shadow_claimed(url, "verify") as claim:
        await _compare_with_rebuild(url, pool, report, claim)


async def _compare_with_rebuild(url: str, pool, report: Report, claim) -> None:
    async with pool.acquire() as conn:
        await create_shadow(conn, "verify")
    try:
        # Only as far as the live views have got: events they have not projected yet (no server running,
        # or the projector a page behind) are lag, not damage; the comparison below catches the shadow up
        # to wherever the live views are by then.
        projected = await claim.fetchval("SELECT position FROM projection_tracking WHERE name = $1", NAME)
        await fill_partitioned(url, "verify", projected or 0)
        async with pool.acquire() as conn, conn.transaction():
            live = await conn.fetchval("SELECT position FROM public.projection_tracking WHERE name = $1"
                                       " FOR UPDATE", NAME)
            await catch_up_in_transaction(conn, "verify", live)
            for table in VIEW_TABLES:
                if differing := await rows_differing(conn, "verify", table):
                    report.problem("projections", f"{table}: {differing} rows differ from a rebuild"
                                   " from the events", table=table)
            report.checked["projection_position"] = live
    finally:
        async with pool.acquire() as conn:
            await conn.execute("DROP SCHEMA IF EXISTS verify CASCADE")


async def verify(url: str, pool, shop: str | None = None, *, whole_ledger: bool = True) -> dict:
    """`whole_ledger=False`: only `shop`'s own checks (its stored requests, its decision state), for one
    who may see that shop and no other; the hash chain and the views span every shop."""
    report = Report()
    async with pool.acquire() as conn:
        if whole_ledger:
            await check_chain(conn, report)
        await check_requests(conn, report, shop)
        await check_decision_state(conn, report, shop)
    report.checked["whole_ledger"] = whole_ledger
    if not whole_ledger:
        return report.as_json()
    try:
        await check_projections(url, pool, report)
    except ShadowBusy:
        raise
    except Exception as error:  # a damaged log may not even project: that is a finding, not a crash
        report.problem("projections", f"the views cannot be rebuilt from the events: {error!r}"[:300])
    return report.as_json()
