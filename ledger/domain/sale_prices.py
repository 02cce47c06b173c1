"""Sale prices with priorities: the rules of the source document.

A sale price is a dict {"price", "valid_from", "valid_to", "source"} with ISO dates; a product keeps
them by priority (as a string key, since they travel as JSON).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ledger.domain.values import money

KULCS_PRIORITY = 10


def is_running(sale_price: dict, day: date) -> bool:
    valid_to = sale_price.get("valid_to")
    return valid_to is None or date.fromisoformat(valid_to) >= day


def is_active(sale_price: dict, day: date) -> bool:
    valid_from = sale_price.get("valid_from")
    started = valid_from is None or date.fromisoformat(valid_from) <= day
    return started and is_running(sale_price, day)


def kulcs_sale_price(current: dict | None, value: Decimal, today: date) -> dict | None:
    """The priority-10 sale price after Kulcs sends `arakcios` = value; None when nothing changes."""
    if value == 0:
        if current is None or not is_running(current, today):
            return None
        return {**current, "valid_to": (today - timedelta(days=1)).isoformat()}
    price = money(value)
    if current is not None and current["price"] == price and is_running(current, today):
        return None
    return {"price": price, "valid_from": today.isoformat(), "valid_to": None, "source": "kulcs"}


def effective_sale_price(sale_prices: dict[str, dict], day: date) -> tuple[int, dict] | None:
    """The active sale price with the lowest priority number (ties: the lower price)."""
    active = [(int(p), sp) for p, sp in sale_prices.items() if is_active(sp, day)]
    if not active:
        return None
    return min(active, key=lambda item: (item[0], Decimal(item[1]["price"])))


def window_edges(sale_price: dict) -> list[tuple[date, str]]:
    """The days on which a sale price starts and stops counting (`is_active`): its valid_from, and the
    day after its valid_to."""
    edges = []
    if sale_price.get("valid_from"):
        edges.append((date.fromisoformat(sale_price["valid_from"]), "start"))
    if sale_price.get("valid_to"):
        edges.append((date.fromisoformat(sale_price["valid_to"]) + timedelta(days=1), "end"))
    return edges
