"""Resolving a product row's `kat` to a category: Kulcs id first, then name."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from ledger.domain.category import Category, key_for_name
from ledger.domain.ids import category_id


@dataclass
class CategoryBook:
    shop: str
    by_kulcs_id: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)
    created: list[Category.Created] = field(default_factory=list)

    def add(self, category_key: str, name: str, kulcs_id: str | None, *, by_name: bool = True) -> None:
        """`by_name`: whether `kat` may find the category by its name (not a deactivated one); its
        Kulcs id always finds it."""
        if kulcs_id is not None:
            self.by_kulcs_id[kulcs_id] = category_key
        if by_name:
            self.by_name.setdefault(name.casefold(), category_key)

    def resolve(self, kat: str, *, create: bool, sync_id: UUID, at: datetime, source: str) -> str | None:
        kat = kat.strip()
        if not kat:
            return None
        found = self.by_kulcs_id.get(kat) or self.by_name.get(kat.casefold())
        if found or not create:
            return found
        key = key_for_name(kat)
        self.created.append(Category.Created(
            originator_id=category_id(self.shop, key), originator_version=1, timestamp=at,
            originator_topic=Category.TOPIC, shop=self.shop, category_key=key, kulcs_id=None,
            name=kat, parent_key=None, sync_id=sync_id, source=source,
        ))
        self.add(key, kat, None)
        return key
