"""The order decision state, written in the same transaction as the order's events."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class OrderStateRow:
    shop: str
    order_id: str
    order_uuid: UUID
    version: int
    status: str
    confirmed: bool
    kulcs_status: str | None
    document_number: str | None
    placed_at: datetime
    payload: dict


def write_order_states(rows: Sequence[OrderStateRow]):
    def write(curs, _ids) -> None:
        for r in sorted(rows, key=lambda r: r.order_id):
            curs.execute(
                "INSERT INTO order_state (shop, order_id, order_uuid, version, status, confirmed,"
                " kulcs_status, document_number, placed_at, payload)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)"
                " ON CONFLICT (shop, order_id) DO UPDATE SET version = EXCLUDED.version,"
                " status = EXCLUDED.status, confirmed = EXCLUDED.confirmed,"
                " kulcs_status = EXCLUDED.kulcs_status, document_number = EXCLUDED.document_number",
                (r.shop, r.order_id, r.order_uuid, r.version, r.status, r.confirmed, r.kulcs_status,
                 r.document_number, r.placed_at, json.dumps(r.payload)))
    return write
