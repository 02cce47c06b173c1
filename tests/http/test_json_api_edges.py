"""Edges of the JSON API that a client can reach: bodies sent in pieces, tokens tied to one shop,
shops that do not exist, client text in response headers, and aiohttp's own 404/405 answers."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

from ledger.http.json_body import MAX_JSON_BYTES
from ledger.http.keys import LEDGER, POOL
from ledger.service.tokens import create_token
from tests.conftest import ADMIN
from tests.http.helpers import basic, make_shop, settled
from tests.kulcs_docs import product_xml
from tests.order_payloads import order_payload

JSON = {"Content-Type": "application/json"}


async def pieces(body: bytes, size: int, pause: float):
    for start in range(0, len(body), size):
        yield body[start:start + size]
        await asyncio.sleep(pause)


async def bearer(client, role: str, shop: str | None) -> dict:
    async with client.server.app[POOL].acquire() as conn:
        return {"Authorization": f"Bearer {await create_token(conn, role, shop)}"}


# 1. A JSON body is read to its end, not just what has arrived so far.

async def test_json_body_sent_in_pieces_is_read_whole(client):
    body = json.dumps({"webshopid": "bolt", "password": "kulcs-jelszo"}).encode()
    response = await client.post("/api/shops", data=pieces(body, 20, 0.2), headers={**ADMIN, **JSON})
    assert response.status == 201, await response.text()
    assert (await response.json())["webshopid"] == "bolt"


async def test_json_body_over_the_limit_sent_in_pieces_is_refused_as_too_large(client):
    body = b'{"webshopid": "' + b"x" * MAX_JSON_BYTES + b'"}'
    response = await client.post("/api/shops", data=pieces(body, 1 << 16, 0.01), headers={**ADMIN, **JSON})
    assert response.status == 413  # as the Kulcs URLs answer a body over their limit
    assert (await response.json())["error"] == "request body too large"
    declared = await client.post("/api/shops", data=body, headers={**ADMIN, **JSON})
    assert declared.status == 413




async def test_json_nested_past_the_recursion_limit_is_a_400_not_a_500(client):
    body = '{"webshopid": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = await client.post("/api/shops", data=body, headers={**ADMIN, **JSON})
    assert response.status == 400, await response.text()
    assert "deeper than" in (await response.json())["error"]


async def test_an_order_with_a_deeply_nested_customer_is_a_400_and_stores_nothing(client):
    await make_shop(client)
    nested = json.dumps(order_payload("D-1"))[:-1] + ', "customer": {"a": ' + "[" * 900 + "]" * 900 + "}}"
    response = await client.post("/api/shops/bolt/orders", data=nested,
                                 headers={**await bearer(client, "shop", "bolt"), **JSON})
    assert response.status == 400, await response.text()
    async with client.server.app[POOL].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM order_state") == 0

# 2. An admin token tied to one shop administers that shop only.

async def test_shop_tied_admin_token_changes_its_own_shop_but_not_another(client):
    await make_shop(client)
    await make_shop(client, webshopid="masik", password="masik-jelszo")
    bolt_admin = await bearer(client, "admin", "bolt")
    response = await client.patch("/api/shops/masik", json={"payment_due_days": 30}, headers=bolt_admin)
    assert response.status == 403, await response.text()
    assert (await response.json())["error"]
    masik = await (await client.get("/api/shops/masik", headers=ADMIN)).json()
    assert masik["version"] == 1 and masik["payment_due_days"] != 30
    response = await client.patch("/api/shops/bolt", json={"payment_due_days": 30}, headers=bolt_admin)
    assert response.status == 200, await response.text()
    assert (await response.json())["payment_due_days"] == 30


async def test_shop_tied_admin_token_may_not_list_or_register_shops(client):
    await make_shop(client)
    bolt_admin = await bearer(client, "admin", "bolt")
    listed = await client.get("/api/shops", headers=bolt_admin)
    assert listed.status == 403, await listed.text()
    created = await client.post("/api/shops", json={"webshopid": "uj", "password": "uj-jelszo"},
                                headers=bolt_admin)
    assert created.status == 403, await created.text()
    assert (await client.get("/api/shops/uj", headers=ADMIN)).status == 404


async def test_shop_tied_support_and_auditor_tokens_may_not_rebuild_or_watch_every_shops_projections(client):
    await make_shop(client)
    bolt_support, bolt_auditor = await bearer(client, "support", "bolt"), await bearer(client, "auditor", "bolt")
    assert (await client.post("/api/projections/rebuild", headers=bolt_support)).status == 403
    assert (await client.get("/api/projections", headers=bolt_auditor)).status == 403
    assert (await client.get("/api/projections", headers=ADMIN)).status == 200


# 3. Orders and tokens for a shop that was never registered.

async def test_token_for_an_unknown_shop_is_refused_by_the_service_and_the_command_line(client, db_url):
    from tests.e2e.test_cli import cli

    async with client.server.app[POOL].acquire() as conn:
        try:
            await create_token(conn, "shop", "ghost")
        except ValueError as error:
            assert "no shop ghost" in str(error)
        else:
            raise AssertionError("a token for an unknown shop was created")
        assert await conn.fetchval("SELECT count(*) FROM api_tokens") == 0
    result = await asyncio.to_thread(cli, db_url, "token", "create", "--role", "shop", "--shop", "ghost",
                                     check=False)
    assert result.returncode == 2 and "no shop ghost" in result.stderr, (result.returncode, result.stderr)
    assert "kl_" not in result.stdout


async def test_order_for_an_unknown_shop_answers_404_and_stores_nothing(client):
    from ledger.service.secrets import new_token

    # A token for "ghost" made before tokens were checked against the shops.
    token, token_id, salt, digest = new_token()
    async with client.server.app[POOL].acquire() as conn:
        await conn.execute("INSERT INTO api_tokens (token_id, salt, digest, role, shop)"
                           " VALUES ($1, $2, $3, 'shop', 'ghost')", token_id, salt, digest)
    response = await client.post("/api/shops/ghost/orders", json=order_payload("G-1"),
                                 headers={"Authorization": f"Bearer {token}"})
    assert response.status == 404, await response.text()
    assert (await response.json())["error"] == "no shop ghost"
    async with client.server.app[POOL].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM order_state WHERE shop = 'ghost'") == 0
        assert await conn.fetchval("SELECT count(*) FROM ledger_events") == 0


async def test_reading_an_order_whose_shop_has_no_row_answers_404(client):
    from ledger.domain.ids import order_id as order_uuid
    from ledger.domain.order import Order
    from ledger.storage.order_writes import OrderStateRow, write_order_states

    # An order stored for "ghost" before orders were checked against the shops.
    payload, uuid = order_payload("G-1"), order_uuid("ghost", "G-1")
    event = Order.Created(originator_id=uuid, originator_version=1, timestamp=datetime.now(timezone.utc),
                          originator_topic=Order.TOPIC, shop="ghost", order_id="G-1", order=payload,
                          actor="test")
    state = OrderStateRow("ghost", "G-1", uuid, 1, "pending", False, None, None,
                          datetime.fromisoformat(payload["placed_at"]), payload)
    await asyncio.to_thread(client.server.app[LEDGER].save_events, event,
                            state_writes=[write_order_states([state])])
    await settled(client)
    response = await client.get("/api/shops/ghost/orders/G-1", headers=ADMIN)
    assert response.status == 404, await response.text()
    assert (await response.json())["error"] == "no order G-1"


# 4. Client text in a download's file name never breaks the answer.

async def pushed_product(client, sku: str) -> None:
    await make_shop(client, sync_type="full")
    pushed = await client.post("/kulcs/bolt/products", data=product_xml([{"termekkod": sku, "ar": "100"}]),
                               headers={**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"})
    assert pushed.status == 200
    await settled(client)


async def test_csv_download_with_a_newline_in_the_sku_answers_a_safe_file_name(client):
    await pushed_product(client, "A\nB")
    response = await client.get("/api/shops/bolt/products/A%0AB/price-history?format=csv", headers=ADMIN)
    assert response.status == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="A_B-prices.csv"'
    assert (await response.text()).startswith("at,")


async def test_csv_download_with_a_non_ascii_sku_names_the_file_in_rfc_5987_form(client):
    await pushed_product(client, 'Szék"')
    response = await client.get('/api/shops/bolt/products/Sz%C3%A9k%22/price-history?format=csv',
                                headers=ADMIN)
    assert response.status == 200
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Sz_k_-prices.csv\"; filename*=UTF-8''Sz%C3%A9k_-prices.csv")


# 5. aiohttp's own answers under /api/ are the API's JSON errors.

async def test_unknown_path_answers_a_json_404_under_api_only(client):
    response = await client.get("/api/no-such-thing")
    assert response.status == 404
    assert response.content_type == "application/json"
    assert set(await response.json()) == {"error", "detail"}
    for outside in ("/kulcs/bolt/no-such-thing", "/no-such-thing"):
        other = await client.get(outside)
        assert other.status == 404 and other.content_type != "application/json", outside


async def test_wrong_method_on_an_api_path_answers_a_json_405_with_allow(client):
    response = await client.delete("/api/shops", headers=ADMIN)
    assert response.status == 405
    assert response.content_type == "application/json"
    assert set(response.headers["Allow"].split(",")) == {"GET", "HEAD", "POST"}
    body = await response.json()
    assert body["error"] and body["detail"] == {"method": "DELETE", "allowed": ["GET", "HEAD", "POST"]}
