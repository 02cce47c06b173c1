"""U2: the pending orders Kulcs has not confirmed yet, oldest first, each handed over as an event.

An order that cannot be expressed in Kulcs's terms (a fee with no item code configured) is held back
and reported; it is never sent without its fee and never dropped silently.
"""
from __future__ import annotations

from dataclasses import replace

from ledger.domain.order import Order
from ledger.domain.orders import ItemCodes, OrderNotExpressible, kulcs_lines, parse_order
from ledger.kulcs.orders_xml import render_orders
from ledger.service.answers import Answer
from ledger.service.calls import ReceivedCall, record_plain_call
from ledger.service.ledger_app import LedgerApp, retry_on_conflict
from ledger.service.orders import state_from_row
from ledger.storage.order_writes import write_order_states


def item_codes(shop_row) -> ItemCodes:
    return ItemCodes(shop_row["shipping_sku"], shop_row["payment_fee_sku"], shop_row["coupon_sku"])


def pending_orders(app: LedgerApp, shop: str):
    rows = app.fetch("SELECT *, payload::text AS payload_text FROM order_state WHERE shop = %s"
                     " AND status = 'pending' AND NOT confirmed ORDER BY placed_at, order_id", (shop,))
    return [state_from_row(r) for r in rows]


def blocked_reason(payload: dict, codes: ItemCodes) -> str | None:
    try:
        kulcs_lines(parse_order(payload), codes)
    except OrderNotExpressible as error:
        return str(error)
    return None


def handle_order_download(app: LedgerApp, call: ReceivedCall, shop_row) -> Answer:
    return retry_on_conflict(lambda: _download_once(app, call, item_codes(shop_row),
                                                    shop_row["payment_due_days"]))


def _download_once(app, call, codes, shop_payment_due_days: int | None) -> Answer:
    """An order placed without its own payment term gets the shop's (`payment_due_days` setting)."""
    handed, blocked, events, states = [], [], [], []
    for state in pending_orders(app, call.shop):
        order = parse_order(state.payload)
        if order.payment_due_days is None:
            order = replace(order, payment_due_days=shop_payment_due_days)
        try:
            lines = kulcs_lines(order, codes)
        except OrderNotExpressible as error:
            blocked.append({"row": len(handed) + len(blocked) + 1, "sku": state.order_id,
                            "reason": str(error), "kind": "blocked"})
            continue
        handed.append((order, lines))
        events.append(Order.HandedOver(originator_id=state.order_uuid,
                                       originator_version=state.version + 1,
                                       timestamp=call.received_at, sync_id=call.sync_id))
        states.append(replace(state, version=state.version + 1))
    counts = {"sent": len(handed), "blocked": len(blocked)}
    result = record_plain_call(app, call, outcome="partial" if blocked else "applied", counts=counts,
                               errors=blocked, events=events, extra_writes=[write_order_states(states)])
    return Answer(result, 200, render_orders(handed))
