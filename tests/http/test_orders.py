"""Orders: the webshop's API, U2 download (lines, fees, coupons, blocked orders) and U3 confirm."""
from __future__ import annotations

from lxml import etree

from tests.conftest import ADMIN
from tests.http.helpers import basic, make_shop, settled
from tests.order_payloads import order_payload

KULCS = {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"}


async def shop_headers(client, shop="bolt"):
    from ledger.http.keys import POOL
    from ledger.service.tokens import create_token

    async with client.server.app[POOL].acquire() as conn:
        return {"Authorization": f"Bearer {await create_token(conn, 'shop', shop)}"}


async def download(client):
    response = await client.get("/kulcs/bolt/orders", headers=KULCS)
    assert response.status == 200
    return etree.fromstring(await response.read())


async def confirm(client, body: bytes, headers=KULCS):
    response = await client.post("/kulcs/bolt/orders/confirm", data=body, headers=headers)
    root = etree.fromstring(await response.read())
    return response.status, {c.tag: c.text for c in root}, [h.text for h in root.iterfind("hibak/hiba")]


async def test_the_same_order_again_is_idempotent_and_a_different_one_is_refused(client):
    await make_shop(client)
    shop = await shop_headers(client)
    first = await client.post("/api/shops/bolt/orders", json=order_payload("1"), headers=shop)
    again = await client.post("/api/shops/bolt/orders", json=order_payload("1"), headers=shop)
    changed = await client.post("/api/shops/bolt/orders", json=order_payload("1", comment="más"), headers=shop)
    assert (first.status, again.status, changed.status) == (201, 200, 409)
    invalid = await client.post("/api/shops/bolt/orders", json=order_payload("2", lines=[]), headers=shop)
    assert invalid.status == 400 and "lines" in (await invalid.json())["error"]
    assert (await client.post("/api/shops/bolt/orders", json=order_payload("3"), headers=ADMIN)).status == 403


async def test_fee_of_zero_sends_no_line_and_fees_travel_under_the_item_codes(client):
    await make_shop(client, shipping_sku="SZALLITAS", payment_fee_sku="UTANVET")
    shop = await shop_headers(client)
    await client.post("/api/shops/bolt/orders", json=order_payload("1", shipping_fee="0",
                                                                   payment_fee="590"), headers=shop)
    root = await download(client)
    codes = [t.findtext("termekkod") for t in root.iterfind("megrendeles/tetelek/tetel")]
    assert codes == ["KS-1", "UTANVET"]
    fee = root.find("megrendeles/tetelek/tetel[termekkod='UTANVET']")
    assert (fee.findtext("mennyiseg"), fee.findtext("afakulcs")) == ("1", "27")


async def test_order_with_a_fee_but_no_item_code_is_held_back_and_shown_blocked(client):
    await make_shop(client)
    shop = await shop_headers(client)
    await client.post("/api/shops/bolt/orders", json=order_payload("1", shipping_fee="1575"), headers=shop)
    await client.post("/api/shops/bolt/orders", json=order_payload("2"), headers=shop)
    root = await download(client)
    assert [e.text for e in root.iterfind("megrendeles/azonosito")] == ["2"]
    await settled(client)
    detail = await (await client.get("/api/shops/bolt/orders/1", headers=shop)).json()
    assert "shipping" in detail["blocked"] and detail["downloaded"] is None
    syncs = await (await client.get("/api/shops/bolt/syncs", headers=ADMIN)).json()
    assert syncs[0]["outcome"] == "partial" and syncs[0]["counts"] == {"sent": 1, "blocked": 1}

    await client.patch("/api/shops/bolt", json={"shipping_sku": "SZALLITAS"}, headers=ADMIN)
    root = await download(client)
    assert [e.text for e in root.iterfind("megrendeles/azonosito")] == ["1", "2"]


async def test_confirm_replayed_twice_changes_nothing_the_second_time(client):
    await make_shop(client)
    shop = await shop_headers(client)
    for order_id in ("1", "2"):
        await client.post("/api/shops/bolt/orders", json=order_payload(order_id), headers=shop)
    body = ('<?xml version="1.0" encoding="windows-1250"?><visszaigazolas><megrendeles>'
            "<azonosito>1</azonosito><bizonylatszam>SZ-2026-1</bizonylatszam><statusz>Elküldve</statusz>"
            "</megrendeles></visszaigazolas>").encode("cp1250")
    status, first, _ = await confirm(client, body)
    assert (status, first["modositott"]) == (200, "1")
    status, second, _ = await confirm(client, body)
    assert (second["modositott"], second["valtozatlan"]) == ("0", "1")
    await settled(client)
    detail = await (await client.get("/api/shops/bolt/orders/1", headers=shop)).json()
    assert detail["confirmed"]["sync_id"] == first["szinkron"]
    assert (detail["kulcs_status"], detail["confirmed"]["document_number"]) == ("delivery_note", "SZ-2026-1")
    assert [e.text for e in (await download(client)).iterfind("megrendeles/azonosito")] == ["2"]


async def test_a_later_status_moves_a_confirmed_order(client):
    await make_shop(client)
    shop = await shop_headers(client)
    await client.post("/api/shops/bolt/orders", json=order_payload("1"), headers=shop)
    await confirm(client, b"<visszaigazolas><megrendeles><azonosito>1</azonosito></megrendeles></visszaigazolas>")
    _, moved, _ = await confirm(client, "<visszaigazolas><megrendeles><azonosito>1</azonosito>"
                                "<statusz>Teljesítve</statusz></megrendeles></visszaigazolas>".encode())
    assert moved["modositott"] == "1"
    await settled(client)
    assert (await (await client.get("/api/shops/bolt/orders/1", headers=shop)).json())["kulcs_status"] == "invoiced"


async def test_unknown_order_ids_and_statuses_are_reported(client):
    await make_shop(client)
    status, answer, errors = await confirm(client, (
        "<visszaigazolas><megrendeles><azonosito>404</azonosito></megrendeles>"
        "<megrendeles><azonosito>x</azonosito><statusz>Elveszett</statusz></megrendeles>"
        "</visszaigazolas>").encode())
    assert (status, answer["eredmeny"], answer["kihagyott"]) == (200, "RESZLEGES", "2")
    assert "ismeretlen megrendelés" in errors[0] and "státusz" in errors[1]
    bad, _, _ = await confirm(client, b"<megrendelesek/>")
    assert bad == 400


async def test_cancelled_order_leaves_the_download(client):
    await make_shop(client)
    shop = await shop_headers(client)
    await client.post("/api/shops/bolt/orders", json=order_payload("1"), headers=shop)
    cancelled = await client.post("/api/shops/bolt/orders/1/cancel", headers=shop)
    assert (await cancelled.json())["status"] == "cancelled"
    assert (await download(client)).find("megrendeles") is None


async def test_repeated_authentication_failures_are_refused_with_429(client):
    await make_shop(client)
    statuses = []
    for _ in range(7):
        response = await client.get("/kulcs/bolt/orders", headers=basic("bolt", "talalgatas"))
        statuses.append(response.status)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    assert int(response.headers["Retry-After"]) > 0
    still = await client.get("/kulcs/bolt/orders", headers=KULCS)
    assert still.status == 429, "the address stays refused for the window, even with the right password"


async def test_an_order_without_its_own_payment_term_gets_the_shops_setting(client):
    await make_shop(client, payment_due_days=8)
    shop = await shop_headers(client)
    await client.post("/api/shops/bolt/orders", json=order_payload("1"), headers=shop)
    await client.post("/api/shops/bolt/orders", json=order_payload("2", payment_due_days=30), headers=shop)
    root = await download(client)
    terms = {o.findtext("azonosito"): o.findtext("fizetesihatarido") for o in root.iterfind("megrendeles")}
    assert terms == {"1": "8", "2": "30"}


async def test_an_order_confirmed_with_an_unknown_status_leaves_the_download_and_keeps_its_status(client):
    await make_shop(client)
    shop = await shop_headers(client)
    for order_id in ("1", "2"):
        await client.post("/api/shops/bolt/orders", json=order_payload(order_id), headers=shop)
    status, answer, errors = await confirm(client, (
        "<visszaigazolas><megrendeles><azonosito>1</azonosito><bizonylatszam>VR-7</bizonylatszam>"
        "<statusz>Sztornózva</statusz></megrendeles></visszaigazolas>").encode())
    assert (status, answer["eredmeny"], answer["modositott"], answer["kihagyott"]) == (200, "RESZLEGES", "1", "0")
    assert "ismeretlen státusz" in errors[0] and "visszaigazolva" in errors[0]
    assert [e.text for e in (await download(client)).iterfind("megrendeles/azonosito")] == ["2"]
    await settled(client)
    detail = await (await client.get("/api/shops/bolt/orders/1", headers=shop)).json()
    assert (detail["kulcs_status"], detail["confirmed"]["document_number"]) == (None, "VR-7")


async def test_an_order_with_a_zero_coupon_is_taken_and_reaches_kulcs_without_a_coupon_line(client):
    await make_shop(client)  # no coupon item code: a zero coupon needs none
    shop = await shop_headers(client)
    placed = await client.post("/api/shops/bolt/orders", json=order_payload(
        "1", coupon={"code": "INGYENSZALLITAS", "amount": 0}), headers=shop)
    assert placed.status == 201, await placed.text()
    assert (await placed.json())["order"]["coupon"]["code"] == "INGYENSZALLITAS"
    root = await download(client)
    assert [t.findtext("termekkod") for t in root.iterfind("megrendeles/tetelek/tetel")] == ["KS-1"]


async def test_an_order_whose_coupon_covers_part_of_the_shipping_reaches_kulcs_instead_of_staying_blocked(client):
    await make_shop(client, shipping_sku="SZALLITAS", coupon_sku="KUPON")
    shop = await shop_headers(client)
    gift = [{"sku": "AJANDEK", "name": "Ajándék", "quantity": "1", "net_unit_price": "0", "vat": "27"}]
    placed = await client.post("/api/shops/bolt/orders", json=order_payload(
        "1", lines=gift, shipping_fee="1500", coupon={"code": "NYAR10", "amount": 500}), headers=shop)
    assert placed.status == 201, await placed.text()
    assert (await placed.json())["blocked"] is None
    root = await download(client)
    lines = [(t.findtext("termekkod"), t.findtext("nettoegysegar"))
             for t in root.iterfind("megrendeles/tetelek/tetel")]
    assert [sku for sku, _ in lines] == ["AJANDEK", "SZALLITAS", "KUPON"]
    assert lines[2][1].startswith("-")


async def test_an_orders_status_moves_with_kulcs_confirmation_and_its_statusz(client):
    await make_shop(client)
    shop = await shop_headers(client)
    for order_id in ("1", "2", "3"):
        await client.post("/api/shops/bolt/orders", json=order_payload(order_id), headers=shop)

    document = await (await client.get("/api/openapi.json")).json()
    described = document["components"]["schemas"]["Order"]["properties"]["status"]["enum"]

    async def status(order_id):
        await settled(client)
        answered = (await (await client.get(f"/api/shops/bolt/orders/{order_id}", headers=shop)).json())["status"]
        assert answered in described
        return answered

    assert await status("1") == "pending"
    await confirm(client, b"<visszaigazolas><megrendeles><azonosito>1</azonosito></megrendeles>"
                          b"<megrendeles><azonosito>2</azonosito></megrendeles></visszaigazolas>")
    assert (await status("1"), await status("2")) == ("confirmed", "confirmed")
    await confirm(client, "<visszaigazolas><megrendeles><azonosito>1</azonosito><statusz>Teljesítve</statusz>"
                          "</megrendeles><megrendeles><azonosito>2</azonosito><statusz>Elküldve</statusz>"
                          "</megrendeles></visszaigazolas>".encode())
    assert (await status("1"), await status("2"), await status("3")) == ("invoiced", "delivery_note", "pending")
    await client.post("/api/shops/bolt/orders/3/cancel", headers=shop)
    assert await status("3") == "cancelled"
    assert (await download(client)).find("megrendeles") is None


async def test_an_invalid_order_answers_400_whose_detail_names_the_field(client):
    """The webshop's developer sees which field to mend, and for a total what was computed."""
    await make_shop(client)
    shop = await shop_headers(client)
    no_lines = await client.post("/api/shops/bolt/orders", json=order_payload("1", lines=[]), headers=shop)
    assert no_lines.status == 400
    assert (await no_lines.json())["detail"]["field"] == "lines"
    wrong_total = await client.post("/api/shops/bolt/orders", json=order_payload("2", total="1.00"), headers=shop)
    assert wrong_total.status == 400
    assert (await wrong_total.json())["detail"] == {"field": "total", "given": "1.00", "computed": "25400.00"}


async def test_an_item_code_kulcs_would_get_altered_is_refused_and_the_setting_kept(client):
    await make_shop(client, shipping_sku="SZALL")
    for code in ("SZ\x01ALL", " SZALL ", "S" * 256, ""):
        response = await client.patch("/api/shops/bolt", json={"shipping_sku": code}, headers=ADMIN)
        assert response.status == 400, code
    shop = await (await client.get("/api/shops/bolt", headers=ADMIN)).json()
    assert shop["shipping_sku"] == "SZALL"


async def test_an_order_id_kulcs_could_not_confirm_or_text_it_could_not_receive_is_refused(client):
    """U3 reads <azonosito> trimmed, so " 7 " could never be confirmed and stayed in U2 for ever; a control
    character in a name reached Kulcs as U+FFFD, another text than the shop sent."""
    await make_shop(client)
    shop = await shop_headers(client)
    refused = {
        "order_id": order_payload(" 7 "),
        "order_id ": order_payload("7\n8"),
        "customer.name": order_payload("9", customer={"name": "Minta\x01Kft."}),
        "lines[0].name": order_payload("10", lines=[{"sku": "KS-1", "name": "Szék\x0b", "quantity": "1",
                                                    "unit": "db", "net_unit_price": "100", "vat": "27"}]),
        "comment": order_payload("11", comment="Kérem\x1fcsengessen"),
    }
    for field, payload in refused.items():
        response = await client.post("/api/shops/bolt/orders", json=payload, headers=shop)
        assert response.status == 400, (field, await response.text())
        assert (await response.json())["detail"]["field"] == field.strip(), field
    kept = order_payload("12", comment="Első sor\nMásodik sor\tvége")
    assert (await client.post("/api/shops/bolt/orders", json=kept, headers=shop)).status == 201
