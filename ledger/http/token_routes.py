"""GET/POST /api/tokens, DELETE /api/tokens/{token_id}: `kulcs-ledger token list | create | revoke` for
an admin that is not tied to a shop (a token reaches beyond its own shop, as registering a shop does)."""
from __future__ import annotations

from aiohttp import web

from ledger.http.api_auth import ADMIN, json_error, require_every_shop
from ledger.http.json_body import json_object
from ledger.http.keys import POOL
from ledger.read.formats import plain
from ledger.service.tokens import (
    ROLES, UnknownShop, UnknownToken, create_token, list_tokens, listed_token, revoke_token,
)

CREATE_FIELDS = frozenset({"role", "shop", "name"})


def _token_request(values: dict) -> tuple[str, str | None, str | None]:
    if unknown := sorted(set(values) - CREATE_FIELDS):
        raise json_error(400, f"unknown field(s): {', '.join(unknown)}", unknown)
    role, shop = values.get("role"), values.get("shop")
    if role not in ROLES:
        raise json_error(400, f"role must be one of {', '.join(ROLES)}")
    if shop is not None and (not isinstance(shop, str) or not shop):
        raise json_error(400, "shop must be a shop's Webshopid, or null for every shop")
    return role, shop, values.get("name")  # the name is checked where it is stored


async def list_all(request: web.Request) -> web.Response:
    await require_every_shop(request, ADMIN)
    async with request.app[POOL].acquire() as conn:
        return web.json_response(plain(await list_tokens(conn)))


async def create(request: web.Request) -> web.Response:
    who = await require_every_shop(request, ADMIN)
    role, shop, name = _token_request(await json_object(request))
    async with request.app[POOL].acquire() as conn:
        try:
            token = await create_token(conn, role, shop, name=name, actor=who.name)
        except UnknownShop as error:
            raise json_error(404, str(error)) from None
        except ValueError as error:
            raise json_error(400, str(error)) from None
        answer = await listed_token(conn, token)
    return web.json_response({"token": token, **plain(answer)}, status=201)


async def revoke(request: web.Request) -> web.Response:
    who = await require_every_shop(request, ADMIN)
    async with request.app[POOL].acquire() as conn:
        try:
            await revoke_token(conn, request.match_info["token_id"], actor=who.name)
        except UnknownToken as error:
            raise json_error(404, str(error)) from None
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/tokens", list_all)
    app.router.add_post("/api/tokens", create)
    app.router.add_delete("/api/tokens/{token_id}", revoke)
