"""Orders from the webshop: placed (idempotent by order id) and cancelled, each an event."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

from ledger.domain.ids import order_id as order_uuid
from ledger.domain.order import Order, StoredInKulcs, check_cancellable
from ledger.domain.orders import OrderInvalid, parse_order
from ledger.service.ledger_app import LedgerApp, retry_on_conflict
from ledger.service.shops import ShopError
from ledger.storage.order_writes import OrderStateRow, write_order_states


def load_order(app: LedgerApp, shop: str, order_id: str) -> OrderStateRow | None:
    rows = app.fetch("SELECT *, payload::text AS payload_text FROM order_state"
                     " WHERE shop = %s AND order_id = %s", (shop, order_id))
    return state_from_row(rows[0]) if rows else None


def state_from_row(r) -> OrderStateRow:
    return OrderStateRow(r["shop"], r["order_id"], r["order_uuid"], r["version"], r["status"],
                         r["confirmed"], r["kulcs_status"], r["document_number"], r["placed_at"],
                         json.loads(r["payload_text"]))


def place_order(app: LedgerApp, shop: str, payload: dict, actor: str) -> tuple[str, bool]:
    """(order id, whether it was new). The same order again is idempotent; a different one under
    the same id is refused."""
    try:
        order = parse_order(payload)
    except OrderInvalid as error:
        raise ShopError(str(error), detail=error.detail) from None
    return retry_on_conflict(lambda: _place_once(app, shop, order, payload, actor))


def _place_once(app, shop, order, payload, actor):
    if not app.fetch("SELECT 1 FROM shops WHERE webshopid = %s", (shop,)):
        raise ShopError(f"no shop {shop}", status=404)  # before anything is stored
    existing = load_order(app, shop, order.order_id)
    if existing is not None:
        if existing.payload != payload:
            raise ShopError(f"order {order.order_id} exists with different content", status=409)
        return order.order_id, False
    now = datetime.now(timezone.utc)
    uuid = order_uuid(shop, order.order_id)
    event = Order.Created(originator_id=uuid, originator_version=1, timestamp=now,
                          originator_topic=Order.TOPIC, shop=shop, order_id=order.order_id,
                          order=payload, actor=actor)
    state = OrderStateRow(shop, order.order_id, uuid, 1, "pending", False, None, None,
                          order.placed_at, payload)
    app.save_events(event, state_writes=[write_order_states([state])])
    return order.order_id, True


def cancel_order(app: LedgerApp, shop: str, order_id: str, actor: str) -> bool:
    return retry_on_conflict(lambda: _cancel_once(app, shop, order_id, actor))


def _cancel_once(app, shop, order_id, actor) -> bool:
    existing = load_order(app, shop, order_id)
    if existing is None:
        raise ShopError(f"no order {order_id}", status=404)
    if existing.status == "cancelled":
        return False
    try:
        check_cancellable(order_id, confirmed=existing.confirmed, document_number=existing.document_number,
                          kulcs_status=existing.kulcs_status)
    except StoredInKulcs as refused:
        raise ShopError(str(refused), status=409, detail=refused.detail) from None
    event = Order.Cancelled(originator_id=existing.order_uuid, originator_version=existing.version + 1,
                            timestamp=datetime.now(timezone.utc), actor=actor)
    app.save_events(event, state_writes=[write_order_states(
        [replace(existing, version=existing.version + 1, status="cancelled")])])
    return True
