"""API tokens: shown once, kept as salted digests, checked in constant time."""
from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from ledger.service.secrets import digests_match, new_token, split_token, token_digest

ROLES = ("admin", "support", "auditor", "shop")


@dataclass(frozen=True)
class Principal:
    role: str
    shop: str | None  # None: every shop
    name: str


async def create_token(conn: asyncpg.Connection, role: str, shop: str | None) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "shop" and not shop:
        raise ValueError("a shop token must name its shop")
    if shop is not None and await conn.fetchval("SELECT 1 FROM shops WHERE webshopid = $1", shop) is None:
        # A token for a shop that is not registered would let orders in for no shop at all.
        raise ValueError(f"no shop {shop}: register it first (kulcs-ledger shop create {shop} ...)")
    token, token_id, salt, digest = new_token()
    await conn.execute("INSERT INTO api_tokens (token_id, salt, digest, role, shop) VALUES ($1, $2, $3, $4, $5)",
                       token_id, salt, digest, role, shop)
    return token


async def principal_for(conn: asyncpg.Connection, token: str) -> Principal | None:
    parts = split_token(token)
    if parts is None:
        return None
    token_id, secret = parts
    row = await conn.fetchrow("SELECT salt, digest, role, shop FROM api_tokens"
                              " WHERE token_id = $1 AND revoked_at IS NULL", token_id)
    if row is None or not digests_match(bytes(row["digest"]), token_digest(bytes(row["salt"]), secret)):
        return None
    return Principal(row["role"], row["shop"], f"token:{token_id}")
