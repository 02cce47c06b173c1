"""A webshopid is a path segment of every Kulcs URL, so it must survive being one."""
from __future__ import annotations

import pytest

from tests.conftest import ADMIN


@pytest.mark.parametrize("webshopid", [".", "..", "a/b", "a?b", "a#b", "a%2Fb", "a\\b", " bolt", "bolt ",
                                       "bo\tlt", "", "x" * 65])
async def test_a_webshopid_that_cannot_be_a_path_segment_is_refused(client, webshopid):
    response = await client.post("/api/shops", json={"webshopid": webshopid, "password": "kulcs-jelszo"},
                                 headers=ADMIN)
    assert response.status == 400
    assert "webshopid" in (await response.json())["error"]


@pytest.mark.parametrize("webshopid", ["bolt", "Bolt Kft", "ő-bolt_2", "x" * 64])
async def test_ordinary_webshopids_are_accepted(client, webshopid):
    response = await client.post("/api/shops", json={"webshopid": webshopid, "password": "kulcs-jelszo"},
                                 headers=ADMIN)
    assert response.status == 201, await response.text()
