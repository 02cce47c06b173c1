"""The shop's own sale prices (any priority but Kulcs's 10), recorded like every other change."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from uuid import UUID, uuid4

from ledger.domain.product import Product
from ledger.domain.sale_prices import KULCS_PRIORITY
from ledger.domain.values import money
from ledger.service.ledger_app import LedgerApp, retry_on_conflict
from ledger.service.shops import ShopError
from ledger.storage.state_writes import ProductStateRow, write_product_state


SALE_PRICE_FIELDS = frozenset({"price", "valid_from", "valid_to"})


def parse_sale_price(priority: str, body: dict) -> tuple[str, dict]:
    # A misspelt field ("valid_until") ignored would leave a sale price running forever.
    if unknown := sorted(set(body) - SALE_PRICE_FIELDS):
        raise ShopError(f"unknown fields: {', '.join(unknown)} (price, valid_from, valid_to)")
    try:
        number = int(priority)
    except ValueError:
        raise ShopError("priority must be an integer") from None
    if number == KULCS_PRIORITY:
        raise ShopError("priority 10 belongs to Kulcs and cannot be set by the shop", status=403)
    if not 0 <= number <= 1000:
        raise ShopError("priority must be from 0 to 1000")
    try:
        price = Decimal(str(body["price"]))
        if not price.is_finite() or price < 0 or price >= MAX_PRICE or -price.as_tuple().exponent > 4:
            raise InvalidOperation
    except (KeyError, InvalidOperation, ValueError):
        raise ShopError("price must be a non-negative decimal string below 10^12, at most 4 decimals") from None
    valid_from, valid_to = _day(body, "valid_from"), _day(body, "valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise ShopError("valid_to is before valid_from")
    return str(number), {"price": money(price), "valid_from": valid_from, "valid_to": valid_to,
                         "source": "shop"}


MAX_PRICE = Decimal(10) ** 12
# The price history computes the days around a window's edges (the day before it starts, the day after
# it ends); at year 1 or 9999 those fall off the calendar and every read of the product's history failed.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _day(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise TypeError
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ShopError(f"{name} must be a date (YYYY-MM-DD) or null") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ShopError(f"{name} must be a date in the years {FIRST_YEAR}–{LAST_YEAR}")
    return day.isoformat()


def set_shop_sale_price(app: LedgerApp, shop: str, sku: str, priority: str, body: dict) -> UUID | None:
    key, sale_price = parse_sale_price(priority, body)
    action_id = uuid4()
    return retry_on_conflict(lambda: _set_once(app, shop, sku, key, sale_price, action_id))


def _set_once(app, shop, sku, key, sale_price, action_id):
    rows = app.fetch("SELECT product_id, version, fields::text AS f, sale_prices::text AS s"
                     " FROM product_state WHERE shop = %s AND sku = %s", (shop, sku))
    if not rows:
        raise ShopError(f"no product {sku}", status=404)
    row = rows[0]
    sale_prices = json.loads(row["s"])
    old = sale_prices.get(key)
    if old == sale_price:
        return None
    event = Product.Changed(
        originator_id=row["product_id"], originator_version=row["version"] + 1,
        timestamp=datetime.now(timezone.utc), changes={},
        sale_price_changes={key: {"old": old, "new": sale_price}}, sync_id=action_id,
        source="shop", parser_version=None,
    )
    sale_prices[key] = sale_price
    state = ProductStateRow(shop, sku, row["product_id"], row["version"] + 1, json.loads(row["f"]),
                            sale_prices)
    app.save_events(event, state_writes=[write_product_state([state])])
    return action_id
