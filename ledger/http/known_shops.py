"""A shop that is not registered answers 404 on its pages, not an empty list that looks like a shop
with nothing in it yet; so does a product the shop never had, on its histories. Asked only when the
answer is empty, so a shop or product with data pays nothing."""
from __future__ import annotations

from ledger.http.api_auth import json_error
from ledger.read.products import product_exists
from ledger.read.shops import shop_exists


async def unless_unknown_shop(conn, shop: str, found):
    if not found:
        await known_shop(conn, shop)
    return found


async def known_shop(conn, shop: str) -> None:
    if not await shop_exists(conn, shop):
        raise json_error(404, f"no shop {shop}")


async def unless_unknown_product(conn, shop: str, sku: str, found):
    if not found:
        await known_shop(conn, shop)
        if not await product_exists(conn, shop, sku):
            raise json_error(404, f"no product {sku}")
    return found
