"""A webshop connected to Kulcs: its settings, and who changed them when."""
from __future__ import annotations

from eventsourcing.domain import Aggregate

SYNC_TYPES = ("stock_price", "full")
PLAIN_SETTINGS = ("sync_type", "shipping_sku", "payment_fee_sku", "coupon_sku",
                  "manage_categories", "payment_due_days")
SECRET_SETTINGS = ("password", "import_password")


class Shop(Aggregate):
    TOPIC = "kulcs-ledger:Shop"

    class Created(Aggregate.Created):
        TOPIC = "kulcs-ledger:Shop.Created"
        webshopid: str
        settings: dict
        password_hash: str
        import_password_hash: str | None
        actor: str

    class SettingsChanged(Aggregate.Event):
        """`changes`: setting -> {"old", "new"}; secrets appear as "changed", their hashes beside."""

        TOPIC = "kulcs-ledger:Shop.SettingsChanged"
        webshopid: str
        changes: dict
        password_hash: str | None
        import_password_hash: str | None
        actor: str

        def apply(self, shop: "Shop") -> None:
            for name, change in self.changes.items():
                if name in PLAIN_SETTINGS:
                    shop.settings[name] = change["new"]

    def __init__(self, webshopid, settings, **_secrets) -> None:
        self.webshopid = webshopid
        self.settings = dict(settings)
