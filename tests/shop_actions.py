"""A shop's actions stamped at a chosen moment (the service stamps them with the clock when saved)."""
from __future__ import annotations

from datetime import datetime

from ledger.service import shop_sale_prices


def shop_sale_price_at(app, monkeypatch, shop: str, sku: str, priority: str, body: dict, at: datetime):
    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return at
    with monkeypatch.context() as patched:
        patched.setattr(shop_sale_prices, "datetime", Clock)
        return shop_sale_prices.set_shop_sale_price(app, shop, sku, priority, body)
