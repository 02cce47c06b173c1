"""A shop that is not registered answers 404 on its lists, not an empty list that reads as a shop with
nothing in it yet; a registered shop with nothing yet still answers its empty lists."""
from __future__ import annotations

import pytest

from tests.conftest import ADMIN
from tests.http.helpers import make_shop

LISTS = ["/api/shops/{shop}/products", "/api/shops/{shop}/syncs", "/api/shops/{shop}/categories",
         "/api/shops/{shop}/price-list?as_of=2026-11-29T10:00:00Z", "/api/shops/{shop}/audit/verify"]


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
