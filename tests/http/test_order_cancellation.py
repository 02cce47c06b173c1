"""Cancelling an order against what Kulcs knows of it: Kulcs is never sent a cancellation (neither U2
nor U3 carries one), so an order Kulcs stored cannot be cancelled in the shop, and Kulcs confirming
an order the shop cancelled hears of it in the answer."""
from __future__ import annotations

from ledger.http.keys import POOL
from ledger.service.tokens import create_token
from tests.conftest import ADMIN
from tests.http.helpers import make_shop, settled
from tests.http.test_orders import confirm, download, shop_headers
from tests.order_payloads import order_payload

CANCELLED_IN_SHOP = "a megrendelést a webshop visszavonta"


async def order_events(client, order_id: str) -> int:
    async with client.server.app[POOL].acquire() as conn:
        return await conn.fetchval(
            "SELECT count(*) FROM ledger_events e JOIN order_state s ON s.order_uuid = e.originator_id"
            " WHERE s.shop = 'bolt' AND s.order_id = $1", order_id)


async def order(client, order_id: str, headers) -> dict:
    await settled(client)
    response = await client.get(f"/api/shops/bolt/orders/{order_id}", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


def confirmation(*rows: tuple[str, str | None]) -> bytes:
    return ("<visszaigazolas>" + "".join(
        f"<megrendeles><azonosito>{order_id}</azonosito>"
        + (f"<bizonylatszam>{number}</bizonylatszam>" if number else "") + "</megrendeles>"
        for order_id, number in rows) + "</visszaigazolas>").encode()


async def test_order_confirmed_by_kulcs_cannot_be_cancelled(client):
    await make_shop(client)
    shop = await shop_headers(client)
    for order_id in ("1", "2"):
        await client.post("/api/shops/bolt/orders", json=order_payload(order_id), headers=shop)
    await confirm(client, "<visszaigazolas><megrendeles><azonosito>1</azonosito><bizonylatszam>VR-2026-12"
                          "</bizonylatszam><statusz>Teljesítve</statusz></megrendeles></visszaigazolas>".encode())
    await confirm(client, confirmation(("2", None)))
    events_before = await order_events(client, "1")

    refused = await client.post("/api/shops/bolt/orders/1/cancel", headers=shop)
    assert refused.status == 409
    answer = await refused.json()
    assert "Kulcs" in answer["error"]
    detail = answer["detail"]
    assert (detail["document_number"], detail["kulcs_status"]) == ("VR-2026-12", "invoiced")
    assert "cancel" in detail["resolution"] and "Kulcs" in detail["resolution"]
    assert await order_events(client, "1") == events_before
    shown = await order(client, "1", shop)
    assert (shown["status"], shown["cancelled_at"]) == ("invoiced", None)

    unnumbered = await client.post("/api/shops/bolt/orders/2/cancel", headers=shop)
    assert unnumbered.status == 409
    assert (await unnumbered.json())["detail"]["document_number"] is None
    assert (await order(client, "2", shop))["status"] == "confirmed"


async def test_an_order_handed_over_but_not_confirmed_can_still_be_cancelled_and_again(client):
    await make_shop(client)
    shop = await shop_headers(client)
    await client.post("/api/shops/bolt/orders", json=order_payload("1"), headers=shop)
    assert [e.text for e in (await download(client)).iterfind("megrendeles/azonosito")] == ["1"]
    cancelled = await client.post("/api/shops/bolt/orders/1/cancel", headers=shop)
    assert cancelled.status == 200 and (await cancelled.json())["status"] == "cancelled"
    events = await order_events(client, "1")
    again = await client.post("/api/shops/bolt/orders/1/cancel", headers=shop)
    assert again.status == 200 and (await again.json())["status"] == "cancelled"
    assert await order_events(client, "1") == events


async def test_kulcs_confirming_an_order_cancelled_in_the_shop_is_told_so(client):
    await make_shop(client)
    shop = await shop_headers(client)
    for order_id in ("1", "2"):
        await client.post("/api/shops/bolt/orders", json=order_payload(order_id), headers=shop)
    await download(client)
    await client.post("/api/shops/bolt/orders/1/cancel", headers=shop)

    status, answer, errors = await confirm(client, confirmation(("1", "VR-1"), ("2", "VR-2")))
    assert (status, answer["eredmeny"], answer["modositott"], answer["kihagyott"]) == (200, "RESZLEGES", "2", "0")
    assert len(errors) == 1 and CANCELLED_IN_SHOP in errors[0]
    await settled(client)
    sync = await (await client.get(f"/api/shops/bolt/syncs/{answer['szinkron']}", headers=ADMIN)).json()
    assert sync["outcome"] == "partial"
    assert [(e["row"], e["sku"], e["kind"]) for e in sync["errors"]] == [(1, "1", "cancelled_in_shop")]

    shown = await order(client, "1", shop)
    assert shown["status"] == "cancelled" and shown["cancelled_at"] is not None
    assert (shown["confirmed"]["sync_id"], shown["confirmed"]["document_number"]) == (answer["szinkron"], "VR-1")
    assert (await order(client, "2", shop))["status"] == "confirmed"
    events = await order_events(client, "1")

    status, again, errors = await confirm(client, confirmation(("1", "VR-1")))
    assert (again["eredmeny"], again["modositott"], again["valtozatlan"]) == ("RESZLEGES", "0", "1")
    assert len(errors) == 1 and CANCELLED_IN_SHOP in errors[0]
    _, _, errors = await confirm(client, b"<visszaigazolas><megrendeles><azonosito>1</azonosito>"
                                         b"<statusz>Sztorno</statusz></megrendeles></visszaigazolas>")
    assert len(errors) == 1 and CANCELLED_IN_SHOP in errors[0] and "ismeretlen" in errors[0]
    assert await order_events(client, "1") == events
    assert (await order(client, "1", shop))["status"] == "cancelled"


async def test_a_dry_run_replay_of_a_confirm_of_an_order_cancelled_in_the_shop_reports_it_too(client):
    await make_shop(client)
    shop = await shop_headers(client)
    await client.post("/api/shops/bolt/orders", json=order_payload("1"), headers=shop)
    await download(client)
    await client.post("/api/shops/bolt/orders/1/cancel", headers=shop)
    _, answer, _ = await confirm(client, confirmation(("1", "VR-1")))
    await settled(client)
    original = await (await client.get(f"/api/shops/bolt/syncs/{answer['szinkron']}", headers=ADMIN)).json()

    async with client.server.app[POOL].acquire() as conn:
        support = {"Authorization": f"Bearer {await create_token(conn, 'support', 'bolt')}"}
    replayed = await client.post(f"/api/shops/bolt/syncs/{answer['szinkron']}/replay",
                                 json={"dry_run": True}, headers=support)
    assert replayed.status == 200, await replayed.text()
    replay = await replayed.json()
    assert replay["outcome"] == original["outcome"] == "partial"
    assert replay["errors"] == original["errors"]
