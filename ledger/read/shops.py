"""Whether a shop is registered, for the answers that must tell an unknown shop from an empty one."""
from __future__ import annotations


async def shop_exists(conn, shop: str) -> bool:
    return await conn.fetchval("SELECT EXISTS (SELECT 1 FROM shops WHERE webshopid = $1)", shop)
