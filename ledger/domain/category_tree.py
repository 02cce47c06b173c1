"""U5: Kulcs sends its whole category tree; ids are stable, so a new name is a rename, and a category
missing from the upload is deactivated, never deleted. Categories created from a product's `kat` name
are not part of Kulcs's tree and are left alone."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ledger.domain.category import Category, key_for_kulcs_id
from ledger.domain.ids import category_id


class TreeRow(Protocol):
    kulcs_id: str
    name: str
    parent_id: str | None


@dataclass
class CategoryState:
    category_key: str
    version: int
    kulcs_id: str | None
    name: str
    parent_key: str | None
    active: bool


@dataclass
class TreeDecision:
    events: list = field(default_factory=list)
    states: list[CategoryState] = field(default_factory=list)
    counts: dict = field(default_factory=lambda: dict(
        received=0, created=0, modified=0, unchanged=0, deactivated=0))


def decide_tree(shop: str, rows, current: dict[str, CategoryState], sync_id: UUID,
                at: datetime, source: str = "kulcs") -> TreeDecision:
    decision = TreeDecision()
    uploaded = set()
    for row in rows:
        decision.counts["received"] += 1
        key = key_for_kulcs_id(row.kulcs_id)
        uploaded.add(key)
        wanted = {"name": row.name, "active": True,
                  "parent_key": key_for_kulcs_id(row.parent_id) if row.parent_id else None}
        existing = current.get(key)
        if existing is None:
            decision.events.append(Category.Created(
                originator_id=category_id(shop, key), originator_version=1, timestamp=at,
                originator_topic=Category.TOPIC, shop=shop, category_key=key, kulcs_id=row.kulcs_id,
                name=row.name, parent_key=wanted["parent_key"], sync_id=sync_id, source=source))
            decision.states.append(CategoryState(key, 1, row.kulcs_id, row.name, wanted["parent_key"], True))
            decision.counts["created"] += 1
        elif _change(shop, existing, wanted, decision, sync_id, at, source):
            decision.counts["modified"] += 1
        else:
            decision.counts["unchanged"] += 1
    for key, existing in sorted(current.items()):
        if existing.kulcs_id is not None and key not in uploaded and existing.active:
            _change(shop, existing, {"active": False}, decision, sync_id, at, source)
            decision.counts["deactivated"] += 1
    return decision


def _change(shop, existing: CategoryState, wanted: dict, decision, sync_id, at, source) -> bool:
    changes = {f: {"old": getattr(existing, f), "new": v}
               for f, v in wanted.items() if getattr(existing, f) != v}
    if not changes:
        return False
    version = existing.version + 1
    decision.events.append(Category.Changed(
        originator_id=category_id(shop, existing.category_key), originator_version=version,
        timestamp=at, changes=changes, sync_id=sync_id, source=source))
    updated = CategoryState(existing.category_key, version, existing.kulcs_id, existing.name,
                            existing.parent_key, existing.active)
    for f, change in changes.items():
        setattr(updated, f, change["new"])
    decision.states.append(updated)
    return True
