"""The foundation issue's acceptance scenario, through the HTTP API as Kulcs and the shop use it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lxml import etree

from ledger.domain.values import budapest_day
from tests.conftest import ADMIN
from tests.http.helpers import basic, get_json, make_shop, settled
from tests.kulcs_docs import product_xml

KULCS = {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"}


async def push(client, rows) -> dict:
    response = await client.post("/kulcs/bolt/products", data=product_xml(rows, "windows-1250"),
                                 headers=KULCS)
    assert response.status == 200, await response.text()
    root = etree.fromstring(await response.read())
    return {c.tag: c.text for c in root} | {"hibak": [h.text for h in root.iterfind("hibak/hiba")]}


async def token(client, role, shop=None) -> dict:
    from ledger.http.keys import POOL
    from ledger.service.tokens import create_token

    async with client.server.app[POOL].acquire() as conn:
        return {"Authorization": f"Bearer {await create_token(conn, role, shop)}"}


async def test_full_push_then_stock_and_price_push_keeps_the_whole_story(client):
    await make_shop(client, sync_type="full")
    first = await push(client, [
        {"termekkod": "A", "ar": "10 000", "arakcios": "8 990", "szabadraktar": "5", "nev": "Alma"},
        {"termekkod": "B", "ar": "2 500,50", "szabadraktar": "1", "nev": "Bőrönd"},
        {"termekkod": "C", "ar": "300", "szabadraktar": "0", "nev": "Cérna"},
    ])
    assert (first["eredmeny"], first["letrehozott"]) == ("OK", "3")

    shop_token = await token(client, "shop", "bolt")
    response = await client.put("/api/shops/bolt/products/A/sale-prices/5",
                                json={"price": "9500", "valid_from": "2026-01-01"}, headers=shop_token)
    assert response.status == 200, await response.text()
    refused = await client.put("/api/shops/bolt/products/A/sale-prices/10", json={"price": "1"},
                               headers=shop_token)
    assert refused.status == 403

    response = await client.patch("/api/shops/bolt", json={"sync_type": "stock_price"}, headers=ADMIN)
    assert (await response.json())["changes"] == {"sync_type": {"old": "full", "new": "stock_price"}}

    second_rows = [{"termekkod": "A", "arakcios": "0"}, {"termekkod": "B", "ar": "2 700", "nev": "ignored"},
                   {"termekkod": "NINCS-ILYEN", "ar": "1"}]
    second = await push(client, second_rows)
    assert (second["eredmeny"], second["modositott"], second["kihagyott"]) == ("OK", "2", "1")
    assert any("ismeretlen" in h for h in second["hibak"])
    await settled(client)

    history = await get_json(client, "/api/shops/bolt/products/B/price-history")
    assert [p["sync_id"] for p in history] == [first["szinkron"], second["szinkron"]]
    assert [p["base_price"] for p in history] == ["2500.50", "2700.00"]
    product_b = await get_json(client, "/api/shops/bolt/products/B")
    assert product_b["name"] == "Bőrönd", "stock-and-price sync does not touch the name"

    product_a = await get_json(client, "/api/shops/bolt/products/A")
    prices = {p["priority"]: p for p in product_a["sale_prices"]}
    yesterday = budapest_day(datetime.now(timezone.utc)) - timedelta(days=1)
    assert prices[10]["valid_to"] == yesterday.isoformat() and prices[10]["price"] == "8990.00"
    assert prices[5] == {"priority": 5, "price": "9500.00", "valid_from": "2026-01-01",
                         "valid_to": None, "source": "shop"}
    assert product_a["effective_sale_price"] == "9500.00"

    field_history = await get_json(client, "/api/shops/bolt/products/A/history")
    assert {(h["field"], h["source"]) for h in field_history} >= {
        ("base_price", "kulcs"), ("sale_price:10", "kulcs"), ("sale_price:5", "shop")}

    again = await push(client, second_rows)
    assert again["szinkron"] not in (first["szinkron"], second["szinkron"])
    assert (again["modositott"], again["letrehozott"], again["valtozatlan"]) == ("0", "0", "2")
    await settled(client)
    syncs = await get_json(client, "/api/shops/bolt/syncs")
    assert [s["sync_id"] for s in syncs] == [again["szinkron"], second["szinkron"], first["szinkron"]]
    detail = await get_json(client, f"/api/shops/bolt/syncs/{again['szinkron']}")
    assert detail["changes"] == []


async def test_every_json_route_checks_the_role_and_the_shop(client):
    await make_shop(client, sync_type="full")
    await make_shop(client, webshopid="masik", password="kulcs-jelszo")
    await push(client, [{"termekkod": "A", "ar": "1"}])
    await settled(client)
    auditor = await token(client, "auditor")
    other_shop = await token(client, "shop", "masik")
    assert (await client.get("/api/shops/bolt/products/A")).status == 401
    assert (await client.get("/api/shops/bolt/products/A", headers={"Authorization": "Bearer kl_x_y"})).status == 401
    assert (await client.get("/api/shops/bolt/products/A", headers=auditor)).status == 200
    assert (await client.get("/api/shops/bolt/products/A", headers=other_shop)).status == 403
    assert (await client.post("/api/shops", json={}, headers=auditor)).status == 403
    assert (await client.patch("/api/shops/bolt", json={"sync_type": "full"}, headers=auditor)).status == 403
    assert (await client.put("/api/shops/bolt/products/A/sale-prices/5", json={"price": "1"},
                             headers=auditor)).status == 403


async def test_shop_answers_never_show_secrets(client):
    created = await make_shop(client, password="nagyon-titkos", import_password="import-titkos")
    shown = await get_json(client, "/api/shops/bolt")
    changed = await client.patch("/api/shops/bolt", json={"password": "uj-titkos-jelszo"}, headers=ADMIN)
    changed_body = await changed.text()
    for text in (str(created), str(shown), changed_body):
        assert "nagyon-titkos" not in text and "uj-titkos-jelszo" not in text
        assert "argon2" not in text
    assert '"password": {"old": "set", "new": "changed"}' in changed_body


async def test_bad_json_and_bad_settings_get_clear_400s(client):
    bad = await client.post("/api/shops", data=b"{not json", headers=ADMIN)
    assert bad.status == 400 and (await bad.json())["error"]
    wrong = await client.post("/api/shops", json={"webshopid": "x", "password": "abcd",
                                                  "sync_type": "everything"}, headers=ADMIN)
    assert wrong.status == 400 and "sync_type" in (await wrong.json())["error"]
    await make_shop(client)
    again = await client.post("/api/shops", json={"webshopid": "bolt", "password": "abcd"}, headers=ADMIN)
    assert again.status == 409
