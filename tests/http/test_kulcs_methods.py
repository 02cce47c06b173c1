"""What the Kulcs URLs answer to methods Kulcs does not use."""
from __future__ import annotations

from lxml import etree

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


async def test_a_method_or_path_no_kulcs_url_has_is_answered_in_the_kulcs_error_shape(client):
    """Was aiohttp's text/plain '405: Method Not Allowed' / '404: Not Found', which a client that
    reads <valasz> could not show."""
    await make_shop(client)
    for method, path, status in (("OPTIONS", "/kulcs/bolt/products", 405), ("PUT", "/kulcs/bolt/orders", 405),
                                 ("POST", "/kulcs/bolt/termekek", 404)):
        response = await client.request(method, path, headers=KULCS)
        root = etree.fromstring(await response.read())
        assert (response.status, response.content_type, root.findtext("eredmeny")) == (status, "text/xml", "HIBA")
        assert root.findtext("uzenet")
    response = await client.options("/kulcs/bolt/products", headers=KULCS)
    assert response.headers["Allow"] == "GET,POST" and "GET, POST" in await response.text()
