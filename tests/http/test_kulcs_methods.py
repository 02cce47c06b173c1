"""What the Kulcs URLs answer to methods Kulcs does not use."""
from __future__ import annotations

from tests.http.helpers import basic, get_json, make_shop, settled
from tests.http.test_orders import shop_headers
from tests.order_payloads import order_payload

KULCS = basic("bolt", "kulcs-jelszo")


async def test_head_on_the_download_urls_hands_nothing_over_and_sends_no_body(client):
    """HEAD ran the GET handler: U2 recorded the pending orders as handed over to Kulcs although no
    body went out, and U4 wrote its product list after a HEAD answer, which the next response on
    the connection was read from."""
    await make_shop(client)
    await client.post("/api/shops/bolt/orders", json=order_payload("1"), headers=await shop_headers(client))
    for path, allowed in (("/kulcs/bolt/orders", "GET"), ("/kulcs/bolt/products", "GET,POST")):
        response = await client.head(path, headers=KULCS)
        assert (response.status, response.headers["Allow"]) == (405, allowed)
    await settled(client)
    assert await get_json(client, "/api/shops/bolt/syncs") == []
    response = await client.get("/kulcs/bolt/orders", headers=KULCS)
    assert b"<azonosito>1</azonosito>" in await response.read()
