"""Orders as the shop and support see them, with when Kulcs downloaded and confirmed them."""
from __future__ import annotations

from ledger.domain.orders import gross_total, parse_order
from ledger.read.formats import plain
from ledger.service.order_download import blocked_reason, item_codes


async def order(conn, shop: str, order_id: str) -> dict | None:
    row = await conn.fetchrow("SELECT * FROM order_view WHERE shop = $1 AND order_id = $2", shop, order_id)
    if row is None:
        return None
    shop_row = await conn.fetchrow("SELECT * FROM shops WHERE webshopid = $1", shop)
    if shop_row is None:
        return None  # an order stored for a shop that was never registered: no such order here
    pending = row["status"] == "pending" and row["confirmed_at"] is None
    downloads = row["downloads"]
    return plain({
        "order_id": row["order_id"], "status": _status(row), "placed_at": row["placed_at"],
        "total": gross_total(parse_order(row["payload"])),
        "blocked": blocked_reason(row["payload"], item_codes(shop_row)) if pending else None,
        "downloaded": downloads[0] if downloads else None, "downloads": downloads,
        "confirmed": None if row["confirmed_at"] is None else {
            "at": row["confirmed_at"], "sync_id": row["confirmed_sync"],
            "document_number": row["document_number"]},
        "kulcs_status": row["kulcs_status"], "cancelled_at": row["cancelled_at"],
        "order": row["payload"],
    })


def _status(row) -> str:
    """pending, then confirmed once Kulcs has stored the order (U3), then invoiced or delivery_note as
    Kulcs's statusz moves it (the latest wins); cancelled whenever the shop cancelled it. order_view's
    own status column says only pending or cancelled, as U2's selection does; the rest is read from
    the confirmation columns, so orders projected before this reading are shown right without a
    rebuild."""
    if row["status"] == "cancelled":
        return "cancelled"
    if row["confirmed_at"] is None:
        return "pending"
    return row["kulcs_status"] or "confirmed"
