"""What one Kulcs product upload does to the shop's products: decided in bulk, in memory.

Input: the parsed rows, the decision state of every product they name, the shop's sync mode.
Output: the events to save, the new decision state, the counts and row errors of the answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from ledger.domain.categories import CategoryBook
from ledger.domain.ids import product_id
from ledger.domain.product import Product
from ledger.domain.sale_prices import KULCS_PRIORITY, kulcs_sale_price
from ledger.domain.values import budapest_day, money, quantity

FIELD_OF_ELEMENT = {
    "ar": "base_price", "szabadraktar": "stock1", "nev": "name", "mee": "unit",
    "afakulcs": "vat", "kep": "image", "kat": "category", "tmegjegyzes": "description",
}
ELEMENTS_OF_MODE = {
    "stock_price": frozenset({"ar", "arakcios", "szabadraktar"}),
    "full": frozenset({"ar", "arakcios", "szabadraktar", "nev", "mee", "afakulcs", "kep", "kat",
                       "tmegjegyzes"}),
}


class Row(Protocol):
    index: int
    sku: str | None
    values: dict
    errors: tuple[str, ...]


@dataclass
class ProductState:
    product_id: UUID
    version: int
    fields: dict
    sale_prices: dict


@dataclass(frozen=True)
class SyncContext:
    shop: str
    sync_id: UUID
    received_at: datetime
    parser_version: str | None
    source: str = "kulcs"

    @property
    def today(self) -> date:
        return budapest_day(self.received_at)


@dataclass
class PushDecision:
    events: list = field(default_factory=list)
    changed_states: dict[str, ProductState] = field(default_factory=dict)
    images: list = field(default_factory=list)
    counts: dict = field(default_factory=lambda: dict(
        received=0, created=0, modified=0, unchanged=0, skipped=0, rejected=0))
    errors: list[dict] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return "partial" if self.counts["rejected"] else "applied"


def decide_push(ctx: SyncContext, mode: str, rows, states: dict[str, ProductState],
                categories: CategoryBook) -> PushDecision:
    decision = PushDecision()
    elements = ELEMENTS_OF_MODE[mode]
    for row in rows:
        decision.counts["received"] += 1
        if row.errors or not row.sku:
            reasons = list(row.errors) or ["termekkod: hiányzik"]
            _reject(decision, row, "; ".join(reasons), kind="rejected")
            continue
        current = states.get(row.sku)
        if current is None and mode != "full":
            _reject(decision, row, "ismeretlen termékkód, kihagyva", kind="skipped")
            continue
        new_fields, sale_change = _new_values(ctx, row, elements, current, categories, decision)
        if current is None:
            _create(ctx, decision, states, row.sku, new_fields, sale_change)
        else:
            _change(ctx, decision, states, current, row.sku, new_fields, sale_change)
    decision.events[:0] = categories.created
    return decision


def _new_values(ctx, row, elements, current, categories, decision):
    new_fields: dict = {}
    for element, value in row.values.items():
        if element not in elements or element == "arakcios":
            continue
        field_name = FIELD_OF_ELEMENT[element]
        if element == "ar":
            new_fields[field_name] = money(value)
        elif element == "szabadraktar":
            new_fields[field_name] = quantity(value)
        elif element == "kep":
            new_fields[field_name] = _image(value, current)
            if value.kind == "data":
                decision.images.append(value)
        elif element == "kat":
            new_fields[field_name] = categories.resolve(
                value, create=True, sync_id=ctx.sync_id, at=ctx.received_at, source=ctx.source)
        else:
            new_fields[field_name] = value
    sale_change = None
    if "arakcios" in elements and "arakcios" in row.values:
        key = str(KULCS_PRIORITY)
        old = current.sale_prices.get(key) if current else None
        new = kulcs_sale_price(old, Decimal(row.values["arakcios"]), ctx.today)
        if new is not None:
            sale_change = {key: {"old": old, "new": new}}
    return new_fields, sale_change


def _image(value, current) -> dict:
    """U4 sends a stored image back as its SHA-256; that name, sent again, means the same image."""
    stored = current.fields.get("image") if current else None
    if value.kind == "name" and stored and stored.get("kind") == "data" and stored.get("value") == value.value:
        return stored
    return {"kind": value.kind, "value": value.value, "media_type": value.media_type}


def _create(ctx, decision, states, sku, new_fields, sale_change):
    sale_prices = {p: c["new"] for p, c in (sale_change or {}).items()}
    pid = product_id(ctx.shop, sku)
    decision.events.append(Product.Created(
        originator_id=pid, originator_version=1, timestamp=ctx.received_at,
        originator_topic=Product.TOPIC, shop=ctx.shop, sku=sku, fields=new_fields,
        sale_prices=sale_prices, sync_id=ctx.sync_id, source=ctx.source,
        parser_version=ctx.parser_version,
    ))
    state = ProductState(pid, 1, new_fields, sale_prices)  # shared with the event: neither is changed
    states[sku] = decision.changed_states[sku] = state
    decision.counts["created"] += 1


def _change(ctx, decision, states, current, sku, new_fields, sale_change):
    changes = {f: {"old": current.fields.get(f), "new": v}
               for f, v in new_fields.items() if current.fields.get(f) != v}
    if not changes and not sale_change:
        decision.counts["unchanged"] += 1
        return
    version = current.version + 1
    decision.events.append(Product.Changed(
        originator_id=current.product_id, originator_version=version, timestamp=ctx.received_at,
        changes=changes, sale_price_changes=sale_change or {}, sync_id=ctx.sync_id,
        source=ctx.source, parser_version=ctx.parser_version,
    ))
    sale_prices = dict(current.sale_prices)
    for priority, change in (sale_change or {}).items():
        sale_prices[priority] = change["new"]
    fields = {**current.fields, **{f: c["new"] for f, c in changes.items()}}
    states[sku] = decision.changed_states[sku] = ProductState(
        current.product_id, version, fields, sale_prices)
    decision.counts["modified"] += 1


def _reject(decision, row, reason, *, kind):
    decision.counts["skipped"] += 1
    if kind == "rejected":
        decision.counts["rejected"] += 1
    decision.errors.append({"row": row.index, "sku": row.sku, "reason": reason, "kind": kind})
