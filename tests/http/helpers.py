from __future__ import annotations

import base64

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
