"""The Product aggregate: every change names the sync (or shop action) that caused it."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate

PRODUCT_FIELDS = ("name", "unit", "vat", "base_price", "stock1", "category", "image", "description")


class Product(Aggregate):
    TOPIC = "kulcs-ledger:Product"

    class Created(Aggregate.Created):
        TOPIC = "kulcs-ledger:Product.Created"
        shop: str
        sku: str
        fields: dict
        sale_prices: dict
        sync_id: UUID
        source: str
        parser_version: str | None

    class Changed(Aggregate.Event):
        """`changes`: field -> {"old", "new"}; `sale_price_changes`: priority -> {"old", "new"}."""

        TOPIC = "kulcs-ledger:Product.Changed"
        changes: dict
        sale_price_changes: dict
        sync_id: UUID
        source: str
        parser_version: str | None

        def apply(self, product: "Product") -> None:
            for field, change in self.changes.items():
                product.fields[field] = change["new"]
            for priority, change in self.sale_price_changes.items():
                if change["new"] is None:
                    product.sale_prices.pop(priority, None)
                else:
                    product.sale_prices[priority] = change["new"]

    def __init__(self, shop: str, sku: str, fields: dict, sale_prices: dict, **_provenance) -> None:
        self.shop = shop
        self.sku = sku
        self.fields = {f: fields.get(f) for f in PRODUCT_FIELDS}
        self.sale_prices = dict(sale_prices)
