"""API tokens: shown once, kept as salted digests, checked in constant time; listed and revoked by id.

Tokens are not events: each create and revoke writes one log line naming who did it and the token's id
(never the token), which with `replayed_by` ("token:<id>") and the list ties an action to its token."""
from __future__ import annotations

import re
from dataclasses import dataclass

import asyncpg
import structlog

from ledger.service.secrets import digests_match, new_token, split_token, token_digest

ROLES = ("admin", "support", "auditor", "shop")
TOKEN_ID = re.compile(r"[0-9a-f]{12}")  # secrets.token_hex(6), see new_token
LISTED = ("token_id", "name", "role", "shop", "created_at", "revoked_at")  # never the salt or the digest
NAME_MAX = 100

log = structlog.get_logger("tokens")


class UnknownToken(LookupError):
    pass


class UnknownShop(ValueError):
    pass


@dataclass(frozen=True)
class Principal:
    role: str
    shop: str | None  # None: every shop
    name: str


def _checked_name(name) -> str | None:
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX or not name.isprintable():
        raise ValueError(f"a token's name is 1 to {NAME_MAX} printable characters, not blank")
    return name


async def create_token(conn: asyncpg.Connection, role: str, shop: str | None, *,
                       name: str | None = None, actor: str | None = None) -> str:
    """`name`: a label for people reading the token list (who or what holds it); not a secret."""
    name = _checked_name(name)
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "shop" and not shop:
        raise ValueError("a shop token must name its shop")
    if shop is not None and await conn.fetchval("SELECT 1 FROM shops WHERE webshopid = $1", shop) is None:
        # A token for a shop that is not registered would let orders in for no shop at all.
        raise UnknownShop(f"no shop {shop}: register it first (kulcs-ledger shop create {shop} ...)")
    token, token_id, salt, digest = new_token()
    await conn.execute("INSERT INTO api_tokens (token_id, salt, digest, role, shop, name)"
                       " VALUES ($1, $2, $3, $4, $5, $6)", token_id, salt, digest, role, shop, name)
    log.info("token_created", token_id=token_id, name=name, role=role, shop=shop, actor=actor)
    return token


async def list_tokens(conn: asyncpg.Connection) -> list[dict]:
    """Every token, oldest first, revoked ones too (when it was revoked is part of the audit)."""
    rows = await conn.fetch(f"SELECT {', '.join(LISTED)} FROM api_tokens ORDER BY created_at, token_id")
    return [dict(row) for row in rows]


async def listed_token(conn: asyncpg.Connection, token: str) -> dict:
    """A token just created, as the list shows it (the token itself stays with the caller)."""
    token_id = split_token(token)[0]
    return dict(await conn.fetchrow(f"SELECT {', '.join(LISTED)} FROM api_tokens WHERE token_id = $1", token_id))


async def revoke_token(conn: asyncpg.Connection, token_id: str, *, actor: str | None = None) -> dict:
    """Refused from now on (API and web sessions alike: both look the token up on every request).
    Revoking it again changes nothing: the answer keeps when it was first revoked and says so."""
    if not TOKEN_ID.fullmatch(token_id):
        # a pasted whole token must not end up in an error message or a log line
        raise UnknownToken("no such token id (an id is the 12 characters after kl_, not the token)")
    row = await conn.fetchrow(
        "WITH old AS (SELECT token_id, revoked_at FROM api_tokens WHERE token_id = $1 FOR UPDATE)"
        " UPDATE api_tokens t SET revoked_at = coalesce(old.revoked_at, now()) FROM old"
        f" WHERE t.token_id = old.token_id RETURNING {', '.join('t.' + c for c in LISTED)},"
        " old.revoked_at IS NOT NULL AS already", token_id)
    if row is None:
        raise UnknownToken(f"no token {token_id}")
    answer = dict(row)
    if not answer["already"]:
        log.info("token_revoked", token_id=token_id, name=answer["name"], role=answer["role"],
                 shop=answer["shop"], actor=actor)
    return answer


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
