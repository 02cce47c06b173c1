"""Kulcs documents for tests, encoded the way Kulcs (a Windows program) sends them."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4
from xml.sax.saxutils import escape

from ledger.service.calls import ReceivedCall


def product_xml(rows: list[dict], encoding: str = "utf-8") -> bytes:
    lines = [f'<?xml version="1.0" encoding="{encoding}"?>', "<termekek>"]
    for row in rows:
        fields = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in row.items())
        lines.append(f"  <termek>{fields}</termek>")
    lines.append("</termekek>")
    return "\n".join(lines).encode(encoding)


def call(shop: str, body: bytes, *, at: datetime | None = None, kind: str = "products") -> ReceivedCall:
    return ReceivedCall(
        sync_id=uuid4(), shop=shop, kind=kind, received_at=at or datetime.now(timezone.utc),
        method="POST", path=f"/kulcs/{shop}/products", query="", content_type="text/xml",
        headers={}, remote="127.0.0.1", body=body)
