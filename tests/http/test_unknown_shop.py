"""A shop that is not registered answers 404 on its lists, not an empty list that reads as a shop with
nothing in it yet; a registered shop with nothing yet still answers its empty lists. A product the shop
never had answers 404 on its history too, as on its state."""
from __future__ import annotations

import pytest

from tests.conftest import ADMIN
from tests.http.helpers import make_shop

LISTS = ["/api/shops/{shop}/products", "/api/shops/{shop}/syncs", "/api/shops/{shop}/categories",
         "/api/shops/{shop}/price-list?as_of=2026-11-29T10:00:00Z", "/api/shops/{shop}/audit/verify",
         ]
PRODUCT_HISTORIES = ["/api/shops/{shop}/products/KS-1/history", "/api/shops/{shop}/products/KS-1/history?format=csv",
                     "/api/shops/{shop}/products/KS-1/price-history",
                     "/api/shops/{shop}/products/KS-1/price-history?format=csv"]


@pytest.mark.parametrize("path", LISTS + PRODUCT_HISTORIES)
async def test_an_unregistered_shop_answers_404(client, path):
    response = await client.get(path.format(shop="nincs-ilyen"), headers=ADMIN)
    assert response.status == 404
    assert "no shop nincs-ilyen" in (await response.json())["error"]


@pytest.mark.parametrize("path", LISTS)
async def test_a_registered_shop_with_nothing_yet_answers_its_empty_list(client, path):
    await make_shop(client)
    response = await client.get(path.format(shop="bolt"), headers=ADMIN)
    assert response.status == 200, await response.text()


@pytest.mark.parametrize("path", PRODUCT_HISTORIES)
async def test_the_history_of_a_sku_the_shop_never_had_answers_404_as_its_state_does(client, path):
    """An auditor's mistyped SKU must not read as "nothing ever changed this product"."""
    await make_shop(client)
    assert (await client.get("/api/shops/bolt/products/KS-1", headers=ADMIN)).status == 404
    response = await client.get(path.format(shop="bolt"), headers=ADMIN)
    assert response.status == 404
    assert (await response.json())["error"] == "no product KS-1"


async def test_an_unknown_sync_kind_is_a_400_naming_the_kinds_not_an_empty_list(client):
    """A typo (`?kind=order_download`) read as "no syncs of that kind" would mislead an auditor."""
    await make_shop(client)
    response = await client.get("/api/shops/bolt/syncs?kind=order_download", headers=ADMIN)
    assert response.status == 400
    assert "orders_download" in (await response.json())["detail"]
    assert (await client.get("/api/shops/bolt/syncs?kind=orders_download", headers=ADMIN)).status == 200
