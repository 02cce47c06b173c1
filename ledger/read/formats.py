"""JSON-ready forms: money as decimal strings, times as ISO 8601 with offset."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID


def plain(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
