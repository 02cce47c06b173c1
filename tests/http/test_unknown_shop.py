"""A shop that is not registered answers 404 on its lists, not an empty list that reads as a shop with
nothing in it yet; a registered shop with nothing yet still answers its empty lists."""
from __future__ import annotations

import pytest

from tests.conftest import ADMIN
from tests.http.helpers import make_shop

LISTS = ["/api/shops/{shop}/products", "/api/shops/{shop}/syncs", "/api/shops/{shop}/categories",
         "/api/shops/{shop}/price-list?as_of=2026-11-29T10:00:00Z", "/api/shops/{shop}/audit/verify",
         "/api/shops/{shop}/products/KS-1/history", "/api/shops/{shop}/products/KS-1/price-history",
         "/api/shops/{shop}/products/KS-1/price-history?format=csv"]


@pytest.mark.parametrize("path", LISTS)
async def test_an_unregistered_shop_answers_404(client, path):
    response = await client.get(path.format(shop="nincs-ilyen"), headers=ADMIN)
    assert response.status == 404
    assert "no shop nincs-ilyen" in (await response.json())["error"]


@pytest.mark.parametrize("path", LISTS)
async def test_a_registered_shop_with_nothing_yet_answers_its_empty_list(client, path):
    await make_shop(client)
    response = await client.get(path.format(shop="bolt"), headers=ADMIN)
    assert response.status == 200, await response.text()


async def test_an_unknown_sync_kind_is_a_400_naming_the_kinds_not_an_empty_list(client):
    """A typo (`?kind=order_download`) read as "no syncs of that kind" would mislead an auditor."""
    await make_shop(client)
    response = await client.get("/api/shops/bolt/syncs?kind=order_download", headers=ADMIN)
    assert response.status == 400
    assert "orders_download" in (await response.json())["detail"]
    assert (await client.get("/api/shops/bolt/syncs?kind=orders_download", headers=ADMIN)).status == 200
