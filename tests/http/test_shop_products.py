"""PUT /api/shops/{shop}/products/{sku}: products the webshop creates or edits itself. Under stock-and-price
sync Kulcs only updates SKUs the shop already has; this is how the shop names them."""
from __future__ import annotations

from lxml import etree

from tests.conftest import ADMIN
from tests.http.helpers import basic, get_json, make_shop, settled
from tests.http.test_orders import shop_headers
from tests.kulcs_docs import product_xml

KULCS = {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"}


async def push(client, rows) -> dict:
    response = await client.post("/kulcs/bolt/products", data=product_xml(rows), headers=KULCS)
    assert response.status == 200
    return {c.tag: c.text for c in etree.fromstring(await response.read())}


async def test_a_product_the_shop_created_takes_kulcs_stock_and_price_updates(client):
    await make_shop(client, sync_type="stock_price")
    shop = await shop_headers(client)
    assert (await push(client, [{"termekkod": "WEB-1", "ar": "1000"}]))["kihagyott"] == "1"
    response = await client.put("/api/shops/bolt/products/WEB-1", headers=shop, json={
        "name": "Kerti szék", "unit": "db", "vat": "27%", "base_price": "990.5", "stock1": "3"})
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["created"] is True
    assert {k: created["product"][k] for k in ("name", "unit", "vat", "base_price", "stock1")} == {
        "name": "Kerti szék", "unit": "db", "vat": "27", "base_price": "990.50", "stock1": "3"}
    answer = await push(client, [{"termekkod": "WEB-1", "ar": "1200", "szabadraktar": "7"}])
    assert (answer["modositott"], answer["kihagyott"]) == ("1", "0")
    await settled(client)
    product = await get_json(client, "/api/shops/bolt/products/WEB-1")
    assert (product["name"], product["base_price"], product["stock1"]) == ("Kerti szék", "1200.00", "7")
    history = await get_json(client, "/api/shops/bolt/products/WEB-1/history")
    assert [(h["field"], h["source"]) for h in history if h["field"] == "base_price"] == [
        ("base_price", "shop"), ("base_price", "kulcs")]
    assert history[0]["sync_id"] == created["action_id"]


async def test_a_shop_edit_makes_kulcs_resending_the_same_row_apply_again(client):
    await make_shop(client, sync_type="full")
    shop = await shop_headers(client)
    row = {"termekkod": "KS-1", "nev": "Szék", "ar": "1000"}
    await push(client, [row])
    response = await client.put("/api/shops/bolt/products/KS-1", headers=shop, json={"base_price": "800"})
    assert (response.status, (await response.json())["created"]) == (200, False)
    answer = await push(client, [row])  # the row Kulcs sent before, byte for byte
    assert answer["modositott"] == "1"
    await settled(client)
    assert (await get_json(client, "/api/shops/bolt/products/KS-1"))["base_price"] == "1000.00"


async def test_the_same_values_again_change_nothing(client):
    await make_shop(client)
    shop = await shop_headers(client)
    first = await client.put("/api/shops/bolt/products/WEB-2", headers=shop, json={"name": "Asztal"})
    again = await client.put("/api/shops/bolt/products/WEB-2", headers=shop, json={"name": "Asztal"})
    assert (first.status, again.status) == (201, 200)
    assert (await again.json())["action_id"] is None
    await settled(client)
    assert len(await get_json(client, "/api/shops/bolt/products/WEB-2/history")) == 1


async def test_bad_product_fields_are_refused_with_the_reason(client):
    await make_shop(client)
    shop = await shop_headers(client)
    for body, reason in [({}, "at least one"), ({"colour": "red"}, "unknown fields: colour"),
                         ({"base_price": "-1"}, "base_price"), ({"base_price": 5}, "base_price"),
                         ({"stock1": "1e3"}, "stock1"), ({"vat": "huszonhét"}, "vat"),
                         ({"name": ["x"]}, "name")]:
        response = await client.put("/api/shops/bolt/products/WEB-3", headers=shop, json=body)
        assert response.status == 400, body
        assert reason in (await response.json())["error"], body
    response = await client.put("/api/shops/bolt/products/%20WEB-3", headers=shop, json={"name": "x"})
    assert response.status == 400
    await settled(client)
    assert await get_json(client, "/api/shops/bolt/products") == []


async def test_only_the_shops_own_token_may_write_its_products(client):
    await make_shop(client)
    await make_shop(client, webshopid="masik")
    other = await shop_headers(client, "masik")
    for headers in (ADMIN, other):
        response = await client.put("/api/shops/bolt/products/WEB-4", headers=headers, json={"name": "x"})
        assert response.status == 403


async def test_text_xml_cannot_carry_is_refused_so_the_kulcs_download_keeps_answering(client):
    await make_shop(client)
    shop = await shop_headers(client)
    for field, text in [("name", "Kerti\x01szék"), ("unit", "d\x1fb"), ("description", "a\x0bb"), ("name", "\ufffe")]:
        response = await client.put("/api/shops/bolt/products/WEB-5", headers=shop, json={field: text})
        assert response.status == 400, text
        assert field in (await response.json())["error"], text
    response = await client.put("/api/shops/bolt/products/WEB-5", headers=shop,
                                json={"name": "Kerti szék", "description": "első sor\nmásodik sor\tvége"})
    assert response.status == 201, await response.text()
    await settled(client)
    response = await client.get("/kulcs/bolt/products", headers=KULCS)
    assert response.status == 200
    assert etree.fromstring(await response.read()).findtext("termek/tmegjegyzes") == "első sor\nmásodik sor\tvége"
