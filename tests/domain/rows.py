"""Parsed rows for domain tests, without going through XML."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from uuid import uuid4

from ledger.domain.categories import CategoryBook
from ledger.domain.product_push import SyncContext, decide_push


@dataclass(frozen=True)
class Row:
    index: int
    sku: str | None
    values: dict = field(default_factory=dict)
    errors: tuple = ()


def row(sku, index=1, **values):
    return Row(index, sku, {k: Decimal(v) if k in ("ar", "arakcios", "szabadraktar") else v
                            for k, v in values.items()})


def budapest_noon(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T11:00:00+00:00").astimezone(timezone.utc)


def push(rows, states=None, *, mode="full", at="2026-11-28", book=None):
    ctx = SyncContext("shop1", uuid4(), budapest_noon(at) if len(at) == 10 else datetime.fromisoformat(at),
                      "test/1")
    states = {} if states is None else states
    return decide_push(ctx, mode, rows, states, book or CategoryBook("shop1")), states
