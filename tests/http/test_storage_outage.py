"""When PostgreSQL goes away: 503 with Retry-After, nothing half-applied, and recovery by itself."""
from __future__ import annotations

import asyncio


from tests.conftest import ADMIN
from tests.http.helpers import basic, get_json, make_shop, settled
from tests.kulcs_docs import product_xml

KULCS = {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"}



async def test_push_during_an_outage_answers_503_with_retry_after_then_recovers(proxied_client, proxy):
    client = proxied_client
    await make_shop(client, sync_type="full")
    await proxy.cut()
    response = await client.post("/kulcs/bolt/products", data=product_xml([{"termekkod": "A", "ar": "1"}]),
                                 headers=KULCS)
    assert response.status == 503 and response.headers["Retry-After"]
    assert "<eredmeny>HIBA</eredmeny>" in await response.text()
    ready = await client.get("/readyz")
    assert ready.status == 503
    api = await client.get("/api/shops/bolt/syncs", headers=ADMIN)
    assert api.status == 503 and (await api.json())["error"]

    await proxy.start()
    statuses = []
    for _ in range(60):  # as Kulcs would: retry after the advertised delay (shortened here)
        response = await client.post("/kulcs/bolt/products",
                                     data=product_xml([{"termekkod": "A", "ar": "2"}]), headers=KULCS)
        statuses.append(response.status)
        if response.status != 503:
            break
        await asyncio.sleep(0.5)
    assert statuses[-1] == 200, statuses
    assert (await client.get("/readyz")).status == 200
    await settled(client)
    syncs = await get_json(client, "/api/shops/bolt/syncs")
    assert len(syncs) == 1, "the refused push left nothing behind"
    assert (await get_json(client, "/api/shops/bolt/products/A"))["base_price"] == "2.00"
