from __future__ import annotations

import base64
import itertools

import aiohttp

from ledger.http.keys import PROJECTOR
from tests.conftest import ADMIN


async def settled(client) -> None:
    """Waits until the projections have caught up with every event written so far."""
    assert await client.server.app[PROJECTOR].wait_for_head(timeout=20)


async def make_shop(client, webshopid="bolt", password="kulcs-jelszo", **settings) -> dict:
    response = await client.post("/api/shops", json={"webshopid": webshopid, "password": password,
                                                     **settings}, headers=ADMIN)
    assert response.status == 201, await response.text()
    return await response.json()


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def get_json(client, path: str, status: int = 200, headers=ADMIN):
    response = await client.get(path, headers=headers)
    assert response.status == status, await response.text()
    return await response.json()


_addresses = itertools.count()


def fresh_address() -> str:
    """A loopback address no other request of this test run has come from (Linux answers on all of
    127.0.0.0/8): for requests meant to fail sign-in without adding up to a 429 for 127.0.0.1."""
    n = next(_addresses)
    return f"127.{100 + n // 62500 % 150}.{n // 250 % 250}.{n % 250 + 2}"


async def request_from(client, address: str, method: str, path: str, **kwargs):
    """A request to the test server from `address` (a local address to bind): (status, headers, body)."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.request(method, client.make_url(path), allow_redirects=False, **kwargs) as response:
            return response.status, response.headers.copy(), await response.read()
