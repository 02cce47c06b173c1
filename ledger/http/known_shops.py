"""A shop that is not registered answers 404 on its pages, not an empty list that looks like a shop
with nothing in it yet. Asked only when the answer is empty, so a shop with data pays nothing."""
from __future__ import annotations

from ledger.http.api_auth import json_error
from ledger.read.shops import shop_exists


async def unless_unknown_shop(conn, shop: str, found):
    if not found:
        await known_shop(conn, shop)
    return found


async def known_shop(conn, shop: str) -> None:
    if not await shop_exists(conn, shop):
        raise json_error(404, f"no shop {shop}")
