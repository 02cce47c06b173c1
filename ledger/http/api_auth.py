"""Bearer tokens and roles for the JSON API."""
from __future__ import annotations

import hmac

from aiohttp import web

from ledger.http.header_values import is_utf8
from ledger.http.keys import POOL, SETTINGS
from ledger.service.tokens import Principal, principal_for

READERS = frozenset({"admin", "support", "auditor", "shop"})
AUDITORS = frozenset({"admin", "support", "auditor"})
SUPPORT = frozenset({"support"})
ADMIN = frozenset({"admin"})
SHOP_WRITERS = frozenset({"shop"})


def json_error(status: int, message: str, detail=None) -> web.HTTPException:
    exception_class = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden,
                       404: web.HTTPNotFound, 409: web.HTTPConflict}[status]
    return exception_class(text=web.json_response({"error": message, "detail": detail}).text,
                           content_type="application/json")


async def principal(request: web.Request) -> Principal:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        raise json_error(401, "a bearer token is required")
    token = header[7:].strip()
    if not is_utf8(token):
        raise json_error(401, "unknown or revoked token")
    admin_token = request.app[SETTINGS].admin_token
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Principal("admin", None, "bootstrap-admin")
    async with request.app[POOL].acquire() as conn:
        found = await principal_for(conn, token)
    if found is None:
        raise json_error(401, "unknown or revoked token")
    return found


async def require(request: web.Request, roles: frozenset[str], shop: str | None = None) -> Principal:
    who = await principal(request)
    if who.role not in roles:
        raise json_error(403, f"role {who.role} may not do this")
    if shop is not None and who.shop is not None and who.shop != shop:
        raise json_error(403, "this token belongs to another shop")
    return who


async def require_every_shop(request: web.Request, roles: frozenset[str]) -> Principal:
    """For what reaches beyond one shop (listing every shop, registering a new one): a token tied to
    a shop may not, whatever its role."""
    who = await require(request, roles)
    if who.shop is not None:
        raise json_error(403, f"this token belongs to shop {who.shop} and may not act on every shop")
    return who
