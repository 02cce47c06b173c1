"""A product category: from Kulcs's tree (keyed by its id) or created from a name under full sync."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate


def key_for_kulcs_id(kulcs_id: str) -> str:
    return f"kulcs:{kulcs_id}"


def key_for_name(name: str) -> str:
    return f"nev:{name.casefold()}"


class Category(Aggregate):
    TOPIC = "kulcs-ledger:Category"

    class Created(Aggregate.Created):
        TOPIC = "kulcs-ledger:Category.Created"
        shop: str
        category_key: str
        kulcs_id: str | None
        name: str
        parent_key: str | None
        sync_id: UUID
        source: str

    class Changed(Aggregate.Event):
        TOPIC = "kulcs-ledger:Category.Changed"
        changes: dict
        sync_id: UUID
        source: str

        def apply(self, category: "Category") -> None:
            for field, change in self.changes.items():
                setattr(category, field, change["new"])

    def __init__(self, shop, category_key, kulcs_id, name, parent_key, **_provenance) -> None:
        self.shop = shop
        self.category_key = category_key
        self.kulcs_id = kulcs_id
        self.name = name
        self.parent_key = parent_key
        self.active = True
