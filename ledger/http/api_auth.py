"""Bearer tokens and roles for the JSON API."""
from __future__ import annotations

import asyncio
import hmac

import structlog
from aiohttp import web

from ledger.http.client_address import client_address
from ledger.http.errors import http_exception
from ledger.http.header_values import is_utf8
from ledger.http.keys import POOL, SETTINGS, TOKEN_FAILURES
from ledger.http.throttle import Attempt, throttling_key
from ledger.service.tokens import Principal, principal_for

READERS = frozenset({"admin", "support", "auditor", "shop"})
AUDITORS = frozenset({"admin", "support", "auditor"})
SUPPORT = frozenset({"support"})
ADMIN = frozenset({"admin"})
SHOP_WRITERS = frozenset({"shop"})
log = structlog.get_logger("auth")


def json_error(status: int, message: str, detail=None, headers: dict | None = None) -> web.HTTPException:
    return http_exception(status, web.json_response({"error": message, "detail": detail}).text,
                          "application/json", headers)


def token_attempt(request: web.Request) -> Attempt:
    """A token tried from the client's address, counted with the address's other tokens (on /api/ and
    the sign-in page together): `async with token_attempt(request) as attempt`; refused while
    `attempt.retry_after`, right token or wrong."""
    return request.app[TOKEN_FAILURES].attempt(throttling_key(client_address(request)))


async def token_failed(request: web.Request, attempt: Attempt, where: str) -> None:
    """Counts a wrong token against the client's address, and answers it a little later each time."""
    delay = attempt.failed()
    log.warning("token_auth_failed", where=where, remote=client_address(request))
    await asyncio.sleep(delay)


async def principal(request: web.Request) -> Principal:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip()
    if not header.lower().startswith("bearer ") or not token:  # no token: nothing guessed, nothing counted
        raise json_error(401, "a bearer token is required")
    async with token_attempt(request) as attempt:
        if retry_after := attempt.retry_after:  # refused before the token is looked at, right or wrong
            raise json_error(429, "too many failed tokens from this address", {"retry_after": retry_after},
                             {"Retry-After": str(retry_after)})
        found = await _principal_for_token(request, token) if is_utf8(token) else None
        if found is None:
            await token_failed(request, attempt, "api")
            raise json_error(401, "unknown or revoked token")
    return found


async def _principal_for_token(request: web.Request, token: str) -> Principal | None:
    admin_token = request.app[SETTINGS].admin_token
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Principal("admin", None, "bootstrap-admin")
    async with request.app[POOL].acquire() as conn:
        return await principal_for(conn, token)


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
