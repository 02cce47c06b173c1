"""What must hold in the ledger whatever happened to the service: read straight from the tables.

Every function takes a psycopg connection to the real database (never through a proxy) and raises
AssertionError naming what it found wrong; each answers counts for the test's report.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from lxml import etree

PRODUCT_TOPICS = ("kulcs-ledger:Product.Created", "kulcs-ledger:Product.Changed")
SYNC_TOPIC = "kulcs-ledger:Sync.Created"


@dataclass(frozen=True)
class PushAnswer:
    """A U1 answer as Kulcs reads it: the sync id and the counts it was promised."""

    sync_id: UUID
    result: str
    received: int
    created: int
    modified: int
    unchanged: int
    skipped: int

    @classmethod
    def parse(cls, body: bytes) -> "PushAnswer":
        root = etree.fromstring(body)

        def number(tag: str) -> int:
            return int(root.findtext(tag))

        return cls(UUID(root.findtext("szinkron")), root.findtext("eredmeny"), number("fogadott"),
                   number("letrehozott"), number("modositott"), number("valtozatlan"),
                   number("kihagyott"))


def _product_event_counts(conn) -> dict[str, int]:
    """Product events per naming sync id (hex), from the events' JSON."""
    rows = conn.execute(
        "SELECT convert_from(state, 'UTF8')::jsonb #>> '{sync_id,_data_}' AS sync_hex, count(*)"
        " FROM ledger_events WHERE topic = ANY(%s) GROUP BY 1", (list(PRODUCT_TOPICS),)).fetchall()
    return {hex_: n for hex_, n in rows}


def check_acknowledged(conn, answers: list[PushAnswer]) -> int:
    """Every push answered 200 is in the ledger whole: its request, its Sync event, and exactly as many
    product events as its answer counted created + modified."""
    if not answers:
        return 0
    per_sync = _product_event_counts(conn)
    ids = [a.sync_id for a in answers]
    requests = {r[0] for r in conn.execute(
        "SELECT sync_id FROM kulcs_requests WHERE sync_id = ANY(%s)", (ids,)).fetchall()}
    syncs = {r[0] for r in conn.execute(
        "SELECT originator_id FROM ledger_events WHERE topic = %s AND originator_id = ANY(%s)",
        (SYNC_TOPIC, ids)).fetchall()}
    for answer in answers:
        assert answer.sync_id in requests, f"acknowledged push {answer.sync_id} has no recorded request"
        assert answer.sync_id in syncs, f"acknowledged push {answer.sync_id} has no Sync event"
        found = per_sync.get(answer.sync_id.hex, 0)
        assert found == answer.created + answer.modified, (
            f"acknowledged push {answer.sync_id}: {found} product events, its answer promised"
            f" {answer.created} created + {answer.modified} modified")
    return len(answers)


def check_no_partial_syncs(conn) -> dict:
    """Each recorded sync is whole: request and Sync event together, and the product events naming it
    number exactly its counts' created + modified (none for a rejected or duplicate call)."""
    requests = {r[0] for r in conn.execute("SELECT sync_id FROM kulcs_requests").fetchall()}
    syncs = {}
    for sync_id, state in conn.execute(
            "SELECT originator_id, convert_from(state, 'UTF8')::jsonb FROM ledger_events"
            " WHERE topic = %s", (SYNC_TOPIC,)).fetchall():
        syncs[sync_id] = state if isinstance(state, dict) else json.loads(state)
    assert requests == set(syncs), (
        f"requests without a Sync event: {sorted(map(str, requests - set(syncs)))[:5]};"
        f" Sync events without a request: {sorted(map(str, set(syncs) - requests))[:5]}")
    per_sync = _product_event_counts(conn)
    checked = events = 0
    for sync_id, state in syncs.items():
        counts = state.get("counts") or {}
        expected = (counts.get("created", 0) + counts.get("modified", 0)
                    if state.get("kind") == "products" and state.get("outcome") in ("applied", "partial")
                    else 0)
        found = per_sync.pop(sync_id.hex, 0)
        assert found == expected, (
            f"sync {sync_id} ({state.get('kind')}, {state.get('outcome')}) is partly there:"
            f" {found} product events, its counts say {expected}")
        checked += 1
        events += found
    shop_actions = _shop_action_ids(conn)
    orphans = {k: n for k, n in per_sync.items() if k not in shop_actions}
    assert not orphans, f"product events naming no recorded sync: {list(orphans.items())[:5]}"
    return {"syncs": checked, "product_events": events}


def _shop_action_ids(conn) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT convert_from(state, 'UTF8')::jsonb #>> '{sync_id,_data_}' FROM ledger_events"
        " WHERE topic = ANY(%s) AND convert_from(state, 'UTF8')::jsonb ->> 'source' = 'shop'",
        (list(PRODUCT_TOPICS),)).fetchall()}


def fold_products(conn) -> dict:
    """Each product as its events make it: {product_id: (version, fields, sale_prices)}."""
    products: dict = {}
    for originator_id, version, topic, state in conn.execute(
            "SELECT originator_id, originator_version, topic, convert_from(state, 'UTF8')::jsonb"
            " FROM ledger_events WHERE topic = ANY(%s) ORDER BY notification_id",
            (list(PRODUCT_TOPICS),)).fetchall():
        if topic.endswith(".Created"):
            fields = {k: v for k, v in state["fields"].items()}
            products[originator_id] = [version, fields, dict(state["sale_prices"])]
            continue
        product = products[originator_id]
        assert version == product[0] + 1, f"product {originator_id}: version {version} after {product[0]}"
        product[0] = version
        for field, change in state["changes"].items():
            product[1][field] = change["new"]
        for priority, change in state["sale_price_changes"].items():
            if change["new"] is None:
                product[2].pop(priority, None)
            else:
                product[2][priority] = change["new"]
    return products


def check_state_matches_events(conn) -> int:
    """The decision state (product_state) is what the events say: the same products, each at the
    version of its last event (max originator_version), with the same field values and sale prices."""
    folded = fold_products(conn)
    max_versions = dict(conn.execute(
        "SELECT originator_id, max(originator_version) FROM ledger_events WHERE topic = ANY(%s)"
        " GROUP BY originator_id", (list(PRODUCT_TOPICS),)).fetchall())
    state = {r[0]: r[1:] for r in conn.execute(
        "SELECT product_id, sku, version, fields, sale_prices FROM product_state").fetchall()}
    assert set(state) == set(max_versions), (
        f"products in state but without events: {len(set(state) - set(max_versions))};"
        f" with events but not in state: {len(set(max_versions) - set(state))}")
    for product_id, (sku, version, fields, sale_prices) in state.items():
        assert version == max_versions[product_id], (
            f"{sku}: product_state.version {version}, last event version {max_versions[product_id]}")
        _, event_fields, event_sale_prices = folded[product_id]
        for field, value in event_fields.items():
            assert fields.get(field) == value, f"{sku}.{field}: state {fields.get(field)!r}, events {value!r}"
        assert sale_prices == event_sale_prices, f"{sku}: state {sale_prices}, events {event_sale_prices}"
    return len(state)


def wait_for_projections(conn, timeout: float = 30) -> None:
    """The projector's tracked position reaches the last event."""
    deadline = time.monotonic() + timeout
    while True:
        head, position = conn.execute(
            "SELECT (SELECT coalesce(max(notification_id), 0) FROM ledger_events),"
            " (SELECT position FROM projection_tracking WHERE name = 'views')").fetchone()
        if position >= head:
            return
        assert time.monotonic() < deadline, f"projections stuck at {position} of {head}"
        time.sleep(0.05)


def check_views_match_state(conn) -> int:
    """product_view agrees with product_state: the same products, base_price, stock1, version and
    sale prices."""
    rows = conn.execute(
        "SELECT coalesce(s.sku, v.sku), s.fields->>'base_price', v.base_price, s.fields->>'stock1',"
        " v.stock1, s.version, v.version, s.sale_prices, v.sale_prices"
        " FROM product_state s FULL JOIN product_view v ON v.shop = s.shop AND v.sku = s.sku").fetchall()
    for sku, state_price, view_price, state_stock, view_stock, state_version, view_version, sp, vp in rows:
        assert state_version is not None and view_version is not None, f"{sku} only in one of state/view"
        assert _number(state_price) == _number(view_price), f"{sku}: base_price {state_price} vs view {view_price}"
        assert _number(state_stock) == _number(view_stock), f"{sku}: stock1 {state_stock} vs view {view_stock}"
        assert state_version == view_version, f"{sku}: version {state_version} vs view {view_version}"
        assert sp == vp, f"{sku}: sale prices {sp} vs view {vp}"
    return len(rows)


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def check_everything(conn, answers: list[PushAnswer] = ()) -> dict:
    """All of the above, projections included (waits for them to catch up)."""
    acknowledged = check_acknowledged(conn, list(answers))
    whole = check_no_partial_syncs(conn)
    products = check_state_matches_events(conn)
    wait_for_projections(conn)
    views = check_views_match_state(conn)
    return {"acknowledged": acknowledged, **whole, "products": products, "views": views}
