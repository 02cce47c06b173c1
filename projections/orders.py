"""Orders as the shop and support see them: placed, handed over to Kulcs (which syncs), confirmed;
and, per sync, the orders it handed over or confirmed (order_history)."""
from __future__ import annotations

from datetime import datetime

from ledger.domain.order import Order
from projections.decoding import events_of

_ORDER_EVENTS = (Order.Created, Order.Cancelled, Order.HandedOver, Order.Confirmed)


async def apply_batch(conn, batch, memo: dict | None = None) -> None:
    history = []
    for positioned in events_of(batch, _ORDER_EVENTS):
        event = positioned.event
        if isinstance(event, (Order.HandedOver, Order.Confirmed)):
            history.append((positioned.position, event.originator_id, event.timestamp, event.sync_id,
                            *_sync_change(event)))
        if isinstance(event, Order.Created):
            await conn.execute(
                "INSERT INTO order_view (order_uuid, shop, order_id, status, placed_at, created_at,"
                " payload, updated_at) VALUES ($1, $2, $3, 'pending', $4, $5, $6, $5)",
                event.originator_id, event.shop, event.order_id,
                datetime.fromisoformat(event.order["placed_at"]),
                event.timestamp, event.order)
        elif isinstance(event, Order.Cancelled):
            await conn.execute("UPDATE order_view SET status = 'cancelled', cancelled_at = $2,"
                               " updated_at = $2 WHERE order_uuid = $1", event.originator_id, event.timestamp)
        elif isinstance(event, Order.HandedOver):
            await conn.execute(
                "UPDATE order_view SET downloads = downloads || jsonb_build_array(jsonb_build_object("
                "'sync_id', $2::text, 'at', $3::text)), updated_at = $4 WHERE order_uuid = $1",
                event.originator_id, str(event.sync_id), event.timestamp.isoformat(), event.timestamp)
        elif isinstance(event, Order.Confirmed):
            await conn.execute(
                "UPDATE order_view SET confirmed_at = coalesce(confirmed_at, $2), confirmed_sync ="
                " coalesce(confirmed_sync, $3), document_number = coalesce($4, document_number),"
                " kulcs_status = coalesce($5, kulcs_status), updated_at = $2 WHERE order_uuid = $1",
                event.originator_id, event.timestamp, event.sync_id, event.document_number,
                event.kulcs_status)
    await conn.executemany(
        "INSERT INTO order_history (position, field, shop, order_id, at, old, new, sync_id)"
        " SELECT $1::bigint, $5::text, shop, order_id, $3::timestamptz, NULL, $6::jsonb, $4::uuid FROM order_view"
        " WHERE order_uuid = $2", history)


def _sync_change(event) -> tuple[str, object]:
    """The field and new value a sync's change of an order reads as (as ledger.audit.changes has it)."""
    if isinstance(event, Order.HandedOver):
        return "handed_over", True
    return "confirmed", event.given
