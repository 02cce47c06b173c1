"""PUT /api/shops/{shop}/products/{sku}/sale-prices/{priority}: what the shop may send, and that every
read of the product still answers afterwards."""
from __future__ import annotations

import pytest

from ledger.http.keys import POOL
from ledger.service.tokens import create_token
from tests.conftest import ADMIN
from tests.http.helpers import make_shop, settled

PRODUCT = "/api/shops/bolt/products/KS-1"


@pytest.fixture
async def shop(client):
    await make_shop(client)
    async with client.server.app[POOL].acquire() as conn:
        headers = {"Authorization": f"Bearer {await create_token(conn, 'shop', 'bolt')}"}
    response = await client.put(PRODUCT, json={"name": "Kerti szék", "base_price": "100"}, headers=headers)
    assert response.status == 201, await response.text()
    return client, headers


@pytest.mark.parametrize("window", [{"valid_to": "9999-12-31"}, {"valid_from": "0001-01-01", "valid_to": "0001-01-02"}])
async def test_a_sale_price_dated_at_the_calendars_edge_is_refused_and_the_price_history_still_answers(shop, window):
    client, headers = shop
    response = await client.put(f"{PRODUCT}/sale-prices/5", json={"price": "80", **window}, headers=headers)
    assert response.status == 400, await response.text()
    await settled(client)
    response = await client.get(f"{PRODUCT}/price-history", headers=ADMIN)
    assert response.status == 200, await response.text()


async def test_a_sale_price_with_an_unknown_field_is_refused_rather_than_running_forever(shop):
    client, headers = shop
    response = await client.put(f"{PRODUCT}/sale-prices/5", json={"price": "80", "valid_until": "2026-12-31"},
                                headers=headers)
    assert response.status == 400, await response.text()
    assert "valid_until" in (await response.json())["error"]
    product = await (await client.get(PRODUCT, headers=ADMIN)).json()
    assert product["sale_prices"] == []
