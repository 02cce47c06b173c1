"""Edges of the JSON API that a client can reach: bodies sent in pieces, tokens tied to one shop,
shops that do not exist, client text in response headers, and aiohttp's own 404/405 answers."""
from __future__ import annotations

import asyncio
import json

from ledger.http.json_body import MAX_JSON_BYTES
from ledger.http.keys import POOL
from ledger.service.tokens import create_token
from tests.conftest import ADMIN
from tests.http.helpers import make_shop

JSON = {"Content-Type": "application/json"}


async def pieces(body: bytes, size: int, pause: float):
    for start in range(0, len(body), size):
        yield body[start:start + size]
        await asyncio.sleep(pause)


async def bearer(client, role: str, shop: str | None) -> dict:
    async with client.server.app[POOL].acquire() as conn:
        return {"Authorization": f"Bearer {await create_token(conn, role, shop)}"}


# 1. A JSON body is read to its end, not just what has arrived so far.

async def test_json_body_sent_in_pieces_is_read_whole(client):
    body = json.dumps({"webshopid": "bolt", "password": "kulcs-jelszo"}).encode()
    response = await client.post("/api/shops", data=pieces(body, 20, 0.2), headers={**ADMIN, **JSON})
    assert response.status == 201, await response.text()
    assert (await response.json())["webshopid"] == "bolt"


async def test_json_body_over_the_limit_sent_in_pieces_is_refused_as_too_large(client):
    body = b'{"webshopid": "' + b"x" * MAX_JSON_BYTES + b'"}'
    response = await client.post("/api/shops", data=pieces(body, 1 << 16, 0.01), headers={**ADMIN, **JSON})
    assert response.status == 400
    assert (await response.json())["error"] == "request body too large"



# 2. An admin token tied to one shop administers that shop only.

async def test_shop_tied_admin_token_changes_its_own_shop_but_not_another(client):
    await make_shop(client)
    await make_shop(client, webshopid="masik", password="masik-jelszo")
    bolt_admin = await bearer(client, "admin", "bolt")
    response = await client.patch("/api/shops/masik", json={"payment_due_days": 30}, headers=bolt_admin)
    assert response.status == 403, await response.text()
    assert (await response.json())["error"]
    masik = await (await client.get("/api/shops/masik", headers=ADMIN)).json()
    assert masik["version"] == 1 and masik["payment_due_days"] != 30
    response = await client.patch("/api/shops/bolt", json={"payment_due_days": 30}, headers=bolt_admin)
    assert response.status == 200, await response.text()
    assert (await response.json())["payment_due_days"] == 30


async def test_shop_tied_admin_token_may_not_list_or_register_shops(client):
    await make_shop(client)
    bolt_admin = await bearer(client, "admin", "bolt")
    listed = await client.get("/api/shops", headers=bolt_admin)
    assert listed.status == 403, await listed.text()
    created = await client.post("/api/shops", json={"webshopid": "uj", "password": "uj-jelszo"},
                                headers=bolt_admin)
    assert created.status == 403, await created.text()
    assert (await client.get("/api/shops/uj", headers=ADMIN)).status == 404
