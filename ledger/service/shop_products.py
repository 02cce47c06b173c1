"""Products the webshop creates or edits itself (kulcs-protocol.md, "How the webshop feeds the service"):
under stock-and-price sync Kulcs only updates SKUs the shop already has, so the shop must be able to
name them. Decided by the same rules as a Kulcs row (`decide_push`), recorded with source "shop"."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from uuid import UUID, uuid4

from ledger.domain.categories import CategoryBook
from ledger.domain.ids import MAX_KEY_CHARS
from ledger.domain.product_push import SyncContext, decide_push
from ledger.domain.values import CONTROL_CHARACTERS, NOT_SENDABLE_TO_KULCS
from ledger.kulcs.numbers import NumberError, parse_vat
from ledger.service.ledger_app import LedgerApp, retry_on_conflict
from ledger.service.product_upload import load_states
from ledger.service.shops import ShopError
from ledger.storage.state_writes import ProductStateRow, write_product_state

MAX_TEXT_CHARS = 100_000
MAX_SKU_CHARS = MAX_KEY_CHARS
_UNSIGNED = re.compile(r"[0-9]{1,12}(\.[0-9]{1,4})?")
_SIGNED = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,4})?")
_TEXT_FIELDS = {"name": "nev", "unit": "mee", "description": "tmegjegyzes"}


@dataclass(frozen=True)
class ShopProductRow:
    sku: str
    values: dict
    index: int = 1
    errors: tuple = ()


@dataclass(frozen=True)
class ShopProductWrite:
    action_id: UUID | None  # None: every value was already so
    created: bool


def parse_shop_product(sku: str, body: dict) -> ShopProductRow:
    if not sku or sku != sku.strip() or len(sku) > MAX_SKU_CHARS or CONTROL_CHARACTERS.search(sku):
        raise ShopError(f"the SKU must be 1 to {MAX_SKU_CHARS} characters, without control characters"
                        " or surrounding spaces")
    unknown = sorted(set(body) - {*_TEXT_FIELDS, "vat", "base_price", "stock1"})
    if unknown:
        raise ShopError(f"unknown fields: {', '.join(unknown)} (name, unit, vat, base_price, stock1,"
                        " description)")
    if not body:
        raise ShopError("give at least one of name, unit, vat, base_price, stock1, description")
    values: dict = {}
    for name, element in _TEXT_FIELDS.items():
        if name in body:
            text = body[name]
            if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS or NOT_SENDABLE_TO_KULCS.search(text):
                raise ShopError(f"{name} must be a string of at most {MAX_TEXT_CHARS} characters, without"
                                " control characters other than tab and line breaks")
            values[element] = text
    if "vat" in body:
        try:
            values["afakulcs"] = parse_vat(body["vat"]) if isinstance(body["vat"], str) else None
        except NumberError:
            values["afakulcs"] = None
        if values["afakulcs"] is None:
            raise ShopError("vat must be a rate from 0 to 100 (\"27\") or a VAT code (\"AAM\")")
    if "base_price" in body:
        values["ar"] = _decimal(body["base_price"], "base_price", negative=False)
    if "stock1" in body:
        values["szabadraktar"] = _decimal(body["stock1"], "stock1", negative=True)
    return ShopProductRow(sku, values)


def _decimal(value, name: str, *, negative: bool) -> Decimal:
    if not isinstance(value, str) or not (_SIGNED if negative else _UNSIGNED).fullmatch(value):
        sign = "a" if negative else "a non-negative"
        raise ShopError(f"{name} must be {sign} decimal string (\"1234.5\"), below 10^12, at most 4 decimals")
    return Decimal(value)


def put_shop_product(app: LedgerApp, shop: str, sku: str, body: dict) -> ShopProductWrite:
    row = parse_shop_product(sku, body)
    action_id = uuid4()
    return retry_on_conflict(lambda: _put_once(app, shop, row, action_id))


def _put_once(app: LedgerApp, shop: str, row: ShopProductRow, action_id: UUID) -> ShopProductWrite:
    _, states = load_states(app, shop, [row.sku])
    ctx = SyncContext(shop, action_id, datetime.now(timezone.utc), None, "shop")
    decision = decide_push(ctx, "full", [row], states, CategoryBook(shop))
    created = decision.counts["created"] == 1
    if not decision.events:
        return ShopProductWrite(None, False)
    # No fingerprint: the next Kulcs row for this SKU must be decided, not recognised as sent before.
    app.save_events(*decision.events, state_writes=[write_product_state([
        ProductStateRow(shop, sku, s.product_id, s.version, s.fields, s.sale_prices)
        for sku, s in decision.changed_states.items()])])
    return ShopProductWrite(action_id, created)
