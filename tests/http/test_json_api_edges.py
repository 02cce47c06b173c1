"""Edges of the JSON API that a client can reach: bodies sent in pieces, tokens tied to one shop,
shops that do not exist, client text in response headers, and aiohttp's own 404/405 answers."""
from __future__ import annotations

import asyncio
import json

from ledger.http.json_body import MAX_JSON_BYTES
from tests.conftest import ADMIN

JSON = {"Content-Type": "application/json"}


async def pieces(body: bytes, size: int, pause: float):
    for start in range(0, len(body), size):
        yield body[start:start + size]
        await asyncio.sleep(pause)


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
