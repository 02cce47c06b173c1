"""A Kulcs call is recorded whatever its headers and query hold: bytes that are not UTF-8 and NUL
characters are stored as backslash escapes, not refused by the database after the call was read."""
from __future__ import annotations

import asyncio
import base64

import pytest

from ledger.http.keys import POOL
from tests.conftest import ADMIN
from tests.http.helpers import get_json, make_shop, settled
from tests.http.test_orders import shop_headers
from tests.kulcs_docs import product_xml

AUTH = b"Authorization: Basic " + base64.b64encode(b"bolt:kulcs-jelszo") + b"\r\n"


async def raw_post(client, target: bytes, extra_headers: bytes) -> int:
    body = product_xml([{"termekkod": "KS-1", "ar": "100"}])
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(b"POST " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + AUTH + extra_headers
                 + b"Content-Type: text/xml\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


@pytest.mark.parametrize("target, headers, recorded", [
    (b"/kulcs/bolt/products?x=%00", b"", ("query", "x=\\x00")),
    (b"/kulcs/bolt/products", b"User-Agent: Kulcs \xf5\xfb\r\n", ("User-Agent", "Kulcs \\xf5\\xfb")),
    (b"/kulcs/bolt/products", b"Idempotency-Key: k\xff\r\n", ("Idempotency-Key", "k\\xff")),
])
async def test_a_call_with_unstorable_header_or_query_bytes_is_answered_and_recorded(client, target, headers,
                                                                                      recorded):
    await make_shop(client, sync_type="full")
    assert await raw_post(client, target, headers) == 200
    await settled(client)
    (sync,) = await get_json(client, "/api/shops/bolt/syncs")
    assert sync["outcome"] == "applied"
    response = await client.get(f"/api/shops/bolt/syncs/{sync['sync_id']}/request", headers=ADMIN)
    assert response.status == 200
    async with client.server.app[POOL].acquire() as conn:
        row = await conn.fetchrow("SELECT query, headers FROM kulcs_requests WHERE sync_id = $1", sync["sync_id"])
    name, value = recorded
    assert (row["query"] if name == "query" else row["headers"][name]) == value


async def test_the_same_unstorable_idempotency_key_again_gets_the_first_answer(client):
    await make_shop(client, sync_type="full")
    assert await raw_post(client, b"/kulcs/bolt/products", b"Idempotency-Key: k\xff\r\n") == 200
    assert await raw_post(client, b"/kulcs/bolt/products", b"Idempotency-Key: k\xff\r\n") == 200
    await settled(client)
    outcomes = sorted(s["outcome"] for s in await get_json(client, "/api/shops/bolt/syncs"))
    assert outcomes == ["applied", "duplicate"]


@pytest.mark.parametrize("path, method, body", [
    ("/api/shops/bolt/products/WEB-9", "PUT", '{"description": "x\\ud800y"}'),
    ("/api/shops/bolt", "PATCH", '{"shipping_sku": "SZ\\ud800"}'),
])
async def test_a_json_body_with_a_lone_surrogate_is_a_400(client, path, method, body):
    await make_shop(client)
    headers = {**(await shop_headers(client) if method == "PUT" else ADMIN), "Content-Type": "application/json"}
    response = await client.request(method, path, data=body.encode(), headers=headers)
    assert response.status == 400
    assert "surrogate" in (await response.json())["error"]
