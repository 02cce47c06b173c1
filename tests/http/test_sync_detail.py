"""GET /api/shops/{shop}/syncs/{sync_id}: the sync "plus the row errors and every change it made"."""
from __future__ import annotations

from tests.http.helpers import get_json, make_shop, settled
from tests.http.test_kulcs_category_upload import send, tree_xml


async def test_a_category_upload_shows_the_categories_it_changed(client):
    await make_shop(client, sync_type="full", manage_categories=True)
    await send(client, tree_xml([("15", "Kerti bútor", "0"), ("17", "Asztalok", "15")]))
    _, second = await send(client, tree_xml([("15", "Kerti bútorok", "0")]))
    await settled(client)
    detail = await get_json(client, f"/api/shops/bolt/syncs/{second['szinkron']}")
    changed = {(c["category"], c["field"], c["old"], c["new"]) for c in detail["category_changes"]}
    assert changed == {("kulcs:15", "name", "Kerti bútor", "Kerti bútorok"), ("kulcs:17", "active", True, False)}
    assert detail["changes"] == []
    assert all(c["event_position"] <= detail["event_position"] for c in detail["category_changes"])


async def test_order_syncs_show_the_orders_they_handed_over_and_confirmed(client):
    from tests.http.test_orders import confirm, download, shop_headers
    from tests.order_payloads import order_payload

    await make_shop(client)
    shop = await shop_headers(client)
    for order_id in ("1", "2"):
        await client.post("/api/shops/bolt/orders", json=order_payload(order_id), headers=shop)
    await download(client)
    _, answer, _ = await confirm(client, "<visszaigazolas><megrendeles><azonosito>2</azonosito>"
                                 "<bizonylatszam>VR-9</bizonylatszam><statusz>Teljesítve</statusz>"
                                 "</megrendeles></visszaigazolas>".encode())
    await settled(client)
    syncs = await get_json(client, "/api/shops/bolt/syncs")
    handed = await get_json(client, f"/api/shops/bolt/syncs/{next(s['sync_id'] for s in syncs if s['kind'] == 'orders_download')}")
    assert [(c["order_id"], c["field"]) for c in handed["order_changes"]] == [("1", "handed_over"), ("2", "handed_over")]
    confirmed = await get_json(client, f"/api/shops/bolt/syncs/{answer['szinkron']}")
    assert [(c["order_id"], c["field"], c["new"]) for c in confirmed["order_changes"]] == [
        ("2", "confirmed", {"document_number": "VR-9", "kulcs_status": "invoiced"})]
    assert all(c["event_position"] <= confirmed["event_position"] for c in confirmed["order_changes"])


async def test_a_second_confirmation_that_only_moves_the_status_does_not_read_as_clearing_the_document_number(client):
    from tests.http.test_orders import confirm, download, shop_headers
    from tests.order_payloads import order_payload

    await make_shop(client)
    await client.post("/api/shops/bolt/orders", json=order_payload("2"), headers=await shop_headers(client))
    await download(client)
    await confirm(client, "<visszaigazolas><megrendeles><azonosito>2</azonosito><bizonylatszam>VR-9"
                  "</bizonylatszam><statusz>Teljesítve</statusz></megrendeles></visszaigazolas>".encode())
    _, answer, _ = await confirm(client, "<visszaigazolas><megrendeles><azonosito>2</azonosito>"
                                 "<statusz>Elküldve</statusz></megrendeles></visszaigazolas>".encode())
    await settled(client)
    moved = await get_json(client, f"/api/shops/bolt/syncs/{answer['szinkron']}")
    assert [(c["order_id"], c["field"], c["new"]) for c in moved["order_changes"]] == [
        ("2", "confirmed", {"kulcs_status": "delivery_note"})]
    order = await get_json(client, "/api/shops/bolt/orders/2")
    assert order["confirmed"]["document_number"] == "VR-9" and order["status"] == "delivery_note"
